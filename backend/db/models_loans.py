"""Loan tables: products and cost caps (data master), settings, loans with their schedule,
status history and review documents.

A loan row copies the terms of its product at submission (``kind`` … ``rounding_mode``)
and its schedule lives in ``loan_installments``: a product edited later changes neither.
Rates are stored exactly as integers: a product's rate in millionths of a percent
(``1.5`` % → ``1_500_000``), a daily cap in millionths (0.3 % a day = 0.003 → ``3000``).
Money is BIGINT rupiah.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.models import Base, _now
from backend.domain.loan_lifecycle import LoanStatus

_KINDS = "kind IN ('productive', 'consumer')"
_METHODS = "interest_method IN ('flat', 'annuity', 'equal_principal')"
_PERIODS = "rate_period IN ('month', 'year')"
_RATE = "rate_micro_percent BETWEEN 0 AND 100000000"
_STATUSES = "status IN (" + ", ".join(f"'{s.value}'" for s in LoanStatus) + ")"


class LoanProduct(Base):
    """A loan product offered to borrowers (data master); see ``domain.loans.ProductTerms``."""

    __tablename__ = "loan_products"
    __table_args__ = (
        CheckConstraint(_KINDS, name="kind_known"),
        CheckConstraint(_METHODS, name="method_known"),
        CheckConstraint(_PERIODS, name="rate_period_known"),
        CheckConstraint(_RATE, name="rate_range"),
        CheckConstraint("min_amount > 0 AND min_amount <= max_amount", name="amount_range"),
        CheckConstraint("min_tenor >= 1 AND min_tenor <= max_tenor", name="tenor_range"),
        CheckConstraint("admin_fee >= 0 AND admin_fee < min_amount", name="admin_fee_range"),
        CheckConstraint("late_fee_per_day >= 0", name="late_fee_not_negative"),
        CheckConstraint("rounding_multiple > 0", name="rounding_multiple_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_id: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(12))
    interest_method: Mapped[str] = mapped_column(String(16))
    rate_micro_percent: Mapped[int] = mapped_column(BigInteger)
    rate_period: Mapped[str] = mapped_column(String(8))
    min_amount: Mapped[int] = mapped_column(BigInteger)
    max_amount: Mapped[int] = mapped_column(BigInteger)
    min_tenor: Mapped[int] = mapped_column(Integer)
    max_tenor: Mapped[int] = mapped_column(Integer)
    admin_fee: Mapped[int] = mapped_column(BigInteger)
    late_fee_per_day: Mapped[int] = mapped_column(BigInteger)
    rounding_multiple: Mapped[int] = mapped_column(BigInteger)
    collateral_required: Mapped[bool] = mapped_column(Boolean)
    active: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class LoanCostCap(Base):
    """One band of the cost caps table (``domain.cost_caps.CostCap``); staff edit the table."""

    __tablename__ = "loan_cost_caps"
    __table_args__ = (
        CheckConstraint(_KINDS, name="kind_known"),
        CheckConstraint("min_months >= 1", name="min_months_positive"),
        CheckConstraint("max_months IS NULL OR max_months > min_months", name="band_order"),
        CheckConstraint("daily_cap_millionths BETWEEN 1 AND 10000", name="cap_range"),
        UniqueConstraint("kind", "min_months", name="uq_loan_cost_caps_kind_min_months"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    min_months: Mapped[int] = mapped_column(Integer)
    max_months: Mapped[int | None] = mapped_column(Integer)
    daily_cap_millionths: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class LoanSettingsRow(Base):
    """The one row (id 1) of staff-set loan limits; see ``domain.loans.LoanRules``."""

    __tablename__ = "loan_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    max_open_applications: Mapped[int] = mapped_column(Integer)
    max_exposure: Mapped[int] = mapped_column(BigInteger)
    second_approval_threshold: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100), default="")


class Loan(Base):
    """A borrower's loan, from submission on, with the product terms it was submitted with."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("tenor_months BETWEEN 1 AND 600", name="tenor_range"),
        CheckConstraint(_STATUSES, name="status_known"),
        CheckConstraint(_KINDS, name="kind_known"),
        CheckConstraint(_METHODS, name="method_known"),
        CheckConstraint(_PERIODS, name="rate_period_known"),
        CheckConstraint(_RATE, name="rate_range"),
        CheckConstraint("admin_fee >= 0 AND admin_fee < amount", name="admin_fee_range"),
        CheckConstraint("late_fee_per_day >= 0", name="late_fee_not_negative"),
        CheckConstraint("rounding_multiple > 0", name="rounding_multiple_positive"),
        CheckConstraint("total_interest >= 0", name="interest_not_negative"),
        CheckConstraint(
            "first_approved_by IS NULL OR approved_by IS NULL OR first_approved_by <> approved_by",
            name="maker_is_not_checker",
        ),
        Index("ix_loans_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    request_key: Mapped[str] = mapped_column(String(120), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"), index=True)
    # The terms, as the product had them at submission.
    product_code: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(12))
    interest_method: Mapped[str] = mapped_column(String(16))
    rate_micro_percent: Mapped[int] = mapped_column(BigInteger)
    rate_period: Mapped[str] = mapped_column(String(8))
    admin_fee: Mapped[int] = mapped_column(BigInteger)
    late_fee_per_day: Mapped[int] = mapped_column(BigInteger)
    rounding_multiple: Mapped[int] = mapped_column(BigInteger)
    rounding_mode: Mapped[str] = mapped_column(String(12))
    collateral_required: Mapped[bool] = mapped_column(Boolean)
    # The application.
    amount: Mapped[int] = mapped_column(BigInteger)
    tenor_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(300))
    business_type: Mapped[str | None] = mapped_column(String(100))
    collateral_description: Mapped[str | None] = mapped_column(String(500))
    collateral_file_id: Mapped[str | None] = mapped_column(String(200))
    # The schedule's figures (rows in loan_installments) and the cap it was checked against.
    schedule_start: Mapped[dt.date] = mapped_column(Date)
    total_interest: Mapped[int] = mapped_column(BigInteger)
    tenor_days: Mapped[int] = mapped_column(Integer)
    daily_cap_millionths: Mapped[int] = mapped_column(Integer)
    # Life.
    status: Mapped[str] = mapped_column(String(20), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    status_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    narrative: Mapped[str] = mapped_column(Text, default="")
    narrative_by: Mapped[str | None] = mapped_column(String(100))
    narrative_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    review_started_by: Mapped[str | None] = mapped_column(String(100))
    first_approved_by: Mapped[str | None] = mapped_column(String(100))
    first_approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    first_approval_nonce: Mapped[str | None] = mapped_column(String(64))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_nonce: Mapped[str | None] = mapped_column(String(64))
    reject_reason: Mapped[str] = mapped_column(String(500), default="")


class LoanInstallment(Base):
    """One period of a loan's schedule, as the domain engine computed it (whole rupiah)."""

    __tablename__ = "loan_installments"
    __table_args__ = (
        UniqueConstraint("loan_id", "period", name="uq_loan_installments_loan_id_period"),
        CheckConstraint("period >= 1", name="period_positive"),
        CheckConstraint("principal >= 0 AND interest >= 0", name="parts_not_negative"),
        CheckConstraint("installment = principal + interest", name="installment_is_sum"),
        CheckConstraint("balance >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[dt.date] = mapped_column(Date)
    principal: Mapped[int] = mapped_column(BigInteger)
    interest: Mapped[int] = mapped_column(BigInteger)
    installment: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int] = mapped_column(BigInteger)


class LoanStatusChange(Base):
    """History of a loan's status: each step of the lifecycle table, who and why."""

    __tablename__ = "loan_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LoanDocument(Base):
    """A file staff attached to a loan's review, stored on disk under ``storage_name``."""

    __tablename__ = "loan_documents"
    __table_args__ = (
        CheckConstraint(
            "content_type IN ('application/pdf', 'image/jpeg', 'image/png')",
            name="content_type_known",
        ),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        UniqueConstraint("loan_id", "upload_nonce", name="uq_loan_documents_loan_id_upload_nonce"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    upload_nonce: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


__all__ = [
    "Loan",
    "LoanCostCap",
    "LoanDocument",
    "LoanInstallment",
    "LoanProduct",
    "LoanSettingsRow",
    "LoanStatusChange",
]
