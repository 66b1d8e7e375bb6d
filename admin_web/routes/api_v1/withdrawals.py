"""API: cash-out requests (withdrawals) — list, detail, approve, mark paid, reject.

Above the maker-checker threshold (``needs_checker``) a staff user approves first and a
different one marks the request paid (403 ``error.wallet.same_staff`` otherwise). Nonces
work as for deposits: the same call repeated returns the first result.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from admin_web import labels
from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.routes.api_v1.wallet_models import WithdrawalOut, WithdrawalPageOut
from admin_web.schemas import Id
from admin_web.wallet_common import readable_errors
from admin_web.wallet_schemas import BankReferenceIn, DecisionReasonIn, NonceIn, WithdrawalQuery
from backend.domain.permissions import Permission
from backend.domain.wallet import WithdrawalStatus
from backend.services import wallet_admin
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["withdrawals"])
Treasurer = Annotated[StaffView, require(Permission.WITHDRAWALS_CONFIRM)]
NOT_FOUND: Responses = documented(404, "No such request in your scope")
DECISION_ERRORS: Responses = {
    **NOT_FOUND,
    **documented(409, "Already decided, or the bank reference is taken"),
}
STATUS_LABELS = {"statuses": labels.WITHDRAWAL_STATUSES, "status_type": WithdrawalStatus}


@router.get("/withdrawals", response_model=WithdrawalPageOut)
async def search_withdrawals(
    staff: Treasurer, db: DbDep, query: Annotated[WithdrawalQuery, Query()]
) -> WithdrawalPageOut:
    """Cash-out requests in your branch scope (filters as for deposits); 25 per page."""
    found = await wallet_admin.search_withdrawals(
        db,
        actor=staff,
        **query.search_args(),
    )
    return WithdrawalPageOut.of(found)


@router.get("/withdrawals/{withdrawal_id}", response_model=WithdrawalOut, responses=NOT_FOUND)
async def get_withdrawal(staff: Treasurer, db: DbDep, withdrawal_id: Id) -> WithdrawalOut:
    """One request, with the member's bank account in full (the treasurer transfers to it)."""
    return WithdrawalOut.model_validate(
        await wallet_admin.get_withdrawal_for_staff(db, actor=staff, withdrawal_id=withdrawal_id)
    )


@router.post(
    "/withdrawals/{withdrawal_id}/approve",
    response_model=WithdrawalOut,
    responses=DECISION_ERRORS,
)
async def approve_withdrawal(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    body: NonceIn,
) -> WithdrawalOut:
    """First signature on a cash-out above the threshold; someone else then pays it."""
    with readable_errors(request, **STATUS_LABELS):
        withdrawal = await wallet_admin.approve_withdrawal(
            db, actor=staff, withdrawal_id=withdrawal_id, nonce=body.nonce, ip=ip, now=now
        )
    return WithdrawalOut.model_validate(withdrawal)


@router.post(
    "/withdrawals/{withdrawal_id}/paid",
    response_model=WithdrawalOut,
    responses=DECISION_ERRORS,
)
async def mark_withdrawal_paid(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    body: BankReferenceIn,
) -> WithdrawalOut:
    """The money was transferred to the member's account: settle the hold (once)."""
    with readable_errors(request, **STATUS_LABELS):
        withdrawal = await wallet_admin.mark_withdrawal_paid(
            db,
            actor=staff,
            withdrawal_id=withdrawal_id,
            bank_reference=body.bank_reference,
            nonce=body.nonce,
            ip=ip,
            now=now,
        )
    return WithdrawalOut.model_validate(withdrawal)


@router.post(
    "/withdrawals/{withdrawal_id}/reject",
    response_model=WithdrawalOut,
    responses=DECISION_ERRORS,
)
async def reject_withdrawal(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    withdrawal_id: Id,
    body: DecisionReasonIn,
) -> WithdrawalOut:
    """Refuse with a reason the member reads; the held amount is released."""
    with readable_errors(request, **STATUS_LABELS):
        withdrawal = await wallet_admin.reject_withdrawal(
            db,
            actor=staff,
            withdrawal_id=withdrawal_id,
            reason=body.reason,
            nonce=body.nonce,
            ip=ip,
            now=now,
        )
    return WithdrawalOut.model_validate(withdrawal)
