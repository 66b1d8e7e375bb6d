"""Ledger tables: accounts with a balance cache, append-only journal, postings, holds.

Money is BIGINT rupiah. Only ``backend.services.ledger`` writes these tables; the CHECK
constraints are the last line of defence behind its conditional updates (DESIGN §4).
``available`` = ``balance`` − ``held``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.models import Base, _now


class LedgerAccount(Base):
    """An account; ``balance`` and ``held`` are caches of its postings and pending holds."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('member_wallet', 'bank_clearing', 'rounding', 'fee_income')",
            name="kind_known",
        ),
        CheckConstraint("allow_negative OR balance >= 0", name="balance_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        CheckConstraint("allow_negative OR balance - held >= 0", name="available_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    allow_negative: Mapped[bool] = mapped_column(Boolean)
    balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    held: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class JournalEntry(Base):
    """One business event; applied once per idempotency key, never changed afterwards."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    memo: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    reverses_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("journal_entries.id"), unique=True
    )


class LedgerPosting(Base):
    """A signed, non-zero balance change of one account within one entry."""

    __tablename__ = "postings"
    __table_args__ = (CheckConstraint("amount <> 0", name="amount_not_zero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class LedgerHold(Base):
    """Money reserved on an account (two-phase): pending, then posted or voided."""

    __tablename__ = "ledger_holds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("status IN ('pending', 'posted', 'voided')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), default="pending", index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)


__all__ = ["JournalEntry", "LedgerAccount", "LedgerHold", "LedgerPosting"]
