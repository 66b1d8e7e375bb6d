"""Cost caps: the most a loan may cost a borrower per day, by loan kind and tenor (DESIGN §5).

The rules, following Indonesia's caps for P2P lending (LPBBTI) on *manfaat ekonomi*
(SEOJK 19/SEOJK.06/2023, revised from 1 Jan 2025; REFERENCE §7):

* **Economic benefit** = interest + all fees (admin, commission, platform and any other
  fee), *excluding* late fees, stamp duty and tax. Its **daily rate** is
  ``(interest + fees) ÷ principal ÷ days``, where ``principal`` is the funding amount of
  the agreement and ``days`` the calendar days of the tenor (``loan_terms.tenor_days``:
  disbursement to last due date). Computed exactly (``Fraction``), never rounded before
  comparing: the circular's example, Rp 85.000 on Rp 1.000.000 over 90 days, is
  17/18000 = 0.0944… % a day.
* **The cap** is a daily rate chosen by loan kind and tenor band from a table staff edit
  (``CostCap``; seeded with ``OJK_DEFAULT_CAPS``). A term is refused when its daily rate
  is above the cap (``error.cost_cap.daily``), i.e. when interest + fees exceed
  ``⌊cap × days × principal⌋``.
* **At most 100 %.** Interest + fees (and, later, late fees) never exceed the principal
  (``error.cost_cap.total``); for long tenors this binds before the daily cap does
  (0.2 % × 500 days = 100 %).
* **Late fees** are under the same daily cap, on the outstanding amount: a product whose
  late fee per day alone is above ``cap × principal`` is refused
  (``error.cost_cap.late_fee``), and while a loan is overdue ``late_fee_for_day`` charges at
  most ``⌊cap × outstanding⌋`` a day and stops when benefit + late fees reach the principal.
* **Bands** are ``[min_months, max_months)`` (``max_months`` ``None``: no upper end).
  "Under 6 months" is ``[1, 6)``; a tenor of exactly 6 months falls in "from 6 months",
  the lower cap (REFERENCE: "from 6 months").

Numbers in refusals: percentages (``daily_percent``, ``cap_percent``,
``late_fee_percent``) are ``Decimal`` percent with at most 4 decimals, the cost's rounded
*up* so a refused term never shows a figure equal to its cap; rupiah amounts are ``int``
and listed in ``money_params``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from backend.domain.errors import ValidationError
from backend.domain.loan_terms import LoanKind, tenor_days
from backend.domain.money import MAX_AMOUNT
from backend.domain.schedule import MAX_TENOR, Schedule

__all__ = [
    "MAX_DAILY_CAP",
    "MAX_SOURCE_LENGTH",
    "OJK_DEFAULT_CAPS",
    "OJK_SOURCE",
    "CostCap",
    "CostCapExceeded",
    "CostCheck",
    "InvalidCostCaps",
    "cap_for",
    "check_cost",
    "check_schedule_cost",
    "daily_economic_benefit",
    "late_fee_for_day",
    "rate_percent",
    "validate_cost_caps",
]

MAX_DAILY_CAP = Decimal("0.01")
"""1 % a day: no cap staff enter may be higher (OJK's highest is 0.3 %)."""
CAP_DECIMALS = 6
"""Caps are fractions with at most 6 decimals: percentages with at most 4 (0.0675 %)."""
PERCENT_DECIMALS = 4
MAX_SOURCE_LENGTH = 200

OJK_SOURCE = "SEOJK 19/SEOJK.06/2023, revised from 1 Jan 2025"
"""The circular the seeded caps come from, as REFERENCE §7 cites it."""


# ---------------------------------------------------------------------------- errors


class CostCapExceeded(ValidationError):
    """Terms (a product or a submission) cost more than their cap allows; nothing was saved.

    Codes (``params``):

    * ``error.cost_cap.daily``: interest + fees per day above the cap;
    * ``error.cost_cap.total``: interest + fees above 100 % of the principal.
      Both carry ``daily_percent``, ``cap_percent``, ``total_cost``, ``max_total_cost``,
      ``principal``, ``days``, ``kind``, ``tenor``.
    * ``error.cost_cap.late_fee``: the late fee per day alone is above the cap
      (``late_fee_per_day``, ``max_late_fee_per_day``, ``late_fee_percent``,
      ``cap_percent``, ``kind``, ``tenor``);
    * ``error.cost_cap.tenor_not_covered``: no cap covers this kind and tenor
      (``kind``, ``tenor``).
    """

    default_code = "error.cost_cap.exceeded"
    money_params = frozenset(
        {"principal", "total_cost", "max_total_cost", "late_fee_per_day", "max_late_fee_per_day"}
    )


class InvalidCostCaps(ValidationError):
    """Staff entered caps that do not make a valid table; nothing was saved.

    Codes (``params``): ``error.cost_cap.band_range`` (``maximum``),
    ``error.cost_cap.rate_range`` (``maximum``, percent), ``error.cost_cap.rate_decimals``
    (``maximum``), ``error.cost_cap.source`` (``maximum``), ``error.cost_cap.overlap``
    (``kind``, ``tenor``: the first month two bands share), ``error.cost_cap.gap``
    (``kind``, ``tenor``: the first month no band covers; ``maximum``).
    """

    default_code = "error.cost_cap.invalid"


# ---------------------------------------------------------------------------- numbers


def rate_percent(rate: Fraction) -> Decimal:
    """A daily rate in percent for people: at most 4 decimals, rounded up, no trailing zeros.

    ``rate_percent(Fraction(17, 18_000)) == Decimal("0.0945")``; ``Fraction(3, 1000)`` gives
    ``Decimal("0.3")``. Rounded up, so a cost just above a cap never reads as the cap.
    """
    units = math.ceil(rate * 100 * 10**PERCENT_DECIMALS)
    value = Decimal(units).scaleb(-PERCENT_DECIMALS).normalize()
    exponent = value.as_tuple().exponent
    # normalize() writes 100 as 1E+2; people read 100.
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    return value


def _amount(value: object, name: str, *, positive: bool = False) -> int:
    """A whole-rupiah amount: an ``int`` from 0 (or 1) to ``MAX_AMOUNT``."""
    amount = _int(value, name)
    if not (1 if positive else 0) <= amount <= MAX_AMOUNT:
        raise ValueError(f"{name} must be {'1' if positive else '0'}..{MAX_AMOUNT} rupiah")
    return amount


def _exact(value: object, name: str) -> Fraction:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, Decimal or Fraction")
    if isinstance(value, int | Fraction):
        return Fraction(value)
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    raise TypeError(f"{name} must be an int, a finite Decimal or a Fraction (never a float)")


# ---------------------------------------------------------------------------- the table


@dataclass(frozen=True, slots=True)
class CostCap:
    """The most ``kind`` loans with a tenor in ``[min_months, max_months)`` may cost a day.

    ``daily_cap`` is a fraction of the principal per day (``Decimal("0.003")`` = 0.3 %),
    more than 0 and at most ``MAX_DAILY_CAP``, with at most ``CAP_DECIMALS`` decimals.
    ``max_months`` ``None`` means no upper end. ``source`` says where the figure comes
    from (a regulation, a board decision). Valid by construction: raises
    ``InvalidCostCaps``; a value of the wrong type (a float, an unknown kind) is a bug and
    raises ``TypeError``/``ValueError``.
    """

    kind: LoanKind
    min_months: int
    max_months: int | None
    daily_cap: Decimal
    source: str = ""

    def __post_init__(self) -> None:
        kind = LoanKind(self.kind)
        minimum = _int(self.min_months, "min_months")
        maximum = None if self.max_months is None else _int(self.max_months, "max_months")
        if not 1 <= minimum <= MAX_TENOR or (
            maximum is not None and not minimum < maximum <= MAX_TENOR + 1
        ):
            raise InvalidCostCaps(code="error.cost_cap.band_range", maximum=MAX_TENOR)
        cap = self.daily_cap
        if not isinstance(cap, Decimal) or not cap.is_finite():
            raise TypeError("daily_cap must be a finite Decimal (never a float)")
        if not 0 < cap <= MAX_DAILY_CAP:
            raise InvalidCostCaps(
                code="error.cost_cap.rate_range", maximum=rate_percent(Fraction(MAX_DAILY_CAP))
            )
        if (Fraction(cap) * 10**CAP_DECIMALS).denominator != 1:
            raise InvalidCostCaps(code="error.cost_cap.rate_decimals", maximum=PERCENT_DECIMALS)
        if not isinstance(self.source, str):
            raise TypeError("source must be a str")
        source = " ".join(self.source.split())
        if len(source) > MAX_SOURCE_LENGTH:
            raise InvalidCostCaps(code="error.cost_cap.source", maximum=MAX_SOURCE_LENGTH)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "source", source)

    def covers(self, kind: LoanKind, tenor_months: int) -> bool:
        """Whether this cap is the one for ``kind`` loans of ``tenor_months``."""
        return (
            self.kind == kind
            and self.min_months <= tenor_months
            and (self.max_months is None or tenor_months < self.max_months)
        )

    @property
    def cap_percent(self) -> Decimal:
        """The cap in percent a day: ``Decimal("0.3")`` for 0.003."""
        return rate_percent(Fraction(self.daily_cap))


OJK_DEFAULT_CAPS: tuple[CostCap, ...] = tuple(
    CostCap(kind, low, high, Decimal(cap), f"{OJK_SOURCE}: {what}")
    for kind, low, high, cap, what in (
        (LoanKind.CONSUMER, 1, 6, "0.003", "consumer, tenor under 6 months, 0.3 %/day"),
        (LoanKind.CONSUMER, 6, None, "0.002", "consumer, tenor from 6 months, 0.2 %/day"),
        (
            LoanKind.PRODUCTIVE,
            1,
            6,
            "0.00275",
            "productive micro/ultra-micro, tenor under 6 months, 0.275 %/day",
        ),
        (
            LoanKind.PRODUCTIVE,
            6,
            None,
            "0.001",
            "productive micro/ultra-micro, tenor from 6 months, 0.1 %/day",
        ),
    )
)
"""The seeded caps: OJK's P2P defaults (REFERENCE §7). A cooperative's productive loans go
to its members' micro and ultra-micro businesses, so productive takes the micro caps
(small/medium businesses: 0.1 %/day at every tenor; staff may lower the caps). These are
data: staff edit them in the data master, and the database seeds them from here."""


def validate_cost_caps(caps: Iterable[CostCap]) -> tuple[CostCap, ...]:
    """Check a whole table as staff would save it; return it sorted by kind and band.

    For every loan kind the bands must cover each tenor from 1 to ``MAX_TENOR`` months
    exactly once: no month in two bands (``error.cost_cap.overlap``), none in no band
    (``error.cost_cap.gap``; a kind with no band at all has its gap at month 1). Each cap
    is already valid on its own (``CostCap`` checks its band, rate and source).
    """
    table = tuple(caps)
    for cap in table:
        if not isinstance(cap, CostCap):
            raise TypeError("every cap must be a CostCap")
    ordered: list[CostCap] = []
    for kind in LoanKind:
        bands = sorted((c for c in table if c.kind == kind), key=lambda c: c.min_months)
        next_month: int | None = 1  # the first month not yet covered; None: all covered
        for band in bands:
            if next_month is None or band.min_months < next_month:
                raise InvalidCostCaps(
                    code="error.cost_cap.overlap", kind=kind.value, tenor=band.min_months
                )
            if band.min_months > next_month:
                raise InvalidCostCaps(
                    code="error.cost_cap.gap", kind=kind.value, tenor=next_month, maximum=MAX_TENOR
                )
            next_month = band.max_months
        if next_month is not None and next_month <= MAX_TENOR:
            raise InvalidCostCaps(
                code="error.cost_cap.gap", kind=kind.value, tenor=next_month, maximum=MAX_TENOR
            )
        ordered.extend(bands)
    return tuple(ordered)


def cap_for(kind: LoanKind, tenor_months: int, caps: Sequence[CostCap]) -> CostCap:
    """The cap for ``kind`` loans of ``tenor_months``: the band that contains the tenor.

    Should a table (not validated) have two such bands, the lower cap wins.

    Raises:
        CostCapExceeded: ``error.cost_cap.tenor_not_covered`` when no band contains it.
    """
    kind = LoanKind(kind)
    matching = [cap for cap in caps if cap.covers(kind, tenor_months)]
    if not matching:
        raise CostCapExceeded(
            code="error.cost_cap.tenor_not_covered", kind=kind.value, tenor=tenor_months
        )
    return min(matching, key=lambda cap: cap.daily_cap)


# ---------------------------------------------------------------------------- the check


def daily_economic_benefit(
    interest: int | Decimal | Fraction,
    fees: int | Decimal | Fraction,
    principal: int | Decimal | Fraction,
    days: int,
) -> Fraction:
    """``(interest + fees) ÷ principal ÷ days``, exactly: a fraction of the principal a day.

    ``daily_economic_benefit(30_000, 55_000, 1_000_000, 90) == Fraction(17, 18_000)``
    (0.0944… %, the circular's example). Amounts are non-negative, the principal and the
    days positive; a float or a bad value is a bug (``TypeError``/``ValueError``).
    """
    interest_, fees_, principal_ = (
        _exact(interest, "interest"),
        _exact(fees, "fees"),
        _exact(principal, "principal"),
    )
    days = _int(days, "days")
    if interest_ < 0 or fees_ < 0 or principal_ <= 0 or days <= 0:
        raise ValueError("amounts must be non-negative, principal and days positive")
    return (interest_ + fees_) / principal_ / days


@dataclass(frozen=True, slots=True)
class CostCheck:
    """What a term costs against its cap (all checks passed), for showing to people.

    ``daily_rate`` is exact; ``daily_percent`` is it in percent for display (at most 4
    decimals, rounded up). ``max_total_cost`` = ``min(⌊cap × days × principal⌋,
    principal)``; ``max_late_fee_per_day`` = ``⌊cap × principal⌋``.
    """

    cap: CostCap
    principal: int
    total_cost: int
    days: int
    daily_rate: Fraction
    max_total_cost: int
    late_fee_per_day: int
    max_late_fee_per_day: int

    @property
    def daily_percent(self) -> Decimal:
        return rate_percent(self.daily_rate)


def check_cost(
    *,
    kind: LoanKind,
    tenor_months: int,
    principal: int,
    interest: int,
    fees: int,
    days: int,
    caps: Sequence[CostCap],
    late_fee_per_day: int = 0,
) -> CostCheck:
    """Check terms against the cap of their kind and tenor; return the figures if they fit.

    ``principal``, ``interest`` (the schedule's total), ``fees`` (every fee except late
    fees, stamp duty and tax) and ``late_fee_per_day`` are whole rupiah; ``days`` is the
    tenor in calendar days (``loan_terms.tenor_days``, or ``shortest_tenor_days`` for a
    product). Raises ``CostCapExceeded`` (codes in its docstring), checked in this order:
    tenor covered, daily cap, 100 % of the principal, late fee.
    """
    principal = _amount(principal, "principal", positive=True)
    interest = _amount(interest, "interest")
    fees = _amount(fees, "fees")
    late_fee_per_day = _amount(late_fee_per_day, "late_fee_per_day")
    cap = cap_for(kind, tenor_months, caps)
    rate = Fraction(cap.daily_cap)
    total = interest + fees
    daily = daily_economic_benefit(interest, fees, principal, days)
    max_by_cap = math.floor(rate * days * principal)
    max_total = min(max_by_cap, principal)
    if total > max_total:
        figures = {
            "daily_percent": rate_percent(daily),
            "cap_percent": cap.cap_percent,
            "total_cost": total,
            "max_total_cost": max_total,
            "principal": principal,
            "days": days,
            "kind": cap.kind.value,
            "tenor": tenor_months,
        }
        if total > max_by_cap:
            raise CostCapExceeded(code="error.cost_cap.daily", **figures)
        raise CostCapExceeded(code="error.cost_cap.total", **figures)
    max_late_fee = math.floor(rate * principal)
    if late_fee_per_day > max_late_fee:
        raise CostCapExceeded(
            code="error.cost_cap.late_fee",
            late_fee_percent=rate_percent(Fraction(late_fee_per_day, principal)),
            cap_percent=cap.cap_percent,
            late_fee_per_day=late_fee_per_day,
            max_late_fee_per_day=max_late_fee,
            kind=cap.kind.value,
            tenor=tenor_months,
        )
    return CostCheck(
        cap=cap,
        principal=principal,
        total_cost=total,
        days=days,
        daily_rate=daily,
        max_total_cost=max_total,
        late_fee_per_day=late_fee_per_day,
        max_late_fee_per_day=max_late_fee,
    )


def check_schedule_cost(
    schedule: Schedule,
    *,
    kind: LoanKind,
    fees: int,
    caps: Sequence[CostCap],
    late_fee_per_day: int = 0,
    days: int | None = None,
) -> CostCheck:
    """``check_cost`` for a whole-rupiah schedule: its principal, tenor and total interest.

    ``days`` defaults to the schedule's own calendar days (start to last due date); pass
    ``shortest_tenor_days(tenor)`` to check a product for every possible start date.
    Raises ``ValueError`` for a schedule with decimals (``digits`` ≠ 0).
    """
    terms = schedule.terms
    if terms.digits != 0:
        raise ValueError("cost caps are checked on whole-rupiah schedules (digits 0)")
    return check_cost(
        kind=kind,
        tenor_months=terms.tenor,
        principal=int(terms.principal),
        interest=int(schedule.totals.interest),
        fees=fees,
        days=tenor_days(terms.start, terms.tenor) if days is None else days,
        caps=caps,
        late_fee_per_day=late_fee_per_day,
    )


def late_fee_for_day(
    *,
    late_fee_per_day: int,
    outstanding: int,
    cap: CostCap,
    principal: int,
    economic_benefit: int,
    late_fees_charged: int,
) -> int:
    """The late fee to charge for one more overdue day, in whole rupiah.

    The product's ``late_fee_per_day``, but at most ``⌊cap × outstanding⌋`` (OJK: late fees
    under the same daily cap, on the outstanding amount) and at most what keeps
    ``economic_benefit`` (interest + fees) + late fees within ``principal`` (the 100 %
    rule): once that is reached, late fees stop. Never negative.
    """
    for name, value in (
        ("late_fee_per_day", late_fee_per_day),
        ("outstanding", outstanding),
        ("economic_benefit", economic_benefit),
        ("late_fees_charged", late_fees_charged),
    ):
        _amount(value, name)
    _amount(principal, "principal", positive=True)
    by_cap = math.floor(Fraction(cap.daily_cap) * outstanding)
    room = principal - economic_benefit - late_fees_charged
    return max(0, min(late_fee_per_day, by_cap, room))
