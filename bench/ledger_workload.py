"""The ledger benchmark's workloads and their closed-loop driver.

Two workloads run through one driver, so the measuring overhead is the same for both:

* **kopdana**: ``backend.services.ledger.transfer`` between random member wallets, each
  with its own idempotency key; about one in ten asks for more than a wallet starts
  with, so refusals (``InsufficientFunds``) happen and are counted apart;
* **bare single UPDATE**: one ``UPDATE bench_counters SET n = n + 1`` per transaction
  through the same ``Database`` (same engine, pool, SQLite pragmas and write lock),
  without the ORM, unit of work or ledger: the cheapest write transaction of the stack.

``C`` workers run closed loops (the next operation starts when the previous returns, no
think time) for warm-up + duration; only operations finishing inside the window count.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import text

from backend.db.engine import Database
from backend.domain.ledger import AccountKind, InsufficientFunds
from backend.services import ledger
from bench.load import WindowProbe
from bench.stats import Window, percentile

log = logging.getLogger(__name__)

Outcome = Literal["committed", "refused", "error"]
Operation = Callable[[int, int], Awaitable[Outcome]]

START_BALANCE = 1_000_000  # rupiah per wallet
SMALL_TRANSFER = (1_000, 200_000)
LARGE_TRANSFER = (START_BALANCE, 3 * START_BALANCE)  # usually more than the sender has
LARGE_SHARE = 0.10
ERROR_PAUSE_SECONDS = 0.05
LOGGED_FAILURES = 5
BASELINE_TABLE = "bench_counters"


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how wide one workload runs."""

    clients: int
    warmup: float
    duration: float
    seed: int = 1


@dataclass(frozen=True, slots=True)
class OpSample:
    """One operation: ``perf_counter`` seconds at its call and return, and its outcome."""

    started: float
    finished: float
    outcome: Outcome


@dataclass
class DriverRun:
    """Raw result of one closed-loop run; ``outcomes`` counts the whole run (warm-up too)."""

    samples: list[OpSample]
    window: Window
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Figures:
    """What the report shows for one variant; CPU figures are per operation attempted.

    ``client_cpu_ms`` is the load generator's (this process, or ``pgbench``),
    ``server_cpu_ms`` the local PostgreSQL server's, ``other_cpu_ms`` everything else's.
    """

    title: str
    clients: int
    seconds: float
    committed: int
    refused: int
    errors: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    client_cpu_ms: float | None = None
    server_cpu_ms: float | None = None
    other_cpu_ms: float | None = None
    statements_per_op: float | None = None
    transactions_per_op: float | None = None
    windows: int = 1  # windows measured to get one quiet enough (the quietest is shown)


@dataclass(frozen=True, slots=True)
class LedgerFixture:
    """The accounts of one run: the bank's clearing account and the funded wallets."""

    bank_id: int
    wallet_ids: tuple[int, ...]
    start_balance: int

    @property
    def funded_total(self) -> int:
        return len(self.wallet_ids) * self.start_balance


# -- the driver ----------------------------------------------------------------------------


async def _observe(planned: Window, probes: Sequence[WindowProbe]) -> Window:
    await asyncio.sleep(max(planned.start - time.perf_counter(), 0))
    start = time.perf_counter()
    for probe in probes:
        probe.begin()
    await asyncio.sleep(max(planned.end - time.perf_counter(), 0))
    for probe in probes:
        probe.end()
    return Window(start=start, end=time.perf_counter())


async def drive(operation: Operation, plan: Plan, probes: Sequence[WindowProbe] = ()) -> DriverRun:
    """Run ``operation(worker, n)`` in ``plan.clients`` closed loops for warm-up + duration.

    An exception counts as an ``error`` (the first few are logged) and pauses that worker
    briefly, so a broken variant cannot spin. Workers finish the operation in flight.
    """
    begin = time.perf_counter()
    planned = Window(start=begin + plan.warmup, end=begin + plan.warmup + plan.duration)
    run = DriverRun(samples=[], window=planned)

    async def worker(index: int) -> None:
        number = 0
        while time.perf_counter() < planned.end:
            started = time.perf_counter()
            outcome: Outcome
            try:
                outcome = await operation(index, number)
            except Exception as error:
                outcome = "error"
                run.failures.append(f"worker {index}: {type(error).__name__}: {error}"[:400])
                if len(run.failures) <= LOGGED_FAILURES:
                    log.warning("%s", run.failures[-1])
            run.samples.append(OpSample(started, time.perf_counter(), outcome))
            run.outcomes[outcome] += 1
            number += 1
            if outcome == "error":
                await asyncio.sleep(ERROR_PAUSE_SECONDS)

    tasks = [asyncio.create_task(worker(index)) for index in range(plan.clients)]
    try:
        run.window = await _observe(planned, probes)
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return run


def summarize(title: str, plan: Plan, run: DriverRun) -> Figures:
    """Throughput of committed operations and their latency percentiles, in the window."""
    window = run.window
    inside = [s for s in run.samples if window.start <= s.finished < window.end]
    latencies = [s.finished - s.started for s in inside if s.outcome == "committed"]
    counts = Counter(s.outcome for s in inside)
    seconds = window.seconds
    return Figures(
        title=title,
        clients=plan.clients,
        seconds=seconds,
        committed=counts["committed"],
        refused=counts["refused"],
        errors=counts["error"],
        per_second=counts["committed"] / seconds if seconds > 0 else float("nan"),
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
    )


# -- kopdana: ledger transfers -------------------------------------------------------------


async def _bounded(limit: int, jobs: Sequence[Callable[[], Awaitable[int]]]) -> list[int]:
    semaphore = asyncio.Semaphore(limit)

    async def one(job: Callable[[], Awaitable[int]]) -> int:
        async with semaphore:
            return await job()

    return list(await asyncio.gather(*(one(job) for job in jobs)))


async def open_and_fund(
    db: Database, *, accounts: int, clients: int, start_balance: int = START_BALANCE
) -> LedgerFixture:
    """Open a bank clearing account and ``accounts`` wallets, each funded from the bank."""
    bank = await ledger.open_account(db, code="bench:bank", kind=AccountKind.BANK_CLEARING)

    def opener(index: int) -> Callable[[], Awaitable[int]]:
        async def job() -> int:
            code = f"bench:wallet:{index}"
            account = await ledger.open_account(db, code=code, kind=AccountKind.MEMBER_WALLET)
            return account.id

        return job

    wallets = await _bounded(clients, [opener(index) for index in range(accounts)])

    def funder(wallet: int) -> Callable[[], Awaitable[int]]:
        async def job() -> int:
            entry = await ledger.transfer(
                db,
                from_account_id=bank.id,
                to_account_id=wallet,
                amount=start_balance,
                idempotency_key=f"bench:fund:{wallet}",
                now=dt.datetime.now(dt.UTC),
                kind="deposit",
            )
            return entry.id

        return job

    await _bounded(clients, [funder(wallet) for wallet in wallets])
    return LedgerFixture(bank_id=bank.id, wallet_ids=tuple(wallets), start_balance=start_balance)


def transfer_operation(
    db: Database, fixture: LedgerFixture, plan: Plan, tag: str = "t"
) -> Operation:
    """Random wallet → wallet transfers, some larger than any start balance.

    Keys are ``bench:<tag>:<worker>:<n>``: unique as long as each run gets its own ``tag``.
    """
    generators = [random.Random(plan.seed * 100_003 + index) for index in range(plan.clients)]
    wallets = fixture.wallet_ids

    async def operation(worker: int, number: int) -> Outcome:
        rng = generators[worker]
        source, target = rng.sample(wallets, 2)
        bounds = LARGE_TRANSFER if rng.random() < LARGE_SHARE else SMALL_TRANSFER
        try:
            await ledger.transfer(
                db,
                from_account_id=source,
                to_account_id=target,
                amount=rng.randint(*bounds),
                idempotency_key=f"bench:{tag}:{worker}:{number}",
                now=dt.datetime.now(dt.UTC),
            )
        except InsufficientFunds:
            return "refused"
        return "committed"

    return operation


# -- baseline: one bare UPDATE per transaction ---------------------------------------------


async def create_baseline_table(db: Database, rows: int) -> None:
    """``bench_counters(id, n)`` with ``rows`` rows, apart from the ledger's tables."""
    async with db.engine.begin() as connection:
        await connection.execute(text(f"DROP TABLE IF EXISTS {BASELINE_TABLE}"))
        await connection.execute(
            text(f"CREATE TABLE {BASELINE_TABLE} (id INTEGER PRIMARY KEY, n BIGINT NOT NULL)")
        )
        await connection.execute(
            text(f"INSERT INTO {BASELINE_TABLE} (id, n) VALUES (:id, 0)"),
            [{"id": index} for index in range(1, rows + 1)],
        )


def single_update_operation(db: Database, rows: int, plan: Plan) -> Operation:
    """One ``UPDATE`` of a random row per transaction, on ``db``'s engine and write lock."""
    generators = [random.Random(plan.seed * 100_019 + index) for index in range(plan.clients)]
    statement = text(f"UPDATE {BASELINE_TABLE} SET n = n + 1 WHERE id = :id")

    async def update_once(row: int) -> None:
        async with db.engine.begin() as connection:
            await connection.execute(statement, {"id": row})

    async def operation(worker: int, _number: int) -> Outcome:
        row = generators[worker].randint(1, rows)
        if db.write_lock is None:
            await update_once(row)
        else:
            async with db.write_lock:
                await update_once(row)
        return "committed"

    return operation
