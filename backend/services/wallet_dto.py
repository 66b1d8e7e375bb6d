"""Frozen views of the wallet handed to the bot and the admin web. Never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.domain.wallet import DepositStatus, WalletRules, WithdrawalStatus


@dataclass(frozen=True, slots=True)
class ReceivingAccountView:
    """A cooperative account members transfer deposits to."""

    id: int
    branch_id: int
    branch_name: str
    bank_name: str
    account_number: str
    account_holder: str
    active: bool
    ledger_account_id: int


@dataclass(frozen=True, slots=True)
class DepositView:
    """A cash-in request; ``transfer_amount`` = ``amount`` + ``unique_code`` is what to send."""

    id: int
    reference: str
    member_id: int
    member_name: str
    telegram_user_id: int
    branch_id: int
    branch_name: str
    receiving: ReceivingAccountView
    amount: int
    unique_code: int
    transfer_amount: int
    status: DepositStatus
    created_at: dt.datetime
    deadline_at: dt.datetime
    proof_kind: str | None
    proof_file_id: str | None
    proof_file_name: str | None
    proof_submitted_at: dt.datetime | None
    received_amount: int | None
    bank_reference: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reject_reason: str
    entry_id: int | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class WithdrawalView:
    """A cash-out request; its amount is held on the wallet until paid or released."""

    id: int
    reference: str
    member_id: int
    member_name: str
    telegram_user_id: int
    branch_id: int
    branch_name: str
    amount: int
    bank_name: str
    bank_account_masked: str
    bank_account_number: str
    bank_account_holder: str
    status: WithdrawalStatus
    needs_checker: bool
    created_at: dt.datetime
    approved_by: str | None
    approved_at: dt.datetime | None
    bank_reference: str | None
    decided_by: str | None
    decided_at: dt.datetime | None
    reject_reason: str
    entry_id: int | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class MovementView:
    """One change of a member's wallet balance: ``amount`` signed (+ in, − out)."""

    at: dt.datetime
    kind: str
    amount: int
    entry_id: int


@dataclass(frozen=True, slots=True)
class WalletSummary:
    """What a financier sees first: balance, held (pending cash-outs), available, last moves."""

    balance: int
    held: int
    available: int
    recent: tuple[MovementView, ...]


@dataclass(frozen=True, slots=True)
class WithdrawalPreview:
    """The confirmation step of a cash-out: the amount against the member's own account."""

    amount: int
    available: int
    bank_name: str
    bank_account_masked: str
    bank_account_holder: str


@dataclass(frozen=True, slots=True)
class DepositPage:
    items: tuple[DepositView, ...]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class WithdrawalPage:
    items: tuple[WithdrawalView, ...]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class WalletSettingsView:
    """The staff-set rules, with who changed them last."""

    rules: WalletRules
    updated_at: dt.datetime | None
    updated_by: str


@dataclass(frozen=True, slots=True)
class BranchReconciliation:
    """Per branch (``branch_id`` None: the whole cooperative), in rupiah."""

    branch_id: int | None
    branch_name: str
    confirmed_cash_in: int
    confirmed_count: int
    paid_cash_out: int
    paid_count: int
    pending_cash_out: int
    wallet_balances: int
    wallet_held: int

    @property
    def other_movements(self) -> int:
        """Wallet balances not explained by cash-in − cash-out (e.g. loans, later)."""
        return self.wallet_balances - (self.confirmed_cash_in - self.paid_cash_out)
