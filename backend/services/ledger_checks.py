"""Invariant checks of the ledger, as pure SQL aggregates over one read snapshot.

``check_ledger`` is what tests, ``kopdana check`` and the periodic job call. It reads in a
read-only unit of work; on PostgreSQL that transaction is REPEATABLE READ so every query
sees the same snapshot (READ COMMITTED would give each statement its own, and report
phantom violations under load); on SQLite a deferred read transaction in WAL mode is a
snapshot already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork

__all__ = ["LedgerReport", "LedgerTotals", "Violation", "check_ledger", "ledger_totals"]


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken invariant: a stable ``code`` and the rows that break it."""

    code: str
    details: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class LedgerReport:
    """The outcome of ``check_ledger``; ``ok`` when there is no violation."""

    violations: tuple[Violation, ...]
    accounts: int
    entries: int
    postings: int
    pending_holds: int

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True, slots=True)
class LedgerTotals:
    """Sums of all balances read in one snapshot (rupiah)."""

    balance_total: int
    held_total: int
    by_kind: dict[str, int] = field(default_factory=dict)


# Each check: a code and a query returning the offending rows (no rows = fine).
_CHECKS: Sequence[tuple[str, str]] = (
    (
        "ledger.total_unbalanced",
        "SELECT SUM(amount) AS total FROM postings HAVING SUM(amount) <> 0",
    ),
    (
        "ledger.entry_unbalanced",
        "SELECT entry_id, SUM(amount) AS total FROM postings "
        "GROUP BY entry_id HAVING SUM(amount) <> 0",
    ),
    (
        "ledger.entry_too_few_postings",
        "SELECT e.id AS entry_id, COUNT(p.id) AS postings FROM journal_entries e "
        "LEFT JOIN postings p ON p.entry_id = e.id GROUP BY e.id HAVING COUNT(p.id) < 2",
    ),
    (
        "ledger.entry_duplicate_account",
        "SELECT entry_id, account_id FROM postings "
        "GROUP BY entry_id, account_id HAVING COUNT(*) > 1",
    ),
    (
        "ledger.balance_mismatch",
        "SELECT a.id AS account_id, a.balance AS cached, COALESCE(s.total, 0) AS posted "
        "FROM ledger_accounts a LEFT JOIN "
        "(SELECT account_id, SUM(amount) AS total FROM postings GROUP BY account_id) s "
        "ON s.account_id = a.id WHERE a.balance <> COALESCE(s.total, 0)",
    ),
    (
        "ledger.held_mismatch",
        "SELECT a.id AS account_id, a.held AS cached, COALESCE(h.total, 0) AS pending "
        "FROM ledger_accounts a LEFT JOIN "
        "(SELECT account_id, SUM(amount) AS total FROM ledger_holds "
        "WHERE status = 'pending' GROUP BY account_id) h "
        "ON h.account_id = a.id WHERE a.held <> COALESCE(h.total, 0)",
    ),
    (
        "ledger.forbidden_negative_balance",
        "SELECT id AS account_id, balance FROM ledger_accounts "
        "WHERE NOT allow_negative AND balance < 0",
    ),
    (
        "ledger.forbidden_negative_available",
        "SELECT id AS account_id, balance, held FROM ledger_accounts "
        "WHERE NOT allow_negative AND balance - held < 0",
    ),
    (
        "ledger.negative_held",
        "SELECT id AS account_id, held FROM ledger_accounts WHERE held < 0",
    ),
    (
        "ledger.key_applied_twice",
        "SELECT idempotency_key, COUNT(*) AS times FROM journal_entries "
        "GROUP BY idempotency_key HAVING COUNT(*) > 1",
    ),
    (
        "ledger.hold_key_applied_twice",
        "SELECT idempotency_key, COUNT(*) AS times FROM ledger_holds "
        "GROUP BY idempotency_key HAVING COUNT(*) > 1",
    ),
    (
        "ledger.reversed_twice",
        "SELECT reverses_entry_id, COUNT(*) AS times FROM journal_entries "
        "WHERE reverses_entry_id IS NOT NULL GROUP BY reverses_entry_id HAVING COUNT(*) > 1",
    ),
    (
        "ledger.reversal_of_missing_entry",
        "SELECT r.id AS entry_id, r.reverses_entry_id FROM journal_entries r "
        "LEFT JOIN journal_entries o ON o.id = r.reverses_entry_id "
        "WHERE r.reverses_entry_id IS NOT NULL AND o.id IS NULL",
    ),
    (
        "ledger.reversal_mismatch",
        # A reversal's postings plus the original's cancel out, account by account.
        "SELECT r.id AS entry_id, p.account_id, SUM(p.amount) AS residue "
        "FROM journal_entries r JOIN postings p "
        "ON p.entry_id = r.id OR p.entry_id = r.reverses_entry_id "
        "WHERE r.reverses_entry_id IS NOT NULL "
        "GROUP BY r.id, p.account_id HAVING SUM(p.amount) <> 0",
    ),
    (
        "ledger.hold_state_inconsistent",
        "SELECT id AS hold_id, status, entry_id FROM ledger_holds WHERE "
        "(status = 'posted' AND entry_id IS NULL) OR (status <> 'posted' AND entry_id IS NOT NULL)"
        " OR (status = 'pending' AND resolved_at IS NOT NULL)",
    ),
    # The wallet's requests agree with the money: no half-applied request.
    (
        "wallet.deposit_credit_mismatch",
        "SELECT d.id AS deposit_id, d.received_amount, p.amount AS credited "
        "FROM deposit_requests d "
        "LEFT JOIN ledger_accounts a ON a.member_id = d.member_id AND a.kind = 'member_wallet' "
        "LEFT JOIN postings p ON p.entry_id = d.entry_id AND p.account_id = a.id "
        "WHERE d.status = 'confirmed' "
        "AND (p.amount IS NULL OR d.received_amount IS NULL OR p.amount <> d.received_amount)",
    ),
    (
        "wallet.withdrawal_hold_mismatch",
        "SELECT w.id AS withdrawal_id, w.status, h.status AS hold_status "
        "FROM withdrawal_requests w JOIN ledger_holds h ON h.id = w.hold_id "
        "WHERE h.amount <> w.amount OR NOT ("
        "(w.status IN ('pending', 'approved') AND h.status = 'pending') "
        "OR (w.status = 'paid' AND h.status = 'posted' AND h.entry_id = w.entry_id) "
        "OR (w.status IN ('rejected', 'cancelled') AND h.status = 'voided'))",
    ),
)

_VIOLATION_ROW_LIMIT = 20


async def _snapshot(uow: UnitOfWork, db: Database) -> None:
    if not db.is_sqlite:
        await uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


async def check_ledger(db: Database) -> LedgerReport:
    """Check every ledger invariant in one read snapshot and report the violations.

    Checks: Σ postings = 0 overall and per entry; at least two postings per entry and one
    per account; cached balance = Σ postings and held = Σ pending holds per account; no
    forbidden negative balance or available; each idempotency key applied once; each
    entry reversed at most once, by postings that cancel it; every confirmed deposit credited
    exactly its received amount; every withdrawal's hold in the state its status implies
    (pending/approved: pending, paid: posted by its entry, rejected/cancelled: voided).
    Never writes; raises nothing but database errors. At most 20 offending rows are listed
    per violation.
    """
    violations: list[Violation] = []
    async with UnitOfWork(db, write=False) as uow:
        await _snapshot(uow, db)
        for code, query in _CHECKS:
            rows = (
                (await uow.session.execute(text(query))).mappings().fetchmany(_VIOLATION_ROW_LIMIT)
            )
            violations.extend(
                Violation(code=code, details=tuple(sorted(dict(row).items()))) for row in rows
            )
        counts = (
            await uow.session.execute(
                text(
                    "SELECT (SELECT COUNT(*) FROM ledger_accounts) AS accounts, "
                    "(SELECT COUNT(*) FROM journal_entries) AS entries, "
                    "(SELECT COUNT(*) FROM postings) AS postings, "
                    "(SELECT COUNT(*) FROM ledger_holds WHERE status = 'pending') AS pending"
                )
            )
        ).one()
    return LedgerReport(
        violations=tuple(violations),
        accounts=int(counts.accounts),
        entries=int(counts.entries),
        postings=int(counts.postings),
        pending_holds=int(counts.pending),
    )


async def ledger_totals(db: Database) -> LedgerTotals:
    """Sum all balances and holds, overall and per account kind, in one read snapshot.

    The queries are separate on purpose: they must agree because they share a snapshot.
    """
    async with UnitOfWork(db, write=False) as uow:
        await _snapshot(uow, db)
        by_kind_rows = (
            await uow.session.execute(
                text("SELECT kind, SUM(balance) AS total FROM ledger_accounts GROUP BY kind")
            )
        ).all()
        totals = (
            await uow.session.execute(
                text(
                    "SELECT COALESCE(SUM(balance), 0) AS balance, COALESCE(SUM(held), 0) AS held "
                    "FROM ledger_accounts"
                )
            )
        ).one()
    return LedgerTotals(
        balance_total=int(totals.balance),
        held_total=int(totals.held),
        by_kind={str(kind): int(total) for kind, total in by_kind_rows},
    )
