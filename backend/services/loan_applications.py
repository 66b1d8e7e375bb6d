"""The borrower's loans: preview and submit an application, withdraw it, list and read them.

Every function is one unit of work. A submission is idempotent by ``request_key`` (the
bot passes a nonce minted when it showed the confirmation step), so a redelivered update
or a double-tapped Confirm creates one loan. The borrower's member row is locked
(``FOR UPDATE``; SQLite's writers are serialised anyway) before the limits are counted,
so concurrent submissions cannot pass a limit together. The loan copies its product's
terms and stores the schedule the preview showed (same product, amount, tenor and day).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.models_loans import Loan, LoanInstallment, LoanProduct, LoanStatusChange
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import CostCheck
from backend.domain.loan_application import (
    check_application,
    check_borrower_limits,
    check_loan_size,
)
from backend.domain.loan_lifecycle import (
    INITIAL_STATUS,
    SUBMITTED_AUDIT_ACTION,
    ActorKind,
    InvalidLoanTransition,
    LoanEvent,
    LoanStatus,
)
from backend.domain.loans import (
    LoanNotFound,
    LoanProductNotFound,
    LoanUnavailable,
    ProductTerms,
    percent_units,
)
from backend.domain.members import MemberStatus, Role
from backend.domain.schedule import Schedule
from backend.services import ledger
from backend.services.audit import record
from backend.services.loan_dto import LoanDetail, LoanPage, LoanPreview
from backend.services.loan_records import (
    apply_transition,
    borrower_totals,
    cap_units,
    load_caps,
    load_rules,
    local_today,
    locked_loan,
    member_actor,
    new_reference,
)
from backend.services.loan_views import (
    installment_views,
    load_detail,
    loan_query,
    loan_view,
    preview_cost,
    product_terms,
    product_view,
    terms_view,
)

HISTORY_PAGE_SIZE = 5
REQUEST_KEY_MAX_LENGTH = 120
_BORROWER = (ActorKind.BORROWER,)


async def _borrower(uow: UnitOfWork, member_id: int, *, lock: bool) -> Member:
    """The member, if they may borrow: verified, with the borrower role. ``lock`` takes
    the member row for this transaction: it serialises one borrower's submissions."""
    statement = select(Member).options(selectinload(Member.roles)).where(Member.id == member_id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    member = await uow.session.scalar(statement)
    if member is None:
        raise LoanUnavailable(code="error.loan.not_member")
    if member.status != MemberStatus.VERIFIED.value:
        raise LoanUnavailable(code="error.loan.not_verified")
    if Role.BORROWER.value not in {r.role for r in member.roles}:
        raise LoanUnavailable(code="error.loan.not_borrower")
    return member


async def check_may_borrow(db: Database, *, member_id: int) -> None:
    """Raise ``LoanUnavailable`` unless the member may apply (verified, borrower role): the
    bot asks this before the first question, so nobody answers a form they cannot send."""
    async with UnitOfWork(db, write=False) as uow:
        await _borrower(uow, member_id, lock=False)


async def _offered(uow: UnitOfWork, product_id: int) -> LoanProduct:
    row = await uow.session.get(LoanProduct, product_id)
    if row is None:
        raise LoanProductNotFound()
    if not row.active:
        raise LoanProductNotFound(code="error.loan_product.inactive")
    return row


@dataclass(frozen=True, slots=True)
class _Quote:
    product: ProductTerms
    schedule: Schedule
    check: CostCheck


async def _quote(
    uow: UnitOfWork, member: Member, row: LoanProduct, amount: int, tenor: int, now: dt.datetime
) -> _Quote:
    """The schedule and cost of a loan from ``row`` as if disbursed today (the branch's
    date): amount and tenor in range, cost within its cap (``CostCapExceeded``)."""
    product = product_terms(row)
    check_loan_size(product, amount=amount, tenor=tenor)
    timezone = await uow.session.scalar(
        select(Branch.timezone).where(Branch.id == member.branch_id)
    )
    start = local_today(now, timezone or "Asia/Jakarta")
    schedule = product.terms.schedule(amount=amount, tenor=tenor, start=start)
    check = product.terms.cost(schedule, await load_caps(uow))
    return _Quote(product=product, schedule=schedule, check=check)


async def preview_loan(
    db: Database,
    *,
    member_id: int,
    product_id: int,
    amount: int,
    tenor_months: int,
    now: dt.datetime,
) -> LoanPreview:
    """What the borrower confirms: installment, total interest, fees, total to repay, first
    due date, the daily cost against its cap and the whole schedule.

    Checks what can be checked before the last answers: the member may borrow
    (``LoanUnavailable``), the product is offered (``LoanProductNotFound``), amount and
    tenor (``InvalidLoanApplication``), the cost cap (``CostCapExceeded``) and the limits
    (``BorrowerLimitReached``). The schedule starts today in the member's branch time zone;
    the due dates move with the disbursement date.
    """
    async with UnitOfWork(db, write=False) as uow:
        member = await _borrower(uow, member_id, lock=False)
        row = await _offered(uow, product_id)
        quote = await _quote(uow, member, row, amount, tenor_months, now)
        open_count, exposure = await borrower_totals(uow, member_id)
        check_borrower_limits(
            await load_rules(uow), open_applications=open_count, exposure=exposure, amount=amount
        )
        installments = installment_views(quote.schedule)
        return LoanPreview(
            terms=terms_view(product_view(row), quote.product.terms),
            amount=amount,
            tenor_months=tenor_months,
            installment=installments[0].installment,
            first_due_date=installments[0].due_date,
            cost=preview_cost(quote.schedule, quote.product.terms, quote.check),
            installments=installments,
        )


async def _loan_by_key(uow: UnitOfWork, request_key: str) -> Loan | None:
    return await uow.session.scalar(select(Loan).where(Loan.request_key == request_key))


async def _replay(uow: UnitOfWork, loan: Loan, member_id: int) -> LoanDetail:
    if loan.member_id != member_id:  # a key is the bot's nonce; another member's is a bug
        raise LoanNotFound()
    return await load_detail(uow, loan.id, actors=_BORROWER, with_documents=False, replayed=True)


async def submit_loan(
    db: Database,
    *,
    member_id: int,
    product_id: int,
    amount: int,
    tenor_months: int,
    purpose: str,
    business_type: str | None,
    collateral_description: str | None,
    collateral_file_id: str | None,
    request_key: str,
    now: dt.datetime,
) -> LoanDetail:
    """Record the application the borrower confirmed, with its terms and schedule.

    Idempotent by ``request_key``: a replay returns the first loan (``replayed``). Raises
    what ``preview_loan`` raises, and ``InvalidLoanApplication`` for the answers (purpose,
    business type for a productive loan, collateral when the product requires it).
    """
    if not request_key or len(request_key) > REQUEST_KEY_MAX_LENGTH:
        raise ValueError("request_key must be 1..120 characters")

    async def work(uow: UnitOfWork) -> LoanDetail:
        existing = await _loan_by_key(uow, request_key)
        if existing is not None:
            return await _replay(uow, existing, member_id)
        member = await _borrower(uow, member_id, lock=True)
        # Again under the lock: a concurrent delivery of the same request may have committed.
        existing = await _loan_by_key(uow, request_key)
        if existing is not None:
            return await _replay(uow, existing, member_id)
        row = await _offered(uow, product_id)
        answers = check_application(
            product_terms(row),
            amount=amount,
            tenor=tenor_months,
            purpose=purpose,
            business_type=business_type,
            collateral_description=collateral_description,
            collateral_file_id=collateral_file_id,
        )
        quote = await _quote(uow, member, row, amount, tenor_months, now)
        open_count, exposure = await borrower_totals(uow, member_id)
        check_borrower_limits(
            await load_rules(uow), open_applications=open_count, exposure=exposure, amount=amount
        )
        loan = _new_loan(row, quote, member, request_key=request_key, now=now)
        loan.purpose = answers.purpose
        loan.business_type = answers.business_type
        loan.collateral_description = answers.collateral_description
        loan.collateral_file_id = answers.collateral_file_id
        uow.session.add(loan)
        await uow.session.flush()
        for item in installment_views(quote.schedule):
            uow.session.add(
                LoanInstallment(
                    loan_id=loan.id,
                    period=item.period,
                    due_date=item.due_date,
                    principal=item.principal,
                    interest=item.interest,
                    installment=item.installment,
                    balance=item.balance,
                )
            )
        actor = member_actor(member_id)
        uow.session.add(
            LoanStatusChange(
                loan_id=loan.id,
                from_status=None,
                to_status=INITIAL_STATUS.value,
                event="submit",
                actor=actor.label,
                reason="",
                changed_at=now,
            )
        )
        record(
            uow,
            actor=actor,
            action=SUBMITTED_AUDIT_ACTION,
            object_type="loan",
            object_id=loan.id,
            now=now,
            after={
                "reference": loan.reference,
                "product": loan.product_code,
                "amount": amount,
                "tenor_months": tenor_months,
                "total_interest": loan.total_interest,
                "admin_fee": loan.admin_fee,
            },
        )
        await uow.session.flush()
        return await load_detail(uow, loan.id, actors=_BORROWER, with_documents=False)

    return await ledger.in_transaction(db, work)


def _new_loan(
    row: LoanProduct, quote: _Quote, member: Member, *, request_key: str, now: dt.datetime
) -> Loan:
    """The loan row: the product's terms as they are now, and the schedule's figures."""
    terms = quote.product.terms
    return Loan(
        reference=new_reference(),
        request_key=request_key,
        member_id=member.id,
        branch_id=member.branch_id,
        product_id=row.id,
        product_code=row.code,
        kind=terms.kind.value,
        interest_method=terms.method.value,
        rate_micro_percent=percent_units(terms.rate_percent),
        rate_period=terms.rate_period.value,
        admin_fee=terms.admin_fee,
        late_fee_per_day=terms.late_fee_per_day,
        rounding_multiple=terms.rounding_multiple,
        rounding_mode=terms.rounding.value,
        collateral_required=row.collateral_required,
        amount=quote.check.principal,
        tenor_months=quote.schedule.terms.tenor,
        schedule_start=quote.schedule.terms.start,
        total_interest=int(quote.schedule.totals.interest),
        tenor_days=quote.check.days,
        daily_cap_millionths=cap_units(quote.check.cap.daily_cap),
        status=INITIAL_STATUS.value,
        created_at=now,
        status_changed_at=now,
        narrative="",
        reject_reason="",
    )


async def withdraw_loan(
    db: Database, *, member_id: int, loan_id: int, now: dt.datetime
) -> LoanDetail:
    """The borrower calls off an application not yet funded; withdrawing twice is a replay.

    Raises ``LoanNotFound`` (not theirs), ``InvalidLoanTransition``
    (``error.loan.withdraw_too_late`` once funded; ``error.loan.invalid_transition`` for a
    decided loan).
    """

    async def work(uow: UnitOfWork) -> LoanDetail:
        loan = await locked_loan(uow, loan_id)
        if loan is None or loan.member_id != member_id:
            raise LoanNotFound()
        if loan.status == LoanStatus.WITHDRAWN.value:
            return await load_detail(
                uow, loan.id, actors=_BORROWER, with_documents=False, replayed=True
            )
        if loan.status == LoanStatus.FUNDED.value:
            raise InvalidLoanTransition(
                code="error.loan.withdraw_too_late",
                current=loan.status,
                event=LoanEvent.WITHDRAW.value,
                actor=ActorKind.BORROWER.value,
            )
        actor = member_actor(member_id)
        await apply_transition(
            uow, loan, event=LoanEvent.WITHDRAW, actor_kind=ActorKind.BORROWER, actor=actor, now=now
        )
        loan.decided_by = actor.label
        loan.decided_at = now
        await uow.session.flush()
        return await load_detail(uow, loan.id, actors=_BORROWER, with_documents=False)

    return await ledger.in_transaction(db, work)


async def list_my_loans(
    db: Database, *, member_id: int, page: int, page_size: int = HISTORY_PAGE_SIZE
) -> LoanPage:
    """The member's loans with their status, newest first."""
    page_size = max(1, min(page_size, 50))
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).where(Loan.member_id == member_id)) or 0
        )
        page_count = max(1, -(-total // page_size))
        page = min(max(page, 0), page_count - 1)
        rules = await load_rules(uow)
        rows = await uow.session.execute(
            loan_query()
            .where(Loan.member_id == member_id)
            .order_by(Loan.id.desc())
            .offset(page * page_size)
            .limit(page_size)
        )
        items = tuple(loan_view(row, rules) for row in rows)
    return LoanPage(items=items, page=page, page_count=page_count, total=total)


async def get_my_loan(db: Database, *, member_id: int, loan_id: int) -> LoanDetail:
    """One of the member's loans: terms, schedule, history; ``events`` holds ``withdraw``
    while it may still be withdrawn. ``LoanNotFound`` for anyone else's."""
    async with UnitOfWork(db, write=False) as uow:
        owner = await uow.session.scalar(select(Loan.member_id).where(Loan.id == loan_id))
        if owner is None or owner != member_id:
            raise LoanNotFound()
        return await load_detail(uow, loan_id, actors=_BORROWER, with_documents=False)
