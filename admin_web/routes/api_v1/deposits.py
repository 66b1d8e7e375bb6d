"""API: cash-in requests (deposits) — list, detail, confirm, reject.

Each decision carries a ``nonce`` chosen by the client: repeating the same call returns
the first result (``replayed: true``) and moves no money again; another decision on a
decided request answers 409 ``error.wallet.already_decided``, naming who decided.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from admin_web import labels
from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.routes.api_v1.wallet_models import DepositOut, DepositPageOut
from admin_web.schemas import Id
from admin_web.wallet_common import readable_errors
from admin_web.wallet_schemas import DecisionReasonIn, DepositConfirmIn, DepositQuery
from backend.domain.permissions import Permission
from backend.domain.wallet import DepositStatus
from backend.services import wallet_admin
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["deposits"])
Treasurer = Annotated[StaffView, require(Permission.DEPOSITS_CONFIRM)]
NOT_FOUND: Responses = documented(404, "No such request in your scope")
DECISION_ERRORS: Responses = {
    **NOT_FOUND,
    **documented(409, "Already decided by someone else, or the bank reference is taken"),
}
STATUS_LABELS = {"statuses": labels.DEPOSIT_STATUSES, "status_type": DepositStatus}


@router.get("/deposits", response_model=DepositPageOut)
async def search_deposits(
    staff: Treasurer, db: DbDep, query: Annotated[DepositQuery, Query()]
) -> DepositPageOut:
    """Cash-in requests in your branch scope; ``q`` matches the reference or the member's
    name; dates are UTC days of the request; 25 per page (pending: oldest first)."""
    found = await wallet_admin.search_deposits(
        db,
        actor=staff,
        **query.search_args(),
    )
    return DepositPageOut.of(found)


@router.get("/deposits/{deposit_id}", response_model=DepositOut, responses=NOT_FOUND)
async def get_deposit(staff: Treasurer, db: DbDep, deposit_id: Id) -> DepositOut:
    return DepositOut.of(
        await wallet_admin.get_deposit_for_staff(db, actor=staff, deposit_id=deposit_id)
    )


@router.post("/deposits/{deposit_id}/confirm", response_model=DepositOut, responses=DECISION_ERRORS)
async def confirm_deposit(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    deposit_id: Id,
    body: DepositConfirmIn,
) -> DepositOut:
    """The transfer arrived: credit ``received_amount`` to the member's wallet (once).

    Pending or expired requests only; the member is told in Telegram."""
    with readable_errors(request, **STATUS_LABELS):
        deposit = await wallet_admin.confirm_deposit(
            db,
            actor=staff,
            deposit_id=deposit_id,
            received_amount=body.received_amount,
            bank_reference=body.bank_reference,
            nonce=body.nonce,
            ip=ip,
            now=now,
        )
    return DepositOut.of(deposit)


@router.post("/deposits/{deposit_id}/reject", response_model=DepositOut, responses=DECISION_ERRORS)
async def reject_deposit(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    deposit_id: Id,
    body: DecisionReasonIn,
) -> DepositOut:
    """No matching transfer: close the request; the member reads ``reason`` in Telegram."""
    with readable_errors(request, **STATUS_LABELS):
        deposit = await wallet_admin.reject_deposit(
            db,
            actor=staff,
            deposit_id=deposit_id,
            reason=body.reason,
            nonce=body.nonce,
            ip=ip,
            now=now,
        )
    return DepositOut.of(deposit)
