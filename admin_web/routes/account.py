"""The logged-in staff user's own account: profile and a personal API token."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import CurrentStaff, DbDep, IpDep, NowDep
from admin_web.rendering import render
from backend.services import staff as staff_service

router = APIRouter(include_in_schema=False)


@router.get("/account")
async def account(request: Request, staff: CurrentStaff) -> Response:
    return render(request, "account.html", {"token": None})


@router.post("/account/api-token")
async def issue_api_token(
    request: Request, staff: CurrentStaff, db: DbDep, now: NowDep, ip: IpDep
) -> Response:
    """A new API token (the previous one stops working), shown on this page only."""
    token = await staff_service.issue_api_token(db, actor=staff, ip=ip, now=now)
    return render(request, "account.html", {"token": token})
