"""The wallet driven by Hypothesis-generated programs of steps (both databases).

Each example is a program for three fresh members (with random opening balances) and two
staff users, the treasurer and the branch manager: cash-in requested, confirmed (with
the amount that really arrived, which may differ from the one asked for), rejected,
cancelled, expired as a clock moves; cash-out requested, approved, paid, rejected,
cancelled; requests and staff forms replayed with their key or nonce; and attempts that
must be refused: over the balance, below the minimum, not a multiple, the approver
paying, paying before approval, approving what needs no approval, a request decided
twice, a bank reference used twice, the manager confirming a deposit, another member
cancelling.

After every step: ``check_ledger`` holds, each member's balance / held / available from
``wallet_summary`` equals a pure Python model, and every request's status, received
amount, approver and bank reference are the model's. A refusal or a replay leaves every
table it could touch exactly as it was, and a replay returns the first result. At the
end of each program no request is half-applied and no money lacks its request
(``tests.wallet_support.consistency_problems``).

Why programs and not a ``RuleBasedStateMachine``: the state machine's swarm testing
switches off a random half of the rules per example, so at this budget (tens of examples
on a real database) whole paths such as maker-checker payment went untested in some
runs. Here the mix of steps is explicit and every run reaches the corners listed in
``REACHED_EVERY_RUN``. The services are async and Hypothesis is not, so the program runs
on the test's own event loop; the test is a plain function for that reason.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime as dt
import itertools
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import BindParameter, bindparam, text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import KopdanaError, NotAllowedError, ValidationError
from backend.domain.permissions import Permission
from backend.domain.wallet import (
    DepositStatus,
    DuplicateBankReference,
    RequestAlreadyDecided,
    RequestNotFound,
    SameStaffNotAllowed,
    WalletAmountError,
    WalletRules,
    WithdrawalStatus,
)
from backend.services import wallet, wallet_admin
from backend.services.admin_dto import StaffView
from backend.services.demo import seed_demo
from backend.services.ledger_checks import check_ledger
from backend.services.wallet_dto import DepositView, WithdrawalView
from tests.wallet_support import (
    add_receiving_account,
    consistency_problems,
    new_financier,
    staff_users,
)

T = TypeVar("T")

MEMBERS = 3
RULES = WalletRules()  # the defaults: this test writes no settings row
START = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
FAR_FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
TREASURER, MANAGER = "bendahara.jkt", "manager.jkt"
REASON = "Transfer tidak ditemukan"
IP = "10.0.0.7"

# ------------------------------------------------------------------------ the programs

FUNDING = (1_000_000, 5_000_000, 12_500_000, 25_000_000)
# The model judges these itself; 50 000 and 120 000 break the deposit rules.
DEPOSIT_AMOUNTS = (100_000, 250_000, 1_000_000, 5_000_000, 12_500_000, 50_000, 120_000)
# "all" = the whole available balance (rounded down to the step), "over" = just above it.
WITHDRAWAL_AMOUNTS = (
    50_000,
    1_000_000,
    10_010_000,
    12_000_000,
    "all",
    "all",
    "over",
    55_000,
    40_000,
)
BIG_WITHDRAWAL = 12_000_000  # above the checker threshold
RECEIVED = ("exact", "without code", "more", "less")
HOURS = (1, 12, 23, 24, 25, 48)

# An action names its variant, so a failing program reads as what happened; repetition
# is weight (money has to come in before much else can happen).
ACTIONS = (
    "fund",
    *["request deposit"] * 3,
    "confirm deposit (exact)",
    "confirm deposit (without code)",
    "confirm deposit (more)",
    "confirm deposit (less)",
    "confirm deposit (used bank reference)",
    "confirm deposit (by the manager)",
    "reject deposit",
    "cancel deposit",
    "cancel deposit (other member)",
    "replay deposit request",
    "replay deposit form",
    "clock",
    "clock and expiry job",
    *["request withdrawal"] * 3,
    "request withdrawal (above the checker threshold)",
    *["approve withdrawal"] * 2,
    *["pay withdrawal"] * 3,
    "pay withdrawal (used bank reference)",
    "reject withdrawal",
    "cancel withdrawal",
    "cancel withdrawal (other member)",
    "replay withdrawal request",
    "replay withdrawal form",
)


OPEN = frozenset({"pending", "approved", "expired"})  # statuses a decision may still change
ANY = 4  # a ``pick`` from here on may land on any request, not just an open one


def nth_latest(pool: list[T], pick: int) -> T | None:
    """``pick`` 0 (or ANY) is the latest, 1 (or ANY + 1) the one before, and so on."""
    return pool[-1 - (pick % ANY) % len(pool)] if pool else None


@dataclass(frozen=True)
class Step:
    """One step: ``member`` asks (requests only), ``pick`` chooses an earlier request
    (0 = the latest), ``staff`` decides (cash-outs only: deposits are the treasurer's
    unless the action says otherwise), ``option`` picks an amount or a number of hours."""

    action: str
    member: int
    pick: int
    staff: str
    option: int


STEPS = st.builds(
    Step,
    action=st.sampled_from(ACTIONS),
    member=st.integers(0, MEMBERS - 1),
    pick=st.integers(0, ANY + 1),
    staff=st.sampled_from([TREASURER, MANAGER]),
    option=st.integers(0, 8),
)
OPENING_BALANCES = st.lists(st.sampled_from([0, *FUNDING]), min_size=MEMBERS, max_size=MEMBERS)
PROGRAMS = st.lists(STEPS, min_size=12, max_size=25)

PROGRAM_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def step(
    action: str, member: int = 0, pick: int = 0, staff: str = TREASURER, option: int = 0
) -> Step:
    return Step(action=action, member=member, pick=pick, staff=staff, option=option)


# Two programs run on every run before the generated ones, so the corners below are
# always reached through the same model and checks (the generated programs then wander).
CASH_OUT_PROGRAM = (
    [25_000_000, 0, 5_000_000],
    [
        step("request withdrawal (above the checker threshold)"),
        step("pay withdrawal"),  # refused: needs approval first
        step("approve withdrawal", staff=TREASURER),
        step("pay withdrawal", staff=TREASURER),  # refused: the approver
        step("pay withdrawal", staff=MANAGER),
        step("replay withdrawal form"),
        step("approve withdrawal", pick=4),  # refused: already paid
        step("request withdrawal", member=1, option=WITHDRAWAL_AMOUNTS.index("over")),
        step("request withdrawal", member=2, option=WITHDRAWAL_AMOUNTS.index(1_000_000)),
        step("approve withdrawal", pick=4),  # refused: needs no approval
        step("reject withdrawal", staff=MANAGER),
        step("replay withdrawal request"),
        step("request withdrawal", member=2, option=WITHDRAWAL_AMOUNTS.index("all")),
        step("pay withdrawal (used bank reference)", staff=MANAGER),  # refused
        step("cancel withdrawal (other member)"),  # refused: not theirs
        step("cancel withdrawal"),
        step("cancel withdrawal", pick=4),  # a replay
        step("reject withdrawal", pick=4),  # refused: cancelled already
    ],
)
CASH_IN_PROGRAM = (
    [0, 0, 0],
    [
        step("request deposit", option=DEPOSIT_AMOUNTS.index(1_000_000)),
        step("confirm deposit (by the manager)"),  # refused: no permission
        step("confirm deposit (less)"),
        step("replay deposit form"),
        step("confirm deposit (more)", pick=4),  # refused: confirmed already
        step("request deposit", member=1, option=DEPOSIT_AMOUNTS.index(100_000)),
        step("clock and expiry job", option=HOURS.index(25)),
        step("confirm deposit (more)"),  # a late transfer: expired, still confirmable
        step("request deposit", member=2, option=DEPOSIT_AMOUNTS.index(50_000)),  # refused
        step("request deposit", member=2, option=DEPOSIT_AMOUNTS.index(250_000)),
        step("replay deposit request"),
        step("confirm deposit (used bank reference)"),  # refused
        step("cancel deposit (other member)"),  # refused: not theirs
        step("cancel deposit"),
        step("cancel deposit", pick=4),  # a replay
        step("reject deposit", pick=4),  # refused: cancelled already
        step("request deposit", member=2, option=DEPOSIT_AMOUNTS.index(5_000_000)),
        step("confirm deposit (without code)"),
        step("request withdrawal", member=2, option=WITHDRAWAL_AMOUNTS.index("all")),
        step("pay withdrawal", staff=MANAGER),
    ],
)

# Corners every run must reach (a prefix of an outcome the program counts).
REACHED_EVERY_RUN = (
    "deposit confirmed (less",
    "deposit confirmed (more, was expired)",
    "deposit confirmed (without code",
    "withdrawal paid (maker-checker)",
    "withdrawal rejected (was pending)",
    "refused: SameStaffNotAllowed",
    "refused: DuplicateBankReference",
    "refused: WalletAmountError error.wallet.above_available",
    "refused: RequestAlreadyDecided",
    "refused: NotAllowedError",
    "refused: RequestNotFound",
    "refused: ValidationError error.wallet.needs_approval",
    "refused: ValidationError error.wallet.no_approval_needed",
    "refused: WalletAmountError error.wallet.below_minimum",
    "replayed: deposit request",
    "replayed: deposit confirmed form",
    "replayed: withdrawal request",
    "replayed: withdrawal paid form",
    "replayed: deposit cancel",
    "replayed: withdrawal cancel",
    "expiry job (some due)",
)

# ------------------------------------------------------------------------ the model


@dataclass(eq=False)
class WalletModel:
    member_id: int
    balance: int = 0
    held: int = 0

    @property
    def available(self) -> int:
        return self.balance - self.held


@dataclass(eq=False)
class Decision:
    """A staff form as submitted: submitting it again must return ``view``."""

    submit: Callable[[], Awaitable[Any]]
    view: Any


@dataclass(eq=False)
class DepositModel:
    owner: int
    key: str
    first: DepositView
    status: DepositStatus = DepositStatus.PENDING
    received: int | None = None
    bank_reference: str | None = None
    decision: Decision | None = None


@dataclass(eq=False)
class WithdrawalModel:
    owner: int
    key: str
    amount: int
    first: WithdrawalView
    status: WithdrawalStatus = WithdrawalStatus.PENDING
    approved_by: str | None = None
    bank_reference: str | None = None
    decision: Decision | None = None

    @property
    def needs_checker(self) -> bool:
        return self.amount > RULES.checker_threshold


def deposit_amount_problem(amount: int) -> str | None:
    if amount < RULES.deposit_minimum:
        return "error.wallet.below_minimum"
    if amount % RULES.deposit_step:
        return "error.wallet.not_multiple"
    return None


def withdrawal_amount_problem(amount: int, available: int) -> str | None:
    if amount > available:
        return "error.wallet.above_available"
    if amount < RULES.withdrawal_minimum:
        return "error.wallet.below_minimum"
    if amount % RULES.withdrawal_step:
        return "error.wallet.not_multiple"
    return None


# ------------------------------------------------------------------------ the database


@dataclass
class Env:
    """What every example shares: one event loop, one database, the staff, counters."""

    runner: asyncio.Runner
    db: Database
    staff: dict[str, StaffView]
    serials: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    labels: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    steps: int = 0
    examples: int = 0

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.runner.run(_as_coroutine(awaitable))


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable


_SNAPSHOT_QUERIES = (
    "SELECT (SELECT COUNT(*) FROM journal_entries), (SELECT COUNT(*) FROM postings), "
    "(SELECT COUNT(*) FROM ledger_holds), (SELECT COUNT(*) FROM audit_log), "
    "(SELECT COUNT(*) FROM outbox), (SELECT COUNT(*) FROM deposit_requests), "
    "(SELECT COUNT(*) FROM withdrawal_requests)",
    "SELECT id, balance, held FROM ledger_accounts ORDER BY id",
    "SELECT id, status, entry_id, resolved_at IS NULL FROM ledger_holds ORDER BY id",
    "SELECT id, status, received_amount, bank_reference, decided_by, decided_at, "
    "decision_nonce, entry_id, reject_reason, proof_file_id "
    "FROM deposit_requests WHERE member_id IN :members ORDER BY id",
    "SELECT id, status, approved_by, approved_at, paid_by, bank_reference, decided_by, "
    "decided_at, decision_nonce, entry_id, hold_id, reject_reason "
    "FROM withdrawal_requests WHERE member_id IN :members ORDER BY id",
)


async def snapshot(db: Database, member_ids: list[int]) -> tuple[Any, ...]:
    """Everything a wallet step could change, read in one snapshot, as plain tuples."""
    async with UnitOfWork(db, write=False) as uow:
        if not db.is_sqlite:
            await uow.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        parts = []
        for sql in _SNAPSHOT_QUERIES:
            statement = text(sql)
            if ":members" in sql:
                statement = statement.bindparams(bindparam("members", expanding=True))
            result = await uow.session.execute(statement, {"members": member_ids})
            parts.append(tuple(tuple(row) for row in result))
    return tuple(parts)


async def request_states(
    db: Database, member_ids: list[int]
) -> tuple[dict[int, tuple[Any, ...]], dict[int, tuple[Any, ...]]]:
    """Deposits: id -> (status, received amount, bank reference); withdrawals:
    id -> (status, approved by, bank reference)."""
    members: BindParameter[list[int]] = bindparam("members", expanding=True)
    async with UnitOfWork(db, write=False) as uow:
        deposits = await uow.session.execute(
            text(
                "SELECT id, status, received_amount, bank_reference FROM deposit_requests "
                "WHERE member_id IN :members"
            ).bindparams(members),
            {"members": member_ids},
        )
        withdrawals = await uow.session.execute(
            text(
                "SELECT id, status, approved_by, bank_reference FROM withdrawal_requests "
                "WHERE member_id IN :members"
            ).bindparams(members),
            {"members": member_ids},
        )
        return (
            {row[0]: tuple(row[1:]) for row in deposits},
            {row[0]: tuple(row[1:]) for row in withdrawals},
        )


# ------------------------------------------------------------------------ running a program


class WalletProgram:
    """Runs one program against the services and the model, checking after each step."""

    def __init__(self, env: Env, opening_balances: list[int]) -> None:
        self.env = env
        self.db = env.db
        self.now = START
        admin = env.staff["superadmin"]
        self.wallets = [
            WalletModel(env.run(new_financier(self.db, admin, next(env.serials))))
            for _ in range(MEMBERS)
        ]
        self.member_ids = [w.member_id for w in self.wallets]
        self.deposits: list[DepositModel] = []
        self.withdrawals: list[WithdrawalModel] = []
        self.deposit_references: list[str] = []
        self.withdrawal_references: list[str] = []
        for member, amount in enumerate(opening_balances):
            if amount:
                self.fund(member, amount)
        self.verify()

    def execute(self, steps: list[Step]) -> None:
        try:
            for number, step in enumerate(steps):
                note(f"step {number}: {step}")
                self.step(step)
                self.verify()
        finally:
            self.env.run(self._finish())

    # -------------------------------------------------------------- plumbing

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.env.run(awaitable)

    def fresh(self, prefix: str) -> str:
        return f"{prefix}{next(self.env.labels)}"

    def state(self) -> tuple[Any, ...]:
        return self.run(snapshot(self.db, self.member_ids))

    def count(self, outcome: str) -> None:
        note(f"  -> {outcome}")
        self.env.outcomes[outcome] += 1

    def refused(
        self, error: type[KopdanaError], submit: Callable[[], Awaitable[Any]], code: str | None
    ) -> None:
        """``submit`` raises exactly ``error`` (with ``code``) and changes nothing."""
        before = self.state()
        with pytest.raises(KopdanaError) as caught:
            self.run(submit())
        assert type(caught.value) is error, f"expected {error.__name__}, got {caught.value!r}"
        if code is not None:
            assert caught.value.code == code
        assert self.state() == before, f"a refused {error.__name__} changed the database"
        self.count(f"refused: {error.__name__} {code or ''}".strip())

    def replayed(self, submit: Callable[[], Awaitable[T]], what: str) -> T:
        """``submit`` is a replay: flagged so, and nothing changes."""
        before = self.state()
        result = self.run(submit())
        assert getattr(result, "replayed", False), f"{what} was not recognised as a replay"
        assert self.state() == before, f"replaying {what} changed the database"
        self.count(f"replayed: {what}")
        return result

    def bank_reference(self, reuse: bool, used: list[str]) -> str:
        """A fresh reference, or one already used on this kind of request (if any)."""
        if reuse and used:
            return used[len(used) // 2]
        return self.fresh("TRX-")

    # -------------------------------------------------------------- one step

    def step(self, step: Step) -> None:
        action, option = step.action, step.option
        deposit_amount = DEPOSIT_AMOUNTS[option % len(DEPOSIT_AMOUNTS)]
        withdrawal_amount = WITHDRAWAL_AMOUNTS[option % len(WITHDRAWAL_AMOUNTS)]
        if action == "fund":
            return self.fund(step.member, FUNDING[option % len(FUNDING)])
        if action == "request deposit":
            self.request_deposit(step.member, deposit_amount)
            return None
        if action.startswith("clock"):
            hours = HOURS[option % len(HOURS)]
            return self.clock(hours, run_expiry=action == "clock and expiry job")
        if action == "request withdrawal":
            return self.request_withdrawal(step.member, withdrawal_amount)
        if action == "request withdrawal (above the checker threshold)":
            return self.request_withdrawal(step.member, BIG_WITHDRAWAL)
        if "deposit" in action:
            deposit = self.deposit_target(action, step.pick)
            if deposit is None:  # nothing to act on yet: ask for money instead
                self.request_deposit(step.member, deposit_amount)
                return None
            return self.deposit_step(action, deposit)
        withdrawal = self.withdrawal_target(action, step.pick)
        if withdrawal is None:  # nothing to act on yet: ask for a cash-out instead
            if action == "approve withdrawal":
                withdrawal_amount = BIG_WITHDRAWAL
            return self.request_withdrawal(step.member, withdrawal_amount)
        return self.withdrawal_step(action, withdrawal, step.staff)

    # The request an action is about: a decided one for a form replay; any for a request
    # replay or when ``pick`` >= ANY (often decided already: to be refused); else one the
    # action can change. None if there is none.

    def deposit_target(self, action: str, pick: int) -> DepositModel | None:
        if action == "replay deposit form":
            pool = [d for d in self.deposits if d.decision is not None]
        elif pick >= ANY or action == "replay deposit request":
            pool = self.deposits
        else:
            pool = [d for d in self.deposits if d.status.value in OPEN]
        return nth_latest(pool, pick)

    def withdrawal_target(self, action: str, pick: int) -> WithdrawalModel | None:
        if action == "replay withdrawal form":
            pool = [w for w in self.withdrawals if w.decision is not None]
        elif pick >= ANY or action == "replay withdrawal request":
            pool = self.withdrawals
        elif action == "approve withdrawal":
            pool = [w for w in self.withdrawals if w.needs_checker and w.status.value == "pending"]
        else:
            pool = [w for w in self.withdrawals if w.status.value in OPEN]
        return nth_latest(pool, pick)

    def deposit_step(self, action: str, deposit: DepositModel) -> None:
        if action.startswith("confirm deposit"):
            variant = action.removeprefix("confirm deposit (").removesuffix(")")
            staff = MANAGER if variant == "by the manager" else TREASURER
            received = variant if variant in RECEIVED else "exact"
            used_reference = variant == "used bank reference"
            self.confirm_deposit(deposit, staff, received, used_reference=used_reference)
        elif action == "reject deposit":
            self.reject_deposit(deposit, TREASURER)
        elif action == "cancel deposit":
            self.cancel_deposit(deposit, by_owner=True)
        elif action == "cancel deposit (other member)":
            self.cancel_deposit(deposit, by_owner=False)
        elif action == "replay deposit request":
            self.replay_deposit_request(deposit)
        else:
            assert action == "replay deposit form", action
            self.replay_decision(deposit.decision, "deposit", deposit.status)

    def withdrawal_step(self, action: str, withdrawal: WithdrawalModel, staff: str) -> None:
        if action == "approve withdrawal":
            self.approve_withdrawal(withdrawal, staff)
        elif action.startswith("pay withdrawal"):
            used_reference = action == "pay withdrawal (used bank reference)"
            self.pay_withdrawal(withdrawal, staff, used_reference=used_reference)
        elif action == "reject withdrawal":
            self.reject_withdrawal(withdrawal, staff)
        elif action == "cancel withdrawal":
            self.cancel_withdrawal(withdrawal, by_owner=True)
        elif action == "cancel withdrawal (other member)":
            self.cancel_withdrawal(withdrawal, by_owner=False)
        elif action == "replay withdrawal request":
            self.replay_withdrawal_request(withdrawal)
        else:
            # The latest form on the request. (An approval form replayed after the payment
            # is refused today: test_approval_form_replayed_after_payment shows it alone.)
            assert action == "replay withdrawal form", action
            self.replay_decision(withdrawal.decision, "withdrawal", withdrawal.status)

    # -------------------------------------------------------------- cash-in

    def fund(self, member: int, amount: int) -> None:
        """The common path in one step: a deposit requested and confirmed as asked."""
        deposit = self.request_deposit(member, amount)
        assert deposit is not None
        self.confirm_deposit(deposit, TREASURER, "exact", used_reference=False)

    def request_deposit(self, member: int, amount: int) -> DepositModel | None:
        owner = self.wallets[member]
        key, now = self.fresh("dep-"), self.now

        def submit() -> Awaitable[DepositView]:
            return wallet.start_deposit(
                self.db, member_id=owner.member_id, amount=amount, request_key=key, now=now
            )

        problem = deposit_amount_problem(amount)
        if problem:
            self.refused(WalletAmountError, submit, problem)
            return None
        view = self.run(submit())
        assert not view.replayed and view.status is DepositStatus.PENDING
        assert (view.member_id, view.amount) == (owner.member_id, amount)
        assert 1 <= view.unique_code <= 999 and view.transfer_amount == amount + view.unique_code
        assert view.deadline_at == now + dt.timedelta(hours=RULES.deposit_deadline_hours)
        deposit = DepositModel(owner=member, key=key, first=view)
        self.deposits.append(deposit)
        self.count("deposit requested")
        return deposit

    def replay_deposit_request(self, deposit: DepositModel) -> None:
        view = self.replayed(
            lambda: wallet.start_deposit(
                self.db,
                member_id=self.member_ids[deposit.owner],
                amount=deposit.first.amount,
                request_key=deposit.key,
                now=self.now,
            ),
            "deposit request",
        )
        first = deposit.first
        assert (view.id, view.reference, view.transfer_amount, view.created_at) == (
            first.id,
            first.reference,
            first.transfer_amount,
            first.created_at,
        )
        assert view.status is deposit.status

    def confirm_deposit(
        self, deposit: DepositModel, username: str, received: str, *, used_reference: bool
    ) -> None:
        actor = self.env.staff[username]
        amount = {
            "exact": deposit.first.transfer_amount,
            "without code": deposit.first.amount,
            "more": deposit.first.transfer_amount + 1_000_000,
            "less": deposit.first.transfer_amount // 2,
        }[received]
        bank_reference = self.bank_reference(used_reference, self.deposit_references)
        nonce, now = self.fresh("form-"), self.now

        def submit() -> Awaitable[DepositView]:
            return wallet_admin.confirm_deposit(
                self.db,
                actor=actor,
                deposit_id=deposit.first.id,
                received_amount=amount,
                bank_reference=bank_reference,
                nonce=nonce,
                ip=IP,
                now=now,
            )

        if not actor.can(Permission.DEPOSITS_CONFIRM):
            return self.refused(NotAllowedError, submit, None)
        if deposit.status not in (DepositStatus.PENDING, DepositStatus.EXPIRED):
            return self.refused(RequestAlreadyDecided, submit, None)
        if bank_reference in self.deposit_references:
            return self.refused(DuplicateBankReference, submit, None)
        view = self.run(submit())
        assert not view.replayed and view.status is DepositStatus.CONFIRMED
        assert (view.received_amount, view.bank_reference) == (amount, bank_reference)
        assert view.decided_by == username and view.entry_id is not None
        self.wallets[deposit.owner].balance += amount
        was = deposit.status
        deposit.status, deposit.received = DepositStatus.CONFIRMED, amount
        deposit.bank_reference = bank_reference
        deposit.decision = Decision(submit, view)
        self.deposit_references.append(bank_reference)
        self.count(f"deposit confirmed ({received}, was {was.value})")

    def reject_deposit(self, deposit: DepositModel, username: str) -> None:
        actor = self.env.staff[username]
        nonce, now = self.fresh("form-"), self.now

        def submit() -> Awaitable[DepositView]:
            return wallet_admin.reject_deposit(
                self.db,
                actor=actor,
                deposit_id=deposit.first.id,
                reason=REASON,
                nonce=nonce,
                ip=IP,
                now=now,
            )

        if not actor.can(Permission.DEPOSITS_CONFIRM):
            return self.refused(NotAllowedError, submit, None)
        if deposit.status not in (DepositStatus.PENDING, DepositStatus.EXPIRED):
            return self.refused(RequestAlreadyDecided, submit, None)
        view = self.run(submit())
        assert not view.replayed and view.status is DepositStatus.REJECTED
        assert view.entry_id is None and view.reject_reason == REASON
        was = deposit.status
        deposit.status, deposit.decision = DepositStatus.REJECTED, Decision(submit, view)
        self.count(f"deposit rejected (was {was.value})")

    def cancel_deposit(self, deposit: DepositModel, *, by_owner: bool) -> None:
        owner = deposit.owner if by_owner else (deposit.owner + 1) % MEMBERS
        member_id, now = self.member_ids[owner], self.now

        def submit() -> Awaitable[DepositView]:
            return wallet.cancel_deposit(
                self.db, member_id=member_id, deposit_id=deposit.first.id, now=now
            )

        if not by_owner:
            self.refused(RequestNotFound, submit, None)
        elif deposit.status is DepositStatus.CANCELLED:
            view = self.replayed(submit, "deposit cancel")
            assert view.status is DepositStatus.CANCELLED
        elif deposit.status is not DepositStatus.PENDING:
            self.refused(RequestAlreadyDecided, submit, None)
        else:
            view = self.run(submit())
            assert not view.replayed and view.status is DepositStatus.CANCELLED
            deposit.status = DepositStatus.CANCELLED
            self.count("deposit cancelled")

    def clock(self, hours: int, *, run_expiry: bool) -> None:
        """Time passes; the expiry job may run (a late deposit stays confirmable)."""
        self.now += dt.timedelta(hours=hours)
        if not run_expiry:
            return self.count("clock moved")
        due = [
            d
            for d in self.deposits
            if d.status is DepositStatus.PENDING and d.first.deadline_at <= self.now
        ]
        assert self.run(wallet.expire_deposits(self.db, now=self.now)) == len(due)
        for deposit in due:
            deposit.status = DepositStatus.EXPIRED
        self.count(f"expiry job ({'some' if due else 'none'} due)")

    # -------------------------------------------------------------- cash-out

    def request_withdrawal(self, member: int, choice: int | str) -> None:
        owner = self.wallets[member]
        step = RULES.withdrawal_step
        if choice == "all":
            amount = max(RULES.withdrawal_minimum, owner.available // step * step)
        elif choice == "over":
            amount = max(RULES.withdrawal_minimum, (owner.available // step + 1) * step)
        else:
            assert isinstance(choice, int)
            amount = choice
        key, now = self.fresh("wd-"), self.now

        def submit() -> Awaitable[WithdrawalView]:
            return wallet.start_withdrawal(
                self.db, member_id=owner.member_id, amount=amount, request_key=key, now=now
            )

        problem = withdrawal_amount_problem(amount, owner.available)
        if problem:
            return self.refused(WalletAmountError, submit, problem)
        view = self.run(submit())
        assert not view.replayed and view.status is WithdrawalStatus.PENDING
        assert (view.member_id, view.amount) == (owner.member_id, amount)
        withdrawal = WithdrawalModel(owner=member, key=key, amount=amount, first=view)
        assert view.needs_checker is withdrawal.needs_checker
        owner.held += amount
        self.withdrawals.append(withdrawal)
        self.count("withdrawal requested" + (" (needs checker)" if view.needs_checker else ""))

    def replay_withdrawal_request(self, withdrawal: WithdrawalModel) -> None:
        view = self.replayed(
            lambda: wallet.start_withdrawal(
                self.db,
                member_id=self.member_ids[withdrawal.owner],
                amount=withdrawal.amount,
                request_key=withdrawal.key,
                now=self.now,
            ),
            "withdrawal request",
        )
        assert (view.id, view.reference, view.amount) == (
            withdrawal.first.id,
            withdrawal.first.reference,
            withdrawal.amount,
        )
        assert view.status is withdrawal.status

    def approve_withdrawal(self, withdrawal: WithdrawalModel, username: str) -> None:
        nonce, now = self.fresh("form-"), self.now

        def submit() -> Awaitable[WithdrawalView]:
            return wallet_admin.approve_withdrawal(
                self.db,
                actor=self.env.staff[username],
                withdrawal_id=withdrawal.first.id,
                nonce=nonce,
                ip=IP,
                now=now,
            )

        if withdrawal.status is not WithdrawalStatus.PENDING:
            return self.refused(RequestAlreadyDecided, submit, None)
        if not withdrawal.needs_checker:
            return self.refused(ValidationError, submit, "error.wallet.no_approval_needed")
        view = self.run(submit())
        assert not view.replayed and view.status is WithdrawalStatus.APPROVED
        assert view.approved_by == username
        withdrawal.status, withdrawal.approved_by = WithdrawalStatus.APPROVED, username
        withdrawal.decision = Decision(submit, view)
        self.count("withdrawal approved")

    def pay_withdrawal(
        self, withdrawal: WithdrawalModel, username: str, *, used_reference: bool
    ) -> None:
        bank_reference = self.bank_reference(used_reference, self.withdrawal_references)
        nonce, now = self.fresh("form-"), self.now

        def submit() -> Awaitable[WithdrawalView]:
            return wallet_admin.mark_withdrawal_paid(
                self.db,
                actor=self.env.staff[username],
                withdrawal_id=withdrawal.first.id,
                bank_reference=bank_reference,
                nonce=nonce,
                ip=IP,
                now=now,
            )

        if withdrawal.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED):
            return self.refused(RequestAlreadyDecided, submit, None)
        if withdrawal.needs_checker and withdrawal.status is not WithdrawalStatus.APPROVED:
            return self.refused(ValidationError, submit, "error.wallet.needs_approval")
        if withdrawal.approved_by == username:
            return self.refused(SameStaffNotAllowed, submit, None)
        if bank_reference in self.withdrawal_references:
            return self.refused(DuplicateBankReference, submit, None)
        view = self.run(submit())
        assert not view.replayed and view.status is WithdrawalStatus.PAID
        assert view.bank_reference == bank_reference and view.entry_id is not None
        owner = self.wallets[withdrawal.owner]
        owner.balance -= withdrawal.amount
        owner.held -= withdrawal.amount
        withdrawal.status, withdrawal.bank_reference = WithdrawalStatus.PAID, bank_reference
        withdrawal.decision = Decision(submit, view)
        self.withdrawal_references.append(bank_reference)
        self.count("withdrawal paid" + (" (maker-checker)" if withdrawal.needs_checker else ""))

    def reject_withdrawal(self, withdrawal: WithdrawalModel, username: str) -> None:
        nonce, now = self.fresh("form-"), self.now

        def submit() -> Awaitable[WithdrawalView]:
            return wallet_admin.reject_withdrawal(
                self.db,
                actor=self.env.staff[username],
                withdrawal_id=withdrawal.first.id,
                reason=REASON,
                nonce=nonce,
                ip=IP,
                now=now,
            )

        if withdrawal.status not in (WithdrawalStatus.PENDING, WithdrawalStatus.APPROVED):
            return self.refused(RequestAlreadyDecided, submit, None)
        was = withdrawal.status
        view = self.run(submit())
        assert not view.replayed and view.status is WithdrawalStatus.REJECTED
        self.wallets[withdrawal.owner].held -= withdrawal.amount
        withdrawal.status, withdrawal.decision = WithdrawalStatus.REJECTED, Decision(submit, view)
        self.count(f"withdrawal rejected (was {was.value})")

    def cancel_withdrawal(self, withdrawal: WithdrawalModel, *, by_owner: bool) -> None:
        owner = withdrawal.owner if by_owner else (withdrawal.owner + 1) % MEMBERS
        member_id, now = self.member_ids[owner], self.now

        def submit() -> Awaitable[WithdrawalView]:
            return wallet.cancel_withdrawal(
                self.db, member_id=member_id, withdrawal_id=withdrawal.first.id, now=now
            )

        if not by_owner:
            self.refused(RequestNotFound, submit, None)
        elif withdrawal.status is WithdrawalStatus.CANCELLED:
            view = self.replayed(submit, "withdrawal cancel")
            assert view.status is WithdrawalStatus.CANCELLED
        elif withdrawal.status is not WithdrawalStatus.PENDING:
            self.refused(RequestAlreadyDecided, submit, None)
        else:
            view = self.run(submit())
            assert not view.replayed and view.status is WithdrawalStatus.CANCELLED
            self.wallets[withdrawal.owner].held -= withdrawal.amount
            withdrawal.status = WithdrawalStatus.CANCELLED
            self.count("withdrawal cancelled")

    def replay_decision(self, decision: Decision | None, kind: str, status: Any) -> None:
        """The same staff form again: the first result, flagged as a replay."""
        assert decision is not None
        view = self.replayed(decision.submit, f"{kind} {status.value} form")
        assert dataclasses.replace(view, replayed=False) == decision.view

    # -------------------------------------------------------------- the checks

    def verify(self) -> None:
        self.env.steps += 1
        self.run(self._verify())

    async def _verify(self) -> None:
        report = await check_ledger(self.db)
        assert report.ok, report.violations
        for model in self.wallets:
            summary = await wallet.wallet_summary(self.db, member_id=model.member_id)
            assert (summary.balance, summary.held, summary.available) == (
                model.balance,
                model.held,
                model.available,
            ), f"member {model.member_id}"
        deposits, withdrawals = await request_states(self.db, self.member_ids)
        assert deposits == {
            d.first.id: (d.status.value, d.received, d.bank_reference) for d in self.deposits
        }
        assert withdrawals == {
            w.first.id: (w.status.value, w.approved_by, w.bank_reference) for w in self.withdrawals
        }

    async def _finish(self) -> None:
        # No request of this program is half-applied, and no money lacks its request.
        assert await consistency_problems(self.db, self.member_ids) == []
        # Expire what this program left pending, so the next one's expiry count is its own.
        while await wallet.expire_deposits(self.db, now=FAR_FUTURE):
            pass


# ------------------------------------------------------------------------ the test


async def _prepare(db: Database) -> dict[str, StaffView]:
    await seed_demo(db, today=START.date())
    users = await staff_users(db)
    await add_receiving_account(db, users["superadmin"], number="7001002003")
    return users


def test_wallet_programs_keep_the_books_and_the_model_in_step(database_url: str) -> None:
    with asyncio.Runner() as runner:
        db = Database.from_url(database_url)
        try:
            env = Env(runner=runner, db=db, staff=runner.run(_prepare(db)))

            @PROGRAM_SETTINGS
            @given(opening_balances=OPENING_BALANCES, program=PROGRAMS)
            @example(*CASH_OUT_PROGRAM)
            @example(*CASH_IN_PROGRAM)
            def run_program(opening_balances: list[int], program: list[Step]) -> None:
                env.examples += 1
                WalletProgram(env, opening_balances).execute(program)

            run_program()
        finally:
            runner.run(db.dispose())
    print(f"\n{env.examples} programs, {env.steps} checked states")
    for outcome, times in sorted(env.outcomes.items()):
        print(f"  {times:5d}  {outcome}")
    for needed in REACHED_EVERY_RUN:
        assert any(o.startswith(needed) for o in env.outcomes), f"never reached: {needed}"


async def test_approval_form_replayed_after_payment_returns_the_first_result(
    seeded_db: Database,
) -> None:
    """DESIGN §4 and wallet_admin's contract: the same form submitted again returns the
    first result. A browser retry of the approval form arriving after the second staff
    user paid should say "approved (replayed)", not "already decided by manager.jkt"."""
    db = seeded_db
    users = await staff_users(db)
    await add_receiving_account(db, users["superadmin"], number="7001002004")
    member_id = await new_financier(db, users["superadmin"], 3)
    treasurer, manager = users[TREASURER], users[MANAGER]
    deposit = await wallet.start_deposit(
        db, member_id=member_id, amount=20_000_000, request_key="fund", now=START
    )
    await wallet_admin.confirm_deposit(
        db,
        actor=treasurer,
        deposit_id=deposit.id,
        received_amount=deposit.transfer_amount,
        bank_reference="IN-1",
        nonce="confirm-form",
        ip=IP,
        now=START,
    )
    request = await wallet.start_withdrawal(
        db, member_id=member_id, amount=BIG_WITHDRAWAL, request_key="big", now=START
    )

    def approve() -> Awaitable[WithdrawalView]:
        return wallet_admin.approve_withdrawal(
            db, actor=treasurer, withdrawal_id=request.id, nonce="approve-form", ip=IP, now=START
        )

    approved = await approve()
    assert (await approve()).replayed  # a replay before the payment is recognised
    await wallet_admin.mark_withdrawal_paid(
        db,
        actor=manager,
        withdrawal_id=request.id,
        bank_reference="OUT-1",
        nonce="pay-form",
        ip=IP,
        now=START,
    )
    replay = await approve()  # today: RequestAlreadyDecided(decided_by="manager.jkt")
    assert replay.replayed and replay.approved_by == approved.approved_by
