"""What staff send about the wallet: filters, decisions and settings, for pages and API.

Pages read amounts as people type them (``1.500.123``, ``Rp 1.500.123``) and parse them
with ``parse_rupiah`` in the route, so a typo gets the parser's precise hint; the JSON API
takes whole rupiah as integers. Every decision carries a ``nonce``: the page puts a fresh
one in each form it renders, API clients choose their own; the same nonce sent again
returns the first result instead of acting twice.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from admin_web.schemas import (
    NO_CONTROL_CHARACTERS,
    BoundedDate,
    Id,
    Input,
    Name,
    PageNumber,
    Printable,
    Reason,
)
from backend.domain.errors import InvalidAmount
from backend.domain.money import MAX_AMOUNT, parse_rupiah
from backend.domain.wallet import BANK_REFERENCE_MAX_LENGTH, DepositStatus, WithdrawalStatus
from backend.services.wallet_admin import NONCE_MAX_LENGTH
from backend.services.wallet_settings import MAX_QUICK_PICKS


def _amount_filter(value: object) -> object:
    """A filter amount as typed on the page (``1.500.000``); integers pass unchanged."""
    if isinstance(value, str) and value.strip() and not value.strip().isdigit():
        try:
            return parse_rupiah(value)
        except InvalidAmount as error:
            raise ValueError(error.code) from None
    return value


Nonce = Annotated[
    str,
    StringConstraints(min_length=1, max_length=NONCE_MAX_LENGTH, pattern=NO_CONTROL_CHARACTERS),
    Printable,
    Field(description="Idempotency key of this decision: repeating it returns the first result"),
]
BankReference = Annotated[
    str,
    StringConstraints(max_length=BANK_REFERENCE_MAX_LENGTH * 2, pattern=NO_CONTROL_CHARACTERS),
    Printable,
    Field(description="The bank's transfer reference; unique per request"),
]
AmountText = Annotated[
    str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS), Printable
]
Rupiah = Annotated[int, Field(ge=1, le=MAX_AMOUNT)]
RupiahOrNone = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="0: no limit")]
FilterAmount = Annotated[int, Field(ge=0, le=MAX_AMOUNT), BeforeValidator(_amount_filter)]
AccountNumber = Annotated[
    str, StringConstraints(max_length=40, pattern=NO_CONTROL_CHARACTERS), Printable
]


class _RequestQuery(Input):
    """Filters shared by both lists: text (reference or member name), branch, dates (UTC
    days of the request), amount range."""

    q: Name | None = None
    branch_id: Id | None = None
    date_from: BoundedDate | None = None
    date_to: BoundedDate | None = None
    amount_min: FilterAmount | None = None
    amount_max: FilterAmount | None = None
    page: PageNumber = 1

    def search_args(self) -> dict[str, Any]:
        """Keyword arguments for ``search_deposits`` / ``search_withdrawals`` (``all`` and
        no status both mean "any status")."""
        status = getattr(self, "status", None)
        return {
            "status": None if status == "all" else status,
            "branch_id": self.branch_id,
            "date_from": self.date_from,
            "date_to": self.date_to,
            "amount_min": self.amount_min,
            "amount_max": self.amount_max,
            "query": self.q,
            "page": self.page - 1,
        }


class DepositQuery(_RequestQuery):
    status: DepositStatus | None = None


class WithdrawalQuery(_RequestQuery):
    status: WithdrawalStatus | None = None


class DepositPageQuery(_RequestQuery):
    """The page opens on the work waiting (pending); ``all`` lifts the status filter."""

    status: DepositStatus | Literal["all"] = DepositStatus.PENDING


class WithdrawalPageQuery(_RequestQuery):
    status: WithdrawalStatus | Literal["all"] = WithdrawalStatus.PENDING


class DepositConfirmForm(Input):
    """The confirmation form: the amount as typed (``1.500.123``), parsed by the route."""

    received_amount: AmountText = ""
    bank_reference: BankReference = ""
    nonce: Nonce


class DepositConfirmIn(Input):
    """Confirm a cash-in: the amount that arrived (whole rupiah) and the bank reference."""

    received_amount: Rupiah
    bank_reference: BankReference
    nonce: Nonce


class DecisionReasonIn(Input):
    """Reject with a reason the member reads in Telegram."""

    reason: Reason = ""
    nonce: Nonce


class NonceIn(Input):
    nonce: Nonce


class BankReferenceIn(Input):
    """Mark a cash-out as transferred, with the bank's reference of the transfer."""

    bank_reference: BankReference = ""
    nonce: Nonce


class WalletSettingsForm(Input):
    """The settings form: amounts as typed; up to six quick-pick boxes (blanks ignored)."""

    deposit_minimum: AmountText = ""
    deposit_step: AmountText = ""
    deposit_deadline_hours: Annotated[int, Field(ge=0, le=100_000)] = 0
    withdrawal_minimum: AmountText = ""
    withdrawal_step: AmountText = ""
    withdrawal_daily_limit: AmountText = ""
    checker_threshold: AmountText = ""
    quick_picks: Annotated[
        list[AmountText], Field(default_factory=list, max_length=MAX_QUICK_PICKS * 2)
    ]


class WalletRulesIn(Input):
    """The wallet rules (rupiah); ``withdrawal_daily_limit``/``checker_threshold`` 0: none."""

    deposit_minimum: Rupiah
    deposit_step: Rupiah
    deposit_deadline_hours: Annotated[int, Field(ge=1, le=24 * 14)]
    withdrawal_minimum: Rupiah
    withdrawal_step: Rupiah
    withdrawal_daily_limit: RupiahOrNone
    checker_threshold: RupiahOrNone
    quick_picks: Annotated[list[Rupiah], Field(max_length=MAX_QUICK_PICKS)]


class ReceivingAccountIn(Input):
    """A bank account of the cooperative that a branch's members transfer deposits to."""

    branch_id: Id
    bank_name: Name
    account_number: AccountNumber
    account_holder: Name
