"""A borrower's application and limits: the answers, cleaned, and the staff-set limits.

* **Answers** (``check_application``): amount and tenor within the product's ranges
  (``check_loan_size``); a purpose; a business type for a productive loan; a description
  of the collateral when the product requires it (a Telegram photo's ``file_id`` is
  optional). Each text answer has its own cleaner, so the bot can re-ask at each step.
* **Borrower limits** (``LoanRules``, staff-set): at most ``max_open_applications`` loans
  asked for and not yet paid out, and an *exposure* (the principal of open applications and
  of outstanding loans, plus the new amount) of at most ``max_exposure``; 0 = no limit.
  Above ``second_approval_threshold`` a second officer approves too (maker-checker).
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.domain.errors import ValidationError
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import (
    BorrowerLimitReached,
    InvalidLoanApplication,
    InvalidLoanSettings,
    ProductTerms,
    clean_text,
)
from backend.domain.money import MAX_AMOUNT

__all__ = [
    "Application",
    "LoanRules",
    "check_application",
    "check_borrower_limits",
    "check_loan_size",
    "clean_business_type",
    "clean_collateral",
    "clean_purpose",
]

PURPOSE_LENGTH = (3, 300)
BUSINESS_TYPE_LENGTH = (3, 100)
COLLATERAL_LENGTH = (3, 500)
FILE_ID_MAX_LENGTH = 200


@dataclass(frozen=True, slots=True)
class Application:
    """A borrower's answers, cleaned: what ``check_application`` returns."""

    amount: int
    tenor: int
    purpose: str
    business_type: str | None
    collateral_description: str | None
    collateral_file_id: str | None


def _optional_text(raw: str | None, *, code: str, bounds: tuple[int, int]) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        return clean_text(raw, code=code, minimum=bounds[0], maximum=bounds[1])
    except ValidationError as error:
        raise InvalidLoanApplication(code=error.code, **error.params) from None


def clean_purpose(raw: str) -> str:
    """What the money is for, as stored (``error.loan.purpose``: ``min``, ``max``)."""
    purpose = _optional_text(raw, code="error.loan.purpose", bounds=PURPOSE_LENGTH)
    if purpose is None:
        raise InvalidLoanApplication(
            code="error.loan.purpose", min=PURPOSE_LENGTH[0], max=PURPOSE_LENGTH[1]
        )
    return purpose


def clean_business_type(raw: str | None) -> str | None:
    """The borrower's business (``error.loan.business_type``: ``min``, ``max``); None if
    left empty. Whether it is required depends on the product (``check_application``)."""
    return _optional_text(raw, code="error.loan.business_type", bounds=BUSINESS_TYPE_LENGTH)


def clean_collateral(raw: str | None) -> str | None:
    """The collateral or warranty offered (``error.loan.collateral``: ``min``, ``max``);
    None if left empty."""
    return _optional_text(raw, code="error.loan.collateral", bounds=COLLATERAL_LENGTH)


def check_loan_size(product: ProductTerms, *, amount: int, tenor: int) -> None:
    """Refuse an amount or a tenor outside the product's ranges (``InvalidLoanApplication``:
    ``error.loan.amount_range``, ``error.loan.tenor_range``)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError("amount must be an int of rupiah")
    if not product.min_amount <= amount <= product.max_amount:
        raise InvalidLoanApplication(
            code="error.loan.amount_range", minimum=product.min_amount, maximum=product.max_amount
        )
    if isinstance(tenor, bool) or not isinstance(tenor, int):
        raise TypeError("tenor must be an int of months")
    if not product.min_tenor <= tenor <= product.max_tenor:
        raise InvalidLoanApplication(
            code="error.loan.tenor_range", shortest=product.min_tenor, longest=product.max_tenor
        )


def check_application(
    product: ProductTerms,
    *,
    amount: int,
    tenor: int,
    purpose: str,
    business_type: str | None,
    collateral_description: str | None,
    collateral_file_id: str | None,
) -> Application:
    """The application's answers if they fit ``product``, else ``InvalidLoanApplication``.

    Amount and tenor within the product's ranges; a purpose; a business type for a
    productive loan (ignored for a consumer loan); a collateral description when the
    product requires collateral (a photo's Telegram ``file_id`` is optional).
    """
    check_loan_size(product, amount=amount, tenor=tenor)
    cleaned_purpose = clean_purpose(purpose)
    business = None
    if product.terms.kind is LoanKind.PRODUCTIVE:
        business = clean_business_type(business_type)
        if business is None:
            raise InvalidLoanApplication(code="error.loan.business_type_required")
    collateral = clean_collateral(collateral_description)
    if product.collateral_required and collateral is None:
        raise InvalidLoanApplication(code="error.loan.collateral_required")
    file_id = (collateral_file_id or "").strip() or None
    if file_id is not None and (
        len(file_id) > FILE_ID_MAX_LENGTH or not file_id.isascii() or not file_id.isprintable()
    ):
        raise InvalidLoanApplication(code="error.loan.collateral_file")
    return Application(
        amount=amount,
        tenor=tenor,
        purpose=cleaned_purpose,
        business_type=business,
        collateral_description=collateral,
        collateral_file_id=file_id,
    )


# ---------------------------------------------------------------------------- limits


@dataclass(frozen=True, slots=True)
class LoanRules:
    """The limits staff set in the data master; 0 means "no limit" / "never".

    ``max_open_applications``: loans asked for and not yet paid out (submitted, under
    review, open for funding, funded). ``max_exposure``: rupiah of principal in open
    applications and outstanding loans together, the new one included.
    ``second_approval_threshold``: above this amount two different officers approve.
    """

    max_open_applications: int = 2
    max_exposure: int = 50_000_000
    second_approval_threshold: int = 10_000_000

    def __post_init__(self) -> None:
        for name, maximum in (
            ("max_open_applications", 100),
            ("max_exposure", MAX_AMOUNT),
            ("second_approval_threshold", MAX_AMOUNT),
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
                raise InvalidLoanSettings(code="error.loan_settings.range", field=name, max=maximum)

    def needs_second_approval(self, amount: int) -> bool:
        """True when a loan of ``amount`` needs a second officer's approval."""
        return self.second_approval_threshold > 0 and amount > self.second_approval_threshold


def check_borrower_limits(
    rules: LoanRules, *, open_applications: int, exposure: int, amount: int
) -> None:
    """Refuse a new application of ``amount`` when it would pass a limit.

    ``open_applications`` and ``exposure`` are the borrower's before this one. Raises
    ``BorrowerLimitReached`` (codes in its docstring).
    """
    limit = rules.max_open_applications
    if limit and open_applications >= limit:
        raise BorrowerLimitReached(code="error.loan.too_many_open", limit=limit)
    ceiling = rules.max_exposure
    if ceiling and exposure + amount > ceiling:
        raise BorrowerLimitReached(
            code="error.loan.above_exposure_limit",
            maximum=ceiling,
            current=exposure,
            remaining=max(0, ceiling - exposure),
        )
