"""The rules of the wallet: cash-in (deposit) and cash-out (withdrawal), free of storage.

Money is whole rupiah in an ``int`` (DESIGN §4). Staff set the limits (``WalletRules``);
the functions here say whether an amount a member asked for is acceptable and, if not,
raise a ``WalletAmountError`` whose code is the hint the member reads.

Life of a deposit (the money moves only when staff confirm)::

    pending ──confirm──▶ confirmed            (ledger: bank clearing → member wallet)
       │  ╲──reject───▶ rejected
       │   ╲─cancel───▶ cancelled             (by the member)
       └─deadline─────▶ expired ──confirm──▶ confirmed   (a late transfer is still theirs)
                           ╲────reject───▶ rejected

Life of a withdrawal (two-phase: the amount is held at once)::

    pending ──mark paid────────────────▶ paid       (hold posted: wallet → bank clearing)
       │  ╲──approve (above threshold)─▶ approved ──mark paid (another staff user)─▶ paid
       │   ╲─reject / cancel───────────▶ rejected / cancelled   (hold voided)
       └─────────────────────────────────────────── approved ──reject──▶ rejected

Maker-checker: above ``WalletRules.checker_threshold`` a withdrawal is approved by one
staff user and marked paid by another; the two are never the same person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from backend.domain.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from backend.domain.money import MAX_AMOUNT

UNIQUE_CODE_MAX = 999
"""Deposits add 1..999 rupiah so the treasurer can match the transfer to its request."""

BANK_REFERENCE_MAX_LENGTH = 64
HISTORY_PAGE_SIZE = 5


class DepositStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


class WithdrawalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    PAID = "paid"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


DEPOSIT_CONFIRMABLE = frozenset({DepositStatus.PENDING, DepositStatus.EXPIRED})
DEPOSIT_OPEN = frozenset({DepositStatus.PENDING})
WITHDRAWAL_OPEN = frozenset({WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED})


# ---------------------------------------------------------------------------- errors


class WalletAmountError(ValidationError):
    """An amount breaks a wallet rule; ``params`` carry the numbers for the hint."""

    default_code = "error.wallet.amount"
    money_params = frozenset(
        {"minimum", "step", "lower", "upper", "available", "limit", "remaining", "max"}
    )


class WalletUnavailable(NotAllowedError):
    """The member may not use the wallet (not verified, no financier role, no bank account)."""

    default_code = "error.wallet.unavailable"


class RequestNotFound(NotFoundError):
    """No such deposit/withdrawal request (or not the member's, or outside the branch)."""

    default_code = "error.wallet.request_not_found"


class RequestAlreadyDecided(ConflictError):
    """The request is no longer open for this action. ``params``: ``reference``, ``status``."""

    default_code = "error.wallet.already_decided"


class SameStaffNotAllowed(NotAllowedError):
    """Maker-checker: the staff user who approved may not also pay (and vice versa)."""

    default_code = "error.wallet.same_staff"


class DuplicateBankReference(ConflictError):
    """This bank reference was already used for another request. ``params``: ``bank_reference``."""

    default_code = "error.wallet.duplicate_bank_reference"


class InvalidWalletSettings(ValidationError):
    """Staff entered settings that do not fit together."""

    default_code = "error.wallet.settings"


# ---------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class WalletRules:
    """The limits staff set in the data master (rupiah unless said otherwise).

    ``withdrawal_daily_limit`` and ``checker_threshold`` of 0 mean "none". ``quick_picks``
    are the amounts offered as buttons for a deposit.
    """

    deposit_minimum: int = 100_000
    deposit_step: int = 50_000
    deposit_deadline_hours: int = 24
    withdrawal_minimum: int = 50_000
    withdrawal_step: int = 10_000
    withdrawal_daily_limit: int = 0
    checker_threshold: int = 10_000_000
    quick_picks: tuple[int, ...] = (500_000, 1_000_000, 2_500_000, 5_000_000)

    def __post_init__(self) -> None:
        for name in ("deposit_minimum", "deposit_step", "withdrawal_minimum", "withdrawal_step"):
            value = getattr(self, name)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 1 <= value <= MAX_AMOUNT
            ):
                raise InvalidWalletSettings(code="error.wallet.settings.positive", field=name)
        for name in ("withdrawal_daily_limit", "checker_threshold"):
            value = getattr(self, name)
            if (
                not isinstance(value, int)
                or isinstance(value, bool)
                or not 0 <= value <= MAX_AMOUNT
            ):
                raise InvalidWalletSettings(code="error.wallet.settings.not_negative", field=name)
        if not 1 <= self.deposit_deadline_hours <= 24 * 14:
            raise InvalidWalletSettings(code="error.wallet.settings.deadline", max=24 * 14)
        if self.deposit_minimum % self.deposit_step:
            raise InvalidWalletSettings(code="error.wallet.settings.minimum_step", kind="deposit")
        if self.withdrawal_minimum % self.withdrawal_step:
            raise InvalidWalletSettings(
                code="error.wallet.settings.minimum_step", kind="withdrawal"
            )
        if 0 < self.withdrawal_daily_limit < self.withdrawal_minimum:
            raise InvalidWalletSettings(code="error.wallet.settings.daily_limit")

    def deposit_quick_picks(self) -> tuple[int, ...]:
        """The quick-pick amounts that are themselves acceptable deposits."""
        return tuple(
            a for a in self.quick_picks if _fits(a, self.deposit_minimum, self.deposit_step)
        )

    def needs_checker(self, amount: int) -> bool:
        """True when a withdrawal of ``amount`` needs a second staff user's approval."""
        return self.checker_threshold > 0 and amount > self.checker_threshold


def _fits(amount: int, minimum: int, step: int) -> bool:
    return minimum <= amount <= MAX_AMOUNT and amount % step == 0


def check_deposit_amount(amount: int, rules: WalletRules) -> int:
    """Return ``amount`` if it is an acceptable deposit, else raise ``WalletAmountError``.

    Codes: ``error.wallet.below_minimum`` (``minimum``), ``error.wallet.not_multiple``
    (``step``, ``lower``, ``upper``: the nearest acceptable amounts).
    """
    return _check_steps(amount, rules.deposit_minimum, rules.deposit_step)


def check_withdrawal_amount(
    amount: int, rules: WalletRules, *, available: int, withdrawn_today: int
) -> int:
    """Return ``amount`` if the member may withdraw it now, else raise ``WalletAmountError``.

    Besides minimum and step: ``error.wallet.above_available`` (``available``) and
    ``error.wallet.above_daily_limit`` (``limit``, ``remaining``). ``withdrawn_today`` is
    the sum of today's withdrawals that are not rejected or cancelled.
    """
    if amount > available:
        raise WalletAmountError(code="error.wallet.above_available", available=available)
    _check_steps(amount, rules.withdrawal_minimum, rules.withdrawal_step)
    limit = rules.withdrawal_daily_limit
    if limit and withdrawn_today + amount > limit:
        raise WalletAmountError(
            code="error.wallet.above_daily_limit",
            limit=limit,
            remaining=max(0, limit - withdrawn_today),
        )
    return amount


def _check_steps(amount: int, minimum: int, step: int) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise WalletAmountError(code="error.wallet.not_positive")
    if amount > MAX_AMOUNT:
        raise WalletAmountError(code="error.amount.too_large", max=MAX_AMOUNT)
    if amount < minimum:
        raise WalletAmountError(code="error.wallet.below_minimum", minimum=minimum)
    if amount % step:
        lower = amount - amount % step
        raise WalletAmountError(
            code="error.wallet.not_multiple", step=step, lower=lower, upper=lower + step
        )
    return amount


def deposit_deadline(created_at: dt.datetime, rules: WalletRules) -> dt.datetime:
    """When a deposit request expires if no transfer was confirmed."""
    return created_at + dt.timedelta(hours=rules.deposit_deadline_hours)


def normalise_bank_reference(raw: str) -> str:
    """A bank reference as stored: trimmed, inner spaces removed, upper case.

    Raises ``ValidationError`` (``error.wallet.bank_reference``) when empty, too long or
    not made of letters, digits, ``-``, ``/`` and ``.``.
    """
    cleaned = "".join(raw.split()).upper()
    if (
        not cleaned
        or len(cleaned) > BANK_REFERENCE_MAX_LENGTH
        or not all(c.isascii() and (c.isalnum() or c in "-/.") for c in cleaned)
    ):
        raise ValidationError(code="error.wallet.bank_reference", max=BANK_REFERENCE_MAX_LENGTH)
    return cleaned


def check_received_amount(received: int) -> int:
    """The amount a treasurer says arrived: a positive whole rupiah within ``MAX_AMOUNT``."""
    if isinstance(received, bool) or not isinstance(received, int) or received <= 0:
        raise WalletAmountError(code="error.wallet.not_positive")
    if received > MAX_AMOUNT:
        raise WalletAmountError(code="error.amount.too_large", max=MAX_AMOUNT)
    return received
