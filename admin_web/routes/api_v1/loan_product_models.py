"""What the loan data master's JSON API reads and answers.

Money is whole rupiah (integers); rates and caps are percentages as decimal strings
(``"1.5"`` = 1.5 %, always with a point): a product's rate per ``rate_period``, a cap per
day. Ranges and combinations are checked by the services, whose refusals name the field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field, StrictBool, StringConstraints

from admin_web.loan_product_forms import MAX_CAP_ROWS
from admin_web.routes.api_v1.models import Out, UtcDateTime
from admin_web.schemas import NO_CONTROL_CHARACTERS, Code, Input, Name, Printable
from admin_web.wallet_schemas import Rupiah
from backend.domain.cost_caps import MAX_SOURCE_LENGTH, CostCap
from backend.domain.loan_application import LoanRules
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import MAX_PRODUCT_TENOR, RatePeriod
from backend.domain.money import MAX_AMOUNT
from backend.domain.schedule import MAX_TENOR, InterestMethod
from backend.services.loan_dto import CostCapsView, LoanSettingsView

Percent = Annotated[
    Decimal,
    Field(ge=0, max_digits=16, allow_inf_nan=False, description='Percent, e.g. "1.5"'),
]
Fee = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="Whole rupiah; 0: none")]
Months = Annotated[int, Field(ge=1, le=MAX_PRODUCT_TENOR)]
BandMonth = Annotated[int, Field(ge=1, le=MAX_TENOR + 1)]
Source = Annotated[
    str,
    StringConstraints(max_length=MAX_SOURCE_LENGTH, pattern=NO_CONTROL_CHARACTERS),
    Printable,
]
ZeroIsNone = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="Whole rupiah; 0: none")]


class ProductIn(Input):
    """A loan product's terms. The admin fee is deducted from the disbursement and must be
    below ``min_amount``; every loan the product can make must fit its cost cap."""

    code: Code
    name_id: Name
    name_en: Name
    kind: LoanKind
    method: InterestMethod
    rate_percent: Percent
    rate_period: RatePeriod
    min_amount: Rupiah
    max_amount: Rupiah
    min_tenor: Months
    max_tenor: Months
    admin_fee: Fee
    late_fee_per_day: Fee
    rounding_multiple: Annotated[int, Field(ge=1, le=MAX_AMOUNT)]
    collateral_required: StrictBool


class ProductOut(Out):
    id: int
    code: str
    name_id: str
    name_en: str
    kind: LoanKind
    method: InterestMethod
    rate_percent: Decimal
    rate_period: RatePeriod
    min_amount: int
    max_amount: int
    min_tenor: int
    max_tenor: int
    admin_fee: int
    late_fee_per_day: int
    rounding_multiple: int
    collateral_required: bool
    active: bool
    updated_at: UtcDateTime
    updated_by: str


class CostCapIn(Input):
    """The most ``kind`` loans with a tenor in [``min_months``, ``max_months``) may cost a
    day, in percent of the principal (interest + fees); ``max_months`` null: no end."""

    kind: LoanKind
    min_months: BandMonth
    max_months: BandMonth | None = None
    cap_percent: Annotated[Percent, Field(le=100)]
    source: Source = ""

    def as_cap(self) -> CostCap:
        return CostCap(
            kind=self.kind,
            min_months=self.min_months,
            max_months=self.max_months,
            daily_cap=self.cap_percent.scaleb(-2),
            source=self.source,
        )


class CostCapsIn(Input):
    """The whole table: each kind's bands must cover every tenor exactly once."""

    caps: Annotated[list[CostCapIn], Field(max_length=MAX_CAP_ROWS)]


class CostCapOut(BaseModel):
    kind: LoanKind
    min_months: int
    max_months: int | None
    cap_percent: Decimal
    source: str

    @classmethod
    def of(cls, cap: CostCap) -> CostCapOut:
        return cls(
            kind=cap.kind,
            min_months=cap.min_months,
            max_months=cap.max_months,
            cap_percent=cap.cap_percent,
            source=cap.source,
        )


class CostCapsOut(BaseModel):
    caps: list[CostCapOut]
    updated_at: UtcDateTime | None
    updated_by: str

    @classmethod
    def of(cls, view: CostCapsView) -> CostCapsOut:
        return cls(
            caps=[CostCapOut.of(cap) for cap in view.caps],
            updated_at=view.updated_at,
            updated_by=view.updated_by,
        )


class LoanRulesIn(Input):
    """Borrower limits (0: none) and the amount above which two officers approve."""

    max_open_applications: Annotated[int, Field(ge=0, le=100, description="0: no limit")]
    max_exposure: ZeroIsNone
    second_approval_threshold: ZeroIsNone

    def as_rules(self) -> LoanRules:
        return LoanRules(**self.model_dump())


class LoanRulesOut(Out):
    max_open_applications: int
    max_exposure: int
    second_approval_threshold: int


class LoanSettingsOut(BaseModel):
    rules: LoanRulesOut
    updated_at: UtcDateTime | None
    updated_by: str

    @classmethod
    def of(cls, view: LoanSettingsView) -> LoanSettingsOut:
        return cls(
            rules=LoanRulesOut.model_validate(view.rules),
            updated_at=view.updated_at,
            updated_by=view.updated_by,
        )
