"""The rules of the double-entry ledger, free of storage (DESIGN §4).

Money is a whole number of rupiah in an ``int``. A journal entry is built as a
``JournalEntryDraft``; constructing one validates it, so a draft that exists is valid:

* every amount is an ``int`` (``bool``, ``float`` and ``Decimal`` are refused), non-zero and
  at most ``MAX_AMOUNT`` in size (positive = debit-side increase of the account's balance,
  negative = decrease; the sign convention is "balance delta");
* at least two postings, and their sum is zero;
* at most one posting per account per entry. Duplicates are **refused**, not merged: a
  merged posting hides what the caller meant and a merge can cancel out to zero, so the
  caller must state the net movement per account itself;
* the idempotency key is non-empty, at most 200 characters, without surrounding spaces.

Account kinds say whether a balance may go negative: a member's wallet never may; the
cooperative's own accounts (bank clearing, rounding, fee income) may.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from backend.domain.errors import ConflictError, NotFoundError, ValidationError
from backend.domain.money import MAX_AMOUNT

MAX_KEY_LENGTH = 200
MAX_KIND_LENGTH = 40
MAX_MEMO_LENGTH = 500


class AccountKind(StrEnum):
    """What an account is for; decides whether its balance may go negative."""

    MEMBER_WALLET = "member_wallet"
    BANK_CLEARING = "bank_clearing"
    ROUNDING = "rounding"
    FEE_INCOME = "fee_income"


ACCOUNT_KINDS: tuple[str, ...] = tuple(kind.value for kind in AccountKind)
_NEGATIVE_ALLOWED = frozenset(
    {AccountKind.BANK_CLEARING, AccountKind.ROUNDING, AccountKind.FEE_INCOME}
)

HOLD_STATUSES = ("pending", "posted", "voided")


def allows_negative(kind: AccountKind) -> bool:
    """True when an account of ``kind`` may have a negative balance."""
    return kind in _NEGATIVE_ALLOWED


# ---------------------------------------------------------------------------- errors


class LedgerValidationError(ValidationError):
    """A draft or a ledger request breaks a rule; nothing was written."""

    default_code = "error.ledger.invalid"


class InsufficientFunds(ConflictError):
    """A debit would take a non-negative account below zero available.

    ``params``: ``account_id``, ``available`` (balance − held, rupiah), ``requested``.
    """

    default_code = "error.ledger.insufficient_funds"


class IdempotencyConflict(ConflictError):
    """The idempotency key was already used for a different effect. ``params``: ``key``."""

    default_code = "error.ledger.idempotency_conflict"


class HoldNotPending(ConflictError):
    """The hold was already resolved another way. ``params``: ``hold_id``, ``status``."""

    default_code = "error.ledger.hold_not_pending"


class AlreadyReversed(ConflictError):
    """The entry was already reversed (by another key). ``params``: ``entry_id``."""

    default_code = "error.ledger.already_reversed"


class AccountCodeTaken(ConflictError):
    """An account with this code exists with another kind or owner. ``params``: ``account_code``."""

    default_code = "error.ledger.account_code_taken"


class LedgerNotFound(NotFoundError):
    """A referenced account, entry or hold does not exist. ``params``: what was looked up."""

    default_code = "error.ledger.not_found"


# ---------------------------------------------------------------------------- values


def validate_amount(amount: object, *, positive: bool = False) -> int:
    """Return ``amount`` if it is an int rupiah amount, non-zero, within ``MAX_AMOUNT``.

    Raises ``LedgerValidationError`` (``error.ledger.amount_not_integer``,
    ``error.ledger.zero_amount``, ``error.ledger.amount_not_positive``,
    ``error.ledger.amount_too_large``).
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise LedgerValidationError(code="error.ledger.amount_not_integer")
    if amount == 0:
        raise LedgerValidationError(code="error.ledger.zero_amount")
    if positive and amount < 0:
        raise LedgerValidationError(code="error.ledger.amount_not_positive")
    if abs(amount) > MAX_AMOUNT:
        raise LedgerValidationError(code="error.ledger.amount_too_large", maximum=MAX_AMOUNT)
    return amount


def validate_key(key: object) -> str:
    """Return ``key`` if it is a usable idempotency key; else ``error.ledger.invalid_key``."""
    if not isinstance(key, str) or not key or len(key) > MAX_KEY_LENGTH or key != key.strip():
        raise LedgerValidationError(code="error.ledger.invalid_key", maximum=MAX_KEY_LENGTH)
    return key


def _validate_account_id(account_id: object) -> int:
    if isinstance(account_id, bool) or not isinstance(account_id, int) or account_id <= 0:
        raise LedgerValidationError(code="error.ledger.invalid_account")
    return account_id


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of an entry: ``amount`` rupiah added to the balance of ``account_id``."""

    account_id: int
    amount: int

    def __post_init__(self) -> None:
        _validate_account_id(self.account_id)
        validate_amount(self.amount)


@dataclass(frozen=True, slots=True)
class JournalEntryDraft:
    """A balanced journal entry waiting to be posted; valid by construction.

    ``postings`` is kept sorted by account id, so two drafts with the same effect compare
    equal however their postings were listed.

    Raises ``LedgerValidationError`` with ``error.ledger.invalid_key``,
    ``error.ledger.invalid_kind``, ``error.ledger.memo_too_long``,
    ``error.ledger.too_few_postings``, ``error.ledger.duplicate_account``,
    ``error.ledger.unbalanced`` (``params``: ``imbalance``) or the posting errors of
    ``validate_amount``.
    """

    idempotency_key: str
    kind: str
    postings: tuple[Posting, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        validate_key(self.idempotency_key)
        if (
            not isinstance(self.kind, str)
            or not self.kind
            or len(self.kind) > MAX_KIND_LENGTH
            or not self.kind.replace("_", "").replace(".", "").isalnum()
        ):
            raise LedgerValidationError(code="error.ledger.invalid_kind")
        if not isinstance(self.memo, str) or len(self.memo) > MAX_MEMO_LENGTH:
            raise LedgerValidationError(code="error.ledger.memo_too_long", maximum=MAX_MEMO_LENGTH)
        postings = tuple(self.postings)
        for posting in postings:
            if not isinstance(posting, Posting):
                raise LedgerValidationError(code="error.ledger.invalid_posting")
        if len(postings) < 2:
            raise LedgerValidationError(code="error.ledger.too_few_postings")
        accounts = [p.account_id for p in postings]
        if len(set(accounts)) != len(accounts):
            raise LedgerValidationError(code="error.ledger.duplicate_account")
        imbalance = sum(p.amount for p in postings)
        if imbalance != 0:
            raise LedgerValidationError(code="error.ledger.unbalanced", imbalance=imbalance)
        object.__setattr__(self, "postings", tuple(sorted(postings, key=lambda p: p.account_id)))

    def same_effect(self, kind: str, postings: Iterable[Posting]) -> bool:
        """True when an entry with ``kind`` and ``postings`` has this draft's effect."""
        return self.kind == kind and self.postings == tuple(
            sorted(postings, key=lambda p: p.account_id)
        )

    def negated(self, *, idempotency_key: str, memo: str = "") -> JournalEntryDraft:
        """The reversing draft: every posting with its sign flipped, kind ``reversal``."""
        return JournalEntryDraft(
            idempotency_key=idempotency_key,
            kind="reversal",
            postings=tuple(Posting(p.account_id, -p.amount) for p in self.postings),
            memo=memo,
        )


def transfer_draft(
    *,
    from_account_id: int,
    to_account_id: int,
    amount: int,
    idempotency_key: str,
    kind: str = "transfer",
    memo: str = "",
) -> JournalEntryDraft:
    """A two-posting draft moving ``amount`` (> 0) from one account to another."""
    validate_amount(amount, positive=True)
    return JournalEntryDraft(
        idempotency_key=idempotency_key,
        kind=kind,
        postings=(Posting(from_account_id, -amount), Posting(to_account_id, amount)),
        memo=memo,
    )
