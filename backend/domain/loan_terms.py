"""Small facts about a loan's terms shared by products, cost caps and the lifecycle (pure).

* **Kind.** A loan is *productive* (for a member's business) or *consumer* (for personal
  needs); the kind selects the cost cap (``backend.domain.cost_caps``).
* **Days of the tenor.** OJK states its caps "per hari kalender" (per calendar day) and
  gives a loan's tenor in calendar days ("tenor 90 hari kalender", SEOJK 19/SEOJK.06/2023
  worked example). A kopdana loan's tenor is in months, its last installment due ``tenor``
  months after the disbursement date (``schedule_math.add_months``), so its days are the
  **actual calendar days from the start date to the last due date**: 1 Jan → 1 Apr is 90
  days, 1 Feb → 1 May is 89. Not ``30 × months``: that would let a loan disbursed before
  February charge more per real day than the cap allows.
* **Shortest tenor.** A product has no start date. Checking it against a cap at the
  *shortest* span its tenor can have (``shortest_tenor_days``: one month is 28 days,
  31 Jan → 28 Feb) makes sure every loan made from it, whatever its disbursement date,
  fits the cap.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum
from functools import cache

from backend.domain.schedule import MAX_TENOR
from backend.domain.schedule_math import add_months

__all__ = ["LoanKind", "shortest_tenor_days", "tenor_days"]

# The Gregorian calendar repeats every 400 years, so its spans of n months do too.
_CYCLE_START_YEAR = 2000
_CYCLE_YEARS = 400


class LoanKind(StrEnum):
    """What the money is for; OJK caps the two differently (``pendanaan produktif`` /
    ``pendanaan konsumtif``)."""

    PRODUCTIVE = "productive"
    CONSUMER = "consumer"


def tenor_days(start: dt.date, tenor_months: int) -> int:
    """Calendar days from ``start`` (disbursement) to the last due date of a
    ``tenor_months`` loan: ``tenor_days(date(2026, 1, 1), 3) == 90``.

    The last due date is the schedule engine's (``add_months``, day clamped to the month's
    end). Raises ``ValueError`` for a tenor outside 1..``MAX_TENOR`` or past year 9999.
    """
    _check_tenor(tenor_months)
    return (add_months(start, tenor_months) - start).days


def shortest_tenor_days(tenor_months: int) -> int:
    """The fewest calendar days a ``tenor_months`` loan can run, over every start date.

    For a start in a given month the span is shortest when the start is the month's last
    day (later days are clamped at the end of a shorter target month, earlier ones are
    not), so it is enough to try the last day of every month of one 400-year cycle.
    ``shortest_tenor_days(1) == 28`` (31 Jan → 28 Feb); ``shortest_tenor_days(3) == 89``
    (1 Feb → 1 May, 31 Jan → 30 Apr in a common year).
    """
    _check_tenor(tenor_months)
    return _shortest_tenor_days(tenor_months)


@cache  # at most MAX_TENOR entries
def _shortest_tenor_days(tenor_months: int) -> int:
    # Starting on the last day of month m (lengths L, running sums P from the cycle's start),
    # the loan runs P[m + n] - P[m] days, less what clamping to a shorter month takes off.
    lengths, sums = _month_lengths()
    return min(
        sums[m + tenor_months] - sums[m] - max(0, lengths[m] - lengths[m + tenor_months])
        for m in range(_CYCLE_YEARS * 12)
    )


@cache
def _month_lengths() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Month lengths over one 400-year cycle and ``MAX_TENOR`` months more, and their
    running sums (``sums[i]``: days before month ``i``)."""
    lengths = tuple(
        calendar.monthrange(_CYCLE_START_YEAR + i // 12, i % 12 + 1)[1]
        for i in range(_CYCLE_YEARS * 12 + MAX_TENOR + 1)
    )
    sums = [0]
    for length in lengths:
        sums.append(sums[-1] + length)
    return lengths, tuple(sums)


def _check_tenor(tenor_months: int) -> None:
    if isinstance(tenor_months, bool) or not isinstance(tenor_months, int):
        raise TypeError("tenor_months must be an int")
    if not 1 <= tenor_months <= MAX_TENOR:
        raise ValueError(f"tenor_months must be 1..{MAX_TENOR}")
