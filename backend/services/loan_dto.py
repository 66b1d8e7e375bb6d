"""Frozen views of loans, products, caps and loan settings for the bot and the admin web.

Never ORM objects. Money is ``int`` rupiah; rates and percentages are ``Decimal`` percent
(``1.5`` = 1.5 %); dates are ``datetime.date``, moments aware UTC ``datetime``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from backend.domain.cost_caps import CostCap
from backend.domain.loan_application import LoanRules
from backend.domain.loan_lifecycle import LoanEvent, LoanStatus
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import RatePeriod
from backend.domain.members import MemberStatus
from backend.domain.schedule import InterestMethod


@dataclass(frozen=True, slots=True)
class ProductView:
    """A loan product as the data master holds it (and as the bot offers it when active)."""

    id: int
    code: str
    name_id: str
    name_en: str
    kind: LoanKind
    method: InterestMethod
    rate_percent: Decimal
    rate_period: RatePeriod
    min_amount: int
    max_amount: int
    min_tenor: int
    max_tenor: int
    admin_fee: int
    late_fee_per_day: int
    rounding_multiple: int
    collateral_required: bool
    active: bool
    updated_at: dt.datetime
    updated_by: str

    def name(self, language: str) -> str:
        """The product's name in ``language`` (``"id"`` or ``"en"``)."""
        return self.name_en if language == "en" else self.name_id


@dataclass(frozen=True, slots=True)
class CostCapsView:
    """The cost caps in force, sorted by kind and band, with who changed them last."""

    caps: tuple[CostCap, ...]
    updated_at: dt.datetime | None
    updated_by: str


@dataclass(frozen=True, slots=True)
class LoanSettingsView:
    """The staff-set borrower limits and approval threshold, with who changed them last."""

    rules: LoanRules
    updated_at: dt.datetime | None
    updated_by: str


@dataclass(frozen=True, slots=True)
class LoanTermsView:
    """The terms a loan was submitted with (copied from its product then)."""

    product_id: int
    product_code: str
    product_name_id: str
    product_name_en: str
    kind: LoanKind
    method: InterestMethod
    rate_percent: Decimal
    rate_period: RatePeriod
    admin_fee: int
    late_fee_per_day: int
    rounding_multiple: int
    collateral_required: bool

    def product_name(self, language: str) -> str:
        return self.product_name_en if language == "en" else self.product_name_id


@dataclass(frozen=True, slots=True)
class InstallmentView:
    """One period of the schedule: what is due on ``due_date``; ``balance`` left after it."""

    period: int
    due_date: dt.date
    principal: int
    interest: int
    installment: int
    balance: int


@dataclass(frozen=True, slots=True)
class LoanCostView:
    """What the loan costs and how that compares with its cap.

    ``total_to_repay`` = Σ installments (principal + interest). The admin fee is deducted
    from the disbursement: the borrower receives ``net_disbursement``. ``daily_percent`` is
    (interest + fees) ÷ principal ÷ ``days`` in percent (4 decimals, rounded up);
    ``cap_percent`` the cap for the loan's kind and tenor.
    """

    principal: int
    total_interest: int
    admin_fee: int
    total_cost: int
    total_to_repay: int
    net_disbursement: int
    days: int
    daily_percent: Decimal
    cap_percent: Decimal
    max_total_cost: int


@dataclass(frozen=True, slots=True)
class LoanPreview:
    """The confirmation step of a submission: terms, first installment, costs, schedule."""

    terms: LoanTermsView
    amount: int
    tenor_months: int
    installment: int
    first_due_date: dt.date
    cost: LoanCostView
    installments: tuple[InstallmentView, ...]


@dataclass(frozen=True, slots=True)
class LoanView:
    """A loan in a list: who, what, how much, where it stands."""

    id: int
    reference: str
    member_id: int
    member_name: str
    telegram_user_id: int
    branch_id: int
    branch_name: str
    product_code: str
    product_name_id: str
    product_name_en: str
    kind: LoanKind
    amount: int
    tenor_months: int
    installment: int
    status: LoanStatus
    created_at: dt.datetime
    status_changed_at: dt.datetime
    needs_second_approval: bool
    first_approved_by: str | None
    replayed: bool = False

    def product_name(self, language: str) -> str:
        return self.product_name_en if language == "en" else self.product_name_id


@dataclass(frozen=True, slots=True)
class StatusChangeView:
    from_status: LoanStatus | None
    to_status: LoanStatus
    event: str
    actor: str
    reason: str
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class DocumentView:
    """A review document's metadata; its bytes come from ``loan_documents.read_document``."""

    id: int
    loan_id: int
    display_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: dt.datetime
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class DocumentContent:
    """A document to serve as an attachment: bytes, media type (by content) and file name."""

    content: bytes
    content_type: str
    download_name: str


@dataclass(frozen=True, slots=True)
class LoanDetail:
    """A loan's page: its terms, the application, the cost, the schedule and its history.

    ``events`` are what the viewer may do now (the borrower: ``withdraw``; staff: the
    review steps their permissions allow), in the lifecycle table's order.
    """

    loan: LoanView
    terms: LoanTermsView
    purpose: str
    business_type: str | None
    collateral_description: str | None
    collateral_file_id: str | None
    cost: LoanCostView
    installments: tuple[InstallmentView, ...]
    history: tuple[StatusChangeView, ...]
    narrative: str
    narrative_by: str | None
    narrative_at: dt.datetime | None
    review_started_by: str | None
    approved_by: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reject_reason: str
    documents: tuple[DocumentView, ...]
    events: tuple[LoanEvent, ...]

    @property
    def replayed(self) -> bool:
        return self.loan.replayed


@dataclass(frozen=True, slots=True)
class BorrowerProfile:
    """What a credit officer reads about the borrower beside the application."""

    member_id: int
    full_name: str
    nik_masked: str
    phone: str
    telegram_username: str | None
    birth_date: dt.date
    address: str
    branch_name: str
    status: MemberStatus
    member_since: dt.datetime | None
    bank_name: str
    bank_account_masked: str
    bank_account_holder: str
    loans_total: int
    open_applications: int
    exposure: int


@dataclass(frozen=True, slots=True)
class LoanReview:
    """The staff page of an application: the loan and its borrower's profile."""

    detail: LoanDetail
    borrower: BorrowerProfile


@dataclass(frozen=True, slots=True)
class LoanPage:
    items: tuple[LoanView, ...]
    page: int
    page_count: int
    total: int
