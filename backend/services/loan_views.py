"""Reading loan rows into the frozen views of ``loan_dto``: products, terms, costs,
schedules, loans and a loan's whole page."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Select, select

from backend.db.models import Branch, Member
from backend.db.models_loans import (
    Loan,
    LoanDocument,
    LoanInstallment,
    LoanProduct,
    LoanStatusChange,
)
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import CostCheck, rate_percent
from backend.domain.loan_application import LoanRules
from backend.domain.loan_lifecycle import ActorKind, LoanEvent, LoanStatus, allowed_events
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import LoanTerms, ProductTerms, RatePeriod, percent_from_units
from backend.domain.schedule import InterestMethod, RoundingMode, Schedule
from backend.services.clock import as_utc
from backend.services.loan_dto import (
    DocumentView,
    InstallmentView,
    LoanCostView,
    LoanDetail,
    LoanTermsView,
    LoanView,
    ProductView,
    StatusChangeView,
)
from backend.services.loan_records import IMPLEMENTED_STEPS, cap_from_units, load_rules


def product_terms(row: LoanProduct) -> ProductTerms:
    return ProductTerms(
        code=row.code,
        name_id=row.name_id,
        name_en=row.name_en,
        terms=LoanTerms(
            kind=LoanKind(row.kind),
            method=InterestMethod(row.interest_method),
            rate_percent=percent_from_units(row.rate_micro_percent),
            rate_period=RatePeriod(row.rate_period),
            admin_fee=row.admin_fee,
            late_fee_per_day=row.late_fee_per_day,
            rounding_multiple=row.rounding_multiple,
        ),
        min_amount=row.min_amount,
        max_amount=row.max_amount,
        min_tenor=row.min_tenor,
        max_tenor=row.max_tenor,
        collateral_required=row.collateral_required,
        active=row.active,
    )


def product_view(row: LoanProduct) -> ProductView:
    return ProductView(
        id=row.id,
        code=row.code,
        name_id=row.name_id,
        name_en=row.name_en,
        kind=LoanKind(row.kind),
        method=InterestMethod(row.interest_method),
        rate_percent=percent_from_units(row.rate_micro_percent),
        rate_period=RatePeriod(row.rate_period),
        min_amount=row.min_amount,
        max_amount=row.max_amount,
        min_tenor=row.min_tenor,
        max_tenor=row.max_tenor,
        admin_fee=row.admin_fee,
        late_fee_per_day=row.late_fee_per_day,
        rounding_multiple=row.rounding_multiple,
        collateral_required=row.collateral_required,
        active=row.active,
        updated_at=as_utc(row.updated_at),
        updated_by=row.updated_by,
    )


def terms_view(product: ProductView, terms: LoanTerms) -> LoanTermsView:
    """The terms a loan from ``product`` would be submitted with."""
    return LoanTermsView(
        product_id=product.id,
        product_code=product.code,
        product_name_id=product.name_id,
        product_name_en=product.name_en,
        kind=terms.kind,
        method=terms.method,
        rate_percent=terms.rate_percent,
        rate_period=terms.rate_period,
        admin_fee=terms.admin_fee,
        late_fee_per_day=terms.late_fee_per_day,
        rounding_multiple=terms.rounding_multiple,
        collateral_required=product.collateral_required,
    )


# ------------------------------------------------------------------------- loans


def loan_terms(loan: Loan) -> LoanTerms:
    """The terms the loan was submitted with (its snapshot, not today's product)."""
    return LoanTerms(
        kind=LoanKind(loan.kind),
        method=InterestMethod(loan.interest_method),
        rate_percent=percent_from_units(loan.rate_micro_percent),
        rate_period=RatePeriod(loan.rate_period),
        admin_fee=loan.admin_fee,
        late_fee_per_day=loan.late_fee_per_day,
        rounding_multiple=loan.rounding_multiple,
        rounding=RoundingMode(loan.rounding_mode),
    )


def cost_view(
    *, principal: int, interest: int, admin_fee: int, days: int, daily_cap: Decimal
) -> LoanCostView:
    """The cost figures of a loan (see ``LoanCostView``), exact until shown."""
    cap = Fraction(daily_cap)
    total_cost = interest + admin_fee
    return LoanCostView(
        principal=principal,
        total_interest=interest,
        admin_fee=admin_fee,
        total_cost=total_cost,
        total_to_repay=principal + interest,
        net_disbursement=principal - admin_fee,
        days=days,
        daily_percent=rate_percent(Fraction(total_cost, principal * days)),
        cap_percent=rate_percent(cap),
        max_total_cost=min(math.floor(cap * days * principal), principal),
    )


def preview_cost(schedule: Schedule, terms: LoanTerms, check: CostCheck) -> LoanCostView:
    return cost_view(
        principal=check.principal,
        interest=int(schedule.totals.interest),
        admin_fee=terms.admin_fee,
        days=check.days,
        daily_cap=check.cap.daily_cap,
    )


def installment_views(schedule: Schedule) -> tuple[InstallmentView, ...]:
    return tuple(
        InstallmentView(
            period=row.period,
            due_date=row.due_date,
            principal=int(row.principal),
            interest=int(row.interest),
            installment=int(row.installment),
            balance=int(row.balance),
        )
        for row in schedule.rows
    )


def loan_query() -> Select[Loan, str, int, str, str, str, int]:
    """Loans with what their views need: borrower, branch, product names, first installment."""
    return (
        select(
            Loan,
            Member.full_name,
            Member.telegram_user_id,
            Branch.name,
            LoanProduct.name_id,
            LoanProduct.name_en,
            LoanInstallment.installment,
        )
        .join(Member, Member.id == Loan.member_id)
        .join(Branch, Branch.id == Loan.branch_id)
        .join(LoanProduct, LoanProduct.id == Loan.product_id)
        .join(
            LoanInstallment,
            (LoanInstallment.loan_id == Loan.id) & (LoanInstallment.period == 1),
        )
    )


def loan_view(row: Any, rules: LoanRules, *, replayed: bool = False) -> LoanView:
    """A view from a ``loan_query()`` result row."""
    loan: Loan = row[0]
    return LoanView(
        id=loan.id,
        reference=loan.reference,
        member_id=loan.member_id,
        member_name=row[1],
        telegram_user_id=row[2],
        branch_id=loan.branch_id,
        branch_name=row[3],
        product_code=loan.product_code,
        product_name_id=row[4],
        product_name_en=row[5],
        kind=LoanKind(loan.kind),
        amount=loan.amount,
        tenor_months=loan.tenor_months,
        installment=int(row[6]),
        status=LoanStatus(loan.status),
        created_at=as_utc(loan.created_at),
        status_changed_at=as_utc(loan.status_changed_at),
        needs_second_approval=rules.needs_second_approval(loan.amount),
        first_approved_by=loan.first_approved_by,
        replayed=replayed,
    )


def document_view(row: LoanDocument, *, replayed: bool = False) -> DocumentView:
    return DocumentView(
        id=row.id,
        loan_id=row.loan_id,
        display_name=row.display_name,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        uploaded_by=row.uploaded_by,
        uploaded_at=as_utc(row.uploaded_at),
        replayed=replayed,
    )


def implemented_events(status: LoanStatus, actors: Iterable[ActorKind]) -> tuple[LoanEvent, ...]:
    """What ``actors`` may do to a loan in ``status`` that these services carry out."""
    events: dict[LoanEvent, None] = {}
    for actor in actors:
        for event in allowed_events(status, actor):
            if (status, event) in IMPLEMENTED_STEPS:
                events[event] = None
    return tuple(events)


async def stored_installments(uow: UnitOfWork, loan_id: int) -> tuple[InstallmentView, ...]:
    """A loan's installment table as submitted (stored with the loan, never recomputed)."""
    rows = await uow.session.scalars(
        select(LoanInstallment)
        .where(LoanInstallment.loan_id == loan_id)
        .order_by(LoanInstallment.period)
    )
    return tuple(
        InstallmentView(
            period=i.period,
            due_date=i.due_date,
            principal=i.principal,
            interest=i.interest,
            installment=i.installment,
            balance=i.balance,
        )
        for i in rows
    )


async def load_detail(
    uow: UnitOfWork,
    loan_id: int,
    *,
    actors: Iterable[ActorKind],
    with_documents: bool,
    replayed: bool = False,
) -> LoanDetail:
    """Everything on a loan's page; ``actors`` decide ``events``; documents for staff only."""
    row = (await uow.session.execute(loan_query().where(Loan.id == loan_id))).one()
    loan: Loan = row[0]
    rules = await load_rules(uow)
    installments = await stored_installments(uow, loan_id)
    history = (
        await uow.session.scalars(
            select(LoanStatusChange)
            .where(LoanStatusChange.loan_id == loan_id)
            .order_by(LoanStatusChange.id)
        )
    ).all()
    documents: tuple[DocumentView, ...] = ()
    if with_documents:
        rows = await uow.session.scalars(
            select(LoanDocument).where(LoanDocument.loan_id == loan_id).order_by(LoanDocument.id)
        )
        documents = tuple(document_view(d) for d in rows)
    terms = loan_terms(loan)
    return LoanDetail(
        loan=loan_view(row, rules, replayed=replayed),
        terms=LoanTermsView(
            product_id=loan.product_id,
            product_code=loan.product_code,
            product_name_id=row[4],
            product_name_en=row[5],
            kind=terms.kind,
            method=terms.method,
            rate_percent=terms.rate_percent,
            rate_period=terms.rate_period,
            admin_fee=terms.admin_fee,
            late_fee_per_day=terms.late_fee_per_day,
            rounding_multiple=terms.rounding_multiple,
            collateral_required=loan.collateral_required,
        ),
        purpose=loan.purpose,
        business_type=loan.business_type,
        collateral_description=loan.collateral_description,
        collateral_file_id=loan.collateral_file_id,
        cost=cost_view(
            principal=loan.amount,
            interest=loan.total_interest,
            admin_fee=loan.admin_fee,
            days=loan.tenor_days,
            daily_cap=cap_from_units(loan.daily_cap_millionths),
        ),
        installments=installments,
        history=tuple(
            StatusChangeView(
                from_status=LoanStatus(h.from_status) if h.from_status else None,
                to_status=LoanStatus(h.to_status),
                event=h.event,
                actor=h.actor,
                reason=h.reason,
                changed_at=as_utc(h.changed_at),
            )
            for h in history
        ),
        narrative=loan.narrative,
        narrative_by=loan.narrative_by,
        narrative_at=as_utc(loan.narrative_at) if loan.narrative_at else None,
        review_started_by=loan.review_started_by,
        approved_by=loan.approved_by,
        decided_by=loan.decided_by,
        decided_at=as_utc(loan.decided_at) if loan.decided_at else None,
        reject_reason=loan.reject_reason,
        documents=documents,
        events=implemented_events(LoanStatus(loan.status), actors),
    )
