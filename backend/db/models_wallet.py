"""Wallet tables: settings, receiving bank accounts, deposit and withdrawal requests.

A request row is the business record; its money is in the ledger (``entry_id``,
``hold_id``). Status changes are conditional updates on ``status`` so two staff users
(or a double-clicked button) cannot both decide the same request (DESIGN §4).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.models import Base, _now


class WalletSettingsRow(Base):
    """The one row (id 1) of staff-set wallet limits; see ``backend.domain.wallet.WalletRules``."""

    __tablename__ = "wallet_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deposit_minimum: Mapped[int] = mapped_column(BigInteger)
    deposit_step: Mapped[int] = mapped_column(BigInteger)
    deposit_deadline_hours: Mapped[int] = mapped_column(Integer)
    withdrawal_minimum: Mapped[int] = mapped_column(BigInteger)
    withdrawal_step: Mapped[int] = mapped_column(BigInteger)
    withdrawal_daily_limit: Mapped[int] = mapped_column(BigInteger)
    checker_threshold: Mapped[int] = mapped_column(BigInteger)
    quick_picks: Mapped[list[int]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class ReceivingAccount(Base):
    """A cooperative bank account members transfer their deposits to, for one branch."""

    __tablename__ = "receiving_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    bank_name: Mapped[str] = mapped_column(String(50))
    account_number: Mapped[str] = mapped_column(String(30))
    account_holder: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class DepositRequest(Base):
    """A member's cash-in: transfer ``transfer_amount`` (amount + unique code) by the deadline."""

    __tablename__ = "deposit_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("unique_code BETWEEN 1 AND 999", name="unique_code_range"),
        CheckConstraint(
            "status IN ('pending', 'confirmed', 'rejected', 'cancelled', 'expired')",
            name="status_known",
        ),
        CheckConstraint(
            "(status = 'confirmed') = (entry_id IS NOT NULL)", name="credited_iff_confirmed"
        ),
        # Two open requests to one account never ask for the same amount: the amount alone
        # tells the treasurer whose transfer arrived.
        Index(
            "uq_deposit_requests_open_transfer_amount",
            "receiving_account_id",
            "transfer_amount",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    request_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    receiving_account_id: Mapped[int] = mapped_column(ForeignKey("receiving_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    unique_code: Mapped[int] = mapped_column(Integer)
    transfer_amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    deadline_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    proof_file_id: Mapped[str | None] = mapped_column(String(200))
    proof_kind: Mapped[str | None] = mapped_column(String(12))
    proof_file_name: Mapped[str | None] = mapped_column(String(200))
    proof_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    received_amount: Mapped[int | None] = mapped_column(BigInteger)
    bank_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_nonce: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)


class WithdrawalRequest(Base):
    """A member's cash-out to their own bank account; ``hold_id`` reserves the amount."""

    __tablename__ = "withdrawal_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "status IN ('pending', 'approved', 'paid', 'rejected', 'cancelled')",
            name="status_known",
        ),
        CheckConstraint("(status = 'paid') = (entry_id IS NOT NULL)", name="posted_iff_paid"),
        CheckConstraint(
            "approved_by IS NULL OR paid_by IS NULL OR approved_by <> paid_by",
            name="maker_is_not_checker",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    request_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    bank_name: Mapped[str] = mapped_column(String(50))
    bank_account_number: Mapped[str] = mapped_column(String(20))
    bank_account_holder: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    needs_checker: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_id: Mapped[int] = mapped_column(ForeignKey("ledger_holds.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # The approval form's nonce, kept apart from ``decision_nonce`` so the approval form
    # replayed after the payment still returns the first result.
    approval_nonce: Mapped[str | None] = mapped_column(String(64))
    paid_by: Mapped[str | None] = mapped_column(String(100))
    bank_reference: Mapped[str | None] = mapped_column(String(64), unique=True)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_nonce: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)


class LedgerCheckRun(Base):
    """One run of the periodic invariant check, kept so staff can see when it last passed."""

    __tablename__ = "ledger_check_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    ok: Mapped[bool] = mapped_column(Boolean)
    violations: Mapped[int] = mapped_column(Integer)
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


__all__ = [
    "DepositRequest",
    "LedgerCheckRun",
    "ReceivingAccount",
    "WalletSettingsRow",
    "WithdrawalRequest",
]
