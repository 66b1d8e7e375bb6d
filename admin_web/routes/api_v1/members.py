"""API: members and the dashboard counts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import (
    DashboardOut,
    MemberDetailOut,
    MemberPageOut,
    Responses,
    documented,
)
from admin_web.schemas import Id, MemberQuery, ReasonIn
from backend.domain.permissions import Permission
from backend.services import member_admin
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["members"])
Viewer = Annotated[StaffView, require(Permission.MEMBERS_VIEW)]
Verifier = Annotated[StaffView, require(Permission.MEMBERS_VERIFY)]
Deactivator = Annotated[StaffView, require(Permission.MEMBERS_DEACTIVATE)]
NOT_FOUND: Responses = documented(404, "No such member in your scope")
ACTION_ERRORS: Responses = {**NOT_FOUND, **documented(409, "Not from this status")}


@router.get("/dashboard", response_model=DashboardOut)
async def dashboard(
    staff: Annotated[StaffView, require(Permission.DASHBOARD_VIEW)], db: DbDep
) -> DashboardOut:
    """Members by status and by branch, within your branch scope."""
    return DashboardOut.of(await member_admin.member_counts(db, actor=staff))


@router.get("/members", response_model=MemberPageOut)
async def search_members(
    staff: Viewer, db: DbDep, query: Annotated[MemberQuery, Query()]
) -> MemberPageOut:
    """Search by name, NIK, phone or Telegram username (``q``); filter; 20 per page."""
    found = await member_admin.search_members(
        db, actor=staff, query=query.q, branch_id=query.branch_id, role=query.role,
        status=query.status, page=query.page - 1,
    )
    return MemberPageOut.of(found)


@router.get("/members/{member_id}", response_model=MemberDetailOut, responses=NOT_FOUND)
async def get_member(staff: Viewer, db: DbDep, member_id: Id) -> MemberDetailOut:
    """Profile (NIK and account masked), roles and status history."""
    detail = await member_admin.get_member_detail(db, actor=staff, member_id=member_id)
    return MemberDetailOut.model_validate(detail)


@router.post(
    "/members/{member_id}/verify", response_model=MemberDetailOut, responses=ACTION_ERRORS
)
async def verify_member(
    staff: Verifier, db: DbDep, now: NowDep, ip: IpDep, member_id: Id
) -> MemberDetailOut:
    """KYC passed; the member is told in Telegram and may use money features."""
    detail = await member_admin.verify_member(db, actor=staff, member_id=member_id, ip=ip,
                                              now=now)
    return MemberDetailOut.model_validate(detail)


@router.post(
    "/members/{member_id}/reject", response_model=MemberDetailOut, responses=ACTION_ERRORS
)
async def reject_member(
    staff: Verifier, db: DbDep, now: NowDep, ip: IpDep, member_id: Id, body: ReasonIn
) -> MemberDetailOut:
    """KYC failed; the member is told the reason in Telegram."""
    detail = await member_admin.reject_member(
        db, actor=staff, member_id=member_id, reason=body.reason, ip=ip, now=now
    )
    return MemberDetailOut.model_validate(detail)


@router.post(
    "/members/{member_id}/deactivate", response_model=MemberDetailOut, responses=ACTION_ERRORS
)
async def deactivate_member(
    staff: Deactivator, db: DbDep, now: NowDep, ip: IpDep, member_id: Id, body: ReasonIn
) -> MemberDetailOut:
    """Block the member from the bot, with a reason."""
    detail = await member_admin.deactivate_member(
        db, actor=staff, member_id=member_id, reason=body.reason, ip=ip, now=now
    )
    return MemberDetailOut.model_validate(detail)


@router.post(
    "/members/{member_id}/reactivate", response_model=MemberDetailOut, responses=ACTION_ERRORS
)
async def reactivate_member(
    staff: Deactivator, db: DbDep, now: NowDep, ip: IpDep, member_id: Id, body: ReasonIn
) -> MemberDetailOut:
    """Let a deactivated member back, to the status they had before."""
    detail = await member_admin.reactivate_member(
        db, actor=staff, member_id=member_id, reason=body.reason, ip=ip, now=now
    )
    return MemberDetailOut.model_validate(detail)
