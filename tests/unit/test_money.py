"""Behaviour of reading typed rupiah amounts (backend.domain.money)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import InvalidAmount
from backend.domain.money import MAX_AMOUNT, parse_rupiah
from backend.formatting import format_rupiah


def error_of(raw: str) -> InvalidAmount:
    with pytest.raises(InvalidAmount) as caught:
        parse_rupiah(raw)
    return caught.value


@pytest.mark.parametrize(
    ("typed", "rupiah"),
    [
        ("1500000", 1_500_000),
        ("1.500.000", 1_500_000),
        ("1,500,000", 1_500_000),
        ("1 500 000", 1_500_000),
        ("Rp 1.500.000", 1_500_000),
        ("Rp1.500.000", 1_500_000),
        ("Rp. 1.500.000", 1_500_000),
        ("rp 1.500.000", 1_500_000),
        ("IDR 1.500.000", 1_500_000),
        ("1.500.000 rupiah", 1_500_000),
        ("  Rp 1.500.000  ", 1_500_000),
        ("Rp\u00a01.500.000", 1_500_000),
        ("1.500", 1_500),
        ("1,500", 1_500),
        ("999", 999),
        ("1", 1),
    ],
)
def test_plain_amounts_with_or_without_thousands_separators(typed: str, rupiah: int) -> None:
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize(
    ("typed", "rupiah"),
    [
        ("1,5 juta", 1_500_000),
        ("1.5jt", 1_500_000),
        ("1,5 jt", 1_500_000),
        ("1,5jt.", 1_500_000),
        ("1.5 JUTA", 1_500_000),
        ("2 juta", 2_000_000),
        ("Rp 2 juta", 2_000_000),
        ("0,5 juta", 500_000),
        ("1,25 juta", 1_250_000),
        ("500rb", 500_000),
        ("500 ribu", 500_000),
        ("500 ribu rupiah", 500_000),
        ("500k", 500_000),
        ("500K", 500_000),
        ("1.5k", 1_500),
        ("1 miliar", 1_000_000_000),
        ("1 milyar", 1_000_000_000),
        ("1,25 miliar", 1_250_000_000),
        ("1.5 million", 1_500_000),
        ("2 billion", 2_000_000_000),
        ("1 triliun", 1_000_000_000_000),
        ("1.500.000 rb", 1_500_000_000),
    ],
)
def test_amounts_written_with_a_word_for_their_size(typed: str, rupiah: int) -> None:
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize(
    ("typed", "rupiah"),
    [
        ("1.500.000,-", 1_500_000),
        ("Rp 1.500.000,-", 1_500_000),
        ("1.500.000,00", 1_500_000),
        ("1,500,000.00", 1_500_000),
        ("1500000,00", 1_500_000),
        ("1500000.0", 1_500_000),
    ],
)
def test_zero_cents_written_out_are_accepted(typed: str, rupiah: int) -> None:
    assert parse_rupiah(typed) == rupiah


@pytest.mark.parametrize(
    "typed", ["1.500.000,50", "1,500,000.50", "1,5", "0,4", "1.2345678 juta", "1,0005 rb"]
)
def test_a_fraction_of_a_rupiah_is_refused(typed: str) -> None:
    assert error_of(typed).code == "error.amount.fraction"


@pytest.mark.parametrize(
    "typed",
    [
        "1.50.000",
        "15.00.000",
        "1.5000.000",
        "01.500.000",
        "1,50,000",
        "1.500,000.000",
        "1.500.000,-50",
        "abc",
        "Rp",
        "",
        "   ",
        "😀",
        "1.500.000 😀",
        "1e6",
        "1 juta 500 ribu",
        "1,5 jeti",
        "1,5 B",
        "١٥٠٠٠٠٠",
        "+1500000",
    ],
)
def test_text_that_is_not_a_well_written_amount_is_refused(typed: str) -> None:
    assert error_of(typed).code == "error.amount.format"


@pytest.mark.parametrize("typed", ["1,25 M", "1 m", "1.500 juta", "2.500 rb", "1.500jt"])
def test_ambiguous_amounts_are_refused_rather_than_guessed(typed: str) -> None:
    assert error_of(typed).code == "error.amount.ambiguous"


@pytest.mark.parametrize(
    "typed", ["0", "0 juta", "Rp 0", "0,00", "-1500000", "-Rp 1.500.000", "Rp -1.500.000", "−500"]
)
def test_zero_and_negative_amounts_are_refused(typed: str) -> None:
    assert error_of(typed).code == "error.amount.not_positive"


@pytest.mark.parametrize(
    "typed", ["1000000000000001", "1.000.000.000.000.001", "1001 triliun", "9" * 5000]
)
def test_absurdly_large_amounts_are_refused(typed: str) -> None:
    error = error_of(typed)
    assert error.code == "error.amount.too_large"
    assert error.params == {"max": MAX_AMOUNT}


def test_the_largest_amount_is_accepted() -> None:
    assert parse_rupiah("1.000.000.000.000.000") == MAX_AMOUNT
    assert parse_rupiah("1000 triliun") == MAX_AMOUNT


amounts = st.integers(min_value=1, max_value=MAX_AMOUNT - 1)


@given(amounts)
def test_plain_digits_read_back_as_the_same_amount(n: int) -> None:
    assert parse_rupiah(str(n)) == n


@given(amounts, st.sampled_from(["id", "en"]))
def test_a_formatted_amount_reads_back_as_the_same_amount(n: int, locale: str) -> None:
    assert parse_rupiah(format_rupiah(n, locale)) == n


@given(amounts)
def test_english_style_grouping_reads_back_as_the_same_amount(n: int) -> None:
    assert parse_rupiah(f"{n:,}") == n
    assert parse_rupiah(f"Rp {n:,}.00") == n


@given(st.integers(min_value=1, max_value=999_999), st.sampled_from(["juta", "jt"]))
def test_a_whole_number_of_juta_is_a_million_times_that(n: int, unit: str) -> None:
    assert parse_rupiah(f"{n} {unit}") == n * 1_000_000


@given(st.integers(min_value=1, max_value=10**9), st.sampled_from([",", "."]))
def test_decimal_juta_are_exact(thousandths: int, decimal_separator: str) -> None:
    whole, rest = divmod(thousandths, 1000)
    typed = f"{whole}{decimal_separator}{rest:03d}0 juta"  # four decimals: never ambiguous
    assert parse_rupiah(typed) == thousandths * 1000


@given(st.text())
def test_arbitrary_text_raises_only_invalid_amount(text: str) -> None:
    try:
        rupiah = parse_rupiah(text)
    except InvalidAmount as error:
        assert error.code.startswith("error.amount.")
    else:
        assert isinstance(rupiah, int) and 0 < rupiah <= MAX_AMOUNT


@given(st.text(alphabet="0123456789.,- −RrPpIiDdJjUuTtAaBbKkMm", max_size=30))
def test_amount_like_text_is_read_exactly_or_refused_with_a_typed_error(text: str) -> None:
    try:
        rupiah = parse_rupiah(text)
    except InvalidAmount as error:
        assert error.code.startswith("error.amount.")
    else:
        assert isinstance(rupiah, int) and 0 < rupiah <= MAX_AMOUNT
