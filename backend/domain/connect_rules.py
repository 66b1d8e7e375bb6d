"""Rules for what a member may put in their social-connect profile (issue 6).

Each validator returns the cleaned value to store or raises a ``ValidationError``
subclass whose ``code`` is the hint the member reads. Nothing here reads the clock.

Communities and events refuse religion, ethnicity and politics: these are sensitive
personal data under Indonesia's personal data protection law (UU 27/2022, art. 4), and a
lending score must not be built on them. The check is a list of words
(``SENSITIVE_WORDS``), whole words after normalisation; it catches the obvious cases, and
staff see every profile for the rest.
"""

from __future__ import annotations

import unicodedata

from backend.domain.connect_names import NAME_MAX_LENGTH, EntryKind, PlaceLevel, clean_text
from backend.domain.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError

ENTRY_LIMITS: dict[EntryKind, int] = {
    EntryKind.WORKPLACE: 10,
    EntryKind.SCHOOL: 10,
    EntryKind.PLACE: 10,
    EntryKind.COMMUNITY: 10,
    EntryKind.EVENT: 20,
}
"""Most entries of each kind one member may keep: enough for a life, not a dump."""

CONTACT_LIMIT = 500
"""Most acquaintances (shared phone contacts) one member may keep."""

EARLIEST_YEAR = 1940

SENSITIVE_WORDS = frozenset(
    {
        # religion
        "agama", "islam", "islami", "muslim", "muslimah", "kristen", "katolik", "protestan",
        "hindu", "buddha", "budha", "buddhis", "konghucu", "khonghucu", "masjid", "mesjid",
        "musholla", "mushola", "gereja", "vihara", "pura", "klenteng", "pengajian", "taklim",
        "jemaat", "jamaah", "jemaah", "pesantren", "santri", "rohis", "dakwah", "muhammadiyah",
        "nahdlatul", "nu", "ansor", "banser", "hmi", "pmii", "gmki", "pmkri", "kammi",
        # ethnicity
        "suku", "etnis", "etnik", "ras", "batak", "minang", "minangkabau", "bugis", "dayak",
        "tionghoa", "betawi",
        # politics
        "politik", "partai", "pdip", "pdi", "golkar", "gerindra", "pks", "pkb", "nasdem",
        "demokrat", "hanura", "ppp", "perindo", "psi", "caleg", "capres", "kampanye",
        "timses", "relawan",
    }
)  # fmt: skip
"""Whole words refused in communities and events (religion, ethnicity, politics)."""

_CHECKED_FOR_SENSITIVE = frozenset({EntryKind.COMMUNITY, EntryKind.EVENT})


class InvalidConnectEntry(ValidationError):
    """A profile entry the member typed is refused; the code says why."""

    default_code = "error.connect.entry"


class ConnectEntryLimitReached(ConflictError):
    """The member already keeps the most entries (or contacts) of this kind."""

    default_code = "error.connect.limit"


class DuplicateConnectEntry(ConflictError):
    """The member already has this entry (same normalised name)."""

    default_code = "error.connect.duplicate"


class ConnectEntryNotFound(NotFoundError):
    """No such entry in this member's profile."""

    default_code = "error.connect.entry_not_found"


class ConnectConsentRequired(NotAllowedError):
    """The member has not given (or has withdrawn) consent to social connect."""

    default_code = "error.connect.consent_required"


def _display_text(raw: str) -> str:
    """The text as the member wrote it, with whitespace runs collapsed to one space."""
    return " ".join(unicodedata.normalize("NFC", raw).split())


def validate_entry_name(raw: str, kind: EntryKind) -> str:
    """Return the display name of an entry, cleaned; refuse what cannot be matched.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.empty``; ``error.connect.entry.too_long``
            (param ``max``); ``error.connect.entry.characters`` (control characters, or no
            letter or digit at all, e.g. only emoji); ``error.connect.entry.sensitive``
            (religion, ethnicity or politics in a community or event).
    """
    name = _display_text(raw)
    if not name:
        raise InvalidConnectEntry(code="error.connect.entry.empty")
    if len(name) > NAME_MAX_LENGTH:
        raise InvalidConnectEntry(code="error.connect.entry.too_long", max=NAME_MAX_LENGTH)
    if any(unicodedata.category(c) == "Cc" for c in name) or not clean_text(name):
        raise InvalidConnectEntry(code="error.connect.entry.characters")
    if kind in _CHECKED_FOR_SENSITIVE and SENSITIVE_WORDS & set(clean_text(name).split()):
        raise InvalidConnectEntry(code="error.connect.entry.sensitive")
    return name


def validate_year(year: int | None, *, this_year: int) -> int | None:
    """A year of a school or workplace: ``EARLIEST_YEAR`` … this year, or none.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.year`` (params ``min``, ``max``).
    """
    if year is None:
        return None
    if not EARLIEST_YEAR <= year <= this_year:
        raise InvalidConnectEntry(code="error.connect.entry.year", min=EARLIEST_YEAR, max=this_year)
    return year


def validate_workplace_years(
    year: int | None, end_year: int | None, *, current: bool, this_year: int
) -> tuple[int | None, int | None]:
    """Start and end year of a workplace; a current workplace has no end year.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.year``; ``error.connect.entry.year_order``
            (ended before it started, or an end year on a current workplace).
    """
    year = validate_year(year, this_year=this_year)
    end_year = validate_year(end_year, this_year=this_year)
    if (current and end_year is not None) or (
        year is not None and end_year is not None and end_year < year
    ):
        raise InvalidConnectEntry(code="error.connect.entry.year_order")
    return year, end_year


def validate_place_area(level: PlaceLevel, area: str | None) -> str | None:
    """The city a kelurahan or kecamatan lies in (required); none for a city or hometown.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.area_required``; the name errors of
            ``validate_entry_name`` for the city.
    """
    if level in (PlaceLevel.CITY, PlaceLevel.HOMETOWN):
        return None
    if area is None or not area.strip():
        raise InvalidConnectEntry(code="error.connect.entry.area_required")
    return validate_entry_name(area, EntryKind.PLACE)
