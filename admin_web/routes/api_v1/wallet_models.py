"""What the wallet part of the JSON API answers (amounts in whole rupiah, pages 1-based)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from admin_web.routes.api_v1.models import Out, UtcDateTime
from backend.domain.wallet import DepositStatus, WithdrawalStatus
from backend.services.wallet_dto import (
    BranchReconciliation,
    DepositPage,
    WalletSettingsView,
    WithdrawalPage,
)


class ReceivingAccountOut(Out):
    id: int
    branch_id: int
    branch_name: str
    bank_name: str
    account_number: str
    account_holder: str
    active: bool


class DepositOut(Out):
    """A cash-in request; the member transfers ``transfer_amount`` = ``amount`` + ``unique_code``.

    ``replayed`` is true when this answer repeats an earlier decision with the same nonce.
    """

    id: int
    reference: str
    member_id: int
    member_name: str
    branch_id: int
    branch_name: str
    receiving: ReceivingAccountOut
    amount: int
    unique_code: int
    transfer_amount: int
    status: DepositStatus
    created_at: UtcDateTime
    deadline_at: UtcDateTime
    proof_kind: str | None
    proof_submitted_at: UtcDateTime | None
    has_proof: bool = Field(
        default=False, description="The member sent a transfer proof (shown on the page)"
    )
    received_amount: int | None
    bank_reference: str | None
    decided_by: str | None
    decided_at: UtcDateTime | None
    reject_reason: str
    entry_id: int | None
    replayed: bool

    @classmethod
    def of(cls, view: Any) -> DepositOut:
        return cls.model_validate(view).model_copy(update={"has_proof": bool(view.proof_file_id)})


class DepositPageOut(BaseModel):
    deposits: list[DepositOut]
    page: int
    page_count: int
    total: int

    @classmethod
    def of(cls, found: DepositPage) -> DepositPageOut:
        return cls(
            deposits=[DepositOut.of(d) for d in found.items],
            page=found.page + 1,
            page_count=found.page_count,
            total=found.total,
        )


class WithdrawalOut(Out):
    """A cash-out request; the treasurer transfers ``amount`` to the member's account.

    Above the threshold (``needs_checker``) one staff user approves (``approved_by``) and
    another marks it paid.
    """

    id: int
    reference: str
    member_id: int
    member_name: str
    branch_id: int
    branch_name: str
    amount: int
    bank_name: str
    bank_account_number: str
    bank_account_holder: str
    status: WithdrawalStatus
    needs_checker: bool
    created_at: UtcDateTime
    approved_by: str | None
    approved_at: UtcDateTime | None
    bank_reference: str | None
    decided_by: str | None
    decided_at: UtcDateTime | None
    reject_reason: str
    entry_id: int | None
    replayed: bool


class WithdrawalPageOut(BaseModel):
    withdrawals: list[WithdrawalOut]
    page: int
    page_count: int
    total: int

    @classmethod
    def of(cls, found: WithdrawalPage) -> WithdrawalPageOut:
        return cls(
            withdrawals=[WithdrawalOut.model_validate(w) for w in found.items],
            page=found.page + 1,
            page_count=found.page_count,
            total=found.total,
        )


class WalletRulesOut(Out):
    deposit_minimum: int
    deposit_step: int
    deposit_deadline_hours: int
    withdrawal_minimum: int
    withdrawal_step: int
    withdrawal_daily_limit: int
    checker_threshold: int
    quick_picks: list[int]


class WalletSettingsOut(BaseModel):
    rules: WalletRulesOut
    updated_at: UtcDateTime | None
    updated_by: str

    @classmethod
    def of(cls, view: WalletSettingsView) -> WalletSettingsOut:
        return cls(
            rules=WalletRulesOut.model_validate(view.rules),
            updated_at=view.updated_at,
            updated_by=view.updated_by,
        )


class BranchReconciliationOut(Out):
    """Rupiah; ``branch_id`` null for the overall row. ``other_movements``: wallet balances
    not explained by cash-in − cash-out."""

    branch_id: int | None
    branch_name: str
    confirmed_cash_in: int
    confirmed_count: int
    paid_cash_out: int
    paid_count: int
    pending_cash_out: int
    wallet_balances: int
    wallet_held: int
    other_movements: int

    @classmethod
    def of(cls, row: BranchReconciliation) -> BranchReconciliationOut:
        return cls.model_validate(row)


class ViolationOut(BaseModel):
    code: str
    details: dict[str, Any]


class LedgerReportOut(BaseModel):
    """The invariant check, run now. Branch-scoped callers get ``ok`` and the count only."""

    ok: bool
    violation_count: int
    violations: list[ViolationOut] | None
    accounts: int | None
    entries: int | None
    postings: int | None
    pending_holds: int | None


class CheckRunOut(BaseModel):
    started_at: UtcDateTime
    ok: bool
    violations: int


class ReconciliationOut(BaseModel):
    branches: list[BranchReconciliationOut]
    total: BranchReconciliationOut
    ledger: LedgerReportOut
    last_check: CheckRunOut | None
    check_interval_seconds: float | None = Field(description="null: the periodic check is off")
    check_stale: bool = Field(description="The periodic check did not run in two intervals")
