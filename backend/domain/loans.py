"""Loan products, applications and borrower limits: the rules, free of storage (DESIGN §5).

* **A product** (``ProductTerms``, the data master) offers loans of one kind at one price:
  an interest method and a rate *as the cooperative states it* (``1.5`` % a month, or
  ``18`` % a year: stored as said, turned into a monthly rate exactly by the schedule
  engine), an amount range, a tenor range in months, an admin fee and a late fee per day
  (whole rupiah), the multiple installments are rounded to, and whether collateral is
  required.
* **A loan keeps its terms.** What a schedule and a cost depend on is ``LoanTerms``; the
  loan row copies it from the product when the borrower confirms, so later product edits
  never change a loan.
* **The admin fee is deducted from the disbursement**: the borrower receives
  ``amount − admin fee`` and repays the schedule (principal + interest). It is part of the
  economic benefit that the cost cap limits.
* **A product must fit its cost caps** for every loan it can make: each tenor of its range,
  at its smallest and largest amount, over the fewest days the tenor can span
  (``loan_terms.shortest_tenor_days``). The fixed fees weigh most on the smallest amount,
  so that is where a product fails first. A submission is checked again with its own
  schedule (``backend.domain.cost_caps``), so no loan above its cap is ever made.

The borrower's answers and limits are in ``backend.domain.loan_application``; the errors
of both modules are here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from backend.domain.cost_caps import CostCap, CostCheck, check_schedule_cost
from backend.domain.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from backend.domain.loan_terms import LoanKind, shortest_tenor_days
from backend.domain.money import MAX_AMOUNT
from backend.domain.schedule import (
    MAX_RATE_DECIMALS,
    InterestMethod,
    RoundingMode,
    Schedule,
    ScheduleTerms,
    build_schedule,
    monthly_rate_from_percent,
)

__all__ = [
    "MAX_PRODUCT_TENOR",
    "BorrowerLimitReached",
    "InvalidLoanApplication",
    "InvalidLoanProduct",
    "InvalidLoanSettings",
    "LoanAlreadyDecided",
    "LoanNotFound",
    "LoanProductNotFound",
    "LoanTerms",
    "LoanUnavailable",
    "ProductTerms",
    "RatePeriod",
    "SameOfficerNotAllowed",
    "check_product_cost",
    "clean_text",
    "percent_from_units",
    "percent_units",
]

MAX_PRODUCT_TENOR = 120
"""Ten years: beyond any cooperative loan, and it keeps a product's cost check quick."""
MAX_ROUNDING_MULTIPLE = 1_000_000
NARRATIVE_MAX_LENGTH = 4000
_PRODUCT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,19}$")
_PERCENT_SCALE = 10**MAX_RATE_DECIMALS


class RatePeriod(StrEnum):
    """How the cooperative states a product's rate: per month or per year."""

    MONTH = "month"
    YEAR = "year"


# ---------------------------------------------------------------------------- errors


class InvalidLoanProduct(ValidationError):
    """Staff entered product terms that do not fit together; nothing was saved.

    Codes (``params``): ``error.loan_product.code``, ``error.loan_product.name``
    (``field``: ``name_id``/``name_en``, ``min``, ``max``), ``error.loan_product.amount_range``
    (``maximum``), ``error.loan_product.tenor_range`` (``months``),
    ``error.loan_product.admin_fee`` (``minimum``: the smallest amount, which the fee must
    stay below),
    ``error.loan_product.fees`` (a fee below 0 or above ``maximum``),
    ``error.loan_product.rounding_multiple`` (``maximum``). Rates are refused with the
    schedule engine's ``error.schedule.rate_*``. Rupiah are ``minimum`` and ``maximum``;
    ``months`` and the lengths ``min``/``max`` are counts.
    """

    default_code = "error.loan_product.invalid"
    money_params = frozenset({"minimum", "maximum"})


class LoanProductNotFound(NotFoundError):
    """No such product; ``error.loan_product.inactive`` when it is no longer offered."""

    default_code = "error.loan_product.not_found"


class LoanUnavailable(NotAllowedError):
    """The member may not borrow: ``error.loan.not_member``, ``error.loan.not_verified``,
    ``error.loan.not_borrower``."""

    default_code = "error.loan.unavailable"


class InvalidLoanApplication(ValidationError):
    """An answer of the loan application does not fit the product; the bot re-asks.

    Codes (``params``): ``error.loan.amount_range`` (``minimum``, ``maximum``: rupiah),
    ``error.loan.tenor_range`` (``shortest``, ``longest``: months), ``error.loan.purpose``,
    ``error.loan.business_type_required``, ``error.loan.business_type``,
    ``error.loan.collateral_required``, ``error.loan.collateral``,
    ``error.loan.collateral_file`` (all text codes carry ``min``, ``max``).
    """

    default_code = "error.loan.application"
    money_params = frozenset({"minimum", "maximum"})


class BorrowerLimitReached(NotAllowedError):
    """The borrower is at a staff-set limit: ``error.loan.too_many_open`` (``limit``, a
    count) or ``error.loan.above_exposure_limit`` (``maximum``, ``current``, ``remaining``:
    rupiah)."""

    default_code = "error.loan.limit"
    money_params = frozenset({"maximum", "current", "remaining"})


class LoanNotFound(NotFoundError):
    """No such loan (or not the member's, or outside the staff user's branch)."""

    default_code = "error.loan.not_found"


class LoanAlreadyDecided(ConflictError):
    """Someone already decided this loan. ``params``: ``reference``, ``status``,
    ``decided_by``."""

    default_code = "error.loan.already_decided"


class SameOfficerNotAllowed(NotAllowedError):
    """Maker-checker: the officer who gave the first approval may not give the second."""

    default_code = "error.loan.same_officer"


class InvalidLoanSettings(ValidationError):
    """Staff entered loan limits that are not whole numbers in range (``field``, ``max``)."""

    default_code = "error.loan_settings.invalid"


# ---------------------------------------------------------------------------- text


def clean_text(
    raw: object, *, code: str, minimum: int, maximum: int, multiline: bool = False
) -> str:
    """Free text as stored: trimmed, runs of spaces collapsed (line breaks kept when
    ``multiline``), ``minimum``..``maximum`` characters, no control characters.

    Raises ``ValidationError`` with ``code`` (``min``, ``max``); use a subclass's code.
    """
    if not isinstance(raw, str):
        raise TypeError("text must be a str")
    if multiline:
        lines = (" ".join(line.split()) for line in raw.replace("\r\n", "\n").split("\n"))
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    else:
        text = " ".join(raw.split())
    controls = any((ord(c) < 32 and c != "\n") or ord(c) == 127 for c in text)
    if controls or not minimum <= len(text) <= maximum:
        raise ValidationError(code=code, min=minimum, max=maximum)
    return text


# ---------------------------------------------------------------------------- rates


def percent_units(percent: Decimal) -> int:
    """A rate in percent as stored: millionths of a percent (``1.5`` → ``1_500_000``).

    The schedule engine allows at most ``MAX_RATE_DECIMALS`` (6) decimals, so this is exact.
    """
    units = Fraction(percent) * _PERCENT_SCALE
    if units.denominator != 1:
        raise ValueError("a rate has at most 6 decimals")
    return int(units)


def percent_from_units(units: int) -> Decimal:
    """The stored rate back in percent, without trailing zeros: ``1_500_000`` → ``1.5``."""
    value = Decimal(units).scaleb(-MAX_RATE_DECIMALS).normalize()
    exponent = value.as_tuple().exponent
    return value.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else value


# ---------------------------------------------------------------------------- terms


def _amount(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int of rupiah")
    return value


@dataclass(frozen=True, slots=True)
class LoanTerms:
    """What a loan's schedule and cost are computed from: copied onto the loan at submission.

    ``rate_percent`` is a ``Decimal`` percent per ``rate_period``; the fees and the rounding
    multiple are whole rupiah. Raises the schedule engine's ``InvalidScheduleTerms`` for a
    rate out of range, ``InvalidLoanProduct`` for negative fees or a bad multiple.
    """

    kind: LoanKind
    method: InterestMethod
    rate_percent: Decimal
    rate_period: RatePeriod
    admin_fee: int
    late_fee_per_day: int
    rounding_multiple: int
    rounding: RoundingMode = RoundingMode.HALF_EVEN

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", LoanKind(self.kind))
        object.__setattr__(self, "method", InterestMethod(self.method))
        object.__setattr__(self, "rate_period", RatePeriod(self.rate_period))
        object.__setattr__(self, "rounding", RoundingMode(self.rounding))
        self.monthly_rate  # noqa: B018 - validates the rate
        for fee in (self.admin_fee, self.late_fee_per_day):
            if not 0 <= _amount(fee, "fee") <= MAX_AMOUNT:
                raise InvalidLoanProduct(code="error.loan_product.fees", maximum=MAX_AMOUNT)
        multiple = _amount(self.rounding_multiple, "rounding_multiple")
        if not 1 <= multiple <= MAX_ROUNDING_MULTIPLE:
            raise InvalidLoanProduct(
                code="error.loan_product.rounding_multiple", maximum=MAX_ROUNDING_MULTIPLE
            )

    @property
    def monthly_rate(self) -> Fraction:
        """The exact monthly rate (``18`` % a year → ``3/200``)."""
        if self.rate_period is RatePeriod.YEAR:
            return monthly_rate_from_percent(annual_percent=self.rate_percent)
        return monthly_rate_from_percent(monthly_percent=self.rate_percent)

    def schedule(self, *, amount: int, tenor: int, start: dt.date) -> Schedule:
        """The whole-rupiah schedule of a loan of ``amount`` over ``tenor`` months from
        ``start`` (the disbursement date). Raises ``InvalidScheduleTerms``."""
        return build_schedule(
            ScheduleTerms(
                principal=Decimal(amount),
                tenor=tenor,
                method=self.method,
                monthly_rate=self.monthly_rate,
                start=start,
                multiple_of=Decimal(self.rounding_multiple),
                rounding=self.rounding,
            )
        )

    def cost(
        self, schedule: Schedule, caps: Sequence[CostCap], *, days: int | None = None
    ) -> CostCheck:
        """Check ``schedule`` (made from these terms) against its cap; the admin fee is the
        fee. ``days`` defaults to the schedule's own. Raises ``CostCapExceeded``."""
        return check_schedule_cost(
            schedule,
            kind=self.kind,
            fees=self.admin_fee,
            caps=caps,
            late_fee_per_day=self.late_fee_per_day,
            days=days,
        )


@dataclass(frozen=True, slots=True)
class ProductTerms:
    """A loan product as staff define it; valid by construction (``InvalidLoanProduct``).

    Text is cleaned (spaces collapsed); ``code`` is upper-cased. The cost caps are checked
    separately (``check_product_cost``), because they are data in the database.
    """

    code: str
    name_id: str
    name_en: str
    terms: LoanTerms
    min_amount: int
    max_amount: int
    min_tenor: int
    max_tenor: int
    collateral_required: bool
    active: bool = True

    def __post_init__(self) -> None:
        code = "".join(str(self.code).split()).upper()
        if not _PRODUCT_CODE.match(code):
            raise InvalidLoanProduct(code="error.loan_product.code")
        object.__setattr__(self, "code", code)
        for field in ("name_id", "name_en"):
            name = getattr(self, field)
            try:
                text = clean_text(name, code="error.loan_product.name", minimum=3, maximum=100)
            except ValidationError as error:
                raise InvalidLoanProduct(code=error.code, field=field, **error.params) from None
            object.__setattr__(self, field, text)
        low, high = _amount(self.min_amount, "min_amount"), _amount(self.max_amount, "max_amount")
        if not 1 <= low <= high <= MAX_AMOUNT:
            raise InvalidLoanProduct(code="error.loan_product.amount_range", maximum=MAX_AMOUNT)
        shortest, longest = self.min_tenor, self.max_tenor
        if (
            isinstance(shortest, bool)
            or isinstance(longest, bool)
            or not isinstance(shortest, int)
            or not isinstance(longest, int)
            or not 1 <= shortest <= longest <= MAX_PRODUCT_TENOR
        ):
            raise InvalidLoanProduct(
                code="error.loan_product.tenor_range", months=MAX_PRODUCT_TENOR
            )
        if self.terms.admin_fee >= low:
            raise InvalidLoanProduct(code="error.loan_product.admin_fee", minimum=low)
        if not isinstance(self.collateral_required, bool) or not isinstance(self.active, bool):
            raise TypeError("collateral_required and active are bools")


def check_product_cost(product: ProductTerms, caps: Sequence[CostCap]) -> None:
    """Refuse a product any loan of which could cost more than its cap (module docstring).

    Each tenor of the range is checked at the smallest and the largest amount over
    ``shortest_tenor_days(tenor)``. Raises ``CostCapExceeded`` (its figures name the
    amount as ``principal`` and the ``tenor``) or ``InvalidScheduleTerms`` (a rounding
    multiple too coarse for some amount and tenor).
    """
    start = dt.date(2001, 1, 1)  # amounts do not depend on the start; days are passed
    for tenor in range(product.min_tenor, product.max_tenor + 1):
        days = shortest_tenor_days(tenor)
        for amount in dict.fromkeys((product.min_amount, product.max_amount)):
            schedule = product.terms.schedule(amount=amount, tenor=tenor, start=start)
            product.terms.cost(schedule, caps, days=days)
