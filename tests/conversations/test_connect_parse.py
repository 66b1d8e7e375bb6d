"""Reading the years and school names members type in /connect (pure, no bot needed)."""

from __future__ import annotations

import pytest

from backend.domain.connect_names import EntryKind, names_match, normalise_name
from backend.domain.connect_rules import InvalidConnectEntry
from conversations.connect.parse import parse_year, parse_years, school_name


@pytest.mark.parametrize(
    ("typed", "years"),
    [
        ("2018", (2018, None)),
        (" 2015-2019 ", (2015, 2019)),
        ("2015 – 2019", (2015, 2019)),
        ("2015 s/d 2019", (2015, 2019)),
        ("2015 sampai 2019", (2015, 2019)),
        ("2015 to 2019", (2015, 2019)),
    ],
)
def test_years_are_read_as_people_write_them(typed: str, years: tuple[int, int | None]) -> None:
    assert parse_years(typed) == years


@pytest.mark.parametrize("typed", ["", "dua ribu", "18", "2015-", "2015 2019 2020", "20150"])
def test_anything_else_is_not_years(typed: str) -> None:
    with pytest.raises(InvalidConnectEntry) as refused:
        parse_years(typed)
    assert refused.value.code == "error.connect.entry.years_format"


def test_a_school_year_is_one_year() -> None:
    assert parse_year(" 2008 ") == 2008
    with pytest.raises(InvalidConnectEntry) as refused:
        parse_year("2005-2008")
    assert refused.value.code == "error.connect.entry.year_format"


@pytest.mark.parametrize(
    ("typed", "level", "stored"),
    [
        ("Negeri 3 Bandung", "sma", "SMA Negeri 3 Bandung"),
        ("Negeri 3 Bandung", "smp", "SMP Negeri 3 Bandung"),
        ("SMAN 3 Bandung", "smp", "SMAN 3 Bandung"),  # what the member typed wins
        ("Universitas Padjadjaran", "campus", "Universitas Padjadjaran"),
        ("Padjadjaran", "campus", "Padjadjaran"),
    ],
)
def test_the_picked_level_is_put_in_front_when_the_name_states_none(
    typed: str, level: str, stored: str
) -> None:
    assert school_name(typed, level) == stored


def test_the_picked_level_keeps_schools_of_other_levels_apart() -> None:
    sma = normalise_name(school_name("Negeri 3 Bandung", "sma"), EntryKind.SCHOOL)
    smp = normalise_name(school_name("Negeri 3 Bandung", "smp"), EntryKind.SCHOOL)
    typed_in_full = normalise_name("sman 3 bandung", EntryKind.SCHOOL)
    assert names_match(sma, typed_in_full)
    assert not names_match(smp, typed_in_full)
