"""Cost caps (backend.domain.cost_caps): OJK's worked numbers, the boundaries, the table rules.

Sources of the figures: REFERENCE §7 (SEOJK 19/SEOJK.06/2023, revised from 1 Jan 2025):
consumer 0.3 %/day under 6 months and 0.2 %/day from 6 months, productive micro 0.275 % and
0.1 %; benefit + late fees at most 100 % of the funding; the circular's own example,
Rp 85.000 on Rp 1.000.000 for 90 days = 0.0944 %/day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.domain.cost_caps import (
    MAX_SOURCE_LENGTH,
    OJK_DEFAULT_CAPS,
    OJK_SOURCE,
    CostCap,
    CostCapExceeded,
    CostCheck,
    InvalidCostCaps,
    cap_for,
    check_cost,
    check_schedule_cost,
    daily_economic_benefit,
    late_fee_for_day,
    rate_percent,
    validate_cost_caps,
)
from backend.domain.errors import ValidationError
from backend.domain.loan_terms import LoanKind, shortest_tenor_days, tenor_days
from backend.domain.schedule import (
    InterestMethod,
    Schedule,
    ScheduleTerms,
    build_schedule,
    monthly_rate_from_percent,
)
from backend.formatting import error_params
from backend.i18n import load_translations

CONSUMER, PRODUCTIVE = LoanKind.CONSUMER, LoanKind.PRODUCTIVE
JAN_1 = dt.date(2026, 1, 1)
EXAMPLES = settings(max_examples=200, deadline=None)


def cost(
    *,
    kind: LoanKind,
    tenor: int,
    principal: int = 1_000_000,
    interest: int = 0,
    fees: int = 0,
    days: int = 90,
    late_fee: int = 0,
) -> CostCheck:
    """``check_cost`` against the seeded OJK caps."""
    return check_cost(
        kind=kind,
        tenor_months=tenor,
        principal=principal,
        interest=interest,
        fees=fees,
        days=days,
        caps=OJK_DEFAULT_CAPS,
        late_fee_per_day=late_fee,
    )


def refused(**terms: Any) -> CostCapExceeded:
    with pytest.raises(CostCapExceeded) as caught:
        cost(**terms)
    return caught.value


def flat_schedule(
    principal: int, tenor: int, monthly_percent: str, start: dt.date = JAN_1
) -> Schedule:
    return build_schedule(
        ScheduleTerms(
            principal=Decimal(principal),
            tenor=tenor,
            method=InterestMethod.FLAT,
            monthly_rate=monthly_rate_from_percent(monthly_percent=Decimal(monthly_percent)),
            start=start,
        )
    )


# ---------------------------------------------------------------------------- the seeded table


def test_the_seeded_caps_are_ojks_and_say_so() -> None:
    assert validate_cost_caps(OJK_DEFAULT_CAPS)
    figures = {(c.kind, c.min_months, c.max_months): c.daily_cap for c in OJK_DEFAULT_CAPS}
    assert figures == {
        (CONSUMER, 1, 6): Decimal("0.003"),
        (CONSUMER, 6, None): Decimal("0.002"),
        (PRODUCTIVE, 1, 6): Decimal("0.00275"),
        (PRODUCTIVE, 6, None): Decimal("0.001"),
    }
    assert OJK_SOURCE == "SEOJK 19/SEOJK.06/2023, revised from 1 Jan 2025"
    assert all(cap.source.startswith(OJK_SOURCE) for cap in OJK_DEFAULT_CAPS)


@pytest.mark.parametrize(
    ("kind", "tenor", "percent"),
    [
        (CONSUMER, 1, "0.3"),
        (CONSUMER, 5, "0.3"),
        (CONSUMER, 6, "0.2"),  # "from 6 months": exactly 6 takes the lower cap
        (CONSUMER, 7, "0.2"),
        (CONSUMER, 600, "0.2"),
        (PRODUCTIVE, 1, "0.275"),
        (PRODUCTIVE, 5, "0.275"),
        (PRODUCTIVE, 6, "0.1"),
        (PRODUCTIVE, 36, "0.1"),
    ],
)
def test_cap_for_picks_the_band_of_the_tenor(kind: LoanKind, tenor: int, percent: str) -> None:
    assert cap_for(kind, tenor, OJK_DEFAULT_CAPS).cap_percent == Decimal(percent)


def test_a_kind_without_a_band_has_no_cap() -> None:
    consumer_only = [c for c in OJK_DEFAULT_CAPS if c.kind is CONSUMER]
    with pytest.raises(CostCapExceeded) as caught:
        cap_for(PRODUCTIVE, 3, consumer_only)
    assert caught.value.code == "error.cost_cap.tenor_not_covered"
    assert caught.value.params == {"kind": "productive", "tenor": 3}


def test_overlapping_bands_in_an_unvalidated_table_give_the_lower_cap() -> None:
    extra = CostCap(CONSUMER, 3, 4, Decimal("0.001"))
    assert cap_for(CONSUMER, 3, [*OJK_DEFAULT_CAPS, extra]) is extra


# ---------------------------------------------------------------------------- worked examples


def test_the_circulars_example_is_0_0944_percent_a_day() -> None:
    # SEOJK 19/2023 example: interest 30.000 + admin 50.000 + other 5.000 on Rp 1.000.000,
    # 90 calendar days: 85.000 / 1.000.000 / 90 = 0,0944 % a day, under its 0.1 % cap.
    daily = daily_economic_benefit(30_000, 55_000, 1_000_000, 90)
    assert daily == Fraction(17, 18_000)
    assert Decimal(daily.numerator * 100) / daily.denominator < Decimal("0.09445")
    assert rate_percent(daily) == Decimal("0.0945")  # shown rounded up
    productive_at_0_1 = [CostCap(PRODUCTIVE, 1, None, Decimal("0.001"))]
    check = check_cost(
        kind=PRODUCTIVE,
        tenor_months=3,
        principal=1_000_000,
        interest=30_000,
        fees=55_000,
        days=90,
        caps=productive_at_0_1,
    )
    assert check.max_total_cost == 90_000
    assert check.daily_rate == daily


def test_a_three_month_consumer_loan_of_one_million_may_cost_270_000_over_90_days() -> None:
    # 0.3 % a day × 90 days × Rp 1.000.000 = Rp 270.000 (REFERENCE §7 caps).
    schedule = flat_schedule(1_000_000, 3, "8")  # 80.000 interest a month
    assert schedule.totals.interest == 240_000
    assert tenor_days(JAN_1, 3) == 90  # 1 Jan → 1 Apr
    check = check_schedule_cost(schedule, kind=CONSUMER, fees=30_000, caps=OJK_DEFAULT_CAPS)
    assert (check.total_cost, check.max_total_cost, check.days) == (270_000, 270_000, 90)
    assert check.daily_percent == Decimal("0.3")
    assert check.max_late_fee_per_day == 3_000

    with pytest.raises(CostCapExceeded) as caught:
        check_schedule_cost(schedule, kind=CONSUMER, fees=30_001, caps=OJK_DEFAULT_CAPS)
    assert caught.value.code == "error.cost_cap.daily"
    assert caught.value.params == {
        "daily_percent": Decimal("0.3001"),
        "cap_percent": Decimal("0.3"),
        "total_cost": 270_001,
        "max_total_cost": 270_000,
        "principal": 1_000_000,
        "days": 90,
        "kind": "consumer",
        "tenor": 3,
    }


def test_the_same_loan_disbursed_on_1_february_runs_89_days_and_is_refused() -> None:
    schedule = flat_schedule(1_000_000, 3, "8", start=dt.date(2026, 2, 1))
    with pytest.raises(CostCapExceeded) as caught:
        check_schedule_cost(schedule, kind=CONSUMER, fees=30_000, caps=OJK_DEFAULT_CAPS)
    assert caught.value.params["days"] == 89
    assert caught.value.params["max_total_cost"] == 267_000
    # A product is checked at the shortest span of its tenor, so every start date fits.
    assert shortest_tenor_days(3) == 89
    check = check_schedule_cost(
        flat_schedule(1_000_000, 3, "8"),
        kind=CONSUMER,
        fees=27_000,
        caps=OJK_DEFAULT_CAPS,
        days=shortest_tenor_days(3),
    )
    assert check.max_total_cost == 267_000


def test_the_boundary_at_exactly_six_months() -> None:
    # 5 months from 1 Jan = 151 days at 0.3 %: at most 453.000; 6 months = 181 days at 0.2 %:
    # at most 362.000. Rp 400.000 fits the first and not the second.
    five = cost(kind=CONSUMER, tenor=5, interest=400_000, days=tenor_days(JAN_1, 5))
    assert (five.days, five.max_total_cost) == (151, 453_000)
    six = refused(kind=CONSUMER, tenor=6, interest=400_000, days=tenor_days(JAN_1, 6))
    assert six.code == "error.cost_cap.daily"
    assert (six.params["cap_percent"], six.params["max_total_cost"]) == (Decimal("0.2"), 362_000)
    # Productive: 0.275 % under 6 months, 0.1 % from 6 months.
    assert cost(kind=PRODUCTIVE, tenor=5, interest=200_000, days=151).max_total_cost == 415_250
    productive_six = refused(kind=PRODUCTIVE, tenor=6, interest=200_000, days=181)
    assert productive_six.params["max_total_cost"] == 181_000


def test_total_cost_is_at_most_the_principal() -> None:
    # 24 months at 0.2 % a day: 730 days would allow 146 %, but the total stops at 100 %.
    days = tenor_days(JAN_1, 24)
    assert days == 730
    check = cost(kind=CONSUMER, tenor=24, interest=900_000, fees=100_000, days=days)
    assert check.max_total_cost == 1_000_000
    error = refused(kind=CONSUMER, tenor=24, interest=900_000, fees=100_001, days=days)
    assert error.code == "error.cost_cap.total"
    assert error.params["max_total_cost"] == 1_000_000
    assert error.params["daily_percent"] < error.params["cap_percent"]


@pytest.mark.parametrize(
    ("kind", "tenor", "allowed"),
    [(CONSUMER, 3, 3_000), (CONSUMER, 6, 2_000), (PRODUCTIVE, 3, 2_750), (PRODUCTIVE, 6, 1_000)],
)
def test_a_late_fee_above_the_daily_cap_is_refused(
    kind: LoanKind, tenor: int, allowed: int
) -> None:
    # Rp 1.000.000 at 0.3 % a day: a late fee of at most Rp 3.000 a day.
    assert cost(kind=kind, tenor=tenor, late_fee=allowed).max_late_fee_per_day == allowed
    error = refused(kind=kind, tenor=tenor, late_fee=allowed + 1)
    assert error.code == "error.cost_cap.late_fee"
    assert error.params["late_fee_per_day"] == allowed + 1
    assert error.params["max_late_fee_per_day"] == allowed
    assert error.params["late_fee_percent"] > error.params["cap_percent"]


def test_late_fees_stop_at_the_cap_and_at_100_percent() -> None:
    cap = cap_for(CONSUMER, 3, OJK_DEFAULT_CAPS)  # 0.3 %

    def fee(outstanding: int, charged: int) -> int:
        return late_fee_for_day(
            late_fee_per_day=2_000,
            outstanding=outstanding,
            cap=cap,
            principal=1_000_000,
            economic_benefit=270_000,
            late_fees_charged=charged,
        )

    assert fee(1_000_000, 0) == 2_000
    assert fee(333_333, 0) == 999  # ⌊0.3 % × 333.333⌋
    # 270.000 benefit + 729.500 late fees leave 500 before 100 %, then nothing.
    assert fee(1_000_000, 729_500) == 500
    assert fee(1_000_000, 730_000) == 0
    assert fee(1_000_000, 800_000) == 0


def test_a_refusal_reads_with_its_numbers_in_both_languages() -> None:
    error = refused(kind=CONSUMER, tenor=3, interest=240_000, fees=30_001, days=90)
    translations = load_translations(Path(__file__).resolve().parents[2] / "locales")
    english = translations["en"].gettext(error.code).format(**error_params(error, "en"))
    assert english == (
        # English as used in Indonesia (en_ID, docs/DECISIONS.md): decimal comma, like the rupiah.
        "Interest and fees of Rp 270.001 over 90 days are 0,3001 % of the principal a day; "
        "the cap is 0,3 % a day, so at most Rp 270.000."
    )
    indonesian = translations["id"].gettext(error.code).format(**error_params(error, "id"))
    assert "Rp 270.001" in indonesian and "Rp 270.000" in indonesian and "0,3001 %" in indonesian


# ---------------------------------------------------------------------------- properties


@EXAMPLES
@given(
    principal=st.integers(1, 10**12),
    interest=st.integers(0, 10**12),
    fees=st.integers(0, 10**9),
    days=st.integers(1, 20_000),
)
def test_the_daily_rate_is_exact(principal: int, interest: int, fees: int, days: int) -> None:
    daily = daily_economic_benefit(interest, fees, principal, days)
    assert daily * principal * days == interest + fees
    shown = rate_percent(daily)
    assert shown >= daily * 100 > shown - Decimal("0.0001")


@EXAMPLES
@given(
    kind=st.sampled_from(LoanKind),
    tenor=st.integers(1, 60),
    principal=st.integers(1, 10**10),
    amount=st.integers(0, 2 * 10**10),
    days=st.integers(28, 1_900),
)
def test_a_cost_passes_exactly_when_it_is_within_the_maximum(
    kind: LoanKind, tenor: int, principal: int, amount: int, days: int
) -> None:
    cap = Fraction(cap_for(kind, tenor, OJK_DEFAULT_CAPS).daily_cap)
    within = amount <= principal and Fraction(amount, principal * days) <= cap
    terms: dict[str, Any] = {"kind": kind, "tenor": tenor, "principal": principal, "days": days}
    if within:
        check = cost(**terms, interest=amount)
        assert check.total_cost <= check.max_total_cost
        assert check.daily_rate <= cap
    else:
        error = refused(**terms, interest=amount)
        assert error.params["total_cost"] > error.params["max_total_cost"]


@EXAMPLES
@given(
    method=st.sampled_from([InterestMethod.FLAT, InterestMethod.EQUAL_PRINCIPAL]),
    principal=st.integers(100_000, 10**10),
    tenor=st.integers(1, 36),
    hundredths=st.lists(st.integers(0, 1_500), min_size=2, max_size=2),
    fees=st.integers(0, 100_000),
    start=st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)),
    kind=st.sampled_from(LoanKind),
)
def test_the_check_is_monotone_in_the_rate(
    method: InterestMethod,
    principal: int,
    tenor: int,
    hundredths: list[int],
    fees: int,
    start: dt.date,
    kind: LoanKind,
) -> None:
    """What a higher monthly rate may charge, a lower one may too (and costs no more).

    Flat and equal-principal interest is a sum of ``round(amount × rate)`` over amounts that
    do not depend on the rate, so it is monotone to the rupiah; an annuity's total goes
    through the rounded PMT, which is monotone only up to rounding, so it is left out.
    """
    low, high = sorted(hundredths)

    def check(percent_hundredths: int) -> CostCheck | CostCapExceeded:
        schedule = build_schedule(
            ScheduleTerms(
                principal=Decimal(principal),
                tenor=tenor,
                method=method,
                monthly_rate=monthly_rate_from_percent(
                    monthly_percent=Decimal(percent_hundredths).scaleb(-2)
                ),
                start=start,
            )
        )
        try:
            return check_schedule_cost(schedule, kind=kind, fees=fees, caps=OJK_DEFAULT_CAPS)
        except CostCapExceeded as error:
            return error

    at_low, at_high = check(low), check(high)
    if not isinstance(at_high, CostCapExceeded):
        assert not isinstance(at_low, CostCapExceeded)
        assert at_low.total_cost <= at_high.total_cost


@EXAMPLES
@given(start=st.dates(dt.date(1900, 1, 1), dt.date(2400, 12, 31)), tenor=st.integers(1, 600))
def test_no_loan_runs_fewer_days_than_the_shortest_span_of_its_tenor(
    start: dt.date, tenor: int
) -> None:
    assert tenor_days(start, tenor) >= shortest_tenor_days(tenor)


@pytest.mark.parametrize(
    ("tenor", "days", "start"),
    [(1, 28, dt.date(2025, 1, 31)), (3, 89, dt.date(2026, 2, 1)), (6, 181, dt.date(2026, 1, 1))],
)
def test_the_shortest_span_is_reached(tenor: int, days: int, start: dt.date) -> None:
    assert shortest_tenor_days(tenor) == days == tenor_days(start, tenor)


# ---------------------------------------------------------------------------- staff edits


def table_error(caps: list[CostCap]) -> InvalidCostCaps:
    with pytest.raises(InvalidCostCaps) as caught:
        validate_cost_caps(caps)
    return caught.value


def productive(*bands: tuple[int, int | None, str]) -> list[CostCap]:
    consumer = [c for c in OJK_DEFAULT_CAPS if c.kind is CONSUMER]
    return consumer + [CostCap(PRODUCTIVE, lo, hi, Decimal(cap)) for lo, hi, cap in bands]


def test_a_valid_edit_is_sorted_by_kind_and_band() -> None:
    table = validate_cost_caps(productive((12, None, "0.0005"), (1, 6, "0.002"), (6, 12, "0.001")))
    assert [(c.kind, c.min_months) for c in table] == [
        (PRODUCTIVE, 1),
        (PRODUCTIVE, 6),
        (PRODUCTIVE, 12),
        (CONSUMER, 1),
        (CONSUMER, 6),
    ]


@pytest.mark.parametrize(
    ("bands", "code", "tenor"),
    [
        ([(1, 7, "0.002"), (6, None, "0.001")], "error.cost_cap.overlap", 6),
        ([(1, None, "0.002"), (6, 12, "0.001")], "error.cost_cap.overlap", 6),
        ([(1, 6, "0.002"), (1, 6, "0.001"), (6, None, "0.001")], "error.cost_cap.overlap", 1),
        ([(1, 6, "0.002"), (7, None, "0.001")], "error.cost_cap.gap", 6),
        ([(2, None, "0.002")], "error.cost_cap.gap", 1),
        ([(1, 6, "0.002"), (6, 600, "0.001")], "error.cost_cap.gap", 600),
        ([], "error.cost_cap.gap", 1),
    ],
)
def test_bands_must_cover_every_tenor_once(
    bands: list[tuple[int, int | None, str]], code: str, tenor: int
) -> None:
    error = table_error(productive(*bands))
    assert (error.code, error.params["kind"], error.params["tenor"]) == (code, "productive", tenor)


def test_a_band_may_end_just_past_the_longest_tenor() -> None:
    assert validate_cost_caps(productive((1, 601, "0.001")))


@pytest.mark.parametrize(
    ("band", "code"),
    [
        ((0, 6, "0.003"), "error.cost_cap.band_range"),
        ((6, 6, "0.003"), "error.cost_cap.band_range"),
        ((6, 5, "0.003"), "error.cost_cap.band_range"),
        ((1, 602, "0.003"), "error.cost_cap.band_range"),
        ((601, None, "0.003"), "error.cost_cap.band_range"),
        ((1, 6, "0"), "error.cost_cap.rate_range"),
        ((1, 6, "-0.001"), "error.cost_cap.rate_range"),
        ((1, 6, "0.0101"), "error.cost_cap.rate_range"),
        ((1, 6, "0.0000005"), "error.cost_cap.rate_decimals"),
    ],
)
def test_a_cap_out_of_range_is_refused(band: tuple[int, int | None, str], code: str) -> None:
    lo, hi, cap = band
    with pytest.raises(InvalidCostCaps) as caught:
        CostCap(CONSUMER, lo, hi, Decimal(cap))
    assert caught.value.code == code
    assert isinstance(caught.value, ValidationError)


def test_the_highest_and_finest_caps_are_accepted() -> None:
    assert CostCap(CONSUMER, 1, 6, Decimal("0.01")).cap_percent == Decimal(1)
    assert CostCap(CONSUMER, 1, 6, Decimal("0.000675")).cap_percent == Decimal("0.0675")


def test_the_source_note_is_tidied_and_bounded() -> None:
    cap = CostCap(CONSUMER, 1, 6, Decimal("0.003"), "  board decision\n 12/2026 ")
    assert cap.source == "board decision 12/2026"
    with pytest.raises(InvalidCostCaps) as caught:
        CostCap(CONSUMER, 1, 6, Decimal("0.003"), "x" * (MAX_SOURCE_LENGTH + 1))
    assert caught.value.params == {"maximum": MAX_SOURCE_LENGTH}


def test_wrong_types_are_bugs() -> None:
    with pytest.raises(TypeError):
        CostCap(CONSUMER, 1, 6, 0.003)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        CostCap(CONSUMER, True, 6, Decimal("0.003"))
    with pytest.raises(ValueError):
        CostCap("payday", 1, 6, Decimal("0.003"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        daily_economic_benefit(0.5, 0, 1_000_000, 90)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        daily_economic_benefit(1, 0, 0, 90)
    with pytest.raises(ValueError):
        check_cost(
            kind=CONSUMER,
            tenor_months=3,
            principal=1_000_000,
            interest=-1,
            fees=0,
            days=90,
            caps=OJK_DEFAULT_CAPS,
        )
    cents = build_schedule(
        ScheduleTerms(
            principal=Decimal("1000.50"),
            tenor=3,
            method=InterestMethod.FLAT,
            monthly_rate=Fraction(1, 100),
            start=JAN_1,
            digits=2,
        )
    )
    with pytest.raises(ValueError):
        check_schedule_cost(cents, kind=CONSUMER, fees=0, caps=OJK_DEFAULT_CAPS)
