"""The schedule engine against worked examples from public sources, and its refusals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from backend.domain.schedule import (
    MAX_TENOR,
    InterestMethod,
    InvalidScheduleTerms,
    RoundingMode,
    Schedule,
    ScheduleTerms,
    build_schedule,
    monthly_rate_from_percent,
    rupiah_installments,
)
from backend.domain.schedule_math import add_months, round_fraction

START = dt.date(2026, 1, 31)


def schedule(
    principal: int | str,
    tenor: int,
    method: str,
    *,
    annual: str | None = None,
    monthly: str | None = None,
    **options: object,
) -> Schedule:
    rate = monthly_rate_from_percent(
        annual_percent=None if annual is None else Decimal(annual),
        monthly_percent=None if monthly is None else Decimal(monthly),
    )
    terms = ScheduleTerms(
        principal=Decimal(principal),
        tenor=tenor,
        method=InterestMethod(method),
        monthly_rate=rate,
        start=options.pop("start", START),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    return build_schedule(terms)


def amounts(row: object) -> tuple[str, str, str, str]:
    return tuple(  # type: ignore[return-value]
        format(getattr(row, name), "f")
        for name in ("principal", "interest", "installment", "balance")
    )


def refusal(**changes: object) -> str:
    terms: dict[str, object] = {
        "principal": Decimal(1_000_000),
        "tenor": 12,
        "method": InterestMethod.ANNUITY,
        "monthly_rate": Fraction(1, 100),
        "start": START,
    }
    terms.update(changes)
    with pytest.raises(InvalidScheduleTerms) as caught:
        build_schedule(ScheduleTerms(**terms))  # type: ignore[arg-type]
    return caught.value.code


# ----------------------------------------------------------------- worked examples: annuity


def test_annuity_of_a_million_at_one_percent_a_month_over_a_year() -> None:
    # Textbook PMT: 1,000,000 × 0.01 / (1 − 1.01^−12) = 88,848.79, rounded to 88,849;
    # the last installment takes the remaining balance (87,967 + 880 interest = 88,847).
    result = schedule(1_000_000, 12, "annuity", annual="12")
    assert [row.installment for row in result.rows[:-1]] == [Decimal(88_849)] * 11
    assert amounts(result.rows[0]) == ("78849", "10000", "88849", "921151")
    assert amounts(result.rows[-1]) == ("87967", "880", "88847", "0")
    assert result.totals.principal == 1_000_000
    assert result.totals.interest == 66_186


def test_annuity_matches_excels_pmt_example() -> None:
    # Microsoft Excel "PMT function" (support.microsoft.com): 8 % a year, 10 monthly
    # payments, a loan of 10,000 → PMT(8%/12, 10, 10000) = 1,037.03.
    result = schedule(10_000, 10, "annuity", annual="8", digits=2)
    assert {row.installment for row in result.rows[:-1]} == {Decimal("1037.03")}
    assert amounts(result.rows[0]) == ("970.36", "66.67", "1037.03", "9029.64")


def test_annuity_matches_filemakers_pmt_example() -> None:
    # Claris FileMaker Pro help, "PMT": PMT(21000; .069/12; 48) returns 501.90.
    result = schedule(21_000, 48, "annuity", annual="6.9", digits=2)
    assert result.rows[0].installment == Decimal("501.90")


def test_annuity_matches_an_indonesian_credit_simulation() -> None:
    # muhammadnoer.com "Simulasi kredit: bunga efektif vs bunga flat" (published on Scribd):
    # Rp 100,000,000 at 15 % a year over 10 years: cicilan 1,613,349.57; month 1 pokok
    # 363,349.57 + bunga 1,250,000.00; month 2 367,891.44 + 1,245,458.13; month 3
    # 372,490.08 + 1,240,859.49.
    result = schedule(100_000_000, 120, "annuity", annual="15", digits=2)
    assert [amounts(row)[:3] for row in result.rows[:3]] == [
        ("363349.57", "1250000.00", "1613349.57"),
        ("367891.44", "1245458.13", "1613349.57"),
        ("372490.08", "1240859.49", "1613349.57"),
    ]


def test_annuity_matches_a_bank_style_effective_rate_table() -> None:
    # "Jadwal angsuran efektif" (Scribd, Angsuran Bunga Efektif.xlsx): 200,000,000 at
    # 18.1 % p.a. over 120 months: angsuran 3,616,589.78; month 1 pokok 599,923.11, bunga
    # 3,016,666.67; balance after month 2 198,791,104.94.
    result = schedule(200_000_000, 120, "annuity", annual="18.1", digits=2)
    assert amounts(result.rows[0]) == ("599923.11", "3016666.67", "3616589.78", "199400076.89")
    assert amounts(result.rows[1]) == ("608971.95", "3007617.83", "3616589.78", "198791104.94")


# ------------------------------------------------------------ worked examples: flat and EP


def test_flat_twelve_million_at_one_and_a_half_percent_a_month() -> None:
    # Bunga flat: 12,000,000 ÷ 12 = 1,000,000 principal + 12,000,000 × 1.5 % = 180,000.
    result = schedule(12_000_000, 12, "flat", monthly="1.5")
    assert {amounts(row)[:3] for row in result.rows} == {("1000000", "180000", "1180000")}
    assert result.totals.interest == 2_160_000
    assert result.totals.installment == 14_160_000


def test_flat_house_credit_simulation_with_a_remainder_in_the_last_month() -> None:
    # Sumatera Ekspres, "simulasi kredit rumah tipe 36": Rp 300,000,000 at 6 % a year flat;
    # 12 months: 25,000,000 + 1,500,000 = 26,500,000; 36 months: 8,333,333 + 1,500,000 =
    # 9,833,333. Here the last month takes the 12 rupiah the rounding left over.
    yearly = schedule(300_000_000, 12, "flat", annual="6")
    assert {row.installment for row in yearly.rows} == {Decimal(26_500_000)}
    three_years = schedule(300_000_000, 36, "flat", annual="6")
    assert {amounts(row)[:3] for row in three_years.rows[:-1]} == {
        ("8333333", "1500000", "9833333")
    }
    assert amounts(three_years.rows[-1]) == ("8333345", "1500000", "9833345", "0")


def test_equal_principal_matches_an_indonesian_effective_interest_example() -> None:
    # "Simulasi kredit" (vdokumen.com), bunga efektif: Rp 60,000,000 at 14 % a year over 60
    # months: pokok 1,000,000 a month; bunga month 1 700,000, month 2 688,333.33, month 3
    # 676,666.67, month 11 583,333.33.
    result = schedule(60_000_000, 60, "equal_principal", annual="14", digits=2)
    picked = [amounts(result.rows[i])[:3] for i in (0, 1, 2, 10)]
    assert picked == [
        ("1000000.00", "700000.00", "1700000.00"),
        ("1000000.00", "688333.33", "1688333.33"),
        ("1000000.00", "676666.67", "1676666.67"),
        ("1000000.00", "583333.33", "1583333.33"),
    ]


def test_equal_principal_rounds_the_principal_part_to_the_multiple() -> None:
    result = schedule(1_000_000, 3, "equal_principal", monthly="1", multiple_of=Decimal(1000))
    assert [row.principal for row in result.rows] == [333_000, 333_000, 334_000]
    assert [row.interest for row in result.rows] == [10_000, 6_670, 3_340]


# --------------------------------------------------------------------- rules of the engine


def test_grace_periods_charge_interest_only_then_amortize_over_the_rest() -> None:
    result = schedule(1_200_000, 6, "annuity", monthly="1", grace_principal=2)
    assert [amounts(row)[:3] for row in result.rows[:2]] == [("0", "12000", "12000")] * 2
    assert result.rows[1].balance == 1_200_000
    # PMT of 1,200,000 at 1 % over the 4 remaining months = 307,537.31 → 307,537.
    assert {row.installment for row in result.rows[2:-1]} == {Decimal(307_537)}
    assert result.rows[-1].balance == 0


def test_flat_with_grace_spreads_the_principal_over_the_periods_after_it() -> None:
    result = schedule(1_200_000, 6, "flat", monthly="1", grace_principal=2)
    assert [row.installment for row in result.rows] == [12_000] * 2 + [312_000] * 4


def test_the_installment_is_rounded_once_to_the_multiple_and_the_last_absorbs_the_rest() -> None:
    result = schedule(1_000_000, 12, "annuity", monthly="1", multiple_of=Decimal(100))
    assert {row.installment for row in result.rows[:-1]} == {Decimal(88_800)}
    # 88,800 is 48.79 below the exact PMT, so 88,533 principal is left for the last month,
    # paid with that month's 885 interest.
    assert amounts(result.rows[-1]) == ("88533", "885", "89418", "0")
    assert sum(row.principal for row in result.rows) == 1_000_000


@pytest.mark.parametrize(
    ("mode", "installment"),
    [
        (RoundingMode.HALF_EVEN, 88_849),
        (RoundingMode.HALF_UP, 88_849),
        (RoundingMode.UP, 88_849),
        (RoundingMode.DOWN, 88_848),
    ],
)
def test_the_rounding_mode_decides_the_level_installment(
    mode: RoundingMode, installment: int
) -> None:
    result = schedule(1_000_000, 12, "annuity", monthly="1", rounding=mode)
    assert result.rows[0].installment == installment


@pytest.mark.parametrize(
    ("value", "half_even", "half_up", "up", "down"),
    [
        (Fraction(5, 2), 2, 3, 3, 2),
        (Fraction(7, 2), 4, 4, 4, 3),
        (Fraction(-5, 2), -2, -3, -3, -2),
        (Fraction(21, 10), 2, 2, 3, 2),
        (Fraction(29, 10), 3, 3, 3, 2),
        (Fraction(4), 4, 4, 4, 4),
    ],
)
def test_rounding_modes_on_exact_values(
    value: Fraction, half_even: int, half_up: int, up: int, down: int
) -> None:
    assert [round_fraction(value, mode) for mode in RoundingMode] == [half_even, half_up, up, down]


def test_a_zero_rate_loan_repays_the_principal_alone() -> None:
    for method in InterestMethod:
        result = schedule(1_000_000, 3, method, annual="0")
        assert [row.principal for row in result.rows] == [333_333, 333_333, 333_334]
        assert result.totals.interest == 0


def test_an_annual_rate_is_divided_by_twelve_exactly() -> None:
    assert monthly_rate_from_percent(annual_percent=Decimal("12")) == Fraction(1, 100)
    assert monthly_rate_from_percent(annual_percent=Decimal("12.5")) == Fraction(1, 96)
    assert monthly_rate_from_percent(monthly_percent=Decimal("1.5")) == Fraction(3, 200)


def test_due_dates_are_monthly_from_the_start_clamped_to_the_month_end_without_drift() -> None:
    result = schedule(1_200_000, 13, "flat", monthly="1", start=dt.date(2027, 12, 31))
    assert [row.due_date for row in result.rows[:4]] == [
        dt.date(2028, 1, 31),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 31),
        dt.date(2028, 4, 30),
    ]
    assert result.rows[-1].due_date == dt.date(2029, 1, 31)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)


def test_whole_rupiah_rows_convert_to_ints_and_others_refuse() -> None:
    rows = rupiah_installments(schedule(1_000_000, 12, "annuity", annual="12"))
    assert rows[0].installment == 88_849
    assert all(type(row.balance) is int for row in rows)
    with pytest.raises(ValueError, match="0 digits"):
        rupiah_installments(schedule(1_000_000, 12, "annuity", annual="12", digits=2))


# --------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"principal": Decimal(0)}, "error.schedule.principal_range"),
        ({"principal": Decimal(-5)}, "error.schedule.principal_range"),
        ({"principal": Decimal(10**15 + 1)}, "error.schedule.principal_range"),
        ({"principal": Decimal("1000.5")}, "error.schedule.principal_decimals"),
        ({"tenor": 0}, "error.schedule.tenor_range"),
        ({"tenor": MAX_TENOR + 1}, "error.schedule.tenor_range"),
        ({"grace_principal": 12}, "error.schedule.grace_range"),
        ({"grace_principal": -1}, "error.schedule.grace_range"),
        ({"monthly_rate": Fraction(-1, 100)}, "error.schedule.rate_range"),
        ({"monthly_rate": Fraction(101, 100)}, "error.schedule.rate_range"),
        ({"digits": -1}, "error.schedule.digits_range"),
        ({"digits": 5}, "error.schedule.digits_range"),
        ({"multiple_of": Decimal(0)}, "error.schedule.multiple_range"),
        ({"multiple_of": Decimal("0.5")}, "error.schedule.multiple_decimals"),
        ({"method": "balloon"}, "error.schedule.method_unknown"),
        ({"rounding": "ceiling"}, "error.schedule.rounding_unknown"),
        ({"start": dt.date(9999, 6, 1)}, "error.schedule.start_out_of_range"),
        ({"multiple_of": Decimal(100_000)}, "error.schedule.rounding_too_coarse"),
    ],
)
def test_terms_out_of_range_are_refused_with_a_specific_code(
    changes: dict[str, object], code: str
) -> None:
    assert refusal(**changes) == code


def test_rounding_up_that_would_repay_a_tiny_loan_early_is_refused() -> None:
    code = refusal(principal=Decimal(5), rounding=RoundingMode.UP, monthly_rate=Fraction(0))
    assert code == "error.schedule.rounding_too_coarse"


@pytest.mark.parametrize(
    ("annual", "code"),
    [
        ("100.5", "error.schedule.rate_range"),
        ("-1", "error.schedule.rate_range"),
        ("12.1234567", "error.schedule.rate_decimals"),
    ],
)
def test_a_percentage_out_of_range_is_refused(annual: str, code: str) -> None:
    with pytest.raises(InvalidScheduleTerms) as caught:
        monthly_rate_from_percent(annual_percent=Decimal(annual))
    assert caught.value.code == code


def test_a_float_rate_or_a_datetime_start_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        refusal(monthly_rate=0.01)
    with pytest.raises(TypeError):
        refusal(start=dt.datetime(2026, 1, 31, 9, 0))
    with pytest.raises(TypeError):
        monthly_rate_from_percent()
