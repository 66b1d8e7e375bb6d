"""A borrower's application: the preview is the schedule that is stored, limits hold under
concurrency, a redelivered Confirm makes one loan, withdrawal until funded (both databases)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import delete, select

from backend.db.engine import Database
from backend.db.models_loans import Loan, LoanCostCap, LoanInstallment, LoanStatusChange
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import OJK_DEFAULT_CAPS, CostCapExceeded
from backend.domain.loan_lifecycle import InvalidLoanTransition, LoanEvent, LoanStatus
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import (
    BorrowerLimitReached,
    InvalidLoanApplication,
    LoanNotFound,
    LoanUnavailable,
)
from backend.domain.members import Role
from backend.services import loan_applications
from backend.services.loan_records import cap_units
from tests.factories import registered_member
from tests.loan_factories import (
    NOW,
    application,
    count,
    force_status,
    product_id,
    set_rules,
    submit,
    verified_borrower,
)
from tests.wallet_factories import verified_financier


async def test_preview_shows_the_schedule_and_costs_that_the_loan_stores(
    seeded_db: Database,
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    dd = await product_id(db, "DD")
    preview = await loan_applications.preview_loan(
        db, member_id=borrower.id, product_id=dd, amount=1_000_000, tenor_months=3, now=NOW
    )
    # Flat 2 %/month: 20.000 interest a month; 353.333,33 rounded to a multiple of 100.
    assert [(i.principal, i.interest, i.installment) for i in preview.installments] == [
        (333_300, 20_000, 353_300),
        (333_300, 20_000, 353_300),
        (333_400, 20_000, 353_400),
    ]
    assert [i.due_date for i in preview.installments] == [
        dt.date(2026, 12, 25),
        dt.date(2027, 1, 25),
        dt.date(2027, 2, 25),
    ]
    assert preview.installment == 353_300 and preview.first_due_date == dt.date(2026, 12, 25)
    cost = preview.cost
    assert (cost.total_interest, cost.admin_fee, cost.total_cost) == (60_000, 10_000, 70_000)
    assert (cost.total_to_repay, cost.net_disbursement) == (1_060_000, 990_000)
    assert cost.days == 92 and cost.max_total_cost == 276_000
    assert (cost.daily_percent, cost.cap_percent) == (Decimal("0.0761"), Decimal("0.3"))
    assert preview.terms.rate_percent == Decimal("2") and preview.terms.product_code == "DD"

    loan = await loan_applications.submit_loan(
        db,
        member_id=borrower.id,
        product_id=dd,
        request_key="confirm-1",
        **application(amount=1_000_000, tenor_months=3, business_type=None),
    )
    assert loan.installments == preview.installments
    assert loan.cost == preview.cost
    assert loan.loan.status is LoanStatus.SUBMITTED and loan.loan.reference.startswith("LN-")
    assert loan.loan.installment == 353_300 and loan.business_type is None  # consumer loan
    assert loan.events == (LoanEvent.WITHDRAW,)
    assert [h.to_status for h in loan.history] == [LoanStatus.SUBMITTED]
    assert await count(db, AuditEntry, AuditEntry.action == "loan.submitted") == 1
    assert sum(i.principal for i in loan.installments) == 1_000_000


async def test_answers_outside_the_product_are_refused_with_a_hint(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    with pytest.raises(InvalidLoanApplication) as small:
        await submit(db, borrower.id, "a", amount=900_000)
    assert small.value.code == "error.loan.amount_range"
    assert small.value.params == {"minimum": 1_000_000, "maximum": 10_000_000}
    with pytest.raises(InvalidLoanApplication) as short:
        await submit(db, borrower.id, "b", tenor_months=2)
    assert short.value.params == {"shortest": 3, "longest": 12}
    with pytest.raises(InvalidLoanApplication) as business:
        await submit(db, borrower.id, "c", business_type="  ")
    assert business.value.code == "error.loan.business_type_required"
    with pytest.raises(InvalidLoanApplication) as purpose:
        await submit(db, borrower.id, "d", purpose="")
    assert purpose.value.code == "error.loan.purpose"
    with pytest.raises(InvalidLoanApplication) as collateral:
        await submit(db, borrower.id, "e", code="MUK", amount=6_000_000, tenor_months=12)
    assert collateral.value.code == "error.loan.collateral_required"
    secured = await submit(
        db,
        borrower.id,
        "f",
        code="MUK",
        amount=6_000_000,
        tenor_months=12,
        collateral_description="BPKB  motor Honda Beat 2019",
        collateral_file_id="AgACAgUAAxkBAAIB",
    )
    assert secured.collateral_description == "BPKB motor Honda Beat 2019"
    assert secured.collateral_file_id == "AgACAgUAAxkBAAIB"
    assert await count(db, Loan) == 1


async def test_only_verified_borrowers_may_apply(seeded_db: Database) -> None:
    db = seeded_db
    pending = await registered_member(db, roles=[Role.BORROWER])
    with pytest.raises(LoanUnavailable) as unverified:
        await submit(db, pending.id, "a")
    assert unverified.value.code == "error.loan.not_verified"
    financier = await verified_financier(
        db, telegram_user_id=5009, nik="3174051708900009", full_name="Agus Salim"
    )
    with pytest.raises(LoanUnavailable) as not_borrower:
        await submit(db, financier.id, "b")
    assert not_borrower.value.code == "error.loan.not_borrower"
    with pytest.raises(LoanUnavailable) as nobody:
        await submit(db, 99_999, "c")
    assert nobody.value.code == "error.loan.not_member"


async def _install_caps(db: Database, consumer_under_6: str) -> None:
    """Put a caps table straight into the database (as data drift would), bypassing the
    product check staff get, to prove submissions are checked on their own."""
    async with UnitOfWork(db) as uow:
        await uow.session.execute(delete(LoanCostCap))
        for cap in OJK_DEFAULT_CAPS:
            low = cap.kind is LoanKind.CONSUMER and cap.min_months == 1
            uow.session.add(
                LoanCostCap(
                    kind=cap.kind.value,
                    min_months=cap.min_months,
                    max_months=cap.max_months,
                    daily_cap_millionths=cap_units(
                        Decimal(consumer_under_6) if low else cap.daily_cap
                    ),
                    source=cap.source,
                )
            )
        await uow.commit()


async def test_a_submission_over_its_cap_is_refused_with_the_numbers(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    await _install_caps(db, "0.0005")
    with pytest.raises(CostCapExceeded) as refused:
        await submit(db, borrower.id, "a", code="DD", amount=1_000_000, tenor_months=3)
    params = refused.value.params
    assert refused.value.code == "error.cost_cap.daily"
    assert (params["days"], params["total_cost"], params["max_total_cost"]) == (92, 70_000, 46_000)
    assert (params["daily_percent"], params["cap_percent"]) == (Decimal("0.0761"), Decimal("0.05"))
    assert await count(db, Loan) == 0


async def test_limits_on_open_applications_and_exposure(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    await set_rules(db, max_open_applications=2, max_exposure=8_000_000)
    await submit(db, borrower.id, "a", amount=5_000_000)
    with pytest.raises(BorrowerLimitReached) as exposure:
        await loan_applications.preview_loan(
            db,
            member_id=borrower.id,
            product_id=await product_id(db, "MUM"),
            amount=4_000_000,
            tenor_months=6,
            now=NOW,
        )
    assert exposure.value.code == "error.loan.above_exposure_limit"
    assert exposure.value.params == {
        "maximum": 8_000_000,
        "current": 5_000_000,
        "remaining": 3_000_000,
    }
    await submit(db, borrower.id, "b", amount=3_000_000)
    with pytest.raises(BorrowerLimitReached) as many:
        await submit(db, borrower.id, "c", amount=1_000_000)
    assert many.value.code == "error.loan.too_many_open" and many.value.params == {"limit": 2}
    # A withdrawn application no longer counts.
    first = (await loan_applications.list_my_loans(db, member_id=borrower.id, page=0)).items[-1]
    await loan_applications.withdraw_loan(db, member_id=borrower.id, loan_id=first.id, now=NOW)
    assert (await submit(db, borrower.id, "c", amount=1_000_000)).loan.amount == 1_000_000


async def test_concurrent_submissions_cannot_pass_the_limit_together(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    await set_rules(db, max_open_applications=2, max_exposure=0)

    async def attempt(key: str) -> object:
        try:
            return await submit(db, borrower.id, key, amount=1_000_000)
        except BorrowerLimitReached as refusal:
            return refusal

    results = await asyncio.gather(*(attempt(f"k{i}") for i in range(5)))
    assert sum(isinstance(r, BorrowerLimitReached) for r in results) == 3
    assert await count(db, Loan, Loan.member_id == borrower.id) == 2


async def test_same_confirmation_delivered_five_times_at_once_is_one_loan(
    seeded_db: Database,
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    results = await asyncio.gather(*(submit(db, borrower.id, "same-nonce") for _ in range(5)))
    assert {r.loan.id for r in results} == {results[0].loan.id}
    assert sum(not r.replayed for r in results) == 1
    assert await count(db, Loan) == 1
    assert await count(db, LoanInstallment) == 6
    assert await count(db, AuditEntry, AuditEntry.action == "loan.submitted") == 1


async def test_withdrawal_until_funded(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    other = await verified_borrower(db, "budi")
    loan = await submit(db, borrower.id, "a")
    with pytest.raises(LoanNotFound):
        await loan_applications.withdraw_loan(db, member_id=other.id, loan_id=loan.loan.id, now=NOW)
    done = await loan_applications.withdraw_loan(
        db, member_id=borrower.id, loan_id=loan.loan.id, now=NOW
    )
    again = await loan_applications.withdraw_loan(
        db, member_id=borrower.id, loan_id=loan.loan.id, now=NOW
    )
    assert done.loan.status is LoanStatus.WITHDRAWN and not done.replayed and done.events == ()
    assert again.replayed and done.decided_by == f"member:{borrower.id}"
    assert [h.to_status for h in done.history] == [LoanStatus.SUBMITTED, LoanStatus.WITHDRAWN]
    assert await count(db, AuditEntry, AuditEntry.action == "loan.withdrawn") == 1

    open_loan = await submit(db, borrower.id, "b")
    await force_status(db, open_loan.loan.id, LoanStatus.OPEN_FOR_FUNDING.value)
    withdrawn = await loan_applications.withdraw_loan(
        db, member_id=borrower.id, loan_id=open_loan.loan.id, now=NOW
    )
    assert withdrawn.loan.status is LoanStatus.WITHDRAWN

    funded = await submit(db, borrower.id, "c")
    await force_status(db, funded.loan.id, LoanStatus.FUNDED.value)
    page = await loan_applications.get_my_loan(db, member_id=borrower.id, loan_id=funded.loan.id)
    assert page.events == ()
    with pytest.raises(InvalidLoanTransition) as late:
        await loan_applications.withdraw_loan(
            db, member_id=borrower.id, loan_id=funded.loan.id, now=NOW
        )
    assert late.value.code == "error.loan.withdraw_too_late"
    await force_status(db, funded.loan.id, LoanStatus.REJECTED.value)
    with pytest.raises(InvalidLoanTransition) as ended:
        await loan_applications.withdraw_loan(
            db, member_id=borrower.id, loan_id=funded.loan.id, now=NOW
        )
    assert ended.value.code == "error.loan.invalid_transition"
    async with UnitOfWork(db, write=False) as uow:
        changes = (
            await uow.session.scalars(
                select(LoanStatusChange.to_status).where(LoanStatusChange.loan_id == funded.loan.id)
            )
        ).all()
    assert changes == ["submitted"]  # refusals change nothing


async def test_my_loans_lists_only_the_members_own_newest_first(seeded_db: Database) -> None:
    db = seeded_db
    siti = await verified_borrower(db)
    budi = await verified_borrower(db, "budi")
    first = await submit(db, siti.id, "s1", amount=1_000_000)
    second = await submit(db, siti.id, "s2", code="DD", amount=600_000, tenor_months=2)
    await submit(db, budi.id, "b1")
    page = await loan_applications.list_my_loans(db, member_id=siti.id, page=0)
    assert [i.id for i in page.items] == [second.loan.id, first.loan.id] and page.total == 2
    assert page.items[0].product_name("en") == "Emergency fund"
    assert page.items[0].product_name("id") == "Dana Darurat"
    with pytest.raises(LoanNotFound):
        await loan_applications.get_my_loan(db, member_id=budi.id, loan_id=first.loan.id)
    mine = await loan_applications.get_my_loan(db, member_id=siti.id, loan_id=first.loan.id)
    assert mine.installments == first.installments and mine.documents == ()
