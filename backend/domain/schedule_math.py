"""Exact arithmetic under the schedule engine: rounding modes, the annuity payment, due dates.

Everything here works on ``fractions.Fraction``, exact rationals, so no digit is lost before
the one rounding each amount gets: ``12.5 % ÷ 12`` stays ``1/96`` and PMT's power
``(1 + r)^n`` is computed exactly, where a ``Decimal`` context would cut both at its
precision. The engine (``backend.domain.schedule``) counts money in the currency's smallest
unit (1 rupiah; 1 cent when the currency has two decimals), so a rounding here always ends
in an ``int``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from enum import StrEnum
from fractions import Fraction

_HALF = Fraction(1, 2)


class RoundingMode(StrEnum):
    """How an exact amount becomes a whole number of units (or of a rounding multiple).

    ``HALF_EVEN`` (the default, as in Apache Fineract): to the nearest, ties to the even
    neighbour, so ties do not all lean one way. ``HALF_UP``: to the nearest, ties away from
    zero, as people round by hand. ``UP``: away from zero, never less than the exact amount.
    ``DOWN``: toward zero, never more than the exact amount.
    """

    HALF_EVEN = "half_even"
    HALF_UP = "half_up"
    UP = "up"
    DOWN = "down"


def round_fraction(value: Fraction, mode: RoundingMode) -> int:
    """Round the exact ``value`` to an integer by ``mode``; the only rounding an amount gets."""
    floor = math.floor(value)
    rest = value - floor
    if rest == 0:
        return floor
    ceiling = floor + 1
    away_from_zero, toward_zero = (ceiling, floor) if value > 0 else (floor, ceiling)
    if mode is RoundingMode.UP:
        return away_from_zero
    if mode is RoundingMode.DOWN:
        return toward_zero
    if rest != _HALF:
        return ceiling if rest > _HALF else floor
    if mode is RoundingMode.HALF_UP:
        return away_from_zero
    return floor if floor % 2 == 0 else ceiling


def round_to_multiple(value: Fraction, multiple: int, mode: RoundingMode) -> int:
    """Round ``value`` (in units) to a multiple of ``multiple`` units, in one rounding."""
    return round_fraction(value / multiple, mode) * multiple


def annuity_payment(principal: int, rate: Fraction, periods: int) -> Fraction:
    """The exact level payment (PMT) repaying ``principal`` over ``periods`` at ``rate``.

    ``principal · r · (1 + r)^n / ((1 + r)^n − 1)``, or ``principal / n`` at a zero rate;
    unrounded, so the caller rounds it once.
    """
    if rate == 0:
        return Fraction(principal, periods)
    growth = (1 + rate) ** periods
    return principal * rate * growth / (growth - 1)


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` moved ``months`` calendar months on, its day clamped to the month's end.

    Always counted from ``start`` itself, never from the previous result, so dates do not
    drift: from 31 January come 28/29 February, 31 March, 30 April, 31 May. Raises
    ``ValueError`` past year 9999.
    """
    year, month_index = divmod(start.year * 12 + start.month - 1 + months, 12)
    month = month_index + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ValueError("date out of range")
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
