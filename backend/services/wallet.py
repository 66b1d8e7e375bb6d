"""The member's wallet: cash-in and cash-out requests, their history, the balance summary.

Every function is one unit of work. Requests are idempotent by ``request_key`` (the bot
passes a nonce minted when it showed the confirmation step), so a redelivered update or a
double-tapped Confirm creates one request. A cash-out holds its amount in the same
transaction that records it (two-phase, DESIGN §4): it cannot be spent twice. Money moves
into a wallet only when staff confirm a deposit (``backend.services.wallet_admin``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.models_ledger import JournalEntry, LedgerAccount, LedgerPosting
from backend.db.models_wallet import DepositRequest, WithdrawalRequest
from backend.db.statements import insert_ignoring_conflicts, rowcount
from backend.db.unit_of_work import UnitOfWork
from backend.domain.member_rules import mask_account_number
from backend.domain.members import MemberStatus, Role
from backend.domain.wallet import (
    HISTORY_PAGE_SIZE,
    UNIQUE_CODE_MAX,
    DepositStatus,
    RequestAlreadyDecided,
    RequestNotFound,
    WalletRules,
    WalletUnavailable,
    WithdrawalStatus,
    check_deposit_amount,
    check_withdrawal_amount,
    deposit_deadline,
)
from backend.formatting import format_rupiah
from backend.services import ledger
from backend.services.audit import SYSTEM, AuditActor, record
from backend.services.outbox import enqueue_message
from backend.services.wallet_dto import (
    DepositPage,
    DepositView,
    MovementView,
    ReceivingAccountView,
    WalletSummary,
    WithdrawalPage,
    WithdrawalPreview,
    WithdrawalView,
)
from backend.services.wallet_records import (
    active_receiving_account,
    already_decided,
    deposit_query,
    deposit_view,
    load_deposit,
    load_rules,
    load_withdrawal,
    member_language,
    receiving_view,
    wallet_account,
    wallet_account_code,
    withdrawal_query,
    withdrawal_view,
)

PROOF_KINDS = frozenset({"photo", "document"})
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
_UNIQUE_CODE_ATTEMPTS = 5


def member_actor(member_id: int) -> AuditActor:
    return AuditActor(type="member", id=member_id, label=f"member:{member_id}")


def new_reference(prefix: str) -> str:
    """A short reference members and treasurers can read out, e.g. ``DP-7KQ2M9XA``."""
    return prefix + "-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


async def get_rules(db: Database) -> WalletRules:
    """The wallet rules in force (staff-set, or the defaults)."""
    async with UnitOfWork(db, write=False) as uow:
        return await load_rules(uow)


async def _wallet_member(uow: UnitOfWork, member_id: int) -> Member:
    """The member, if they may use the wallet: verified, and a financier."""
    member = await uow.session.scalar(
        select(Member).options(selectinload(Member.roles)).where(Member.id == member_id)
    )
    if member is None:
        raise WalletUnavailable(code="error.wallet.not_member")
    if member.status != MemberStatus.VERIFIED.value:
        raise WalletUnavailable(code="error.wallet.not_verified")
    if Role.FINANCIER.value not in {r.role for r in member.roles}:
        raise WalletUnavailable(code="error.wallet.not_financier")
    return member


# ------------------------------------------------------------------------- summary


async def wallet_summary(db: Database, *, member_id: int, recent: int = 5) -> WalletSummary:
    """Balance, held and available (rupiah) and the last ``recent`` movements."""
    async with UnitOfWork(db, write=False) as uow:
        account = await uow.session.scalar(
            select(LedgerAccount).where(LedgerAccount.code == wallet_account_code(member_id))
        )
        if account is None:
            return WalletSummary(balance=0, held=0, available=0, recent=())
        rows = (
            await uow.session.execute(
                select(
                    JournalEntry.created_at,
                    JournalEntry.kind,
                    LedgerPosting.amount,
                    JournalEntry.id,
                )
                .join(JournalEntry, JournalEntry.id == LedgerPosting.entry_id)
                .where(LedgerPosting.account_id == account.id)
                .order_by(LedgerPosting.id.desc())
                .limit(recent)
            )
        ).all()
        return WalletSummary(
            balance=account.balance,
            held=account.held,
            available=account.balance - account.held,
            recent=tuple(
                MovementView(at=at, kind=kind, amount=amount, entry_id=entry_id)
                for at, kind, amount, entry_id in rows
            ),
        )


@dataclass(frozen=True, slots=True)
class WalletHome:
    """A financier's wallet at a glance; ``receiving`` is None when the branch has none."""

    summary: WalletSummary
    rules: WalletRules
    receiving: ReceivingAccountView | None


async def wallet_home(db: Database, *, member_id: int, recent: int = 5) -> WalletHome:
    """Balance, held, available, the last ``recent`` movements, the rules, the branch account.

    Raises ``WalletUnavailable`` (``error.wallet.not_member``, ``.not_verified``,
    ``.not_financier``): the same rule the money actions apply.
    """
    async with UnitOfWork(db, write=False) as uow:
        member = await _wallet_member(uow, member_id)
        await uow.session.refresh(member, ["branch"])
        rules = await load_rules(uow)
        account = await active_receiving_account(uow, member.branch_id)
        receiving = receiving_view(account, member.branch.name) if account else None
    summary = await wallet_summary(db, member_id=member_id, recent=recent)
    return WalletHome(summary=summary, rules=rules, receiving=receiving)


# ------------------------------------------------------------------------- cash-in


async def _free_unique_code(uow: UnitOfWork, receiving_account_id: int, amount: int) -> int:
    taken = set(
        await uow.session.scalars(
            select(DepositRequest.transfer_amount).where(
                DepositRequest.receiving_account_id == receiving_account_id,
                DepositRequest.status == DepositStatus.PENDING.value,
                DepositRequest.transfer_amount.between(amount + 1, amount + UNIQUE_CODE_MAX),
            )
        )
    )
    free = [code for code in range(1, UNIQUE_CODE_MAX + 1) if amount + code not in taken]
    if not free:
        raise WalletUnavailable(code="error.wallet.busy")
    return secrets.choice(free)


async def start_deposit(
    db: Database, *, member_id: int, amount: int, request_key: str, now: dt.datetime
) -> DepositView:
    """Open a cash-in request: where to transfer, the exact amount with a unique code, a deadline.

    Idempotent by ``request_key``: a replay returns the first request (``replayed=True``).
    Raises ``WalletUnavailable`` (not verified / not a financier / the branch has no
    receiving account), ``WalletAmountError`` (below minimum, not a multiple).
    """

    async def work(uow: UnitOfWork) -> DepositView:
        existing = await uow.session.scalar(
            select(DepositRequest.id).where(DepositRequest.request_key == request_key)
        )
        if existing is not None:
            return await load_deposit(uow, existing, replayed=True)
        member = await _wallet_member(uow, member_id)
        rules = await load_rules(uow)
        check_deposit_amount(amount, rules)
        receiving = await active_receiving_account(uow, member.branch_id)
        if receiving is None:
            raise WalletUnavailable(code="error.wallet.no_receiving_account")
        await wallet_account(uow, member_id)
        for _attempt in range(_UNIQUE_CODE_ATTEMPTS):
            unique_code = await _free_unique_code(uow, receiving.id, amount)
            inserted = await insert_ignoring_conflicts(
                uow,
                DepositRequest,
                {
                    "reference": new_reference("DP"),
                    "request_key": request_key,
                    "member_id": member_id,
                    "branch_id": member.branch_id,
                    "receiving_account_id": receiving.id,
                    "amount": amount,
                    "unique_code": unique_code,
                    "transfer_amount": amount + unique_code,
                    "status": DepositStatus.PENDING.value,
                    "created_at": now,
                    "deadline_at": deposit_deadline(now, rules),
                    "reject_reason": "",
                },
                returning=DepositRequest.id,
            )
            if inserted is not None:
                record(
                    uow,
                    actor=member_actor(member_id),
                    action="deposit.requested",
                    object_type="deposit",
                    object_id=inserted,
                    now=now,
                    after={"amount": amount, "unique_code": unique_code},
                )
                return await load_deposit(uow, inserted)
            replay = await uow.session.scalar(
                select(DepositRequest.id).where(DepositRequest.request_key == request_key)
            )
            if replay is not None:  # the same request, committed by a concurrent delivery
                return await load_deposit(uow, replay, replayed=True)
            # else: another request took this transfer amount a moment ago; pick again.
        raise WalletUnavailable(code="error.wallet.busy")

    return await ledger.in_transaction(db, work)


async def _own_deposit(uow: UnitOfWork, member_id: int, deposit_id: int) -> DepositRequest:
    deposit = await uow.session.scalar(
        select(DepositRequest)
        .where(DepositRequest.id == deposit_id, DepositRequest.member_id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if deposit is None:
        raise RequestNotFound()
    return deposit


async def attach_deposit_proof(
    db: Database,
    *,
    member_id: int,
    deposit_id: int,
    file_id: str,
    kind: str,
    file_name: str | None,
    now: dt.datetime,
) -> DepositView:
    """Keep the member's transfer proof (a Telegram photo or PDF) with an open request.

    A newer proof replaces the older one. Raises ``RequestNotFound``,
    ``RequestAlreadyDecided`` (confirmed, rejected or cancelled).
    """
    if kind not in PROOF_KINDS or not file_id or len(file_id) > 200:
        raise RequestNotFound()

    async def work(uow: UnitOfWork) -> DepositView:
        deposit = await _own_deposit(uow, member_id, deposit_id)
        if deposit.status not in {DepositStatus.PENDING.value, DepositStatus.EXPIRED.value}:
            raise RequestAlreadyDecided(
                reference=deposit.reference,
                status=deposit.status,
                decided_by=deposit.decided_by or "",
            )
        deposit.proof_file_id = file_id
        deposit.proof_kind = kind
        deposit.proof_file_name = (file_name or "")[:200] or None
        deposit.proof_submitted_at = now
        record(
            uow,
            actor=member_actor(member_id),
            action="deposit.proof_submitted",
            object_type="deposit",
            object_id=deposit.id,
            now=now,
            after={"proof_kind": kind},
        )
        await uow.session.flush()
        return await load_deposit(uow, deposit.id)

    return await ledger.in_transaction(db, work)


async def cancel_deposit(
    db: Database, *, member_id: int, deposit_id: int, now: dt.datetime
) -> DepositView:
    """The member withdraws a pending cash-in request; cancelling twice is a replay."""

    async def work(uow: UnitOfWork) -> DepositView:
        deposit = await _own_deposit(uow, member_id, deposit_id)
        if deposit.status == DepositStatus.CANCELLED.value:
            return await load_deposit(uow, deposit.id, replayed=True)
        if deposit.status != DepositStatus.PENDING.value:
            raise RequestAlreadyDecided(
                reference=deposit.reference,
                status=deposit.status,
                decided_by=deposit.decided_by or "",
            )
        deposit.status = DepositStatus.CANCELLED.value
        deposit.decided_at = now
        deposit.decided_by = f"member:{member_id}"
        record(
            uow,
            actor=member_actor(member_id),
            action="deposit.cancelled",
            object_type="deposit",
            object_id=deposit.id,
            now=now,
            before={"status": DepositStatus.PENDING.value},
            after={"status": DepositStatus.CANCELLED.value},
        )
        await uow.session.flush()
        return await load_deposit(uow, deposit.id)

    return await ledger.in_transaction(db, work)


def _page_bounds(total: int, page: int, page_size: int) -> tuple[int, int]:
    page_count = max(1, -(-total // page_size))
    return min(max(page, 0), page_count - 1), page_count


async def list_deposits(
    db: Database, *, member_id: int, page: int, page_size: int = HISTORY_PAGE_SIZE
) -> DepositPage:
    """The member's cash-in requests, newest first."""
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(
                select(func.count()).where(DepositRequest.member_id == member_id)
            )
            or 0
        )
        page, page_count = _page_bounds(total, page, page_size)
        rows = await uow.session.execute(
            deposit_query()
            .where(DepositRequest.member_id == member_id)
            .order_by(DepositRequest.id.desc())
            .offset(page * page_size)
            .limit(page_size)
        )
        items = tuple(deposit_view(row) for row in rows)
    return DepositPage(items=items, page=page, page_count=page_count, total=total)


async def get_deposit(db: Database, *, member_id: int, deposit_id: int) -> DepositView:
    """One of the member's cash-in requests; ``RequestNotFound`` for anyone else's."""
    async with UnitOfWork(db, write=False) as uow:
        row = (
            await uow.session.execute(
                deposit_query().where(
                    DepositRequest.id == deposit_id, DepositRequest.member_id == member_id
                )
            )
        ).one_or_none()
        if row is None:
            raise RequestNotFound()
        return deposit_view(row)


# ------------------------------------------------------------------------- cash-out


async def _withdrawn_today(uow: UnitOfWork, member: Member, timezone: str, now: dt.datetime) -> int:
    """Σ today's cash-outs that are not rejected or cancelled, "today" in the branch's zone."""
    local_now = now.astimezone(ZoneInfo(timezone))
    day_start = local_now.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(dt.UTC)
    total = await uow.session.scalar(
        select(func.coalesce(func.sum(WithdrawalRequest.amount), 0)).where(
            WithdrawalRequest.member_id == member.id,
            WithdrawalRequest.created_at >= day_start,
            WithdrawalRequest.status.not_in(
                [WithdrawalStatus.REJECTED.value, WithdrawalStatus.CANCELLED.value]
            ),
        )
    )
    return int(total or 0)


async def _withdrawal_by_key(uow: UnitOfWork, request_key: str) -> int | None:
    return await uow.session.scalar(
        select(WithdrawalRequest.id).where(WithdrawalRequest.request_key == request_key)
    )


async def _lock_account(uow: UnitOfWork, account_id: int) -> tuple[int, int]:
    """Lock a wallet row (PostgreSQL; SQLite writers are serialised); its balance and held."""
    row = (
        await uow.session.execute(
            select(LedgerAccount.balance, LedgerAccount.held)
            .where(LedgerAccount.id == account_id)
            .with_for_update()
        )
    ).one()
    return int(row.balance), int(row.held)


async def _checked_withdrawal(
    uow: UnitOfWork, member_id: int, amount: int, now: dt.datetime
) -> tuple[Member, ledger.AccountView, WalletRules]:
    """The member, their wallet and the rules, once the amount passed every check under
    the wallet's lock."""
    member = await _wallet_member(uow, member_id)
    await uow.session.refresh(member, ["branch"])
    account = await wallet_account(uow, member_id)
    # Serialises this member's cash-outs, so the daily limit cannot be passed twice.
    balance, held = await _lock_account(uow, account.id)
    available = balance - held
    rules = await load_rules(uow)
    check_withdrawal_amount(
        amount,
        rules,
        available=available,
        withdrawn_today=await _withdrawn_today(uow, member, member.branch.timezone, now),
    )
    return member, account, rules


async def preview_withdrawal(
    db: Database, *, member_id: int, amount: int, now: dt.datetime
) -> WithdrawalPreview:
    """Check a cash-out amount and show it against the member's own bank account.

    Only reads (a wallet never opened has 0 available): on SQLite a read transaction must
    not write, or it fails with "database is locked" while another writer commits.
    ``start_withdrawal`` checks everything again under the wallet's lock.
    Raises ``WalletAmountError`` with the specific hint, or ``WalletUnavailable``.
    """
    async with UnitOfWork(db, write=False) as uow:
        member = await _wallet_member(uow, member_id)
        await uow.session.refresh(member, ["branch"])
        balances = (
            await uow.session.execute(
                select(LedgerAccount.balance, LedgerAccount.held).where(
                    LedgerAccount.code == wallet_account_code(member_id)
                )
            )
        ).one_or_none()
        available = int(balances.balance - balances.held) if balances else 0
        check_withdrawal_amount(
            amount,
            await load_rules(uow),
            available=available,
            withdrawn_today=await _withdrawn_today(uow, member, member.branch.timezone, now),
        )
        return WithdrawalPreview(
            amount=amount,
            available=available,
            bank_name=member.bank_name,
            bank_account_masked=mask_account_number(member.bank_account_number),
            bank_account_holder=member.bank_account_holder,
        )


async def start_withdrawal(
    db: Database, *, member_id: int, amount: int, request_key: str, now: dt.datetime
) -> WithdrawalView:
    """Record a cash-out request and hold its amount on the wallet, in one transaction.

    Idempotent by ``request_key``. Raises ``WalletAmountError`` (incl. above available and
    above the daily limit), ``WalletUnavailable``; ``InsufficientFunds`` cannot escape
    because available is checked under the account's lock.
    """

    async def work(uow: UnitOfWork) -> WithdrawalView:
        existing = await _withdrawal_by_key(uow, request_key)
        if existing is not None:
            return await load_withdrawal(uow, existing, replayed=True)
        await _wallet_member(uow, member_id)
        wallet = await wallet_account(uow, member_id)
        await _lock_account(uow, wallet.id)
        # Again under the lock: a concurrent delivery of the same request may have committed.
        existing = await _withdrawal_by_key(uow, request_key)
        if existing is not None:
            return await load_withdrawal(uow, existing, replayed=True)
        member, account, rules = await _checked_withdrawal(uow, member_id, amount, now)
        hold = await ledger.place_hold(
            uow,
            account_id=account.id,
            amount=amount,
            idempotency_key=f"withdrawal:{request_key}",
            now=now,
        )
        withdrawal = WithdrawalRequest(
            reference=new_reference("WD"),
            request_key=request_key,
            member_id=member_id,
            branch_id=member.branch_id,
            amount=amount,
            bank_name=member.bank_name,
            bank_account_number=member.bank_account_number,
            bank_account_holder=member.bank_account_holder,
            status=WithdrawalStatus.PENDING.value,
            needs_checker=rules.needs_checker(amount),
            hold_id=hold.id,
            created_at=now,
            reject_reason="",
        )
        uow.session.add(withdrawal)
        await uow.session.flush()
        record(
            uow,
            actor=member_actor(member_id),
            action="withdrawal.requested",
            object_type="withdrawal",
            object_id=withdrawal.id,
            now=now,
            after={"amount": amount, "hold_id": hold.id},
        )
        return await load_withdrawal(uow, withdrawal.id)

    return await ledger.in_transaction(db, work)


async def cancel_withdrawal(
    db: Database, *, member_id: int, withdrawal_id: int, now: dt.datetime
) -> WithdrawalView:
    """The member calls off a cash-out nobody has acted on yet; the hold is released."""

    async def work(uow: UnitOfWork) -> WithdrawalView:
        withdrawal = await uow.session.scalar(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.id == withdrawal_id, WithdrawalRequest.member_id == member_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if withdrawal is None:
            raise RequestNotFound()
        if withdrawal.status == WithdrawalStatus.CANCELLED.value:
            return await load_withdrawal(uow, withdrawal.id, replayed=True)
        if withdrawal.status != WithdrawalStatus.PENDING.value:
            raise already_decided(withdrawal)
        await ledger.void_hold(uow, hold_id=withdrawal.hold_id, now=now)
        withdrawal.status = WithdrawalStatus.CANCELLED.value
        withdrawal.decided_at = now
        withdrawal.decided_by = f"member:{member_id}"
        record(
            uow,
            actor=member_actor(member_id),
            action="withdrawal.cancelled",
            object_type="withdrawal",
            object_id=withdrawal.id,
            now=now,
            before={"status": WithdrawalStatus.PENDING.value},
            after={"status": WithdrawalStatus.CANCELLED.value},
        )
        await uow.session.flush()
        return await load_withdrawal(uow, withdrawal.id)

    return await ledger.in_transaction(db, work)


async def list_withdrawals(
    db: Database, *, member_id: int, page: int, page_size: int = HISTORY_PAGE_SIZE
) -> WithdrawalPage:
    """The member's cash-out requests, newest first."""
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(
                select(func.count()).where(WithdrawalRequest.member_id == member_id)
            )
            or 0
        )
        page, page_count = _page_bounds(total, page, page_size)
        rows = await uow.session.execute(
            withdrawal_query()
            .where(WithdrawalRequest.member_id == member_id)
            .order_by(WithdrawalRequest.id.desc())
            .offset(page * page_size)
            .limit(page_size)
        )
        items = tuple(withdrawal_view(row) for row in rows)
    return WithdrawalPage(items=items, page=page, page_count=page_count, total=total)


async def get_withdrawal(db: Database, *, member_id: int, withdrawal_id: int) -> WithdrawalView:
    """One of the member's cash-out requests; ``RequestNotFound`` for anyone else's."""
    async with UnitOfWork(db, write=False) as uow:
        row = (
            await uow.session.execute(
                withdrawal_query().where(
                    WithdrawalRequest.id == withdrawal_id, WithdrawalRequest.member_id == member_id
                )
            )
        ).one_or_none()
        if row is None:
            raise RequestNotFound()
        return withdrawal_view(row)


# ------------------------------------------------------------------------- expiry job


async def expire_deposits(db: Database, *, now: dt.datetime, batch: int = 200) -> int:
    """Mark pending cash-in requests past their deadline as expired; tell each member.

    Safe to run from several processes at once: each row changes by a conditional update
    on its status, and only the process whose update took notifies. Returns how many expired.
    """

    async def work(uow: UnitOfWork) -> int:
        due = (
            await uow.session.execute(
                select(DepositRequest.id)
                .where(
                    DepositRequest.status == DepositStatus.PENDING.value,
                    DepositRequest.deadline_at <= now,
                )
                .order_by(DepositRequest.id)
                .limit(batch)
            )
        ).scalars()
        expired = 0
        for deposit_id in list(due):
            result = await uow.session.execute(
                update(DepositRequest)
                .where(
                    DepositRequest.id == deposit_id,
                    DepositRequest.status == DepositStatus.PENDING.value,
                )
                .values(status=DepositStatus.EXPIRED.value, decided_at=now, decided_by="system")
                .execution_options(synchronize_session=False)
            )
            if rowcount(result) != 1:
                continue
            expired += 1
            view = await load_deposit(uow, deposit_id)
            language = await member_language(uow, view.telegram_user_id)
            enqueue_message(
                uow,
                chat_id=view.telegram_user_id,
                now=now,
                language=language,
                message_key="wallet.notice.deposit_expired",
                params={
                    "reference": view.reference,
                    "amount": format_rupiah(view.transfer_amount, language),
                },
            )
            record(
                uow,
                actor=SYSTEM,
                action="deposit.expired",
                object_type="deposit",
                object_id=deposit_id,
                now=now,
                before={"status": DepositStatus.PENDING.value},
                after={"status": DepositStatus.EXPIRED.value},
            )
        return expired

    return await ledger.in_transaction(db, work)


__all__ = [
    "attach_deposit_proof",
    "cancel_deposit",
    "cancel_withdrawal",
    "expire_deposits",
    "get_deposit",
    "get_rules",
    "get_withdrawal",
    "list_deposits",
    "list_withdrawals",
    "preview_withdrawal",
    "start_deposit",
    "start_withdrawal",
    "wallet_home",
    "wallet_summary",
]
