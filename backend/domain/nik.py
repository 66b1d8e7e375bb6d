"""Indonesian NIK (Nomor Induk Kependudukan), the 16-digit identity number on the KTP.

Layout (Dukcapil; UU 23/2006 as amended by UU 24/2013)::

    PP RR DD  ddmmyy  SSSS
    │  │  │   │       └── serial within the district and birth date (0001-9999)
    │  │  │   └────────── birth date; women have 40 added to the day (17 -> 57)
    │  │  └────────────── district (kecamatan) code
    │  └───────────────── regency/city (kabupaten/kota) code
    └──────────────────── province code

A NIK is permanent for life, so a number issued before a province was split keeps the
old province's code; every code that has ever been issued stays valid here.

Only the structure is checked: whether the number was really issued is Dukcapil's to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from backend.domain.errors import InvalidNik, NikBirthDateMismatch

NIK_LENGTH = 16
WOMAN_DAY_OFFSET = 40

# Kemendagri (Dukcapil) province codes, the ones a NIK carries — Kepmendagri
# No 300.2.2-2138 Tahun 2025, 38 provinces. They are not BPS's statistical codes, which
# differ for Papua (BPS: 91 Papua Barat, 94 Papua). Papua Barat (92) and Papua (91)
# predate the 2022 splits, so NIKs issued there before then are covered as well.
PROVINCE_CODES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}

_DIGITS = frozenset("0123456789")
# What people type between digit groups: dots, ASCII and typographic dashes, any space.
_SEPARATORS = frozenset(".-‐‑‒–—")
_MASK = "•"

# Days in each month when the year is unknown beyond its last two digits; 29 February
# is checked against the year separately.
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class NikInfo:
    """The parts of a structurally valid NIK.

    ``birth_day`` is the real day of the month (the +40 for women already removed);
    ``birth_year_2digits`` is 0-99, because the NIK does not say the century.
    """

    nik: str
    province_code: str
    regency_code: str
    district_code: str
    birth_day: int
    birth_month: int
    birth_year_2digits: int
    is_female: bool
    serial: str


def normalize_nik(raw: str) -> str:
    """Return the digits of a typed NIK, with the spaces, dots and dashes people add removed.

    Only ASCII digits count; the length is not checked here (see ``parse_nik``).

    Raises:
        InvalidNik: ``error.nik.not_digits`` when anything other than digits and those
            separators is present (letters, emoji, other punctuation, non-ASCII digits).
    """
    digits: list[str] = []
    for char in raw:
        if char in _DIGITS:
            digits.append(char)
        elif not (char in _SEPARATORS or char.isspace()):
            raise InvalidNik(code="error.nik.not_digits")
    return "".join(digits)


def parse_nik(raw: str) -> NikInfo:
    """Normalize and check a NIK, and return its parts.

    Checks in this order, so the member gets the first problem: characters, length,
    region codes, embedded birth date, serial.

    Raises:
        InvalidNik: ``error.nik.not_digits``; ``error.nik.length`` (param ``length``, the
            number of digits given); ``error.nik.region`` (unknown province code, or
            regency or district ``00``); ``error.nik.birth_date`` (no such day and
            month, e.g. day 00, 32-40 or above 71, month 13, 30 February);
            ``error.nik.serial`` (serial ``0000``).
    """
    nik = normalize_nik(raw)
    if len(nik) != NIK_LENGTH:
        raise InvalidNik(code="error.nik.length", length=len(nik))

    province, regency, district = nik[0:2], nik[2:4], nik[4:6]
    if province not in PROVINCE_CODES or regency == "00" or district == "00":
        raise InvalidNik(code="error.nik.region")

    encoded_day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    is_female = encoded_day > WOMAN_DAY_OFFSET
    day = encoded_day - WOMAN_DAY_OFFSET if is_female else encoded_day
    if not _is_possible_day(day, month, year):
        raise InvalidNik(code="error.nik.birth_date")

    serial = nik[12:16]
    if serial == "0000":
        raise InvalidNik(code="error.nik.serial")

    return NikInfo(
        nik=nik,
        province_code=province,
        regency_code=regency,
        district_code=district,
        birth_day=day,
        birth_month=month,
        birth_year_2digits=year,
        is_female=is_female,
        serial=serial,
    )


def _is_possible_day(day: int, month: int, year_2digits: int) -> bool:
    if not 1 <= month <= 12 or not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        return False
    # 29 February exists in 19yy or 20yy exactly when yy is a multiple of 4
    # (1900 is not a leap year, but 2000 is).
    return not (month == 2 and day == 29 and year_2digits % 4 != 0)


def check_nik_matches_birth_date(nik_info: NikInfo, birth_date: date) -> None:
    """Check that the birth date a member gave is the one encoded in their NIK.

    Compares day, month and the last two digits of the year (a NIK has no century).

    Raises:
        NikBirthDateMismatch: ``error.nik_birth_date_mismatch`` when any of them differ.
    """
    if (
        nik_info.birth_day != birth_date.day
        or nik_info.birth_month != birth_date.month
        or nik_info.birth_year_2digits != birth_date.year % 100
    ):
        raise NikBirthDateMismatch(code="error.nik_birth_date_mismatch")


def nik_sex(nik_info: NikInfo) -> Literal["F", "M"]:
    """Return ``"F"`` when the NIK's birth day has 40 added (a woman), else ``"M"``."""
    return "F" if nik_info.is_female else "M"


def mask_nik(nik: str) -> str:
    """Return the NIK with only its first 4 and last 4 digits visible: ``3174••••••••0001``.

    Accepts the NIK as stored or as typed (separators are removed first).

    Raises:
        InvalidNik: ``error.nik.not_digits`` or ``error.nik.length`` (param ``length``)
            when it is not 16 digits, so a malformed value is never half-shown.
    """
    digits = normalize_nik(nik)
    if len(digits) != NIK_LENGTH:
        raise InvalidNik(code="error.nik.length", length=len(digits))
    return digits[:4] + _MASK * (NIK_LENGTH - 8) + digits[-4:]
