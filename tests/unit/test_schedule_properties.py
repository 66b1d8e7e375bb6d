"""Properties every schedule has, whatever the terms (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, reject, settings
from hypothesis import strategies as st

from backend.domain.schedule import (
    InterestMethod,
    InvalidScheduleTerms,
    RoundingMode,
    Schedule,
    ScheduleTerms,
    build_schedule,
    monthly_rate_from_percent,
)
from backend.domain.schedule_math import add_months

EXAMPLES = settings(max_examples=200, deadline=None)


@st.composite
def schedule_terms(draw: st.DrawFn, method: InterestMethod | None = None) -> ScheduleTerms:
    digits = draw(st.integers(0, 2))
    unit = Decimal(1).scaleb(-digits)
    tenor = draw(st.integers(1, 120))
    multiple = draw(st.sampled_from([1, 1, 5, 10, 100, 500, 1000]))
    principal_units = draw(st.integers(1, 10**12))
    percent = Decimal(draw(st.integers(0, 10_000))).scaleb(-2)  # 0.00 … 100.00
    yearly = draw(st.booleans())
    return ScheduleTerms(
        principal=principal_units * unit,
        tenor=tenor,
        method=method or draw(st.sampled_from(InterestMethod)),
        monthly_rate=monthly_rate_from_percent(
            annual_percent=percent if yearly else None,
            monthly_percent=None if yearly else percent,
        ),
        start=draw(st.dates(dt.date(2000, 1, 1), dt.date(2100, 12, 31))),
        digits=digits,
        multiple_of=multiple * unit,
        rounding=draw(st.sampled_from(RoundingMode)),
        grace_principal=draw(st.integers(0, tenor - 1)),
    )


def build_or_reject(terms: ScheduleTerms) -> Schedule:
    """Build; the one refusal valid terms may meet is a multiple too coarse for the loan."""
    try:
        return build_schedule(terms)
    except InvalidScheduleTerms as error:
        assert error.code == "error.schedule.rounding_too_coarse"
        reject()


def units(amount: Decimal, terms: ScheduleTerms) -> int:
    value = amount.scaleb(terms.digits)
    assert value == value.to_integral_value()
    return int(value)


@EXAMPLES
@given(schedule_terms())
def test_principal_parts_sum_to_the_principal_and_the_balance_runs_down_to_zero(
    terms: ScheduleTerms,
) -> None:
    schedule = build_or_reject(terms)
    rows = schedule.rows
    assert len(rows) == terms.tenor
    assert sum(row.principal for row in rows) == terms.principal
    assert schedule.totals.principal == terms.principal
    assert schedule.totals.interest == sum(row.interest for row in rows)
    assert schedule.totals.installment == sum(row.installment for row in rows)
    balance = terms.principal
    for row in rows:
        assert min(row.principal, row.interest, row.installment, row.balance) >= 0
        assert row.installment == row.principal + row.interest
        assert row.balance == balance - row.principal <= balance
        balance = row.balance
    assert balance == 0
    assert all(row.balance > 0 for row in rows[:-1])


@EXAMPLES
@given(schedule_terms())
def test_every_amount_has_exactly_the_currencys_decimals(terms: ScheduleTerms) -> None:
    schedule = build_or_reject(terms)
    totals = schedule.totals
    amounts = [totals.principal, totals.interest, totals.installment]
    for row in schedule.rows:
        amounts += [row.principal, row.interest, row.installment, row.balance]
    assert {amount.as_tuple().exponent for amount in amounts} == {-terms.digits}


@EXAMPLES
@given(schedule_terms())
def test_grace_periods_pay_interest_only_and_interest_is_the_rate_rounded_once(
    terms: ScheduleTerms,
) -> None:
    schedule = build_or_reject(terms)
    balance = terms.principal
    for row in schedule.rows:
        if row.period <= terms.grace_principal:
            assert row.principal == 0
            assert row.installment == row.interest
        base = terms.principal if terms.method is InterestMethod.FLAT else balance
        exact = Fraction(units(base, terms)) * terms.monthly_rate
        assert abs(units(row.interest, terms) - exact) < 1
        balance = row.balance


@EXAMPLES
@given(
    st.one_of(
        schedule_terms(InterestMethod.FLAT),
        schedule_terms(InterestMethod.ANNUITY),
    )
)
def test_flat_and_annuity_installments_are_equal_after_grace_except_the_last(
    terms: ScheduleTerms,
) -> None:
    schedule = build_or_reject(terms)
    level = schedule.rows[terms.grace_principal : terms.tenor - 1]
    assert len({row.installment for row in level}) <= 1
    multiple = units(terms.rounding_multiple, terms)
    assert all(units(row.installment, terms) % multiple == 0 for row in level)
    if terms.method is InterestMethod.FLAT:
        assert len({row.interest for row in schedule.rows}) == 1


@EXAMPLES
@given(schedule_terms(InterestMethod.EQUAL_PRINCIPAL))
def test_equal_principal_parts_are_equal_after_grace_except_the_last(
    terms: ScheduleTerms,
) -> None:
    schedule = build_or_reject(terms)
    level = schedule.rows[terms.grace_principal : terms.tenor - 1]
    assert len({row.principal for row in level}) <= 1
    multiple = units(terms.rounding_multiple, terms)
    assert all(units(row.principal, terms) % multiple == 0 for row in level)
    assert all(
        a.interest >= b.interest for a, b in zip(schedule.rows, schedule.rows[1:], strict=False)
    )


@EXAMPLES
@given(
    st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)),
    st.integers(1, 600),
)
def test_due_dates_count_whole_months_from_the_start_clamped_to_the_month_end(
    start: dt.date, months: int
) -> None:
    due = add_months(start, months)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == months
    assert due.day == start.day or (due.day < start.day and (due + dt.timedelta(1)).day == 1)
    assert add_months(start, months) > add_months(start, months - 1)
