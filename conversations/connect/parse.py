"""Reading what a member types in /connect: years, and a school's name with its level.

Pure functions; the rules on the values themselves (which years, which names) are the
domain's (``backend.domain.connect_rules``), checked again by the services.
"""

from __future__ import annotations

import re

from backend.domain.connect_names import EntryKind, normalise_name
from backend.domain.connect_rules import InvalidConnectEntry

SCHOOL_LEVELS = ("sd", "smp", "sma", "smk", "campus")
"""The level buttons of a school; all but ``campus`` are also the word that names it."""

_YEAR = r"(\d{4})"
_ONE_YEAR = re.compile(rf"^{_YEAR}$")
# "2015-2019", "2015 – 2019", "2015 s/d 2019", "2015 sampai 2019", "2015 to 2019"
_YEAR_RANGE = re.compile(rf"^{_YEAR}\s*(?:-|–|—|s/?d|sampai|hingga|to|until)\s*{_YEAR}$", re.I)


def parse_year(text: str) -> int:
    """One year, ``2015``.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.year_format``.
    """
    match = _ONE_YEAR.match(text.strip())
    if match is None:
        raise InvalidConnectEntry(code="error.connect.entry.year_format")
    return int(match.group(1))


def parse_years(text: str) -> tuple[int, int | None]:
    """A start year, or a start and an end year: ``2015`` or ``2015-2019``.

    Whether the years make sense (range, order, no end for a current job) is the domain's
    check, made when the entry is stored.

    Raises:
        InvalidConnectEntry: ``error.connect.entry.years_format``.
    """
    cleaned = " ".join(text.split())
    if single := _ONE_YEAR.match(cleaned):
        return int(single.group(1)), None
    if both := _YEAR_RANGE.match(cleaned):
        return int(both.group(1)), int(both.group(2))
    raise InvalidConnectEntry(code="error.connect.entry.years_format")


def school_name(typed: str, level: str | None) -> str:
    """The school's name as stored: what the member typed, with the level they picked
    put in front when the name states none (``Negeri 3 Bandung`` picked as SMA becomes
    ``SMA Negeri 3 Bandung``), so it never matches a school of another level."""
    if level not in SCHOOL_LEVELS or level == "campus":
        return typed
    if normalise_name(typed, EntryKind.SCHOOL).levels:
        return typed
    return f"{level.upper()} {typed.strip()}"
