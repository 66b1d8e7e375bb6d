"""Cash-out requests: the treasurer transfers to the member's account and marks the request
paid (bank reference), or rejects it (the held amount goes back to the member).

Above the maker-checker threshold one staff user approves and a different one pays; the
service enforces it, and the page shows who approved and offers only the actions the
current user may take, saying why the others are not offered.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web import labels
from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of, query_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.rendering import redirect, render
from admin_web.routes.members import branch_choices
from admin_web.schemas import Id
from admin_web.wallet_common import new_nonce, readable
from admin_web.wallet_schemas import (
    BankReferenceIn,
    DecisionReasonIn,
    NonceIn,
    WithdrawalPageQuery,
)
from backend.domain.errors import ConflictError, KopdanaError, ValidationError
from backend.domain.permissions import Permission
from backend.domain.wallet import (
    WITHDRAWAL_OPEN,
    SameStaffNotAllowed,
    WalletUnavailable,
    WithdrawalStatus,
)
from backend.services import wallet_admin
from backend.services.admin_dto import StaffView
from backend.services.wallet_dto import WithdrawalView

router = APIRouter(include_in_schema=False)
Treasurer = Annotated[StaffView, require(Permission.WITHDRAWALS_CONFIRM)]
# What a decision can be refused for, shown on the request's page (not an error page).
REFUSALS = (ValidationError, ConflictError, SameStaffNotAllowed, WalletUnavailable)


def withdrawal_actions(staff: StaffView, withdrawal: WithdrawalView) -> tuple[frozenset[str], str]:
    """The decisions ``staff`` may take now, and why "mark paid" is not among them (a
    message id, "" when it is offered or the request is closed)."""
    if withdrawal.status not in WITHDRAWAL_OPEN:
        return frozenset(), ""
    if withdrawal.status is WithdrawalStatus.PENDING and withdrawal.needs_checker:
        note = lazy_gettext("admin.withdrawals.needs_approval_note")
        return frozenset({"approve", "reject"}), note
    if withdrawal.approved_by == staff.username:
        note = lazy_gettext("admin.withdrawals.you_approved_note")
        return frozenset({"reject"}), note
    return frozenset({"paid", "reject"}), ""


@router.get("/withdrawals")
async def withdrawal_list(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    query: Annotated[WithdrawalPageQuery, query_of(WithdrawalPageQuery)],
) -> Response:
    found = await wallet_admin.search_withdrawals(
        db,
        actor=staff,
        **query.search_args(),
    )
    approved_waiting = 0
    if query.status is WithdrawalStatus.PENDING:
        approved_waiting = (
            await wallet_admin.search_withdrawals(
                db, actor=staff, status=WithdrawalStatus.APPROVED, page_size=1
            )
        ).total
    branches = await branch_choices(db, staff)
    return render(
        request,
        "withdrawals/list.html",
        {
            "found": found,
            "query": query,
            "branches": branches,
            "approved_waiting": approved_waiting,
        },
    )


def _detail_page(
    request: Request,
    staff: StaffView,
    withdrawal: WithdrawalView,
    *,
    error: KopdanaError | None = None,
    failed: str = "",
    values: BankReferenceIn | DecisionReasonIn | None = None,
    status_code: int = 200,
) -> Response:
    if error is not None:
        error = readable(
            error,
            translator(request),
            statuses=labels.WITHDRAWAL_STATUSES,
            status_type=WithdrawalStatus,
            decided_by=withdrawal.decided_by or withdrawal.approved_by,
        )
    actions, blocked_note = withdrawal_actions(staff, withdrawal)
    return render(
        request,
        "withdrawals/detail.html",
        {
            "withdrawal": withdrawal,
            "actions": actions,
            "blocked_note": blocked_note,
            "error": error,
            "failed": failed,
            "bank_reference": values.bank_reference if isinstance(values, BankReferenceIn) else "",
            "reason": values.reason if isinstance(values, DecisionReasonIn) else "",
            "new_nonce": new_nonce,
        },
        status_code=status_code,
    )


@router.get("/withdrawals/{withdrawal_id}")
async def withdrawal_detail(
    request: Request, staff: Treasurer, db: DbDep, withdrawal_id: Id
) -> Response:
    withdrawal = await wallet_admin.get_withdrawal_for_staff(
        db, actor=staff, withdrawal_id=withdrawal_id
    )
    return _detail_page(request, staff, withdrawal)


async def _refused(
    request: Request,
    staff: StaffView,
    db: DbDep,
    withdrawal_id: int,
    error: KopdanaError,
    failed: str,
    values: BankReferenceIn | DecisionReasonIn | None = None,
) -> Response:
    withdrawal = await wallet_admin.get_withdrawal_for_staff(
        db, actor=staff, withdrawal_id=withdrawal_id
    )
    return _detail_page(
        request,
        staff,
        withdrawal,
        error=error,
        failed=failed,
        values=values,
        status_code=status_for(error),
    )


@router.post("/withdrawals/{withdrawal_id}/approve")
async def approve_withdrawal(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    form: Annotated[NonceIn, form_of(NonceIn)],
) -> Response:
    try:
        await wallet_admin.approve_withdrawal(
            db, actor=staff, withdrawal_id=withdrawal_id, nonce=form.nonce, ip=ip, now=now
        )
    except REFUSALS as error:
        return await _refused(request, staff, db, withdrawal_id, error, "approve")
    return redirect(
        f"/withdrawals/{withdrawal_id}", flash=lazy_gettext("admin.flash.withdrawal_approved")
    )


@router.post("/withdrawals/{withdrawal_id}/paid")
async def mark_withdrawal_paid(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    form: Annotated[BankReferenceIn, form_of(BankReferenceIn)],
) -> Response:
    try:
        await wallet_admin.mark_withdrawal_paid(
            db,
            actor=staff,
            withdrawal_id=withdrawal_id,
            bank_reference=form.bank_reference,
            nonce=form.nonce,
            ip=ip,
            now=now,
        )
    except REFUSALS as error:
        return await _refused(request, staff, db, withdrawal_id, error, "paid", form)
    return redirect(
        f"/withdrawals/{withdrawal_id}", flash=lazy_gettext("admin.flash.withdrawal_paid")
    )


@router.post("/withdrawals/{withdrawal_id}/reject")
async def reject_withdrawal(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    form: Annotated[DecisionReasonIn, form_of(DecisionReasonIn)],
) -> Response:
    try:
        await wallet_admin.reject_withdrawal(
            db,
            actor=staff,
            withdrawal_id=withdrawal_id,
            reason=form.reason,
            nonce=form.nonce,
            ip=ip,
            now=now,
        )
    except REFUSALS as error:
        return await _refused(request, staff, db, withdrawal_id, error, "reject", form)
    return redirect(
        f"/withdrawals/{withdrawal_id}", flash=lazy_gettext("admin.flash.withdrawal_rejected")
    )
