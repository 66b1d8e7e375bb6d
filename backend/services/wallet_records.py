"""Reading wallet rows into views, shared by the member side and the staff side.

Also the lookups both sides need inside a unit of work: the current rules, a member's
wallet account, the branch's receiving account.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, select

from backend.db.models import Branch, Member, TelegramUser
from backend.db.models_wallet import (
    DepositRequest,
    ReceivingAccount,
    WalletSettingsRow,
    WithdrawalRequest,
)
from backend.db.unit_of_work import UnitOfWork
from backend.domain.ledger import AccountKind
from backend.domain.member_rules import mask_account_number
from backend.domain.wallet import (
    DepositStatus,
    RequestAlreadyDecided,
    WalletRules,
    WithdrawalStatus,
)
from backend.services import ledger
from backend.services.clock import as_utc
from backend.services.wallet_dto import DepositView, ReceivingAccountView, WithdrawalView

SETTINGS_ROW_ID = 1


def wallet_account_code(member_id: int) -> str:
    """The ledger account code of a member's wallet."""
    return f"wallet:{member_id}"


async def wallet_account(uow: UnitOfWork, member_id: int) -> ledger.AccountView:
    """The member's wallet account, opened (empty) on first use."""
    return await ledger.ensure_account(
        uow,
        code=wallet_account_code(member_id),
        kind=AccountKind.MEMBER_WALLET,
        member_id=member_id,
    )


def rules_of(row: WalletSettingsRow | None) -> WalletRules:
    """The rules stored in the settings row, or the defaults when staff never saved any."""
    if row is None:
        return WalletRules()
    return WalletRules(
        deposit_minimum=row.deposit_minimum,
        deposit_step=row.deposit_step,
        deposit_deadline_hours=row.deposit_deadline_hours,
        withdrawal_minimum=row.withdrawal_minimum,
        withdrawal_step=row.withdrawal_step,
        withdrawal_daily_limit=row.withdrawal_daily_limit,
        checker_threshold=row.checker_threshold,
        quick_picks=tuple(int(a) for a in row.quick_picks or ()),
    )


async def load_rules(uow: UnitOfWork) -> WalletRules:
    return rules_of(await uow.session.get(WalletSettingsRow, SETTINGS_ROW_ID))


def _optional_utc(moment: dt.datetime | None) -> dt.datetime | None:
    return as_utc(moment) if moment else None


def receiving_view(account: ReceivingAccount, branch_name: str) -> ReceivingAccountView:
    return ReceivingAccountView(
        id=account.id,
        branch_id=account.branch_id,
        branch_name=branch_name,
        bank_name=account.bank_name,
        account_number=account.account_number,
        account_holder=account.account_holder,
        active=account.active,
        ledger_account_id=account.ledger_account_id,
    )


async def active_receiving_account(uow: UnitOfWork, branch_id: int) -> ReceivingAccount | None:
    """The branch's newest active receiving account (where its deposits go)."""
    return await uow.session.scalar(
        select(ReceivingAccount)
        .where(ReceivingAccount.branch_id == branch_id, ReceivingAccount.active.is_(True))
        .order_by(ReceivingAccount.id.desc())
        .limit(1)
    )


def deposit_query() -> Select[DepositRequest, str, int, str, ReceivingAccount]:
    """Deposits with what their views need: member, branch and receiving account."""
    return (
        select(
            DepositRequest, Member.full_name, Member.telegram_user_id, Branch.name, ReceivingAccount
        )
        .join(Member, Member.id == DepositRequest.member_id)
        .join(Branch, Branch.id == DepositRequest.branch_id)
        .join(ReceivingAccount, ReceivingAccount.id == DepositRequest.receiving_account_id)
    )


def withdrawal_query() -> Select[WithdrawalRequest, str, int, str]:
    return (
        select(WithdrawalRequest, Member.full_name, Member.telegram_user_id, Branch.name)
        .join(Member, Member.id == WithdrawalRequest.member_id)
        .join(Branch, Branch.id == WithdrawalRequest.branch_id)
    )


def deposit_view(row: Any, *, replayed: bool = False) -> DepositView:
    """A view from a ``deposit_query()`` result row."""
    deposit: DepositRequest = row[0]
    return DepositView(
        id=deposit.id,
        reference=deposit.reference,
        member_id=deposit.member_id,
        member_name=row[1],
        telegram_user_id=row[2],
        branch_id=deposit.branch_id,
        branch_name=row[3],
        receiving=receiving_view(row[4], row[3]),
        amount=deposit.amount,
        unique_code=deposit.unique_code,
        transfer_amount=deposit.transfer_amount,
        status=DepositStatus(deposit.status),
        created_at=as_utc(deposit.created_at),
        deadline_at=as_utc(deposit.deadline_at),
        proof_kind=deposit.proof_kind,
        proof_file_id=deposit.proof_file_id,
        proof_file_name=deposit.proof_file_name,
        proof_submitted_at=_optional_utc(deposit.proof_submitted_at),
        received_amount=deposit.received_amount,
        bank_reference=deposit.bank_reference,
        decided_by=deposit.decided_by,
        decided_at=_optional_utc(deposit.decided_at),
        reject_reason=deposit.reject_reason,
        entry_id=deposit.entry_id,
        replayed=replayed,
    )


def withdrawal_view(row: Any, *, replayed: bool = False) -> WithdrawalView:
    """A view from a ``withdrawal_query()`` result row."""
    withdrawal: WithdrawalRequest = row[0]
    return WithdrawalView(
        id=withdrawal.id,
        reference=withdrawal.reference,
        member_id=withdrawal.member_id,
        member_name=row[1],
        telegram_user_id=row[2],
        branch_id=withdrawal.branch_id,
        branch_name=row[3],
        amount=withdrawal.amount,
        bank_name=withdrawal.bank_name,
        bank_account_masked=mask_account_number(withdrawal.bank_account_number),
        bank_account_number=withdrawal.bank_account_number,
        bank_account_holder=withdrawal.bank_account_holder,
        status=WithdrawalStatus(withdrawal.status),
        needs_checker=withdrawal.needs_checker,
        created_at=as_utc(withdrawal.created_at),
        approved_by=withdrawal.approved_by,
        approved_at=_optional_utc(withdrawal.approved_at),
        bank_reference=withdrawal.bank_reference,
        decided_by=withdrawal.decided_by,
        decided_at=_optional_utc(withdrawal.decided_at),
        reject_reason=withdrawal.reject_reason,
        entry_id=withdrawal.entry_id,
        replayed=replayed,
    )


def already_decided(row: DepositRequest | WithdrawalRequest) -> RequestAlreadyDecided:
    """The refusal for acting on a request that is no longer open: who decided, and how."""
    return RequestAlreadyDecided(
        reference=row.reference, status=row.status, decided_by=row.decided_by or ""
    )


async def load_deposit(uow: UnitOfWork, deposit_id: int, *, replayed: bool = False) -> DepositView:
    row = (await uow.session.execute(deposit_query().where(DepositRequest.id == deposit_id))).one()
    return deposit_view(row, replayed=replayed)


async def load_withdrawal(
    uow: UnitOfWork, withdrawal_id: int, *, replayed: bool = False
) -> WithdrawalView:
    row = (
        await uow.session.execute(withdrawal_query().where(WithdrawalRequest.id == withdrawal_id))
    ).one()
    return withdrawal_view(row, replayed=replayed)


async def member_language(uow: UnitOfWork, telegram_user_id: int) -> str:
    """The language the member chose in the bot (Indonesian when they never chose)."""
    language = await uow.session.scalar(
        select(TelegramUser.language).where(TelegramUser.id == telegram_user_id)
    )
    return language or "id"
