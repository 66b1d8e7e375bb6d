"""Members: search, detail, KYC verification, deactivation and reactivation."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of, query_of
from admin_web.i18n import lazy_gettext
from admin_web.rendering import redirect, render
from admin_web.schemas import Id, MemberQuery, ReasonIn
from backend.domain.errors import ConflictError, KopdanaError, ValidationError
from backend.domain.members import MemberStatus, can_change_status
from backend.domain.permissions import Permission
from backend.services import branch_admin, member_admin
from backend.services.admin_dto import BranchAdminView, MemberDetail, StaffView

router = APIRouter(include_in_schema=False)
Viewer = Annotated[StaffView, require(Permission.MEMBERS_VIEW)]
Verifier = Annotated[StaffView, require(Permission.MEMBERS_VERIFY)]
Deactivator = Annotated[StaffView, require(Permission.MEMBERS_DEACTIVATE)]
Reason = Annotated[ReasonIn, form_of(ReasonIn)]


async def branch_choices(db: DbDep, staff: StaffView) -> tuple[BranchAdminView, ...]:
    """Branches to filter by: none for a branch-scoped user (they see only theirs)."""
    if staff.branch_id is not None or not staff.can(Permission.BRANCHES_VIEW):
        return ()
    return await branch_admin.list_branches(db, actor=staff)


def member_actions(staff: StaffView, status: MemberStatus) -> frozenset[str]:
    """The status changes this user may make to a member in ``status`` (forms shown)."""
    actions: set[str] = set()
    if staff.can(Permission.MEMBERS_VERIFY):
        if can_change_status(status, MemberStatus.VERIFIED):
            actions.add("verify")
        if can_change_status(status, MemberStatus.REJECTED):
            actions.add("reject")
    if staff.can(Permission.MEMBERS_DEACTIVATE):
        if can_change_status(status, MemberStatus.DEACTIVATED):
            actions.add("deactivate")
        if status is MemberStatus.DEACTIVATED:
            actions.add("reactivate")
    return frozenset(actions)


def _detail_page(
    request: Request,
    staff: StaffView,
    member: MemberDetail,
    *,
    error: KopdanaError | None = None,
    failed: str = "",
    status_code: int = 200,
) -> Response:
    actions = member_actions(staff, member.summary.status)
    return render(
        request, "members/detail.html",
        {"member": member, "actions": actions, "error": error, "failed": failed},
        status_code=status_code,
    )


@router.get("/members")
async def member_list(
    request: Request, staff: Viewer, db: DbDep, query: Annotated[MemberQuery, query_of(MemberQuery)]
) -> Response:
    found = await member_admin.search_members(
        db, actor=staff, query=query.q, branch_id=query.branch_id, role=query.role,
        status=query.status, page=query.page - 1,
    )
    branches = await branch_choices(db, staff)
    return render(
        request, "members/list.html", {"found": found, "query": query, "branches": branches}
    )


@router.get("/members/{member_id}")
async def member_detail(request: Request, staff: Viewer, db: DbDep, member_id: Id) -> Response:
    member = await member_admin.get_member_detail(db, actor=staff, member_id=member_id)
    return _detail_page(request, staff, member)


async def _act(
    request: Request,
    staff: StaffView,
    db: DbDep,
    member_id: int,
    change: Awaitable[MemberDetail],
    flash: str,
) -> Response:
    """Run one status change; a refused one shows the member again with the reason."""
    try:
        await change
    except (ValidationError, ConflictError) as error:
        member = await member_admin.get_member_detail(db, actor=staff, member_id=member_id)
        failed = request.url.path.rsplit("/", 1)[-1]
        return _detail_page(
            request, staff, member, error=error, failed=failed, status_code=status_for(error)
        )
    return redirect(f"/members/{member_id}", flash=flash)


@router.post("/members/{member_id}/verify")
async def verify(
    request: Request, staff: Verifier, db: DbDep, now: NowDep, ip: IpDep, member_id: Id
) -> Response:
    change = member_admin.verify_member(db, actor=staff, member_id=member_id, ip=ip, now=now)
    flash = lazy_gettext("admin.flash.member_verified")
    return await _act(request, staff, db, member_id, change, flash)


@router.post("/members/{member_id}/reject")
async def reject(
    request: Request, staff: Verifier, db: DbDep, now: NowDep, ip: IpDep, member_id: Id,
    form: Reason,
) -> Response:
    change = member_admin.reject_member(
        db, actor=staff, member_id=member_id, reason=form.reason, ip=ip, now=now
    )
    flash = lazy_gettext("admin.flash.member_rejected")
    return await _act(request, staff, db, member_id, change, flash)


@router.post("/members/{member_id}/deactivate")
async def deactivate(
    request: Request, staff: Deactivator, db: DbDep, now: NowDep, ip: IpDep, member_id: Id,
    form: Reason,
) -> Response:
    change = member_admin.deactivate_member(
        db, actor=staff, member_id=member_id, reason=form.reason, ip=ip, now=now
    )
    flash = lazy_gettext("admin.flash.member_deactivated")
    return await _act(request, staff, db, member_id, change, flash)


@router.post("/members/{member_id}/reactivate")
async def reactivate(
    request: Request, staff: Deactivator, db: DbDep, now: NowDep, ip: IpDep, member_id: Id,
    form: Reason,
) -> Response:
    change = member_admin.reactivate_member(
        db, actor=staff, member_id=member_id, reason=form.reason, ip=ip, now=now
    )
    flash = lazy_gettext("admin.flash.member_reactivated")
    return await _act(request, staff, db, member_id, change, flash)
