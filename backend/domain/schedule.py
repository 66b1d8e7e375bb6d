"""The installment schedule of a loan: pure, exact, one rounding per amount (DESIGN §5).

A loan of ``principal`` is repaid in ``tenor`` monthly periods. The money rules:

* **Units.** Amounts are counted in the currency's smallest unit: ``digits`` decimals (0 for
  rupiah, so the unit is 1 rupiah). The principal and the rounding multiple must be whole
  units. Results are ``Decimal`` with exactly ``digits`` decimals; ``rupiah_installments``
  gives ``int`` rupiah when ``digits`` is 0.
* **Rate.** ``monthly_rate`` is an exact fraction per month (0.01 = 1 % a month). People
  state rates in percent; ``monthly_rate_from_percent`` turns "12 % a year" into
  12 / 100 / 12 = 0.01 a month, exactly (a year is twelve equal months).
* **Exact until rounded.** Interest, PMT and the level amounts are computed with exact
  rationals and each rounded once, by the one ``rounding`` mode of the terms.
* **Interest of a period**, rounded to the unit:
  flat: ``principal × rate`` every period (Indonesian "bunga flat");
  annuity and equal principal: ``balance before the period × rate`` ("anuitas",
  "efektif"/"menurun").
* **Grace.** In the first ``grace_principal`` periods only interest is due: principal part 0,
  installment = interest. The principal is then repaid over the ``tenor − grace``
  remaining periods ("amortizing periods").
* **Level amount**, rounded once to a multiple of ``multiple_of`` (default: one unit):
  flat: installment = ``principal ÷ amortizing periods + principal × rate``;
  annuity: installment = PMT of the principal over the amortizing periods;
  equal principal: principal part = ``principal ÷ amortizing periods`` (its installment is
  that plus the period's interest, not rounded again).
  For flat and annuity the principal part is ``installment − interest``.
* **The last period takes the remaining balance** as its principal part, so Σ principal =
  principal exactly and the final balance is 0; its installment is that plus its interest,
  and may be larger or smaller than the level installment.
* **Refused roundings.** If rounding to the multiple would make a principal part negative
  or repay the loan before its last period, the terms are refused
  (``error.schedule.rounding_too_coarse``) rather than bent: choose a smaller multiple.
* **Due dates.** Period ``k`` is due ``k`` months after ``start`` (the disbursement date),
  each counted from ``start`` (no drift), the day clamped to the month's end
  (31 Jan → 28/29 Feb, 31 Mar, 30 Apr …); see ``schedule_math.add_months``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from backend.domain.errors import ValidationError
from backend.domain.money import MAX_AMOUNT
from backend.domain.schedule_math import (
    RoundingMode,
    add_months,
    annuity_payment,
    round_fraction,
    round_to_multiple,
)

__all__ = [
    "MAX_DIGITS",
    "MAX_RATE_DECIMALS",
    "MAX_RATE_PERCENT",
    "MAX_TENOR",
    "InterestMethod",
    "InvalidScheduleTerms",
    "RoundingMode",
    "RupiahInstallment",
    "Schedule",
    "ScheduleRow",
    "ScheduleTerms",
    "ScheduleTotals",
    "build_schedule",
    "monthly_rate_from_percent",
    "rupiah_installments",
]

MAX_TENOR = 600  # months: 50 years, beyond any cooperative loan
MAX_DIGITS = 4  # the most decimals any ISO 4217 currency has
MAX_RATE_PERCENT = 100  # per year when given yearly, per month when given monthly
MAX_RATE_DECIMALS = 6  # "12.5" or "1.125" percent; more is a typing slip


class InterestMethod(StrEnum):
    """How interest is charged and the principal repaid (see the module docstring)."""

    FLAT = "flat"
    ANNUITY = "annuity"
    EQUAL_PRINCIPAL = "equal_principal"


class InvalidScheduleTerms(ValidationError):
    """The terms cannot make a schedule; nothing was computed.

    Codes (``params``): ``error.schedule.principal_range`` (``maximum``),
    ``error.schedule.principal_decimals`` (``digits``), ``error.schedule.tenor_range``
    (``maximum``), ``error.schedule.grace_range`` (``tenor``), ``error.schedule.rate_range``
    (``maximum``, percent), ``error.schedule.rate_decimals`` (``maximum``),
    ``error.schedule.digits_range`` (``maximum``), ``error.schedule.multiple_range``
    (``maximum``), ``error.schedule.multiple_decimals`` (``digits``),
    ``error.schedule.method_unknown``, ``error.schedule.rounding_unknown``,
    ``error.schedule.start_out_of_range``, ``error.schedule.rounding_too_coarse``.
    """

    default_code = "error.schedule.invalid"


def monthly_rate_from_percent(
    *, annual_percent: Decimal | None = None, monthly_percent: Decimal | None = None
) -> Fraction:
    """The exact monthly rate from a percentage per year (÷ 100 ÷ 12) or per month (÷ 100).

    Give exactly one (``TypeError`` otherwise). ``Decimal("12")`` a year gives ``1/100``.

    Raises:
        InvalidScheduleTerms: ``error.schedule.rate_range`` (below 0 or above 100 %),
            ``error.schedule.rate_decimals`` (more than ``MAX_RATE_DECIMALS`` decimals).
    """
    if (annual_percent is None) == (monthly_percent is None):
        raise TypeError("give exactly one of annual_percent and monthly_percent")
    percent = annual_percent if annual_percent is not None else monthly_percent
    if not isinstance(percent, Decimal) or not percent.is_finite():
        raise TypeError("the rate must be a finite Decimal percentage")
    if not 0 <= percent <= MAX_RATE_PERCENT:
        raise InvalidScheduleTerms(code="error.schedule.rate_range", maximum=MAX_RATE_PERCENT)
    if (Fraction(percent) * 10**MAX_RATE_DECIMALS).denominator != 1:
        raise InvalidScheduleTerms(code="error.schedule.rate_decimals", maximum=MAX_RATE_DECIMALS)
    months = 12 if annual_percent is not None else 1
    return Fraction(percent) / 100 / months


@dataclass(frozen=True, slots=True)
class ScheduleTerms:
    """What a schedule is computed from; valid by construction.

    ``principal`` and ``multiple_of`` are amounts in the currency (``Decimal``; an ``int`` is
    accepted and converted); ``multiple_of`` ``None`` means one unit (``10^-digits``).
    ``monthly_rate`` is an exact fraction per month (a ``Decimal`` is converted exactly);
    ``method`` and ``rounding`` accept their enum values as strings. ``start`` is the
    disbursement date; period 1 is due a month later.

    Raises ``InvalidScheduleTerms`` (codes in its docstring) for values out of range, and
    ``TypeError`` for values of the wrong type (a float, a bool, a datetime): those are bugs.
    """

    principal: Decimal
    tenor: int
    method: InterestMethod
    monthly_rate: Fraction
    start: dt.date
    digits: int = 0
    multiple_of: Decimal | None = None
    rounding: RoundingMode = RoundingMode.HALF_EVEN
    grace_principal: int = 0

    def __post_init__(self) -> None:
        digits = _whole_number(self.digits, "digits")
        if not 0 <= digits <= MAX_DIGITS:
            raise InvalidScheduleTerms(code="error.schedule.digits_range", maximum=MAX_DIGITS)
        principal, multiple = _validated_amounts(self.principal, self.multiple_of, digits)
        tenor = _whole_number(self.tenor, "tenor")
        if not 1 <= tenor <= MAX_TENOR:
            raise InvalidScheduleTerms(code="error.schedule.tenor_range", maximum=MAX_TENOR)
        grace = _whole_number(self.grace_principal, "grace_principal")
        if not 0 <= grace < tenor:
            raise InvalidScheduleTerms(code="error.schedule.grace_range", tenor=tenor)
        rate = _exact_rate(self.monthly_rate)
        if not 0 <= rate <= 1:
            raise InvalidScheduleTerms(code="error.schedule.rate_range", maximum=MAX_RATE_PERCENT)
        try:
            method = InterestMethod(self.method)
        except ValueError:
            raise InvalidScheduleTerms(code="error.schedule.method_unknown") from None
        try:
            rounding = RoundingMode(self.rounding)
        except ValueError:
            raise InvalidScheduleTerms(code="error.schedule.rounding_unknown") from None
        _validate_start(self.start, tenor)
        for name, value in (
            ("principal", principal),
            ("multiple_of", multiple),
            ("monthly_rate", rate),
            ("method", method),
            ("rounding", rounding),
        ):
            object.__setattr__(self, name, value)

    @property
    def unit(self) -> Decimal:
        """The currency's smallest unit: ``1`` for rupiah, ``0.01`` with two digits."""
        return Decimal(1).scaleb(-self.digits)

    @property
    def amortizing_periods(self) -> int:
        """Periods in which principal is repaid: the tenor less the grace periods."""
        return self.tenor - self.grace_principal

    @property
    def rounding_multiple(self) -> Decimal:
        """The amount level amounts are rounded to a multiple of (``multiple_of`` or a unit)."""
        return self.unit if self.multiple_of is None else self.multiple_of

    def in_units(self, amount: Decimal) -> int:
        """``amount``, a whole number of units (as validated), counted in units."""
        return int(Fraction(amount) * 10**self.digits)


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    """One period: what is due on ``due_date`` and the ``balance`` left after paying it."""

    period: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    installment: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class ScheduleTotals:
    """Sums over all periods; ``principal`` always equals the loan's principal."""

    principal: Decimal
    interest: Decimal
    installment: Decimal


@dataclass(frozen=True, slots=True)
class Schedule:
    """A computed schedule: the terms it came from, its rows in period order, totals."""

    terms: ScheduleTerms
    rows: tuple[ScheduleRow, ...]
    totals: ScheduleTotals


def build_schedule(terms: ScheduleTerms) -> Schedule:
    """Compute the schedule of ``terms`` by the rules in the module docstring.

    Raises:
        InvalidScheduleTerms: ``error.schedule.rounding_too_coarse`` when rounding the level
            amount to ``multiple_of`` would make a principal part negative or repay the loan
            before its last period.
    """
    principal = terms.in_units(terms.principal)
    rate = terms.monthly_rate
    flat_interest = round_fraction(principal * rate, terms.rounding)
    level = _level_amount(terms, principal)
    balance = principal
    rows: list[ScheduleRow] = []
    total_principal = total_interest = 0
    for period in range(1, terms.tenor + 1):
        if terms.method is InterestMethod.FLAT:
            interest = flat_interest
        else:
            interest = round_fraction(balance * rate, terms.rounding)
        if period <= terms.grace_principal:
            principal_part = 0
        elif period == terms.tenor:
            principal_part = balance
        elif terms.method is InterestMethod.EQUAL_PRINCIPAL:
            principal_part = level
        else:
            principal_part = level - interest
        if period < terms.tenor and not 0 <= principal_part < balance:
            raise InvalidScheduleTerms(code="error.schedule.rounding_too_coarse")
        balance -= principal_part
        installment = principal_part + interest
        rows.append(
            ScheduleRow(
                period=period,
                due_date=add_months(terms.start, period),
                principal=_money(principal_part, terms.digits),
                interest=_money(interest, terms.digits),
                installment=_money(installment, terms.digits),
                balance=_money(balance, terms.digits),
            )
        )
        total_principal += principal_part
        total_interest += interest
    return Schedule(
        terms=terms,
        rows=tuple(rows),
        totals=ScheduleTotals(
            principal=_money(total_principal, terms.digits),
            interest=_money(total_interest, terms.digits),
            installment=_money(total_principal + total_interest, terms.digits),
        ),
    )


def _level_amount(terms: ScheduleTerms, principal: int) -> int:
    """The rounded level installment (flat, annuity) or principal part (equal principal)."""
    periods = terms.amortizing_periods
    rate = terms.monthly_rate
    if terms.method is InterestMethod.FLAT:
        exact = Fraction(principal, periods) + principal * rate
    elif terms.method is InterestMethod.ANNUITY:
        exact = annuity_payment(principal, rate, periods)
    else:
        exact = Fraction(principal, periods)
    return round_to_multiple(exact, terms.in_units(terms.rounding_multiple), terms.rounding)


@dataclass(frozen=True, slots=True)
class RupiahInstallment:
    """A schedule row in whole rupiah (``int``), as the ledger and the bot count money."""

    period: int
    due_date: dt.date
    principal: int
    interest: int
    installment: int
    balance: int


def rupiah_installments(schedule: Schedule) -> tuple[RupiahInstallment, ...]:
    """The rows of a whole-rupiah schedule (``digits`` 0) as ``int`` amounts.

    Raises ``ValueError`` for a schedule with decimals: converting it would round again.
    """
    if schedule.terms.digits != 0:
        raise ValueError("only a schedule with 0 digits is in whole rupiah")
    return tuple(
        RupiahInstallment(
            period=row.period,
            due_date=row.due_date,
            principal=int(row.principal),
            interest=int(row.interest),
            installment=int(row.installment),
            balance=int(row.balance),
        )
        for row in schedule.rows
    )


def _money(units: int, digits: int) -> Decimal:
    # Built from a string, so the Decimal is exact whatever the context's precision.
    return Decimal(f"{units}E-{digits}")


def _validated_amounts(
    principal: object, multiple_of: object, digits: int
) -> tuple[Decimal, Decimal]:
    """The principal and the rounding multiple: positive, bounded, whole units."""
    amount = _amount(principal, "principal")
    if not 0 < amount <= MAX_AMOUNT:
        raise InvalidScheduleTerms(code="error.schedule.principal_range", maximum=MAX_AMOUNT)
    if not _is_whole_units(amount, digits):
        raise InvalidScheduleTerms(code="error.schedule.principal_decimals", digits=digits)
    if multiple_of is None:
        return amount, Decimal(1).scaleb(-digits)
    multiple = _amount(multiple_of, "multiple_of")
    if not 0 < multiple <= MAX_AMOUNT:
        raise InvalidScheduleTerms(code="error.schedule.multiple_range", maximum=MAX_AMOUNT)
    if not _is_whole_units(multiple, digits):
        raise InvalidScheduleTerms(code="error.schedule.multiple_decimals", digits=digits)
    return amount, multiple


def _validate_start(start: object, tenor: int) -> None:
    if isinstance(start, dt.datetime) or not isinstance(start, dt.date):
        raise TypeError("start must be a date")
    try:
        add_months(start, tenor)
    except ValueError:
        raise InvalidScheduleTerms(code="error.schedule.start_out_of_range") from None


def _is_whole_units(amount: Decimal, digits: int) -> bool:
    return (Fraction(amount) * 10**digits).denominator == 1


def _whole_number(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int")
    return value


def _amount(value: object, name: str) -> Decimal:
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        raise TypeError(f"{name} must be a finite Decimal or an int")
    return value


def _exact_rate(value: object) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return Fraction(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return Fraction(value)
    raise TypeError("monthly_rate must be a Fraction or a finite Decimal (never a float)")
