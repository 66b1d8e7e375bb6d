"""Wallet test data for the panel's tests: financiers with deposits and withdrawals, and
counts of what money decisions left behind (journal entries, audit rows, notices)."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import httpx
from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_ledger import JournalEntry
from backend.db.models_staff import AuditEntry, OutboxMessage
from backend.db.models_wallet import ReceivingAccount
from backend.db.unit_of_work import UnitOfWork
from backend.services import wallet, wallet_admin
from backend.services.dto import MemberView
from backend.services.wallet_dto import DepositView, WithdrawalView
from tests.wallet_factories import NOW, as_staff, receiving_account, verified_financier

NONCE_INPUT = re.compile(r'name="nonce" value="([^"]+)"')
_REGIONS = {"JKT01": "317405", "BDG01": "327301"}


async def financier(db: Database, n: int = 0, *, branch: str = "JKT01", **extra: Any) -> MemberView:
    """A verified financier (member ``n`` of the test), with a receiving account for the
    branch opened on first use."""
    from tests.factories import branch_id

    branch_number = await branch_id(db, branch)
    if not await count(db, ReceivingAccount, ReceivingAccount.branch_id == branch_number):
        await receiving_account(db, branch_code=branch, number=f"77{branch_number:08d}")
    fields: dict[str, Any] = {
        "telegram_user_id": 6100 + n,
        "telegram_username": f"pendana{n}",
        "full_name": extra.pop("full_name", f"Pendana Nomor {chr(65 + n)}"),
        "nik": f"{_REGIONS[branch]}570890{n + 10:04d}",
        "phone": f"0812345677{n:02d}",
        "branch_id": branch_number,
        **extra,
    }
    return await verified_financier(db, **fields)


async def deposit(
    db: Database, member: MemberView, amount: int = 1_500_000, *, key: str = "d"
) -> DepositView:
    return await wallet.start_deposit(
        db, member_id=member.id, amount=amount, request_key=f"{member.id}-{key}", now=NOW
    )


async def funded(db: Database, member: MemberView, amount: int, *, reference: str) -> None:
    """Credit ``amount`` to the member's wallet through a confirmed deposit."""
    request = await deposit(db, member, amount, key=f"fund-{reference}")
    admin = await as_staff(db, "superadmin")
    await wallet_admin.confirm_deposit(
        db,
        actor=admin,
        deposit_id=request.id,
        received_amount=amount,
        bank_reference=reference,
        nonce=f"fund-{reference}",
        ip="10.0.0.9",
        now=NOW,
    )


async def withdrawal(
    db: Database, member: MemberView, amount: int, *, key: str = "w"
) -> WithdrawalView:
    return await wallet.start_withdrawal(
        db, member_id=member.id, amount=amount, request_key=f"{member.id}-{key}", now=NOW
    )


async def count(db: Database, model: type, *conditions: object) -> int:
    async with UnitOfWork(db, write=False) as uow:
        statement = select(func.count()).select_from(model).where(*conditions)  # type: ignore[arg-type]
        return int(await uow.session.scalar(statement) or 0)


async def journal_entries(db: Database, kind: str) -> int:
    return await count(db, JournalEntry, JournalEntry.kind == kind)


async def audit_rows(db: Database, action: str) -> int:
    return await count(db, AuditEntry, AuditEntry.action == action)


async def notices(db: Database, key: str) -> int:
    return await count(db, OutboxMessage, OutboxMessage.message_key == key)


def nonces(page: httpx.Response) -> list[str]:
    """The nonces of the decision forms on a page, in page order."""
    return [unescape(n) for n in NONCE_INPUT.findall(page.text)]


async def balance(db: Database, member: MemberView) -> tuple[int, int]:
    """(balance, held) of the member's wallet."""
    summary = await wallet.wallet_summary(db, member_id=member.id)
    return summary.balance, summary.held
