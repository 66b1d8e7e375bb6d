"""Behaviour of the registration validators (backend.domain.member_rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import (
    InvalidAddress,
    InvalidBankAccount,
    InvalidBirthDate,
    InvalidName,
    InvalidPhone,
    KopdanaError,
    ValidationError,
)
from backend.domain.member_rules import (
    COMMON_BANKS,
    mask_account_number,
    normalize_phone,
    parse_birth_date,
    validate_account_holder,
    validate_address,
    validate_bank_account_number,
    validate_bank_name,
    validate_birth_date,
    validate_full_name,
)

TODAY = date(2026, 11, 24)


def raised(call: Callable[[], object], kind: type[KopdanaError]) -> KopdanaError:
    with pytest.raises(kind) as caught:
        call()
    return caught.value


# --- names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Siti Nurhaliza", "Siti Nurhaliza"),
        ("  Budi   Santoso \n", "Budi Santoso"),
        ("Budi\tSantoso", "Budi Santoso"),
        ("Budi Santoso, S.Kom", "Budi Santoso, S.Kom"),
        ("Dr. Ir. Made Wirawan, M.Sc.", "Dr. Ir. Made Wirawan, M.Sc."),
        ("Ni Luh Putu Ayu-Lestari", "Ni Luh Putu Ayu-Lestari"),
        ("José Ramos-Horta", "José Ramos-Horta"),
        ("Sa'diyah", "Sa'diyah"),
        ("Sa’diyah", "Sa'diyah"),
        ("Ani", "Ani"),
        ("Ani\u00a0Wijaya", "Ani Wijaya"),
    ],
)
def test_full_names_are_trimmed_and_their_spaces_collapsed(typed: str, stored: str) -> None:
    assert validate_full_name(typed) == stored


def test_an_accented_name_typed_decomposed_is_stored_composed() -> None:
    assert validate_full_name("Jose\u0301 Ramos") == "José Ramos"


@pytest.mark.parametrize("typed", ["", "   ", "\n\t"])
def test_an_empty_name_is_refused(typed: str) -> None:
    assert raised(lambda: validate_full_name(typed), InvalidName).code == "error.name.empty"


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "Budi 2",
        "Budi 😀",
        "😀😀😀",
        "Bu\x00di",
        "Budi\u200bSantoso",  # zero-width space
        "Budi\x1cSantoso",
        "Иван Петров",
        "...",
        "Budi@Santoso",
    ],
)
def test_a_name_with_other_characters_is_refused(typed: str) -> None:
    assert raised(lambda: validate_full_name(typed), InvalidName).code == "error.name.characters"


def test_a_name_shorter_than_three_characters_is_refused() -> None:
    error = raised(lambda: validate_full_name(" Al "), InvalidName)
    assert (error.code, error.params) == ("error.name.too_short", {"min": 3})


def test_a_name_longer_than_a_hundred_characters_is_refused() -> None:
    assert validate_full_name("a" * 100) == "a" * 100
    error = raised(lambda: validate_full_name("a" * 101), InvalidName)
    assert (error.code, error.params) == ("error.name.too_long", {"max": 100})


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "error.account_holder.empty"),
        ("PT Maju 2", "error.account_holder.characters"),
        ("Al", "error.account_holder.too_short"),
        ("a" * 101, "error.account_holder.too_long"),
    ],
)
def test_the_account_holder_follows_the_name_rules_under_its_own_codes(
    typed: str, code: str
) -> None:
    assert validate_account_holder(" Siti  Nurhaliza ") == "Siti Nurhaliza"
    assert raised(lambda: validate_account_holder(typed), InvalidBankAccount).code == code


# --- birth date --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "17-08-1990",
        "17/08/1990",
        "17.08.1990",
        "1990-08-17",
        "17 8 1990",
        "17-8-1990",
        " 17 08 1990 ",
        "17 Agustus 1990",
        "17 agustus 1990",
        "17 AGUSTUS 1990",
        "17 Agu 1990",
        "17 Agt 1990",
        "17 Agu. 1990",
        "17 August 1990",
        "17 Aug 1990",
        "17-Aug-1990",
        "August 17, 1990",
    ],
)
def test_birth_dates_in_the_ways_members_write_them(typed: str) -> None:
    assert parse_birth_date(typed) == date(1990, 8, 17)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1 Januari 1980", date(1980, 1, 1)),
        ("29 Februari 2000", date(2000, 2, 29)),
        ("5 Mei 1975", date(1975, 5, 5)),
        ("5 May 1975", date(1975, 5, 5)),
        ("9 Okt 1969", date(1969, 10, 9)),
        ("25 Desember 2001", date(2001, 12, 25)),
        ("25 Des 2001", date(2001, 12, 25)),
    ],
)
def test_indonesian_and_english_month_names(typed: str, expected: date) -> None:
    assert parse_birth_date(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["", "abc", "17-08-90", "1990", "17 Agustos 1990", "17/08/1990 😀", "17081990", "tujuh belas"],
)
def test_a_birth_date_written_otherwise_is_refused(typed: str) -> None:
    error = raised(lambda: parse_birth_date(typed), InvalidBirthDate)
    assert error.code == "error.birth_date.format"


@pytest.mark.parametrize("typed", ["31-02-1990", "17-13-1990", "29 Februari 1991", "00-08-1990"])
def test_a_day_that_does_not_exist_is_refused(typed: str) -> None:
    error = raised(lambda: parse_birth_date(typed), InvalidBirthDate)
    assert error.code == "error.birth_date.no_such_date"


def test_someone_turning_eighteen_today_may_register() -> None:
    validate_birth_date(date(2008, 11, 24), today=TODAY)


def test_someone_turning_eighteen_tomorrow_is_too_young() -> None:
    error = raised(lambda: validate_birth_date(date(2008, 11, 25), today=TODAY), InvalidBirthDate)
    assert (error.code, error.params) == ("error.birth_date.too_young", {"min_age": 18})


def test_a_birth_date_after_today_is_in_the_future() -> None:
    error = raised(lambda: validate_birth_date(date(2026, 11, 25), today=TODAY), InvalidBirthDate)
    assert error.code == "error.birth_date.future"


def test_a_hundred_year_old_may_register_but_not_someone_older() -> None:
    validate_birth_date(date(1925, 11, 25), today=TODAY)
    error = raised(lambda: validate_birth_date(date(1925, 11, 24), today=TODAY), InvalidBirthDate)
    assert (error.code, error.params) == ("error.birth_date.too_old", {"max_age": 100})


def test_someone_born_on_the_29th_of_february_comes_of_age_on_the_1st_of_march() -> None:
    born = date(2008, 2, 29)
    with pytest.raises(InvalidBirthDate):
        validate_birth_date(born, today=date(2026, 2, 28))
    validate_birth_date(born, today=date(2026, 3, 1))


def test_the_age_limits_can_be_changed() -> None:
    validate_birth_date(date(2009, 1, 1), today=TODAY, min_age=17)
    error = raised(
        lambda: validate_birth_date(date(1950, 1, 1), today=TODAY, max_age=70), InvalidBirthDate
    )
    assert error.params == {"max_age": 70}


# --- phone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "+62 812-3456-7890",
        "+6281234567890",
        "0812 3456 7890",
        "081234567890",
        "6281234567890",
        "62 812 3456 7890",
        "+62 (0)812 3456 7890",
        "+62 0812 3456 7890",
        "0062 812 3456 7890",
        "0812.3456.7890",
        "(0812) 3456-7890",
        "812-3456-7890",
    ],
)
def test_mobile_numbers_are_normalized_to_e164(typed: str) -> None:
    assert normalize_phone(typed) == "+6281234567890"


def test_mobile_numbers_have_nine_to_thirteen_digits_after_the_country_code() -> None:
    assert normalize_phone("0812345678") == "+62812345678"
    assert normalize_phone("08123456789012") == "+628123456789012"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "0812345",
        "081234567",  # 8 digits after 62
        "081234567890123",  # 14 digits after 62
        "021 1234 5678",  # Jakarta landline
        "+1 415 555 0100",
        "+65 8123 4567",
        "0812 3456 789O",
        "0812 3456 7890 😀",
        "+62+812345678",
        "phone",
    ],
)
def test_anything_but_an_indonesian_mobile_number_is_refused(typed: str) -> None:
    assert raised(lambda: normalize_phone(typed), InvalidPhone).code == "error.phone.format"


mobile_numbers = st.builds(
    lambda prefix, rest, separator: prefix + separator.join([rest[:3], rest[3:7], rest[7:]]),
    st.sampled_from(["+62 ", "+62", "62", "0", "+62 (0)", ""]),
    st.text(alphabet="0123456789", min_size=8, max_size=12).map(lambda digits: "8" + digits),
    st.sampled_from(["", " ", "-", "."]),
)


@given(mobile_numbers)
def test_normalizing_a_phone_number_twice_changes_nothing(typed: str) -> None:
    normalized = normalize_phone(typed)
    assert normalized.startswith("+628")
    assert normalize_phone(normalized) == normalized


@given(st.text(alphabet="0123456789+-() .", max_size=20))
def test_any_accepted_phone_number_is_a_fixed_point(typed: str) -> None:
    try:
        normalized = normalize_phone(typed)
    except InvalidPhone:
        return
    assert normalize_phone(normalized) == normalized


# --- address -----------------------------------------------------------------------------


def test_an_address_keeps_its_lines_but_loses_extra_spaces() -> None:
    typed = "  Jl. Merdeka   No. 5,  RT 01/RW 02 \r\n\n Kel. Gambir,  Jakarta Pusat 10110 "
    assert validate_address(typed) == (
        "Jl. Merdeka No. 5, RT 01/RW 02\nKel. Gambir, Jakarta Pusat 10110"
    )


@pytest.mark.parametrize(
    ("typed", "code", "params"),
    [
        ("", "error.address.too_short", {"min": 10}),
        ("Jl. Mawar", "error.address.too_short", {"min": 10}),
        ("Jl. " + "a" * 297, "error.address.too_long", {"max": 300}),
        ("12345678901", "error.address.no_letters", {}),
        ("12/34, 56-78 # 9", "error.address.no_letters", {}),
        ("Jl. Merdeka 🏠 No. 5", "error.address.characters", {}),
        ("Jl. Merdeka\x00 No. 5", "error.address.characters", {}),
        ("Jl. Merdeka\u202e No. 5", "error.address.characters", {}),
    ],
)
def test_bad_addresses_are_refused(typed: str, code: str, params: dict[str, Any]) -> None:
    error = raised(lambda: validate_address(typed), InvalidAddress)
    assert (error.code, error.params) == (code, params)


def test_an_address_of_exactly_three_hundred_characters_is_accepted() -> None:
    assert len(validate_address("Jl. " + "a" * 296)) == 300


# --- bank --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("123-456-7890", "1234567890"),
        ("0012 3456 78", "0012345678"),
        ("1234.5678.9012.345", "123456789012345"),
        ("123456", "123456"),
        ("1" * 20, "1" * 20),
    ],
)
def test_bank_account_numbers_keep_only_their_digits(typed: str, stored: str) -> None:
    assert validate_bank_account_number(typed) == stored


@pytest.mark.parametrize("typed", ["", "12345", "1" * 21, "1234567890A", "１２３４５６７"])
def test_bad_bank_account_numbers_are_refused(typed: str) -> None:
    error = raised(lambda: validate_bank_account_number(typed), InvalidBankAccount)
    assert (error.code, error.params) == ("error.bank_account.format", {"min": 6, "max": 20})


@pytest.mark.parametrize("bank", [*COMMON_BANKS, "Bank 9 Jambi", "BPD DIY", "Bank DKI"])
def test_common_bank_names_are_valid(bank: str) -> None:
    assert validate_bank_name(bank) == bank


def test_the_quick_pick_list_holds_the_big_indonesian_banks() -> None:
    assert {"BRI", "BNI", "Mandiri", "BCA", "BSI", "BTN", "SeaBank", "Bank Jago"} <= set(
        COMMON_BANKS
    )


@pytest.mark.parametrize("typed", ["", "X", "123", "Bank 😀", "B" * 51, "Bank\x00Jago"])
def test_bad_bank_names_are_refused(typed: str) -> None:
    error = raised(lambda: validate_bank_name(typed), InvalidBankAccount)
    assert (error.code, error.params) == ("error.bank_name.format", {"min": 2, "max": 50})


def test_an_account_number_is_masked_to_its_last_four_digits() -> None:
    assert mask_account_number("1234567890") == "••••••7890"
    assert mask_account_number("123-456-7890") == "••••••7890"


@given(st.text(alphabet="0123456789", min_size=6, max_size=20))
def test_a_masked_account_number_never_reveals_the_hidden_digits(number: str) -> None:
    masked = mask_account_number(number)
    assert masked == "•" * 6 + number[-4:]


# --- every validator, on anything --------------------------------------------------------

VALIDATORS: list[Callable[[str], object]] = [
    validate_full_name,
    validate_account_holder,
    parse_birth_date,
    normalize_phone,
    validate_address,
    validate_bank_account_number,
    validate_bank_name,
    mask_account_number,
]


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@given(text=st.text())
def test_validators_raise_only_typed_errors_on_arbitrary_text(
    validator: Callable[[str], object], text: str
) -> None:
    try:
        validator(text)
    except ValidationError as error:
        assert error.code.startswith("error.")
