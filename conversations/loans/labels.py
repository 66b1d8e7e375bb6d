"""A loan's status, kind, interest method and rate in the borrower's words (bot catalogs)."""

from __future__ import annotations

from decimal import Decimal

from aiogram.utils.i18n import gettext as _

from backend import formatting
from backend.domain.loan_lifecycle import LoanStatus
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import RatePeriod
from backend.domain.schedule import InterestMethod
from conversations.ui.text import current_locale

STATUS_KEYS = {
    LoanStatus.SUBMITTED: "loans.status.submitted",
    LoanStatus.UNDER_REVIEW: "loans.status.under_review",
    LoanStatus.OPEN_FOR_FUNDING: "loans.status.open_for_funding",
    LoanStatus.FUNDED: "loans.status.funded",
    LoanStatus.DISBURSED: "loans.status.disbursed",
    LoanStatus.CLOSED: "loans.status.closed",
    LoanStatus.REJECTED: "loans.status.rejected",
    LoanStatus.WITHDRAWN: "loans.status.withdrawn",
    LoanStatus.FUNDING_EXPIRED: "loans.status.funding_expired",
    LoanStatus.WRITTEN_OFF: "loans.status.written_off",
}
KIND_KEYS = {
    LoanKind.PRODUCTIVE: "loans.kind.productive",
    LoanKind.CONSUMER: "loans.kind.consumer",
}
METHOD_KEYS = {
    InterestMethod.FLAT: "loans.method.flat",
    InterestMethod.ANNUITY: "loans.method.annuity",
    InterestMethod.EQUAL_PRINCIPAL: "loans.method.equal_principal",
}
RATE_KEYS = {
    RatePeriod.MONTH: "loans.rate.per_month",
    RatePeriod.YEAR: "loans.rate.per_year",
}


def status_label(status: LoanStatus) -> str:
    return _(STATUS_KEYS[status])


def kind_label(kind: LoanKind) -> str:
    return _(KIND_KEYS[kind])


def method_label(method: InterestMethod) -> str:
    return _(METHOD_KEYS[method])


def percent(value: Decimal) -> str:
    """``0,0761`` in Indonesian, ``0.0761`` in English."""
    return formatting.format_number(value, current_locale())


def rate_label(rate: Decimal, period: RatePeriod) -> str:
    """The rate as the cooperative states it: ``1,5 % per bulan``."""
    return _(RATE_KEYS[period]).format(rate=percent(rate))
