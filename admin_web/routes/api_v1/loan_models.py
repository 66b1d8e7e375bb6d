"""What the loan review part of the JSON API answers: money in whole rupiah, percentages
as decimal strings, moments in UTC, pages 1-based. The borrower's NIK and bank account
come masked, as on the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel

from admin_web.routes.api_v1.models import Out, UtcDateTime
from backend.domain.loan_lifecycle import LoanEvent, LoanStatus
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import RatePeriod
from backend.domain.members import MemberStatus
from backend.domain.schedule import InterestMethod
from backend.services.loan_dto import LoanDetail, LoanPage, LoanReview


class LoanOut(Out):
    """A loan in the queue. ``first_approved_by``: the first of two approvals, above the
    second-approval threshold (``needs_second_approval``)."""

    id: int
    reference: str
    member_id: int
    member_name: str
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
    created_at: UtcDateTime
    status_changed_at: UtcDateTime
    needs_second_approval: bool
    first_approved_by: str | None


class LoanPageOut(BaseModel):
    loans: list[LoanOut]
    page: int
    page_count: int
    total: int

    @classmethod
    def of(cls, found: LoanPage) -> LoanPageOut:
        return cls(
            loans=[LoanOut.model_validate(loan) for loan in found.items],
            page=found.page + 1,
            page_count=found.page_count,
            total=found.total,
        )


class LoanTermsOut(Out):
    """The terms the loan was submitted with; ``rate_percent`` per ``rate_period``."""

    product_id: int
    product_code: str
    kind: LoanKind
    method: InterestMethod
    rate_percent: Decimal
    rate_period: RatePeriod
    admin_fee: int
    late_fee_per_day: int
    rounding_multiple: int
    collateral_required: bool


class LoanCostOut(Out):
    """(interest + fees) ÷ principal ÷ ``days`` = ``daily_percent``, at most ``cap_percent``."""

    total_interest: int
    admin_fee: int
    total_cost: int
    total_to_repay: int
    net_disbursement: int
    days: int
    daily_percent: Decimal
    cap_percent: Decimal
    max_total_cost: int


class InstallmentOut(Out):
    period: int
    due_date: dt.date
    principal: int
    interest: int
    installment: int
    balance: int


class StatusChangeOut(Out):
    from_status: LoanStatus | None
    to_status: LoanStatus
    event: str
    actor: str
    reason: str
    changed_at: UtcDateTime


class DocumentOut(Out):
    """A review document; download it from ``/loans/documents/{id}`` in the panel."""

    id: int
    display_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: UtcDateTime
    replayed: bool


class BorrowerOut(Out):
    member_id: int
    full_name: str
    nik_masked: str
    phone: str
    telegram_username: str | None
    birth_date: dt.date
    address: str
    branch_name: str
    status: MemberStatus
    member_since: UtcDateTime | None
    bank_name: str
    bank_account_masked: str
    bank_account_holder: str
    loans_total: int
    open_applications: int
    exposure: int


class LoanDetailOut(BaseModel):
    """An application as staff review it. ``events``: the steps the caller may take now;
    ``replayed``: this answer repeats an earlier decision made with the same nonce."""

    loan: LoanOut
    terms: LoanTermsOut
    purpose: str
    business_type: str | None
    collateral_description: str | None
    cost: LoanCostOut
    installments: list[InstallmentOut]
    history: list[StatusChangeOut]
    narrative: str
    narrative_by: str | None
    narrative_at: UtcDateTime | None
    review_started_by: str | None
    approved_by: str | None
    decided_by: str | None
    decided_at: UtcDateTime | None
    reject_reason: str
    documents: list[DocumentOut]
    events: list[LoanEvent]
    replayed: bool
    borrower: BorrowerOut | None = None

    @classmethod
    def of(cls, detail: LoanDetail, review: LoanReview | None = None) -> LoanDetailOut:
        return cls(
            loan=LoanOut.model_validate(detail.loan),
            terms=LoanTermsOut.model_validate(detail.terms),
            purpose=detail.purpose,
            business_type=detail.business_type,
            collateral_description=detail.collateral_description,
            cost=LoanCostOut.model_validate(detail.cost),
            installments=[InstallmentOut.model_validate(i) for i in detail.installments],
            history=[StatusChangeOut.model_validate(h) for h in detail.history],
            narrative=detail.narrative,
            narrative_by=detail.narrative_by,
            narrative_at=detail.narrative_at,
            review_started_by=detail.review_started_by,
            approved_by=detail.approved_by,
            decided_by=detail.decided_by,
            decided_at=detail.decided_at,
            reject_reason=detail.reject_reason,
            documents=[DocumentOut.model_validate(d) for d in detail.documents],
            events=list(detail.events),
            replayed=detail.replayed,
            borrower=BorrowerOut.model_validate(review.borrower) if review else None,
        )
