"""Behaviour of money, date and time formatting (backend.formatting)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from backend.formatting import format_date, format_datetime, format_rupiah

NOV_24 = date(2026, 11, 24)
# 03:05 UTC is 10:05 WIB, 11:05 WITA, 12:05 WIT.
MOMENT = datetime(2026, 11, 24, 3, 5, tzinfo=UTC)


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (1_500_000, "Rp 1.500.000"),
        (85_000, "Rp 85.000"),
        (999, "Rp 999"),
        (0, "Rp 0"),
        (10**15, "Rp 1.000.000.000.000.000"),
        (-1_500_000, "-Rp 1.500.000"),
    ],
)
def test_rupiah_are_written_the_indonesian_way_in_both_languages(
    amount: int, shown: str, locale: str
) -> None:
    assert format_rupiah(amount, locale) == shown


@pytest.mark.parametrize("amount", [1.5, Decimal("1500000"), True, "1500000"])
def test_only_whole_rupiah_in_an_int_can_be_formatted(amount: Any) -> None:
    with pytest.raises(TypeError):
        format_rupiah(amount, "id")


@pytest.mark.parametrize("locale", ["fr", "", "jv"])
def test_a_language_kopdana_does_not_speak_is_a_programming_error(locale: str) -> None:
    with pytest.raises(ValueError):
        format_rupiah(1, locale)
    with pytest.raises(ValueError):
        format_date(NOV_24, locale)


def test_region_variants_of_the_two_languages_are_accepted() -> None:
    assert format_date(NOV_24, "id_ID") == format_date(NOV_24, "id")
    assert format_date(NOV_24, "en-US") == format_date(NOV_24, "en")


@pytest.mark.parametrize(
    ("locale", "style", "shown"),
    [
        ("id", "medium", "24 Nov 2026"),
        ("id", "long", "24 November 2026"),
        ("id", "short", "24/11/26"),
        ("id", "full", "Selasa, 24 November 2026"),
        ("en", "medium", "24 Nov 2026"),
        ("en", "long", "24 November 2026"),
        ("en", "short", "24/11/2026"),
        ("en", "full", "Tuesday, 24 November 2026"),
    ],
)
def test_dates_are_day_first_in_both_languages(locale: str, style: Any, shown: str) -> None:
    assert format_date(NOV_24, locale, style) == shown


def test_month_names_follow_the_language() -> None:
    assert format_date(date(2026, 8, 17), "id", "long") == "17 Agustus 2026"
    assert format_date(date(2026, 8, 17), "en", "long") == "17 August 2026"


def test_a_datetime_is_not_formatted_as_a_date() -> None:
    with pytest.raises(TypeError):
        format_date(MOMENT, "id")


def test_moments_are_shown_in_western_indonesian_time_by_default() -> None:
    assert format_datetime(MOMENT, "id") == "24 Nov 2026 10.05 WIB"
    assert format_datetime(MOMENT, "en") == "24 Nov 2026, 10.05 WIB"


@pytest.mark.parametrize(
    ("tz", "shown"),
    [
        ("Asia/Jakarta", "24 Nov 2026 10.05 WIB"),
        ("Asia/Pontianak", "24 Nov 2026 10.05 WIB"),
        ("Asia/Makassar", "24 Nov 2026 11.05 WITA"),
        ("Asia/Jayapura", "24 Nov 2026 12.05 WIT"),
        ("UTC", "24 Nov 2026 03.05 UTC"),
    ],
)
def test_moments_are_shown_in_the_members_time_zone(tz: str, shown: str) -> None:
    assert format_datetime(MOMENT, "id", tz) == shown


def test_indonesian_zone_names_are_used_in_english_too() -> None:
    assert format_datetime(MOMENT, "en", "Asia/Makassar") == "24 Nov 2026, 11.05 WITA"
    assert format_datetime(MOMENT, "en", "Asia/Jayapura", "long") == ("24 November 2026, 12.05 WIT")


def test_the_calendar_day_is_the_members_day() -> None:
    late_evening_utc = datetime(2026, 11, 23, 20, 30, tzinfo=UTC)
    assert format_datetime(late_evening_utc, "id") == "24 Nov 2026 03.30 WIB"


def test_a_moment_with_another_offset_is_converted() -> None:
    singapore_noon = datetime(2026, 11, 24, 12, 0, tzinfo=timezone(timedelta(hours=8)))
    assert format_datetime(singapore_noon, "id") == "24 Nov 2026 11.00 WIB"


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        format_datetime(datetime(2026, 11, 24, 10, 5), "id")
