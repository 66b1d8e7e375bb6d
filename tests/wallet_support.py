"""Helpers for the wallet's stateful and crash tests: people, and the "no half-applied
request" checks read straight from the tables.

``consistency_problems`` is stricter than ``check_ledger`` on the wallet's requests: it
also finds money with no request behind it (a deposit credit or a cash-out hold whose
request row is missing or in another state) and checks that the members' wallets add up
to what their requests say.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.services import member_admin, staff, staff_auth, wallet_settings
from backend.services.admin_dto import StaffView
from tests.factories import branch_id, registered_member

SETUP_NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
STAFF_USERNAMES = ("superadmin", "bendahara.jkt", "manager.jkt")


async def staff_users(db: Database, *, now: dt.datetime = SETUP_NOW) -> dict[str, StaffView]:
    """The demo staff users (seeded if needed), each logged in once."""
    await staff.seed_demo_staff(db, now=now)
    users = {}
    for username in STAFF_USERNAMES:
        result = await staff_auth.authenticate(
            db,
            username=username,
            password=f"{username}{staff.DEMO_PASSWORD_SUFFIX}",
            ip="10.0.0.9",
            user_agent="pytest",
            now=now,
        )
        users[username] = result.staff
    return users


async def add_receiving_account(db: Database, admin: StaffView, *, number: str) -> None:
    """An active receiving account for JKT01 (where the financiers below belong)."""
    await wallet_settings.add_receiving_account(
        db,
        actor=admin,
        branch_id=await branch_id(db, "JKT01"),
        bank_name="BRI",
        account_number=number,
        account_holder="Koperasi Kopdana Sejahtera",
        ip="10.0.0.9",
        now=SETUP_NOW,
    )


def financier_fields(serial: int) -> dict[str, Any]:
    """Registration overrides making financier number ``serial`` (1..9999) unique.

    The NIK keeps the default's district and birth date (a woman born 17 Aug 1990) and
    varies the 4-digit serial; the demo members use serials 0001 and 0002.
    """
    if not 3 <= serial <= 9999:
        raise ValueError(f"serial out of range: {serial}")
    return {
        "telegram_user_id": 810_000_000 + serial,
        "telegram_username": f"fin{serial}",
        "full_name": f"Siti Rahayu {_letters(serial)}",
        "nik": f"317405570890{serial:04d}",
    }


def _letters(number: int) -> str:
    """A name-safe suffix (names take letters only): 12 -> "Bc"."""
    digits = "abcdefghij"
    return "".join(digits[int(d)] for d in str(number)).capitalize()


async def new_financier(db: Database, admin: StaffView, serial: int) -> int:
    """Register and verify financier number ``serial``; return the member id."""
    member = await registered_member(db, **financier_fields(serial))
    await member_admin.verify_member(
        db, actor=admin, member_id=member.id, ip="10.0.0.9", now=SETUP_NOW
    )
    return member.id


# ------------------------------------------------------------------ consistency checks

_PROBLEM_QUERIES: tuple[tuple[str, str], ...] = (
    (
        "confirmed deposit without its credit",
        "SELECT d.id FROM deposit_requests d "
        "LEFT JOIN journal_entries e ON e.id = d.entry_id "
        "WHERE d.member_id IN :members AND d.status = 'confirmed' AND ("
        "e.id IS NULL OR e.idempotency_key <> 'deposit:' || d.id OR e.kind <> 'deposit')",
    ),
    (
        "deposit credit without a confirmed deposit",
        "SELECT e.id FROM journal_entries e "
        "JOIN postings p ON p.entry_id = e.id "
        "JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'member_wallet' "
        "LEFT JOIN deposit_requests d ON d.entry_id = e.id AND d.status = 'confirmed' "
        "WHERE a.member_id IN :members AND e.kind = 'deposit' AND d.id IS NULL",
    ),
    (
        "unconfirmed deposit with an entry",
        "SELECT d.id FROM deposit_requests d WHERE d.member_id IN :members "
        "AND d.status <> 'confirmed' AND (d.entry_id IS NOT NULL "
        "OR EXISTS (SELECT 1 FROM journal_entries e WHERE e.idempotency_key = 'deposit:' || d.id))",
    ),
    (
        "withdrawal hold in the wrong state",
        "SELECT w.id FROM withdrawal_requests w LEFT JOIN ledger_holds h ON h.id = w.hold_id "
        "WHERE w.member_id IN :members AND (h.id IS NULL OR h.amount <> w.amount OR NOT ("
        "(w.status IN ('pending', 'approved') AND h.status = 'pending' AND w.entry_id IS NULL) "
        "OR (w.status = 'paid' AND h.status = 'posted' AND h.entry_id = w.entry_id) "
        "OR (w.status IN ('rejected', 'cancelled') AND h.status = 'voided' "
        "AND w.entry_id IS NULL)))",
    ),
    (
        "wallet hold without a withdrawal",
        "SELECT h.id FROM ledger_holds h "
        "JOIN ledger_accounts a ON a.id = h.account_id AND a.kind = 'member_wallet' "
        "LEFT JOIN withdrawal_requests w ON w.hold_id = h.id "
        "WHERE a.member_id IN :members AND w.id IS NULL",
    ),
    (
        "withdrawal debit without a paid withdrawal",
        "SELECT e.id FROM journal_entries e "
        "JOIN postings p ON p.entry_id = e.id "
        "JOIN ledger_accounts a ON a.id = p.account_id AND a.kind = 'member_wallet' "
        "LEFT JOIN withdrawal_requests w ON w.entry_id = e.id AND w.status = 'paid' "
        "WHERE a.member_id IN :members AND e.kind = 'withdrawal' AND w.id IS NULL",
    ),
)

_TOTALS = (
    "SELECT "
    "(SELECT COALESCE(SUM(balance), 0) FROM ledger_accounts "
    " WHERE kind = 'member_wallet' AND member_id IN :members) AS balances, "
    "(SELECT COALESCE(SUM(held), 0) FROM ledger_accounts "
    " WHERE kind = 'member_wallet' AND member_id IN :members) AS held, "
    "(SELECT COALESCE(SUM(received_amount), 0) FROM deposit_requests "
    " WHERE status = 'confirmed' AND member_id IN :members) AS deposited, "
    "(SELECT COALESCE(SUM(amount), 0) FROM withdrawal_requests "
    " WHERE status = 'paid' AND member_id IN :members) AS paid, "
    "(SELECT COALESCE(SUM(amount), 0) FROM withdrawal_requests "
    " WHERE status IN ('pending', 'approved') AND member_id IN :members) AS open_withdrawals"
)


async def consistency_problems(db: Database, member_ids: Sequence[int]) -> list[str]:
    """Every half-applied or unbalanced request of these members, read in one snapshot.

    Checks: each confirmed deposit has its ``deposit:<id>`` entry and no other deposit
    has one; each wallet credit of kind ``deposit`` and each debit of kind ``withdrawal``
    belongs to a confirmed deposit / paid withdrawal; each withdrawal's hold is pending
    while it is open, posted by its entry once paid, voided once rejected or cancelled;
    no wallet hold lacks its withdrawal; Σ wallet balances = Σ confirmed deposits (as
    received) − Σ paid withdrawals; Σ held = Σ open withdrawals.
    """
    problems: list[str] = []
    params = {"members": tuple(member_ids) or (-1,)}

    def expanding(sql: str) -> Any:
        return text(sql).bindparams(bindparam("members", expanding=True))

    async with UnitOfWork(db, write=False) as uow:
        if not db.is_sqlite:
            await uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        for label, sql in _PROBLEM_QUERIES:
            rows = (await uow.session.execute(expanding(sql), params)).scalars().all()
            if rows:
                problems.append(f"{label}: {sorted(rows)[:20]}")
        totals = (await uow.session.execute(expanding(_TOTALS), params)).one()
    if totals.balances != totals.deposited - totals.paid:
        problems.append(
            f"wallet balances {totals.balances} != confirmed deposits {totals.deposited} "
            f"- paid withdrawals {totals.paid}"
        )
    if totals.held != totals.open_withdrawals:
        problems.append(f"held {totals.held} != open withdrawals {totals.open_withdrawals}")
    return problems
