"""The dashboard: members by status and by branch, within the user's scope."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, require
from admin_web.rendering import render
from backend.domain.permissions import Permission
from backend.services import member_admin
from backend.services.admin_dto import StaffView

router = APIRouter(include_in_schema=False)


@router.get("/")
async def dashboard(
    request: Request,
    staff: Annotated[StaffView, require(Permission.DASHBOARD_VIEW)],
    db: DbDep,
) -> Response:
    counts = await member_admin.member_counts(db, actor=staff)
    largest = max((n for _name, n in counts.by_branch), default=0)
    return render(request, "dashboard.html", {"counts": counts, "largest": largest})
