"""API: the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin_web.deps import DbDep, require
from admin_web.routes.api_v1.models import AuditPageOut
from admin_web.schemas import AuditQuery
from backend.domain.permissions import Permission
from backend.services import audit as audit_service
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPageOut)
async def search_audit(
    staff: Annotated[StaffView, require(Permission.AUDIT_VIEW)],
    db: DbDep,
    query: Annotated[AuditQuery, Query()],
) -> AuditPageOut:
    """Entries newest first, 50 per page; ``action`` matches a prefix (``member.``)."""
    found = await audit_service.search_audit(
        db, actor=staff, staff_id=query.staff_id, action=query.action,
        object_type=query.object_type, object_id=query.object_id,
        date_from=query.date_from, date_to=query.date_to, page=query.page - 1,
    )
    return AuditPageOut.of(found)
