"""A Jepsen-style bank test: concurrent transfers, holds, posts and voids for a bounded
time while readers sum every balance; money is conserved and every invariant holds."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import time
from functools import partial

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.ledger import (
    AccountKind,
    HoldNotPending,
    InsufficientFunds,
    transfer_draft,
)
from backend.services import ledger
from backend.services.ledger_checks import check_ledger, ledger_totals

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
ACCOUNTS = 8
START_BALANCE = 1_000_000
WORKERS = 12
READERS = 3
DURATION = 3.0  # seconds, bounded
MAX_OPS_PER_WORKER = 400


async def test_bank(db: Database) -> None:
    bank = await ledger.open_account(db, code="bank:main", kind=AccountKind.BANK_CLEARING)
    wallets = [
        (await ledger.open_account(db, code=f"wallet:{i}", kind=AccountKind.MEMBER_WALLET)).id
        for i in range(ACCOUNTS)
    ]
    for wallet in wallets:
        await ledger.transfer(
            db,
            from_account_id=bank.id,
            to_account_id=wallet,
            amount=START_BALANCE,
            idempotency_key=f"fund:{wallet}",
            now=NOW,
            kind="deposit",
        )
    total = ACCOUNTS * START_BALANCE
    committed = {"transfer": 0, "hold": 0, "post": 0, "void": 0, "refused": 0}
    reads: list[tuple[int, int]] = []
    deadline = time.monotonic() + DURATION

    async def place(
        uow: UnitOfWork, *, account_id: int, amount: int, idempotency_key: str
    ) -> ledger.HoldView:
        return await ledger.place_hold(
            uow, account_id=account_id, amount=amount, idempotency_key=idempotency_key, now=NOW
        )

    async def worker(n: int) -> None:
        rng = random.Random(n)
        pending: list[tuple[int, int, int]] = []  # hold id, account, amount
        for op in range(MAX_OPS_PER_WORKER):
            if time.monotonic() > deadline:
                break
            key = f"w{n}:{op}"
            choice = rng.random()
            try:
                if choice < 0.5 or (choice >= 0.75 and not pending):
                    src, dst = rng.sample(wallets, 2)
                    await ledger.transfer(
                        db,
                        from_account_id=src,
                        to_account_id=dst,
                        amount=rng.randint(1, START_BALANCE // 3),
                        idempotency_key=key,
                        now=NOW,
                    )
                    committed["transfer"] += 1
                elif choice < 0.75:
                    account, amount = rng.choice(wallets), rng.randint(1, START_BALANCE // 4)
                    hold = await ledger.in_transaction(
                        db, partial(place, account_id=account, amount=amount, idempotency_key=key)
                    )
                    pending.append((hold.id, account, amount))
                    committed["hold"] += 1
                else:
                    hold_id, account, amount = pending.pop(rng.randrange(len(pending)))
                    if rng.random() < 0.5:
                        # Settle into another wallet, so the wallets' total stays put.
                        dst = rng.choice([w for w in wallets if w != account])
                        draft = transfer_draft(
                            from_account_id=account,
                            to_account_id=dst,
                            amount=amount,
                            idempotency_key=key,
                            kind="hold_settlement",
                        )
                        await ledger.in_transaction(
                            db, partial(ledger.post_hold, hold_id=hold_id, draft=draft, now=NOW)
                        )
                        committed["post"] += 1
                    else:
                        await ledger.in_transaction(
                            db, partial(ledger.void_hold, hold_id=hold_id, now=NOW)
                        )
                        committed["void"] += 1
            except (InsufficientFunds, HoldNotPending):
                committed["refused"] += 1

    async def reader() -> None:
        while time.monotonic() < deadline:
            totals = await ledger_totals(db)
            reads.append((totals.balance_total, totals.by_kind.get("member_wallet", 0)))
            await asyncio.sleep(0)

    started = time.monotonic()
    await asyncio.gather(*(worker(n) for n in range(WORKERS)), *(reader() for _ in range(READERS)))
    elapsed = time.monotonic() - started

    ops = sum(v for k, v in committed.items() if k != "refused")
    print(
        f"\nledger bank test on {db.engine.dialect.name}: {ops} committed operations in "
        f"{elapsed:.2f} s = {ops / elapsed:.0f} ops/s; {committed}; {len(reads)} reads"
    )
    assert ops > 0 and reads
    assert all(read == (0, total) for read in reads), {r for r in reads if r != (0, total)}
    totals = await ledger_totals(db)
    assert totals.balance_total == 0
    assert totals.by_kind["member_wallet"] == total
    report = await check_ledger(db)
    assert report.ok, report.violations
    for wallet in wallets:
        account = await ledger.get_account(db, wallet)
        assert account.balance >= 0 and account.available >= 0
