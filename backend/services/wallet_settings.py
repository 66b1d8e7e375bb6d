"""Wallet data master (rules, receiving bank accounts) and the reconciliation report.

Every change is audited with its before and after values, in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.models_ledger import LedgerAccount
from backend.db.models_wallet import (
    DepositRequest,
    LedgerCheckRun,
    ReceivingAccount,
    WalletSettingsRow,
    WithdrawalRequest,
)
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import BranchNotFound
from backend.domain.ledger import AccountKind
from backend.domain.member_rules import validate_bank_account_number
from backend.domain.permissions import Permission
from backend.domain.wallet import (
    DepositStatus,
    InvalidWalletSettings,
    RequestNotFound,
    WalletRules,
    WithdrawalStatus,
)
from backend.services import ledger
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import SYSTEM, record, staff_actor
from backend.services.clock import as_utc, has_control_characters
from backend.services.ledger_checks import LedgerReport, check_ledger
from backend.services.wallet_dto import (
    BranchReconciliation,
    ReceivingAccountView,
    WalletSettingsView,
)
from backend.services.wallet_records import SETTINGS_ROW_ID, receiving_view, rules_of

MAX_QUICK_PICKS = 6


def _rules_dict(rules: WalletRules) -> dict[str, Any]:
    values = dataclasses.asdict(rules)
    values["quick_picks"] = list(rules.quick_picks)
    return values


async def get_wallet_settings(db: Database, *, actor: StaffView) -> WalletSettingsView:
    require(actor, Permission.WALLET_SETTINGS)
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.get(WalletSettingsRow, SETTINGS_ROW_ID)
        return WalletSettingsView(
            rules=rules_of(row),
            updated_at=as_utc(row.updated_at) if row else None,
            updated_by=row.updated_by if row else "",
        )


async def update_wallet_settings(
    db: Database, *, actor: StaffView, rules: WalletRules, ip: str, now: dt.datetime
) -> WalletSettingsView:
    """Save new wallet rules (validated by ``WalletRules`` itself); audited."""
    require(actor, Permission.WALLET_SETTINGS)
    if len(rules.quick_picks) > MAX_QUICK_PICKS or any(
        not isinstance(a, int) or a <= 0 for a in rules.quick_picks
    ):
        raise InvalidWalletSettings(code="error.wallet.settings.quick_picks", max=MAX_QUICK_PICKS)
    async with UnitOfWork(db) as uow:
        row = await uow.session.get(WalletSettingsRow, SETTINGS_ROW_ID, with_for_update=True)
        before = _rules_dict(rules_of(row))
        values = _rules_dict(rules)
        if row is None:
            row = WalletSettingsRow(id=SETTINGS_ROW_ID, updated_at=now, **values)
            uow.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        row.updated_at = now
        row.updated_by = actor.username
        changed = {k: v for k, v in values.items() if before.get(k) != v}
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="wallet.settings_changed",
            object_type="wallet_settings",
            object_id=SETTINGS_ROW_ID,
            now=now,
            before={k: before[k] for k in changed},
            after=changed,
        )
        await uow.commit()
    return WalletSettingsView(rules=rules, updated_at=now, updated_by=actor.username)


# ------------------------------------------------------------------------- receiving accounts


async def list_receiving_accounts(
    db: Database, *, actor: StaffView
) -> tuple[ReceivingAccountView, ...]:
    """Receiving accounts of the branches the actor sees, by branch then newest first."""
    require(actor, Permission.WALLET_SETTINGS)
    statement = select(ReceivingAccount, Branch.name).join(
        Branch, Branch.id == ReceivingAccount.branch_id
    )
    if actor.branch_id is not None:
        statement = statement.where(ReceivingAccount.branch_id == actor.branch_id)
    async with UnitOfWork(db, write=False) as uow:
        rows = await uow.session.execute(
            statement.order_by(Branch.name, ReceivingAccount.id.desc())
        )
        return tuple(receiving_view(account, name) for account, name in rows)


def _clean_text(value: str, *, field: str, maximum: int) -> str:
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > maximum or has_control_characters(cleaned):
        raise InvalidWalletSettings(code="error.wallet.settings.text", field=field, max=maximum)
    return cleaned


async def add_receiving_account(
    db: Database,
    *,
    actor: StaffView,
    branch_id: int,
    bank_name: str,
    account_number: str,
    account_holder: str,
    ip: str,
    now: dt.datetime,
) -> ReceivingAccountView:
    """Add a bank account of the cooperative for a branch's deposits (it becomes the one
    shown to members: the newest active account of the branch); audited."""
    require(actor, Permission.WALLET_SETTINGS)
    bank_name = _clean_text(bank_name, field="bank_name", maximum=50)
    account_holder = _clean_text(account_holder, field="account_holder", maximum=100)
    account_number = validate_bank_account_number(account_number)
    if not sees_branch(actor, branch_id):
        raise BranchNotFound()

    async def work(uow: UnitOfWork) -> ReceivingAccountView:
        branch = await uow.session.get(Branch, branch_id)
        if branch is None:
            raise BranchNotFound()
        clearing = await ledger.ensure_account(
            uow,
            code=f"bank:{branch.code}:{bank_name.lower()}:{account_number}"[:80],
            kind=AccountKind.BANK_CLEARING,
        )
        account = ReceivingAccount(
            branch_id=branch_id,
            bank_name=bank_name,
            account_number=account_number,
            account_holder=account_holder,
            active=True,
            ledger_account_id=clearing.id,
            created_at=now,
        )
        uow.session.add(account)
        await uow.session.flush()
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="wallet.receiving_account_added",
            object_type="receiving_account",
            object_id=account.id,
            now=now,
            after={
                "branch_id": branch_id,
                "bank_name": bank_name,
                "account_number": account_number,
                "account_holder": account_holder,
            },
        )
        return receiving_view(account, branch.name)

    return await ledger.in_transaction(db, work)


async def set_receiving_account_active(
    db: Database, *, actor: StaffView, account_id: int, active: bool, ip: str, now: dt.datetime
) -> ReceivingAccountView:
    """Switch a receiving account on or off (open requests keep the account they showed)."""
    require(actor, Permission.WALLET_SETTINGS)
    async with UnitOfWork(db) as uow:
        account = await uow.session.get(ReceivingAccount, account_id, with_for_update=True)
        if account is None or not sees_branch(actor, account.branch_id):
            raise RequestNotFound()
        before = account.active
        account.active = active
        branch = await uow.session.get(Branch, account.branch_id)
        assert branch is not None
        if before != active:
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="wallet.receiving_account_" + ("activated" if active else "deactivated"),
                object_type="receiving_account",
                object_id=account.id,
                now=now,
                before={"active": before},
                after={"active": active},
            )
        view = receiving_view(account, branch.name)
        await uow.commit()
        return view


# ------------------------------------------------------------------------- reconciliation


async def reconciliation(
    db: Database, *, actor: StaffView
) -> tuple[tuple[BranchReconciliation, ...], BranchReconciliation]:
    """Per branch and overall: confirmed cash-in, paid and pending cash-out, wallet balances."""
    require(actor, Permission.REPORTS_VIEW)
    scope = actor.branch_id
    async with UnitOfWork(db, write=False) as uow:
        branches = dict(
            (
                await uow.session.execute(
                    select(Branch.id, Branch.name).where(
                        *([Branch.id == scope] if scope is not None else [])
                    )
                )
            ).all()
        )
        cash_in = {
            b: (int(total or 0), int(count))
            for b, total, count in await uow.session.execute(
                select(
                    DepositRequest.branch_id,
                    func.coalesce(func.sum(DepositRequest.received_amount), 0),
                    func.count(),
                )
                .where(DepositRequest.status == DepositStatus.CONFIRMED.value)
                .group_by(DepositRequest.branch_id)
            )
        }
        cash_out: dict[tuple[int, str], tuple[int, int]] = {
            (b, status): (int(total), int(count))
            for b, status, total, count in await uow.session.execute(
                select(
                    WithdrawalRequest.branch_id,
                    WithdrawalRequest.status,
                    func.coalesce(func.sum(WithdrawalRequest.amount), 0),
                    func.count(),
                ).group_by(WithdrawalRequest.branch_id, WithdrawalRequest.status)
            )
        }
        wallets = {
            b: (int(balance), int(held))
            for b, balance, held in await uow.session.execute(
                select(
                    Member.branch_id,
                    func.coalesce(func.sum(LedgerAccount.balance), 0),
                    func.coalesce(func.sum(LedgerAccount.held), 0),
                )
                .join(Member, Member.id == LedgerAccount.member_id)
                .where(LedgerAccount.kind == AccountKind.MEMBER_WALLET.value)
                .group_by(Member.branch_id)
            )
        }
    rows = []
    for branch_id, name in sorted(branches.items(), key=lambda item: item[1]):
        paid = cash_out.get((branch_id, WithdrawalStatus.PAID.value), (0, 0))
        pending = sum(
            cash_out.get((branch_id, status.value), (0, 0))[0]
            for status in (WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED)
        )
        rows.append(
            BranchReconciliation(
                branch_id=branch_id,
                branch_name=name,
                confirmed_cash_in=cash_in.get(branch_id, (0, 0))[0],
                confirmed_count=cash_in.get(branch_id, (0, 0))[1],
                paid_cash_out=paid[0],
                paid_count=paid[1],
                pending_cash_out=pending,
                wallet_balances=wallets.get(branch_id, (0, 0))[0],
                wallet_held=wallets.get(branch_id, (0, 0))[1],
            )
        )
    total = BranchReconciliation(
        branch_id=None,
        branch_name="",
        confirmed_cash_in=sum(r.confirmed_cash_in for r in rows),
        confirmed_count=sum(r.confirmed_count for r in rows),
        paid_cash_out=sum(r.paid_cash_out for r in rows),
        paid_count=sum(r.paid_count for r in rows),
        pending_cash_out=sum(r.pending_cash_out for r in rows),
        wallet_balances=sum(r.wallet_balances for r in rows),
        wallet_held=sum(r.wallet_held for r in rows),
    )
    return tuple(rows), total


async def ledger_report(db: Database, *, actor: StaffView) -> LedgerReport:
    """The invariant report of ``kopdana check``, run now."""
    require(actor, Permission.REPORTS_VIEW)
    return await check_ledger(db)


# ------------------------------------------------------------------------- periodic check


@dataclasses.dataclass(frozen=True, slots=True)
class CheckRunView:
    started_at: dt.datetime
    ok: bool
    violations: int


def _jsonable(value: object) -> object:
    """PostgreSQL sums come back as Decimal (whole rupiah here); JSON wants int or str."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


async def run_and_record_check(db: Database, *, now: dt.datetime) -> LedgerReport:
    """Run the invariant check and keep its outcome (and an audit entry when it fails)."""
    report = await check_ledger(db)
    async with UnitOfWork(db) as uow:
        summary = {
            "accounts": report.accounts,
            "entries": report.entries,
            "postings": report.postings,
            "pending_holds": report.pending_holds,
            "violations": [
                {"code": v.code, "details": {k: _jsonable(x) for k, x in v.details}}
                for v in report.violations[:50]
            ],
        }
        uow.session.add(
            LedgerCheckRun(
                started_at=now, ok=report.ok, violations=len(report.violations), report=summary
            )
        )
        if not report.ok:
            record(
                uow,
                actor=SYSTEM,
                action="ledger.check_failed",
                object_type="ledger",
                object_id=None,
                now=now,
                after={"violations": len(report.violations)},
            )
        await uow.commit()
    return report


async def last_check_run(db: Database) -> CheckRunView | None:
    """The latest periodic check, or None when none ran yet."""
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.scalar(
            select(LedgerCheckRun).order_by(LedgerCheckRun.id.desc()).limit(1)
        )
        if row is None:
            return None
        return CheckRunView(started_at=as_utc(row.started_at), ok=row.ok, violations=row.violations)


def check_run_is_stale(
    run: CheckRunView | None, *, now: dt.datetime, interval: dt.timedelta
) -> bool:
    """True when the periodic check has not run within two intervals."""
    return run is None or now - run.started_at > 2 * interval
