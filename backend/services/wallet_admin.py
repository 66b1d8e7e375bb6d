"""Staff work on cash-in and cash-out requests: lists, confirm, reject, approve, mark paid.

Exactly once: each decision locks the request row (``FOR UPDATE``; SQLite's writers are
serialised anyway), re-reads its status and moves money through the ledger under an
idempotency key derived from the request (``deposit:<id>``, ``withdrawal:<id>``). A form
carries a nonce: the same form submitted again returns the first result
(``replayed=True``); a different decision on a decided request is refused with
``RequestAlreadyDecided``, which names who decided. Every decision writes an audit entry
and a Telegram notice to the member (outbox) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.models_wallet import DepositRequest, ReceivingAccount, WithdrawalRequest
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import ValidationError
from backend.domain.ledger import JournalEntryDraft, Posting
from backend.domain.permissions import Permission
from backend.domain.wallet import (
    DEPOSIT_CONFIRMABLE,
    WITHDRAWAL_OPEN,
    DepositStatus,
    DuplicateBankReference,
    RequestNotFound,
    SameStaffNotAllowed,
    WalletUnavailable,
    WithdrawalStatus,
    check_received_amount,
    normalise_bank_reference,
)
from backend.formatting import format_rupiah
from backend.services import ledger
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import record, staff_actor
from backend.services.clock import has_control_characters
from backend.services.member_admin import clean_reason
from backend.services.outbox import enqueue_message
from backend.services.wallet_dto import DepositPage, DepositView, WithdrawalPage, WithdrawalView
from backend.services.wallet_records import (
    active_receiving_account,
    already_decided,
    deposit_query,
    deposit_view,
    load_deposit,
    load_withdrawal,
    member_language,
    wallet_account,
    withdrawal_query,
    withdrawal_view,
)

NONCE_MAX_LENGTH = 64
SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])


def _nonce(nonce: str) -> str:
    if not nonce or len(nonce) > NONCE_MAX_LENGTH or has_control_characters(nonce):
        raise ValidationError(code="error.form_nonce")
    return nonce


def _page(total: int, page: int, page_size: int) -> tuple[int, int, int]:
    page_size = max(1, min(page_size, 100))
    page_count = max(1, -(-total // page_size))
    return min(max(page, 0), page_count - 1), page_count, page_size


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _filtered(
    statement: SelectT,
    model: type[DepositRequest] | type[WithdrawalRequest],
    *,
    actor: StaffView,
    status: str | None,
    branch_id: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    amount_min: int | None,
    amount_max: int | None,
    query: str | None,
) -> SelectT:
    if actor.branch_id is not None:
        statement = statement.where(model.branch_id == actor.branch_id)
    if branch_id is not None:
        statement = statement.where(model.branch_id == branch_id)
    if status:
        statement = statement.where(model.status == status)
    if date_from:
        statement = statement.where(model.created_at >= _day_start(date_from))
    if date_to and date_to < dt.date.max:
        statement = statement.where(model.created_at < _day_start(date_to + dt.timedelta(days=1)))
    if amount_min is not None:
        statement = statement.where(model.amount >= amount_min)
    if amount_max is not None:
        statement = statement.where(model.amount <= amount_max)
    text = (query or "").replace("\x00", "").strip()
    if text:
        statement = statement.where(
            or_(
                model.reference == text.upper(),
                func.lower(Member.full_name).contains(text.lower()),
            )
        )
    return statement


async def search_deposits(
    db: Database,
    *,
    actor: StaffView,
    status: DepositStatus | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
    query: str | None = None,
    page: int = 0,
    page_size: int = 25,
) -> DepositPage:
    """Cash-in requests within the actor's branch, oldest pending work first when filtered
    by status, else newest first. ``query`` matches the reference or the member's name."""
    require(actor, Permission.DEPOSITS_CONFIRM)
    statement = _filtered(
        deposit_query(),
        DepositRequest,
        actor=actor,
        status=status.value if status else None,
        branch_id=branch_id,
        date_from=date_from,
        date_to=date_to,
        amount_min=amount_min,
        amount_max=amount_max,
        query=query,
    )
    order = DepositRequest.id.asc() if status is DepositStatus.PENDING else DepositRequest.id.desc()
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        page, page_count, page_size = _page(total, page, page_size)
        rows = await uow.session.execute(
            statement.order_by(order).offset(page * page_size).limit(page_size)
        )
        items = tuple(deposit_view(row) for row in rows)
    return DepositPage(items=items, page=page, page_count=page_count, total=total)


async def search_withdrawals(
    db: Database,
    *,
    actor: StaffView,
    status: WithdrawalStatus | None = None,
    branch_id: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
    query: str | None = None,
    page: int = 0,
    page_size: int = 25,
) -> WithdrawalPage:
    """Cash-out requests within the actor's branch (filters as ``search_deposits``)."""
    require(actor, Permission.WITHDRAWALS_CONFIRM)
    statement = _filtered(
        withdrawal_query(),
        WithdrawalRequest,
        actor=actor,
        status=status.value if status else None,
        branch_id=branch_id,
        date_from=date_from,
        date_to=date_to,
        amount_min=amount_min,
        amount_max=amount_max,
        query=query,
    )
    order = (
        WithdrawalRequest.id.asc()
        if status in (WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED)
        else WithdrawalRequest.id.desc()
    )
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        page, page_count, page_size = _page(total, page, page_size)
        rows = await uow.session.execute(
            statement.order_by(order).offset(page * page_size).limit(page_size)
        )
        items = tuple(withdrawal_view(row) for row in rows)
    return WithdrawalPage(items=items, page=page, page_count=page_count, total=total)


async def get_deposit_for_staff(db: Database, *, actor: StaffView, deposit_id: int) -> DepositView:
    """One cash-in request; another branch's looks like a missing one."""
    require(actor, Permission.DEPOSITS_CONFIRM)
    async with UnitOfWork(db, write=False) as uow:
        row = (
            await uow.session.execute(deposit_query().where(DepositRequest.id == deposit_id))
        ).one_or_none()
        if row is None or not sees_branch(actor, row[0].branch_id):
            raise RequestNotFound()
        return deposit_view(row)


async def get_withdrawal_for_staff(
    db: Database, *, actor: StaffView, withdrawal_id: int
) -> WithdrawalView:
    """One cash-out request; another branch's looks like a missing one."""
    require(actor, Permission.WITHDRAWALS_CONFIRM)
    async with UnitOfWork(db, write=False) as uow:
        row = (
            await uow.session.execute(
                withdrawal_query().where(WithdrawalRequest.id == withdrawal_id)
            )
        ).one_or_none()
        if row is None or not sees_branch(actor, row[0].branch_id):
            raise RequestNotFound()
        return withdrawal_view(row)


# ------------------------------------------------------------------------- deposits


async def _locked_deposit(uow: UnitOfWork, actor: StaffView, deposit_id: int) -> DepositRequest:
    deposit = await uow.session.scalar(
        select(DepositRequest)
        .where(DepositRequest.id == deposit_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deposit is None or not sees_branch(actor, deposit.branch_id):
        raise RequestNotFound()
    return deposit


def _decide(
    uow: UnitOfWork,
    row: DepositRequest | WithdrawalRequest,
    *,
    status: str,
    actor: StaffView,
    ip: str,
    now: dt.datetime,
    nonce: str,
    action: str,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Close ``row`` with ``status`` as decided by ``actor`` through the form ``nonce``
    (kept so the same form again is a replay), and write the audit entry."""
    before = {"status": row.status}
    row.status = status
    row.decided_by = actor.username
    row.decided_at = now
    row.decision_nonce = nonce
    record(
        uow,
        actor=staff_actor(actor, ip),
        action=action,
        object_type=action.split(".")[0],
        object_id=row.id,
        now=now,
        before=before,
        after={"status": status, **(after or {})},
        reason=reason,
    )


async def _notify(
    uow: UnitOfWork, *, telegram_user_id: int, now: dt.datetime, key: str, **params: Any
) -> None:
    language = await member_language(uow, telegram_user_id)
    enqueue_message(
        uow,
        chat_id=telegram_user_id,
        now=now,
        language=language,
        message_key=key,
        params={
            name: format_rupiah(value, language) if name.startswith("amount") else value
            for name, value in params.items()
        },
    )


async def _unique_bank_reference(
    uow: UnitOfWork, model: type[DepositRequest] | type[WithdrawalRequest], reference: str
) -> None:
    used = await uow.session.scalar(select(model.id).where(model.bank_reference == reference))
    if used is not None:
        raise DuplicateBankReference(bank_reference=reference)


async def confirm_deposit(
    db: Database,
    *,
    actor: StaffView,
    deposit_id: int,
    received_amount: int,
    bank_reference: str,
    nonce: str,
    ip: str,
    now: dt.datetime,
) -> DepositView:
    """The transfer arrived: credit ``received_amount`` to the member's wallet, once.

    Allowed from pending or expired (a late transfer is still the member's money). Raises
    ``RequestAlreadyDecided`` (decided by another form), ``DuplicateBankReference``,
    ``WalletAmountError``, ``ValidationError`` (bank reference format, nonce),
    ``RequestNotFound``.
    """
    require(actor, Permission.DEPOSITS_CONFIRM)
    nonce = _nonce(nonce)
    reference = normalise_bank_reference(bank_reference)
    check_received_amount(received_amount)

    async def work(uow: UnitOfWork) -> DepositView:
        deposit = await _locked_deposit(uow, actor, deposit_id)
        if deposit.status == DepositStatus.CONFIRMED.value and deposit.decision_nonce == nonce:
            return await load_deposit(uow, deposit.id, replayed=True)
        if DepositStatus(deposit.status) not in DEPOSIT_CONFIRMABLE:
            raise already_decided(deposit)
        await _unique_bank_reference(uow, DepositRequest, reference)
        receiving = await uow.session.get(ReceivingAccount, deposit.receiving_account_id)
        assert receiving is not None  # a foreign key
        wallet = await wallet_account(uow, deposit.member_id)
        entry = await ledger.post_entry(
            uow,
            JournalEntryDraft(
                idempotency_key=f"deposit:{deposit.id}",
                kind="deposit",
                postings=(
                    Posting(receiving.ledger_account_id, -received_amount),
                    Posting(wallet.id, received_amount),
                ),
                memo=deposit.reference,
            ),
            now=now,
        )
        deposit.received_amount = received_amount
        deposit.bank_reference = reference
        deposit.entry_id = entry.id
        _decide(
            uow,
            deposit,
            status=DepositStatus.CONFIRMED.value,
            actor=actor,
            ip=ip,
            now=now,
            nonce=nonce,
            action="deposit.confirmed",
            after={
                "received_amount": received_amount,
                "bank_reference": reference,
                "entry_id": entry.id,
            },
        )
        await uow.session.flush()
        view = await load_deposit(uow, deposit.id)
        await _notify(
            uow,
            telegram_user_id=view.telegram_user_id,
            now=now,
            key="wallet.notice.deposit_confirmed",
            reference=view.reference,
            amount=received_amount,
        )
        return view

    return await _with_unique_reference(db, work, reference)


async def _with_unique_reference(db: Database, work: Any, reference: str) -> Any:
    """Run ``work``; a bank reference taken by a concurrent decision is a clear refusal."""
    try:
        return await ledger.in_transaction(db, work)
    except IntegrityError as error:
        if "bank_reference" in str(error.orig):
            raise DuplicateBankReference(bank_reference=reference) from None
        raise


async def reject_deposit(
    db: Database,
    *,
    actor: StaffView,
    deposit_id: int,
    reason: str,
    nonce: str,
    ip: str,
    now: dt.datetime,
) -> DepositView:
    """No matching transfer (or a wrong one): close the request with a reason; no money moves."""
    require(actor, Permission.DEPOSITS_CONFIRM)
    nonce = _nonce(nonce)
    reason = clean_reason(reason)

    async def work(uow: UnitOfWork) -> DepositView:
        deposit = await _locked_deposit(uow, actor, deposit_id)
        if deposit.status == DepositStatus.REJECTED.value and deposit.decision_nonce == nonce:
            return await load_deposit(uow, deposit.id, replayed=True)
        if DepositStatus(deposit.status) not in DEPOSIT_CONFIRMABLE:
            raise already_decided(deposit)
        deposit.reject_reason = reason
        _decide(
            uow,
            deposit,
            status=DepositStatus.REJECTED.value,
            actor=actor,
            ip=ip,
            now=now,
            nonce=nonce,
            action="deposit.rejected",
            reason=reason,
        )
        await uow.session.flush()
        view = await load_deposit(uow, deposit.id)
        await _notify(
            uow,
            telegram_user_id=view.telegram_user_id,
            now=now,
            key="wallet.notice.deposit_rejected",
            reference=view.reference,
            amount=view.transfer_amount,
            reason=reason,
        )
        return view

    return await ledger.in_transaction(db, work)


# ------------------------------------------------------------------------- withdrawals


async def _locked_withdrawal(
    uow: UnitOfWork, actor: StaffView, withdrawal_id: int
) -> WithdrawalRequest:
    withdrawal = await uow.session.scalar(
        select(WithdrawalRequest)
        .where(WithdrawalRequest.id == withdrawal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if withdrawal is None or not sees_branch(actor, withdrawal.branch_id):
        raise RequestNotFound()
    return withdrawal


async def approve_withdrawal(
    db: Database, *, actor: StaffView, withdrawal_id: int, nonce: str, ip: str, now: dt.datetime
) -> WithdrawalView:
    """First signature on a cash-out above the threshold; another staff user pays it.

    Raises ``RequestAlreadyDecided`` when it is not pending, ``ValidationError``
    (``error.wallet.no_approval_needed``) when the amount does not need a checker.
    """
    require(actor, Permission.WITHDRAWALS_CONFIRM)
    nonce = _nonce(nonce)

    async def work(uow: UnitOfWork) -> WithdrawalView:
        withdrawal = await _locked_withdrawal(uow, actor, withdrawal_id)
        if withdrawal.approval_nonce == nonce and withdrawal.approved_by == actor.username:
            # The same approval form again, whatever happened since: the first result.
            return await load_withdrawal(uow, withdrawal.id, replayed=True)
        if withdrawal.status != WithdrawalStatus.PENDING.value:
            raise already_decided(withdrawal)
        if not withdrawal.needs_checker:
            raise ValidationError(code="error.wallet.no_approval_needed")
        withdrawal.status = WithdrawalStatus.APPROVED.value
        withdrawal.approved_by = actor.username
        withdrawal.approved_at = now
        withdrawal.approval_nonce = nonce
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="withdrawal.approved",
            object_type="withdrawal",
            object_id=withdrawal.id,
            now=now,
            before={"status": WithdrawalStatus.PENDING.value},
            after={"status": withdrawal.status},
        )
        await uow.session.flush()
        return await load_withdrawal(uow, withdrawal.id)

    return await ledger.in_transaction(db, work)


async def mark_withdrawal_paid(
    db: Database,
    *,
    actor: StaffView,
    withdrawal_id: int,
    bank_reference: str,
    nonce: str,
    ip: str,
    now: dt.datetime,
) -> WithdrawalView:
    """The money was transferred to the member's bank: settle the hold, once.

    The branch's active receiving account is the account paid from. A cash-out that needs
    a checker must be approved first, by someone else (``SameStaffNotAllowed``). Raises
    ``RequestAlreadyDecided``, ``DuplicateBankReference``, ``ValidationError``
    (``error.wallet.needs_approval``, bank reference format), ``WalletUnavailable``
    (``error.wallet.no_paying_account``).
    """
    require(actor, Permission.WITHDRAWALS_CONFIRM)
    nonce = _nonce(nonce)
    reference = normalise_bank_reference(bank_reference)

    async def work(uow: UnitOfWork) -> WithdrawalView:
        withdrawal = await _locked_withdrawal(uow, actor, withdrawal_id)
        if withdrawal.status == WithdrawalStatus.PAID.value and withdrawal.decision_nonce == nonce:
            return await load_withdrawal(uow, withdrawal.id, replayed=True)
        if WithdrawalStatus(withdrawal.status) not in WITHDRAWAL_OPEN:
            raise already_decided(withdrawal)
        if withdrawal.needs_checker and withdrawal.status != WithdrawalStatus.APPROVED.value:
            raise ValidationError(code="error.wallet.needs_approval")
        if withdrawal.approved_by == actor.username:
            raise SameStaffNotAllowed()
        await _unique_bank_reference(uow, WithdrawalRequest, reference)
        paying = await active_receiving_account(uow, withdrawal.branch_id)
        if paying is None:  # staff must add one under the wallet settings first
            raise WalletUnavailable(code="error.wallet.no_paying_account")
        wallet = await wallet_account(uow, withdrawal.member_id)
        entry = await ledger.post_hold(
            uow,
            hold_id=withdrawal.hold_id,
            draft=JournalEntryDraft(
                idempotency_key=f"withdrawal:{withdrawal.id}",
                kind="withdrawal",
                postings=(
                    Posting(wallet.id, -withdrawal.amount),
                    Posting(paying.ledger_account_id, withdrawal.amount),
                ),
                memo=withdrawal.reference,
            ),
            now=now,
        )
        withdrawal.bank_reference = reference
        withdrawal.entry_id = entry.id
        withdrawal.paid_by = actor.username
        _decide(
            uow,
            withdrawal,
            status=WithdrawalStatus.PAID.value,
            actor=actor,
            ip=ip,
            now=now,
            nonce=nonce,
            action="withdrawal.paid",
            after={"bank_reference": reference, "entry_id": entry.id},
        )
        await uow.session.flush()
        view = await load_withdrawal(uow, withdrawal.id)
        await _notify(
            uow,
            telegram_user_id=view.telegram_user_id,
            now=now,
            key="wallet.notice.withdrawal_paid",
            reference=view.reference,
            amount=view.amount,
            bank=view.bank_name,
            account=view.bank_account_masked,
        )
        return view

    return await _with_unique_reference(db, work, reference)


async def reject_withdrawal(
    db: Database,
    *,
    actor: StaffView,
    withdrawal_id: int,
    reason: str,
    nonce: str,
    ip: str,
    now: dt.datetime,
) -> WithdrawalView:
    """Refuse a cash-out with a reason; the held amount is released to the member."""
    require(actor, Permission.WITHDRAWALS_CONFIRM)
    nonce = _nonce(nonce)
    reason = clean_reason(reason)

    async def work(uow: UnitOfWork) -> WithdrawalView:
        withdrawal = await _locked_withdrawal(uow, actor, withdrawal_id)
        if (
            withdrawal.status == WithdrawalStatus.REJECTED.value
            and withdrawal.decision_nonce == nonce
        ):
            return await load_withdrawal(uow, withdrawal.id, replayed=True)
        if WithdrawalStatus(withdrawal.status) not in WITHDRAWAL_OPEN:
            raise already_decided(withdrawal)
        await ledger.void_hold(uow, hold_id=withdrawal.hold_id, now=now)
        withdrawal.reject_reason = reason
        _decide(
            uow,
            withdrawal,
            status=WithdrawalStatus.REJECTED.value,
            actor=actor,
            ip=ip,
            now=now,
            nonce=nonce,
            action="withdrawal.rejected",
            reason=reason,
        )
        await uow.session.flush()
        view = await load_withdrawal(uow, withdrawal.id)
        await _notify(
            uow,
            telegram_user_id=view.telegram_user_id,
            now=now,
            key="wallet.notice.withdrawal_rejected",
            reference=view.reference,
            amount=view.amount,
            reason=reason,
        )
        return view

    return await ledger.in_transaction(db, work)
