"""What staff type in the loan data master (products, cost caps, borrower limits).

Pages read every number as people type it and parse it here, so a typo gets a message
naming the field: rupiah with ``parse_amount`` (``1.500.000``, ``1,5 juta``), months as
whole numbers, and rates and caps as decimals **with the reader's decimal sign**: the one
``formatting.format_number`` writes them back with, which is the comma in both languages
(English is Babel's ``en_ID``, like the rupiah: docs/DECISIONS.md, "Money formatting").
The other sign is refused rather than guessed, because ``1.500`` could be a thousand and
a half or one and a half. The JSON API takes the typed models in
``routes.api_v1.loan_product_models`` instead (decimal strings with a point).

Errors name fields and loan kinds by their codes (``min_amount``, ``consumer``);
``readable`` puts the translated labels of ``admin_web.labels`` in their place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, model_validator
from starlette.requests import Request

from admin_web import labels
from admin_web.i18n import Translator, translator
from admin_web.schemas import NO_CONTROL_CHARACTERS, Code, Input, Label, Name, Printable
from admin_web.wallet_common import parse_amount, rupiah_digits
from admin_web.wallet_schemas import AmountText
from backend import formatting
from backend.domain.cost_caps import MAX_SOURCE_LENGTH, CostCap
from backend.domain.errors import KopdanaError, ValidationError
from backend.domain.loan_application import LoanRules
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import ProductTerms
from backend.services.loan_dto import ProductView
from backend.services.loan_products import build_product

MAX_CAP_ROWS = 40
BLANK_CAP_ROWS = 2
"""Empty rows under the caps table, for adding bands."""
_WHOLE = re.compile(r"\d{1,6}", re.ASCII)
EXAMPLE_RATE = Decimal("1.5")
"""The example rate hints and refusals show, in the reader's notation."""

SourceText = Annotated[
    str,
    StringConstraints(max_length=MAX_SOURCE_LENGTH * 2, pattern=NO_CONTROL_CHARACTERS),
    Printable,
]


# ---------------------------------------------------------------------------- numbers


def decimal_sign(language: str) -> str:
    """The decimal sign ``format_number`` writes for ``language`` (``,`` for id and en_ID)."""
    return formatting.format_number(EXAMPLE_RATE, language)[1]


def parse_decimal(raw: str, *, field: str, language: str) -> Decimal:
    """A rate or a cap in percent as typed with the reader's decimal sign (``1,5``; a
    trailing ``%`` is allowed), exact. Anything else is refused naming ``field``
    (``error.loan_form.decimal``, with the locale's example); ranges are the domain's."""
    text = raw.strip().removesuffix("%").rstrip()
    sign = re.escape(decimal_sign(language))
    if not re.fullmatch(rf"\d{{1,9}}(?:{sign}\d{{1,9}})?", text, re.ASCII):
        raise ValidationError(code="error.loan_form.decimal", field=field, example=EXAMPLE_RATE)
    return Decimal(text.replace(decimal_sign(language), "."))


def decimal_text(value: Decimal, language: str) -> str:
    """A rate as the form shows it, for ``parse_decimal`` to read back."""
    return formatting.format_number(value, language)


def parse_whole(raw: str, *, field: str) -> int:
    """A count typed in ``field`` (months, applications): digits only
    (``error.loan_form.whole_number``); ranges are the domain's."""
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        raise ValidationError(code="error.loan_form.whole_number", field=field)
    return int(text)


# ---------------------------------------------------------------------------- products


class ProductForm(Input):
    """The product form, every number as typed; choices as their codes."""

    code: Code = ""
    name_id: Name = ""
    name_en: Name = ""
    kind: Label = ""
    method: Label = ""
    rate_percent: AmountText = ""
    rate_period: Label = ""
    min_amount: AmountText = ""
    max_amount: AmountText = ""
    min_tenor: AmountText = ""
    max_tenor: AmountText = ""
    admin_fee: AmountText = ""
    late_fee_per_day: AmountText = ""
    rounding_multiple: AmountText = ""
    collateral_required: bool = False  # an unticked box sends nothing


def product_from_form(form: ProductForm, *, language: str, active: bool) -> ProductTerms:
    """The product typed in the form; raises the error of the first wrong field
    (numbers first, then the domain's checks: code, names, ranges, fees, rate)."""
    return build_product(
        code=form.code,
        name_id=form.name_id,
        name_en=form.name_en,
        kind=form.kind,
        method=form.method,
        rate_percent=parse_decimal(form.rate_percent, field="rate_percent", language=language),
        rate_period=form.rate_period,
        min_amount=parse_amount(form.min_amount, field="min_amount"),
        max_amount=parse_amount(form.max_amount, field="max_amount"),
        min_tenor=parse_whole(form.min_tenor, field="min_tenor"),
        max_tenor=parse_whole(form.max_tenor, field="max_tenor"),
        admin_fee=parse_amount(form.admin_fee, field="admin_fee", zero_allowed=True),
        late_fee_per_day=parse_amount(
            form.late_fee_per_day, field="late_fee_per_day", zero_allowed=True
        ),
        rounding_multiple=parse_amount(form.rounding_multiple, field="rounding_multiple"),
        collateral_required=form.collateral_required,
        active=active,
    )


def form_of_product(product: ProductView, language: str) -> ProductForm:
    """A saved product as its form shows it."""
    return ProductForm(
        code=product.code,
        name_id=product.name_id,
        name_en=product.name_en,
        kind=product.kind.value,
        method=product.method.value,
        rate_percent=decimal_text(product.rate_percent, language),
        rate_period=product.rate_period.value,
        min_amount=rupiah_digits(product.min_amount),
        max_amount=rupiah_digits(product.max_amount),
        min_tenor=str(product.min_tenor),
        max_tenor=str(product.max_tenor),
        admin_fee=rupiah_digits(product.admin_fee),
        late_fee_per_day=rupiah_digits(product.late_fee_per_day),
        rounding_multiple=rupiah_digits(product.rounding_multiple),
        collateral_required=product.collateral_required,
    )


# ---------------------------------------------------------------------------- cost caps


class CostCapsForm(Input):
    """The caps table: one value per row in each list; a row left blank is dropped."""

    kind: Annotated[list[Label], Field(default_factory=list, max_length=MAX_CAP_ROWS)]
    min_months: Annotated[list[AmountText], Field(default_factory=list, max_length=MAX_CAP_ROWS)]
    max_months: Annotated[list[AmountText], Field(default_factory=list, max_length=MAX_CAP_ROWS)]
    cap_percent: Annotated[list[AmountText], Field(default_factory=list, max_length=MAX_CAP_ROWS)]
    source: Annotated[list[SourceText], Field(default_factory=list, max_length=MAX_CAP_ROWS)]

    @model_validator(mode="after")
    def _rows_line_up(self) -> CostCapsForm:
        lengths = {len(getattr(self, name)) for name in type(self).model_fields}
        if len(lengths) != 1:
            raise ValueError("every row needs each of its cells")
        return self

    def rows(self) -> list[dict[str, str]]:
        return [
            dict(zip(type(self).model_fields, cells, strict=True))
            for cells in zip(
                self.kind,
                self.min_months,
                self.max_months,
                self.cap_percent,
                self.source,
                strict=True,
            )
        ]


def _is_blank(row: dict[str, str]) -> bool:
    return not any(row[name].strip() for name in ("min_months", "max_months", "cap_percent"))


def caps_from_form(form: CostCapsForm, *, language: str) -> list[CostCap]:
    """The caps typed in the table (percent a day → a fraction a day). A refusal of a
    row carries its number (``row``, 1-based) besides its own parameters."""
    caps: list[CostCap] = []
    for number, row in enumerate(form.rows(), start=1):
        if _is_blank(row):
            continue
        try:
            if row["kind"] not in set(LoanKind):
                raise ValidationError(code="error.loan_product.choice", field="kind")
            maximum = row["max_months"].strip()
            caps.append(
                CostCap(
                    kind=LoanKind(row["kind"]),
                    min_months=parse_whole(row["min_months"], field="min_months"),
                    max_months=parse_whole(maximum, field="max_months") if maximum else None,
                    daily_cap=parse_decimal(
                        row["cap_percent"], field="cap_percent", language=language
                    ).scaleb(-2),
                    source=row["source"],
                )
            )
        except ValidationError as error:
            raise with_params(error, row=number) from None
    return caps


def form_of_caps(caps: tuple[CostCap, ...], language: str) -> CostCapsForm:
    """The caps in force as the table shows them, with blank rows to add bands."""
    rows = [
        (
            cap.kind.value,
            str(cap.min_months),
            "" if cap.max_months is None else str(cap.max_months),
            decimal_text(cap.cap_percent, language),
            cap.source,
        )
        for cap in caps
    ] + [("", "", "", "", "")] * BLANK_CAP_ROWS
    kinds, lows, highs, percents, sources = (list(column) for column in zip(*rows, strict=True))
    return CostCapsForm(
        kind=kinds, min_months=lows, max_months=highs, cap_percent=percents, source=sources
    )


# ---------------------------------------------------------------------------- limits


class LoanSettingsForm(Input):
    """Borrower limits and the second-approval threshold, as typed; 0 (or a blank amount):
    none. Every field must be sent, so a truncated post cannot lift a limit."""

    max_open_applications: AmountText
    max_exposure: AmountText
    second_approval_threshold: AmountText


def rules_from_form(form: LoanSettingsForm) -> LoanRules:
    """The limits typed in the form; raises the error of the first wrong field."""
    return LoanRules(
        max_open_applications=parse_whole(
            form.max_open_applications, field="max_open_applications"
        ),
        max_exposure=parse_amount(form.max_exposure, field="max_exposure", zero_allowed=True),
        second_approval_threshold=parse_amount(
            form.second_approval_threshold, field="second_approval_threshold", zero_allowed=True
        ),
    )


def form_of_rules(rules: LoanRules) -> LoanSettingsForm:
    return LoanSettingsForm(
        max_open_applications=str(rules.max_open_applications),
        max_exposure=rupiah_digits(rules.max_exposure),
        second_approval_threshold=rupiah_digits(rules.second_approval_threshold),
    )


# ---------------------------------------------------------------------------- errors


def with_params(error: KopdanaError, **params: Any) -> KopdanaError:
    """A copy of ``error`` (same class and code) with some parameters replaced or added."""
    clone = type(error).__new__(type(error))
    KopdanaError.__init__(clone, code=error.code, **{**error.params, **params})
    return clone


def readable(error: KopdanaError, translate: Translator) -> KopdanaError:
    """``error`` with its ``field`` and ``kind`` parameters as translated labels."""
    params: dict[str, Any] = {}
    field = error.params.get("field")
    if isinstance(field, str) and field in labels.LOAN_FIELDS:
        params["field"] = translate(labels.LOAN_FIELDS[field])
    kind = error.params.get("kind")
    if isinstance(kind, str) and kind in set(LoanKind):
        params["kind"] = translate(labels.LOAN_KINDS[LoanKind(kind)])
    return with_params(error, **params) if params else error


@contextmanager
def readable_errors(request: Request) -> Iterator[None]:
    """Re-raise a service error with ``readable`` parameters (for the JSON API, whose
    handler translates the error once)."""
    try:
        yield
    except KopdanaError as error:
        better = readable(error, translator(request))
        if better is error:
            raise
        raise better from None
