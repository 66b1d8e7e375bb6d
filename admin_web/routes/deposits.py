"""Cash-in requests: the treasurer's list, a request with its proof, confirm or reject.

Confirming credits the member's wallet exactly once: every rendered form carries a fresh
nonce, so the same form sent again (a double click, a reload) shows the same success,
while a second treasurer's decision on a decided request is refused (409) with who
decided. The member is told in Telegram by the service (outbox).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web import labels
from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import error_response, status_for
from admin_web.forms import form_of, query_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.rendering import redirect, render
from admin_web.routes.members import branch_choices
from admin_web.schemas import Id
from admin_web.telegram_files import ProofUnavailable, fetch_proof
from admin_web.wallet_common import new_nonce, readable, rupiah_digits
from admin_web.wallet_schemas import DecisionReasonIn, DepositConfirmForm, DepositPageQuery
from backend.domain.errors import ConflictError, KopdanaError, ValidationError
from backend.domain.money import parse_rupiah
from backend.domain.permissions import Permission
from backend.domain.wallet import DEPOSIT_CONFIRMABLE, DepositStatus, RequestNotFound
from backend.services import wallet_admin
from backend.services.admin_dto import StaffView
from backend.services.wallet_dto import DepositView

router = APIRouter(include_in_schema=False)
Treasurer = Annotated[StaffView, require(Permission.DEPOSITS_CONFIRM)]
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9-]")


@router.get("/deposits")
async def deposit_list(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    query: Annotated[DepositPageQuery, query_of(DepositPageQuery)],
) -> Response:
    found = await wallet_admin.search_deposits(
        db,
        actor=staff,
        **query.search_args(),
    )
    branches = await branch_choices(db, staff)
    return render(
        request, "deposits/list.html", {"found": found, "query": query, "branches": branches}
    )


def _detail_page(
    request: Request,
    deposit: DepositView,
    *,
    error: KopdanaError | None = None,
    failed: str = "",
    values: DepositConfirmForm | DecisionReasonIn | None = None,
    status_code: int = 200,
) -> Response:
    if error is not None:
        error = readable(
            error,
            translator(request),
            statuses=labels.DEPOSIT_STATUSES,
            status_type=DepositStatus,
            decided_by=deposit.decided_by,
        )
    open_for_decision = deposit.status in DEPOSIT_CONFIRMABLE
    confirm_values = values if isinstance(values, DepositConfirmForm) else None
    return render(
        request,
        "deposits/detail.html",
        {
            "deposit": deposit,
            "open_for_decision": open_for_decision,
            "error": error,
            "failed": failed,
            "received_amount": confirm_values.received_amount
            if confirm_values
            else rupiah_digits(deposit.transfer_amount),
            "bank_reference": confirm_values.bank_reference if confirm_values else "",
            "reason": values.reason if isinstance(values, DecisionReasonIn) else "",
            "new_nonce": new_nonce,
        },
        status_code=status_code,
    )


@router.get("/deposits/{deposit_id}")
async def deposit_detail(request: Request, staff: Treasurer, db: DbDep, deposit_id: Id) -> Response:
    deposit = await wallet_admin.get_deposit_for_staff(db, actor=staff, deposit_id=deposit_id)
    return _detail_page(request, deposit)


async def _refused(
    request: Request,
    staff: StaffView,
    db: DbDep,
    deposit_id: int,
    error: KopdanaError,
    failed: str,
    values: DepositConfirmForm | DecisionReasonIn,
) -> Response:
    """The request again, with why nothing happened and the form as it was sent."""
    deposit = await wallet_admin.get_deposit_for_staff(db, actor=staff, deposit_id=deposit_id)
    return _detail_page(
        request,
        deposit,
        error=error,
        failed=failed,
        values=values,
        status_code=status_for(error),
    )


@router.post("/deposits/{deposit_id}/confirm")
async def confirm_deposit(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    deposit_id: Id,
    form: Annotated[DepositConfirmForm, form_of(DepositConfirmForm)],
) -> Response:
    try:
        await wallet_admin.confirm_deposit(
            db,
            actor=staff,
            deposit_id=deposit_id,
            received_amount=parse_rupiah(form.received_amount),
            bank_reference=form.bank_reference,
            nonce=form.nonce,
            ip=ip,
            now=now,
        )
    except (ValidationError, ConflictError) as error:
        return await _refused(request, staff, db, deposit_id, error, "confirm", form)
    return redirect(f"/deposits/{deposit_id}", flash=lazy_gettext("admin.flash.deposit_confirmed"))


@router.post("/deposits/{deposit_id}/reject")
async def reject_deposit(
    request: Request,
    staff: Treasurer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    deposit_id: Id,
    form: Annotated[DecisionReasonIn, form_of(DecisionReasonIn)],
) -> Response:
    try:
        await wallet_admin.reject_deposit(
            db,
            actor=staff,
            deposit_id=deposit_id,
            reason=form.reason,
            nonce=form.nonce,
            ip=ip,
            now=now,
        )
    except (ValidationError, ConflictError) as error:
        return await _refused(request, staff, db, deposit_id, error, "reject", form)
    return redirect(f"/deposits/{deposit_id}", flash=lazy_gettext("admin.flash.deposit_rejected"))


@router.get("/deposits/{deposit_id}/proof")
async def deposit_proof(request: Request, staff: Treasurer, db: DbDep, deposit_id: Id) -> Response:
    """The member's transfer proof, fetched from Telegram, as a download (never inline)."""
    deposit = await wallet_admin.get_deposit_for_staff(db, actor=staff, deposit_id=deposit_id)
    if not deposit.proof_file_id:
        raise RequestNotFound(code="error.proof.missing")
    try:
        proof = await fetch_proof(request.app.state.settings, deposit.proof_file_id)
    except ProofUnavailable as error:
        return error_response(
            request, code=error.code, message=translator(request).error(error), status=502
        )
    name = f"{_UNSAFE_NAME.sub('', deposit.reference) or 'deposit'}-proof.{proof.extension}"
    return Response(
        proof.data,
        media_type=proof.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )
