"""A worker the crash test kills with SIGKILL: an endless, deterministic stream of wallet
operations through the services, resumable after any kill.

    python -m tests.crash.worker --database-url URL --state FILE --setup
    python -m tests.crash.worker --database-url URL --state FILE [--until N]

``--setup`` seeds branches, staff, a receiving account and the members, then exits.
Without it the worker prints ``ready <next>`` once connected and then runs operations
``next``, ``next + 1``, … (up to ``--until``, else until killed), writing the index of
the next operation to ``--state`` after each one.

The operations are a pure function of their index (``Planner``): the member, the
amounts, the keys and nonces, the clock (20 minutes per operation) and which earlier
request an operation acts on come from a seeded generator that follows a model of the
wallets, never from the database. So after a kill the worker can redo the operation it
was in (its committed steps are recognised as replays by their request key or form
nonce) and carry on; on every start it also redoes the two operations before that, which
must be pure replays (exit status 3 if one is not). ``Planner(seed).run(n)`` gives the
model after ``n`` operations for the test to compare with the database.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import sys
from collections.abc import Awaitable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.unit_of_work import UnitOfWork
from backend.domain.wallet import WalletRules
from backend.services import wallet, wallet_admin
from backend.services.admin_dto import StaffView
from backend.services.demo import seed_demo
from tests.wallet_support import (
    SETUP_NOW,
    add_receiving_account,
    financier_fields,
    new_financier,
    staff_users,
)

T = TypeVar("T")

MEMBERS = 4
FIRST_SERIAL = 5001
BASE = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
TICK = dt.timedelta(minutes=20)
TREASURER, MANAGER = "bendahara.jkt", "manager.jkt"
STAFF = (TREASURER, MANAGER)
RULES = WalletRules()  # the defaults: the worker writes no settings row
DEPOSIT_AMOUNTS = (100_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 15_000_000)
RECEIVED_DELTAS = (0, 0, 0, 777, 123_456, -50_000)  # what arrived vs what was asked
REDONE_ON_START = 2
IP = "10.0.0.66"
REASON = "Uji crash"

# ------------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Op:
    """Operation ``index``; ``target`` is the index of the operation whose request it
    decides (late confirmation of a deposit, settling a withdrawal)."""

    index: int
    kind: str
    member: int = 0
    amount: int = 0
    received: int = 0
    target: int | None = None
    approver: str = TREASURER
    payer: str = TREASURER

    @property
    def now(self) -> dt.datetime:
        return BASE + self.index * TICK


def request_key(index: int) -> str:
    return f"crash-{index}"


def nonce(index: int, decision: str) -> str:
    return f"crash-{index}-{decision}"


def bank_reference(index: int, direction: str) -> str:
    return f"CRASH-{index}-{direction}"


@dataclass
class DepositPlan:
    member: int
    amount: int
    deadline: dt.datetime
    status: str = "pending"
    received: int = 0


@dataclass
class WithdrawalPlan:
    member: int
    amount: int
    status: str = "pending"


@dataclass
class Model:
    """What the wallets must hold after the operations planned so far."""

    balance: list[int] = field(default_factory=lambda: [0] * MEMBERS)
    held: list[int] = field(default_factory=lambda: [0] * MEMBERS)
    deposits: dict[int, DepositPlan] = field(default_factory=dict)
    withdrawals: dict[int, WithdrawalPlan] = field(default_factory=dict)

    def available(self, member: int) -> int:
        return self.balance[member] - self.held[member]

    def open_deposits(self) -> list[int]:
        return [i for i, d in self.deposits.items() if d.status in ("pending", "expired")]

    def open_withdrawals(self) -> list[int]:
        return [i for i, w in self.withdrawals.items() if w.status == "pending"]


class Planner:
    """Generates operation after operation, following the model so every one is valid."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.model = Model()
        self.planned = 0

    def run(self, count: int) -> list[Op]:
        return [self.next() for _ in range(count)]

    def next(self) -> Op:
        index, rng, model = self.planned, self.rng, self.model
        self.planned += 1
        member = rng.randrange(MEMBERS)
        roll = rng.random()
        now = BASE + index * TICK
        available = model.available(member)
        if roll < 0.05:
            for deposit in model.deposits.values():
                if deposit.status == "pending" and deposit.deadline <= now:
                    deposit.status = "expired"
            return Op(index, "expire")
        if roll < 0.10 and model.open_deposits():
            target = rng.choice(model.open_deposits())
            deposit = model.deposits[target]
            received = deposit.amount + rng.choice(RECEIVED_DELTAS)
            self._credit(deposit, received)
            return Op(
                index, "deposit-late", member=deposit.member, received=received, target=target
            )
        if roll < 0.17 and model.open_withdrawals():
            target = rng.choice(model.open_withdrawals())
            withdrawal = model.withdrawals[target]
            pay = rng.random() < 0.6
            self._close(withdrawal, paid=pay)
            return Op(
                index,
                "withdrawal-settle-pay" if pay else "withdrawal-settle-reject",
                member=withdrawal.member,
                target=target,
                payer=rng.choice(STAFF),
            )
        if roll < 0.55 or available < RULES.withdrawal_minimum:
            return self._deposit(index, member, now)
        return self._withdrawal(index, member, available)

    def _credit(self, deposit: DepositPlan, received: int) -> None:
        deposit.status, deposit.received = "confirmed", received
        self.model.balance[deposit.member] += received

    def _close(self, withdrawal: WithdrawalPlan, *, paid: bool) -> None:
        withdrawal.status = "paid" if paid else "rejected"
        self.model.held[withdrawal.member] -= withdrawal.amount
        if paid:
            self.model.balance[withdrawal.member] -= withdrawal.amount

    def _deposit(self, index: int, member: int, now: dt.datetime) -> Op:
        rng = self.rng
        amount = rng.choice(DEPOSIT_AMOUNTS)
        deadline = now + dt.timedelta(hours=RULES.deposit_deadline_hours)
        deposit = DepositPlan(member, amount, deadline)
        self.model.deposits[index] = deposit
        kind = rng.choices(
            ["deposit-confirm", "deposit-reject", "deposit-cancel", "deposit-open"],
            weights=[70, 8, 8, 14],
        )[0]
        received = 0
        if kind == "deposit-confirm":
            received = amount + rng.choice(RECEIVED_DELTAS)
            self._credit(deposit, received)
        elif kind == "deposit-reject":
            deposit.status = "rejected"
        elif kind == "deposit-cancel":
            deposit.status = "cancelled"
        return Op(index, kind, member=member, amount=amount, received=received)

    def _withdrawal(self, index: int, member: int, available: int) -> Op:
        rng, step = self.rng, RULES.withdrawal_step
        big = available > RULES.checker_threshold + step and rng.random() < 0.25
        if big:
            top = min(available, 15_000_000) // step
            amount = rng.randint(RULES.checker_threshold // step + 1, top) * step
            kind = "withdrawal-checker"
        else:
            top = min(available, 3_000_000, RULES.checker_threshold) // step
            amount = rng.randint(RULES.withdrawal_minimum // step, top) * step
            kind = rng.choices(
                [
                    "withdrawal-pay",
                    "withdrawal-reject",
                    "withdrawal-cancel",
                    "withdrawal-open",
                ],
                weights=[50, 12, 13, 25],
            )[0]
        withdrawal = WithdrawalPlan(member, amount)
        self.model.withdrawals[index] = withdrawal
        self.model.held[member] += amount
        approver = rng.choice(STAFF)
        payer = MANAGER if approver == TREASURER else TREASURER
        if kind in ("withdrawal-pay", "withdrawal-checker"):
            self._close(withdrawal, paid=True)
        elif kind in ("withdrawal-reject", "withdrawal-cancel"):
            withdrawal.status = "rejected" if kind == "withdrawal-reject" else "cancelled"
            self.model.held[member] -= amount
        if kind == "withdrawal-pay":
            payer = rng.choice(STAFF)
        return Op(index, kind, member=member, amount=amount, approver=approver, payer=payer)


# ------------------------------------------------------------------------ running it


class NotAReplay(Exception):
    """A step of an operation that had completed before did something new."""


@dataclass
class Context:
    db: Database
    staff: dict[str, StaffView]
    member_ids: list[int]
    redoing: bool = False
    steps: int = 0
    replayed_steps: int = 0

    async def step(self, awaitable: Awaitable[T], what: str) -> T:
        self.steps += 1
        result = await awaitable
        replayed = bool(getattr(result, "replayed", False))
        self.replayed_steps += replayed
        if self.redoing and not replayed:
            raise NotAReplay(what)
        return result


async def run_op(ctx: Context, op: Op) -> None:
    """Every step of ``op``, each idempotent by its request key or form nonce."""
    db, now = ctx.db, op.now
    member_id = ctx.member_ids[op.member]
    key = request_key(op.index)
    if op.kind == "expire":
        expired = await wallet.expire_deposits(db, now=now)
        if ctx.redoing and expired:
            raise NotAReplay(f"expiry job of {op.index} expired {expired}")
        return
    if op.kind == "deposit-late":
        assert op.target is not None
        await confirm(ctx, op, deposit_id=await deposit_id(ctx, op.target), index=op.index)
        return
    if op.kind.startswith("withdrawal-settle"):
        assert op.target is not None
        target = await withdrawal_id(ctx, op.target)
        if op.kind == "withdrawal-settle-pay":
            await pay(ctx, op, target)
        else:
            await reject_withdrawal(ctx, op, target)
        return
    if op.kind.startswith("deposit"):
        deposit = await ctx.step(
            wallet.start_deposit(
                db, member_id=member_id, amount=op.amount, request_key=key, now=now
            ),
            f"deposit request {op.index}",
        )
        if op.kind == "deposit-confirm":
            await confirm(ctx, op, deposit_id=deposit.id, index=op.index)
        elif op.kind == "deposit-reject":
            await ctx.step(
                wallet_admin.reject_deposit(
                    db,
                    actor=ctx.staff[TREASURER],
                    deposit_id=deposit.id,
                    reason=REASON,
                    nonce=nonce(op.index, "reject"),
                    ip=IP,
                    now=now,
                ),
                f"deposit rejection {op.index}",
            )
        elif op.kind == "deposit-cancel":
            await ctx.step(
                wallet.cancel_deposit(db, member_id=member_id, deposit_id=deposit.id, now=now),
                f"deposit cancel {op.index}",
            )
        return
    withdrawal = await ctx.step(
        wallet.start_withdrawal(
            db, member_id=member_id, amount=op.amount, request_key=key, now=now
        ),
        f"withdrawal request {op.index}",
    )
    if op.kind == "withdrawal-checker":
        await approve(ctx, op, withdrawal.id)
        await pay(ctx, op, withdrawal.id)
    elif op.kind == "withdrawal-pay":
        await pay(ctx, op, withdrawal.id)
    elif op.kind == "withdrawal-reject":
        await reject_withdrawal(ctx, op, withdrawal.id)
    elif op.kind == "withdrawal-cancel":
        await ctx.step(
            wallet.cancel_withdrawal(db, member_id=member_id, withdrawal_id=withdrawal.id, now=now),
            f"withdrawal cancel {op.index}",
        )


async def deposit_id(ctx: Context, index: int) -> int:
    """The id of the deposit operation ``index`` requested (its key, replayed)."""
    view = await wallet.start_deposit(
        ctx.db, member_id=0, amount=0, request_key=request_key(index), now=BASE
    )
    assert view.replayed, index
    return view.id


async def withdrawal_id(ctx: Context, index: int) -> int:
    view = await wallet.start_withdrawal(
        ctx.db, member_id=0, amount=0, request_key=request_key(index), now=BASE
    )
    assert view.replayed, index
    return view.id


async def confirm(ctx: Context, op: Op, *, deposit_id: int, index: int) -> None:
    await ctx.step(
        wallet_admin.confirm_deposit(
            ctx.db,
            actor=ctx.staff[TREASURER],
            deposit_id=deposit_id,
            received_amount=op.received,
            bank_reference=bank_reference(index, "IN"),
            nonce=nonce(index, "confirm"),
            ip=IP,
            now=op.now,
        ),
        f"deposit confirmation {op.index}",
    )


async def approve(ctx: Context, op: Op, withdrawal: int) -> None:
    await ctx.step(
        wallet_admin.approve_withdrawal(
            ctx.db,
            actor=ctx.staff[op.approver],
            withdrawal_id=withdrawal,
            nonce=nonce(op.index, "approve"),
            ip=IP,
            now=op.now,
        ),
        f"withdrawal approval {op.index}",
    )


async def pay(ctx: Context, op: Op, withdrawal: int) -> None:
    await ctx.step(
        wallet_admin.mark_withdrawal_paid(
            ctx.db,
            actor=ctx.staff[op.payer],
            withdrawal_id=withdrawal,
            bank_reference=bank_reference(op.index, "OUT"),
            nonce=nonce(op.index, "pay"),
            ip=IP,
            now=op.now,
        ),
        f"withdrawal payment {op.index}",
    )


async def reject_withdrawal(ctx: Context, op: Op, withdrawal: int) -> None:
    await ctx.step(
        wallet_admin.reject_withdrawal(
            ctx.db,
            actor=ctx.staff[op.payer],
            withdrawal_id=withdrawal,
            reason=REASON,
            nonce=nonce(op.index, "reject"),
            ip=IP,
            now=op.now,
        ),
        f"withdrawal rejection {op.index}",
    )


# ------------------------------------------------------------------------ setup, state


async def member_ids(db: Database) -> list[int]:
    telegram_ids = [financier_fields(FIRST_SERIAL + n)["telegram_user_id"] for n in range(MEMBERS)]
    async with UnitOfWork(db, write=False) as uow:
        rows = dict(
            (
                await uow.session.execute(
                    select(Member.telegram_user_id, Member.id).where(
                        Member.telegram_user_id.in_(telegram_ids)
                    )
                )
            ).all()
        )
    return [rows[t] for t in telegram_ids]


async def setup(db: Database) -> None:
    await seed_demo(db, today=SETUP_NOW.date())
    users = await staff_users(db)
    await add_receiving_account(db, users["superadmin"], number="7009990001")
    for n in range(MEMBERS):
        await new_financier(db, users["superadmin"], FIRST_SERIAL + n)


def read_next(state: Path) -> int:
    try:
        return int(json.loads(state.read_text())["next"])
    except FileNotFoundError:
        return 0


def write_next(state: Path, next_index: int) -> None:
    """Atomically (a kill leaves the old or the new file, never half of one)."""
    partial = state.with_suffix(".partial")
    partial.write_text(json.dumps({"next": next_index}))
    os.replace(partial, state)


async def work(args: argparse.Namespace) -> int:
    db = Database.from_url(args.database_url)
    try:
        if args.setup:
            await setup(db)
            return 0
        ctx = Context(db=db, staff=await staff_users(db), member_ids=await member_ids(db))
        state = Path(args.state)
        start = read_next(state)
        planner = Planner(args.seed)
        ops = planner.run(start)
        print(f"ready {start}", flush=True)
        ctx.redoing = True
        for op in ops[max(0, start - REDONE_ON_START) :]:
            await run_op(ctx, op)
        ctx.redoing = False
        index = start
        while args.until is None or index < args.until:
            steps, replayed = ctx.steps, ctx.replayed_steps
            await run_op(ctx, planner.next())
            if index == start:  # what the last kill left of this operation
                done, total = ctx.replayed_steps - replayed, ctx.steps - steps
                print(f"resumed {index}: {done} of {total} steps committed", file=sys.stderr)
            index += 1
            write_next(state, index)
        summary = {
            "next": index,
            "replayed_steps": ctx.replayed_steps,
        }
        print(json.dumps(summary), flush=True)
        return 0
    except NotAReplay as error:
        print(f"redoing a completed operation was not a replay: {error}", file=sys.stderr)
        return 3
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--state", required=True, help="file holding the next operation")
    parser.add_argument("--seed", type=int, default=20261201)
    parser.add_argument("--setup", action="store_true")
    parser.add_argument("--until", type=int, default=None, help="stop before this operation")
    return asyncio.run(work(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["MEMBERS", "Model", "Op", "Planner", "main", "request_key"]
