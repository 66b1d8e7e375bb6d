"""The audit log: who did what to which object, with before/after values and IP."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, require
from admin_web.forms import query_of
from admin_web.rendering import render
from admin_web.schemas import AuditQuery
from backend.domain.permissions import Permission
from backend.services import audit as audit_service
from backend.services import staff as staff_service
from backend.services.admin_dto import StaffView

router = APIRouter(include_in_schema=False)
Auditor = Annotated[StaffView, require(Permission.AUDIT_VIEW)]


@router.get("/audit")
async def audit_log(
    request: Request, staff: Auditor, db: DbDep, query: Annotated[AuditQuery, query_of(AuditQuery)]
) -> Response:
    found = await audit_service.search_audit(
        db, actor=staff, staff_id=query.staff_id, action=query.action,
        object_type=query.object_type, object_id=query.object_id,
        date_from=query.date_from, date_to=query.date_to, page=query.page - 1,
    )
    # The staff filter lists names for those who may see them; others filter by id.
    users = await staff_service.list_staff(db, actor=staff) if staff.can(
        Permission.STAFF_VIEW) else ()
    return render(request, "audit/list.html", {"found": found, "query": query, "users": users})
