"""Behaviour of NIK parsing, checking and masking (backend.domain.nik)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.errors import InvalidNik, NikBirthDateMismatch
from backend.domain.nik import (
    PROVINCE_CODES,
    NikInfo,
    check_nik_matches_birth_date,
    mask_nik,
    nik_sex,
    normalize_nik,
    parse_nik,
)

# 31 DKI Jakarta, 74 Jakarta Selatan, district 05, woman born 17-08-1990 (57 = 17 + 40),
# serial 0001.
SITI = "3174055708900001"
# The same, for a man born that day.
BUDI = "3174051708900001"


def build_nik(
    *,
    province: str = "31",
    regency: int = 74,
    district: int = 5,
    day: int = 17,
    month: int = 8,
    year: int = 90,
    female: bool = False,
    serial: int = 1,
) -> str:
    encoded_day = day + 40 if female else day
    return (
        f"{province}{regency:02d}{district:02d}"
        f"{encoded_day:02d}{month:02d}{year % 100:02d}{serial:04d}"
    )


def error_of(raw: str) -> InvalidNik:
    with pytest.raises(InvalidNik) as caught:
        parse_nik(raw)
    return caught.value


def test_worked_example_woman_from_jakarta_selatan_parses_into_its_parts() -> None:
    assert parse_nik(SITI) == NikInfo(
        nik=SITI,
        province_code="31",
        regency_code="74",
        district_code="05",
        birth_day=17,
        birth_month=8,
        birth_year_2digits=90,
        is_female=True,
        serial="0001",
    )


def test_nik_of_a_woman_has_forty_added_to_the_birth_day() -> None:
    info = parse_nik(SITI)
    assert SITI[6:8] == "57"
    assert (info.birth_day, info.is_female) == (17, True)
    assert nik_sex(info) == "F"


def test_nik_of_a_man_carries_the_birth_day_unchanged() -> None:
    info = parse_nik(BUDI)
    assert (info.birth_day, info.is_female) == (17, False)
    assert nik_sex(info) == "M"


@pytest.mark.parametrize(
    "typed",
    ["3174 0557 0890 0001", "3174.0557.0890.0001", "3174-05-570890-0001", " 3174055708900001\n"],
)
def test_spaces_dots_and_dashes_people_type_are_ignored(typed: str) -> None:
    assert normalize_nik(typed) == SITI
    assert parse_nik(typed).nik == SITI


@pytest.mark.parametrize("digits", [SITI[:15], SITI + "1", "", "3174"])
def test_a_nik_of_the_wrong_length_reports_how_many_digits_were_given(digits: str) -> None:
    error = error_of(digits)
    assert error.code == "error.nik.length"
    assert error.params == {"length": len(digits)}


@pytest.mark.parametrize(
    "typed",
    [
        "3174O55708900001",  # letter O for zero
        "NIK 3174055708900001",
        "317405570890000😀",
        "3174/0557/0890/0001",
        "３１７４０５５７０８９００００１",  # full-width digits
        "٣١٧٤٠٥٥٧٠٨٩٠٠٠٠١",  # Arabic-Indic digits
    ],
)
def test_anything_but_digits_and_separators_is_refused(typed: str) -> None:
    assert error_of(typed).code == "error.nik.not_digits"


@pytest.mark.parametrize(
    "nik",
    [
        build_nik(day=0),
        build_nik(day=0, female=True),  # encoded 40
        build_nik(day=32),
        "3174053908900001",  # encoded 39: neither a man's nor a woman's day
        build_nik(day=32, female=True),  # encoded 72
        build_nik(month=0),
        build_nik(month=13),
        build_nik(day=30, month=2),
        build_nik(day=31, month=4, female=True),
        build_nik(day=29, month=2, year=91),
    ],
)
def test_an_impossible_embedded_birth_date_is_refused(nik: str) -> None:
    assert error_of(nik).code == "error.nik.birth_date"


@pytest.mark.parametrize("year", [0, 88, 92])
def test_the_29th_of_february_is_accepted_in_years_divisible_by_four(year: int) -> None:
    info = parse_nik(build_nik(day=29, month=2, year=year, female=True))
    assert (info.birth_day, info.birth_month, info.birth_year_2digits) == (29, 2, year)


@pytest.mark.parametrize(
    "nik",
    [
        build_nik(province="00"),
        build_nik(province="20"),
        build_nik(province="54"),  # Timor Timur, no longer Indonesian
        build_nik(province="99"),
        build_nik(regency=0),
        build_nik(district=0),
    ],
)
def test_an_unknown_province_or_a_zero_region_is_refused(nik: str) -> None:
    assert error_of(nik).code == "error.nik.region"


def test_serial_zero_is_refused() -> None:
    assert error_of(build_nik(serial=0)).code == "error.nik.serial"


def test_the_first_problem_in_reading_order_is_reported() -> None:
    assert error_of("00000000000000").code == "error.nik.length"
    assert error_of(build_nik(province="00", month=13, serial=0)).code == "error.nik.region"
    assert error_of(build_nik(month=13, serial=0)).code == "error.nik.birth_date"


def test_the_province_list_holds_the_38_current_provinces() -> None:
    sumatra, java, nusa_tenggara = [*range(11, 20), 21], [*range(31, 37)], [51, 52, 53]
    kalimantan, sulawesi, east = [*range(61, 66)], [*range(71, 77)], [81, 82, *range(91, 97)]
    expected = [*sumatra, *java, *nusa_tenggara, *kalimantan, *sulawesi, *east]
    assert sorted(PROVINCE_CODES) == [str(code) for code in expected]
    assert len(PROVINCE_CODES) == 38


def test_a_birth_date_matching_the_nik_is_accepted() -> None:
    check_nik_matches_birth_date(parse_nik(SITI), date(1990, 8, 17))
    check_nik_matches_birth_date(parse_nik(BUDI), date(1990, 8, 17))


@pytest.mark.parametrize(
    "birth_date",
    [date(1990, 8, 18), date(1990, 9, 17), date(1991, 8, 17), date(1990, 8, 57 - 40 + 1)],
)
def test_a_birth_date_differing_from_the_nik_is_refused(birth_date: date) -> None:
    with pytest.raises(NikBirthDateMismatch) as caught:
        check_nik_matches_birth_date(parse_nik(SITI), birth_date)
    assert caught.value.code == "error.nik_birth_date_mismatch"


def test_the_century_is_not_part_of_the_comparison() -> None:
    info = parse_nik(build_nik(year=5))
    check_nik_matches_birth_date(info, date(2005, 8, 17))
    check_nik_matches_birth_date(info, date(1905, 8, 17))


def test_masking_shows_only_the_first_and_last_four_digits() -> None:
    assert mask_nik(SITI) == "3174••••••••0001"
    assert mask_nik("3174 0557 0890 0001") == "3174••••••••0001"


def test_a_malformed_nik_is_never_half_masked() -> None:
    with pytest.raises(InvalidNik):
        mask_nik("3174")


@st.composite
def valid_niks(draw: st.DrawFn) -> tuple[str, dict[str, object]]:
    parts: dict[str, object] = {
        "province": draw(st.sampled_from(sorted(PROVINCE_CODES))),
        "regency": draw(st.integers(1, 99)),
        "district": draw(st.integers(1, 99)),
        "birth": draw(st.dates(date(1900, 1, 1), date(2099, 12, 31))),
        "female": draw(st.booleans()),
        "serial": draw(st.integers(1, 9999)),
    }
    birth = parts["birth"]
    assert isinstance(birth, date)
    nik = build_nik(
        province=str(parts["province"]),
        regency=int(str(parts["regency"])),
        district=int(str(parts["district"])),
        day=birth.day,
        month=birth.month,
        year=birth.year,
        female=bool(parts["female"]),
        serial=int(str(parts["serial"])),
    )
    return nik, parts


@given(valid_niks())
def test_any_valid_nik_parses_back_into_the_parts_it_was_built_from(
    case: tuple[str, dict[str, object]],
) -> None:
    nik, parts = case
    birth = parts["birth"]
    assert isinstance(birth, date)
    info = parse_nik(nik)
    assert info.nik == nik
    assert info.province_code == parts["province"]
    assert int(info.regency_code) == parts["regency"]
    assert int(info.district_code) == parts["district"]
    assert (info.birth_day, info.birth_month) == (birth.day, birth.month)
    assert info.birth_year_2digits == birth.year % 100
    assert info.is_female == parts["female"]
    assert int(info.serial) == parts["serial"]
    assert nik_sex(info) == ("F" if parts["female"] else "M")
    check_nik_matches_birth_date(info, birth)


@given(st.text(alphabet="0123456789", min_size=16, max_size=16))
def test_a_masked_nik_never_reveals_the_hidden_digits(nik: str) -> None:
    masked = mask_nik(nik)
    assert len(masked) == 16
    assert masked[:4] == nik[:4] and masked[-4:] == nik[-4:]
    assert masked[4:12] == "•" * 8


@given(st.text())
def test_parsing_arbitrary_text_raises_only_invalid_nik(text: str) -> None:
    try:
        parse_nik(text)
    except InvalidNik as error:
        assert error.code.startswith("error.nik.")
