"""kill -9 mid-flight, restart, the books still hold (SQLite file; PostgreSQL when given).

The worker (``tests.crash.worker``) runs wallet operations back to back through the
services: deposits requested and confirmed (with what really arrived), rejected,
cancelled, left open and confirmed late, expired by the job; withdrawals requested and
paid, approved by one staff user and paid by another, rejected, cancelled, left open and
settled later. Each round starts it, waits a random 0.2–1.5 s once it is connected, and
kills it with SIGKILL: most kills land inside a transaction or between the steps of an
operation. After every kill, on the state the kill left:

* ``check_ledger`` (what ``kopdana check`` runs) reports no violation, and no request is
  half-applied (``tests.wallet_support.consistency_problems``: each confirmed deposit has
  its credit and no other has one; each open withdrawal's hold is pending, each paid one
  posted, each rejected/cancelled one voided; no wallet money without its request;
  Σ wallet balances = Σ confirmed deposits − Σ paid withdrawals; Σ held = Σ open
  withdrawals);
* ``kopdana check`` itself, as a subprocess, exits 0 after the first kill, every
  ``KOPDANA_CRASH_CLI_EVERY``-th (default 5; 1 = every kill) and the last. It is not run
  after every kill by default only because the CLI needs several seconds of CPU to start
  (it imports aiogram), which would make the test minutes long.

The next start redoes the interrupted operation (its committed steps are replays) and the
two before it (which must be pure replays). At the end the worker finishes the
interrupted operation and stops; every member's balance and held amount and every
request's status must then be exactly those of the worker's own model after that many
operations: nothing lost, nothing applied twice, across all the kills.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backend.db.engine import Database, null_pool_engine
from backend.db.migrate import upgrade_database
from backend.db.unit_of_work import UnitOfWork
from backend.services.ledger_checks import check_ledger
from tests.crash import worker
from tests.wallet_support import consistency_problems

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_URL = os.environ.get("KOPDANA_TEST_DATABASE_URL") or None
MAX_ROUNDS = 15
ROUNDS_BUDGET = 30.0  # seconds: no new round starts after this
MIN_ROUNDS = 5  # ... unless fewer have run
KILL_AFTER = (0.2, 1.5)  # seconds after the worker is connected
READY_TIMEOUT = 90.0  # a cold start on a loaded machine is slow; a hang is not
CLI_EVERY = int(os.environ.get("KOPDANA_CRASH_CLI_EVERY") or 5)
SEED = int(os.environ.get("KOPDANA_CRASH_SEED") or random.randrange(1_000_000))


# ------------------------------------------------------------------------ databases


async def _fresh_postgres(url: str) -> None:
    """Create the worker's own database if needed, empty it and migrate it."""
    parsed = make_url(url)
    admin = null_pool_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        exists = await connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
        )
        if not exists:
            await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    await admin.dispose()
    engine = null_pool_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await upgrade_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def crash_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database only the worker and this test use."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'crash.sqlite3'}"
        asyncio.run(upgrade_database(url))
        return url
    if POSTGRES_URL is None:
        pytest.skip("KOPDANA_TEST_DATABASE_URL not set")
    parsed = make_url(POSTGRES_URL)
    url = parsed.set(database=f"{parsed.database}_worker").render_as_string(hide_password=False)
    asyncio.run(_fresh_postgres(url))
    return url


# ------------------------------------------------------------------------ the worker


@dataclass
class Workers:
    """Starts worker processes and makes sure none outlives the test."""

    database_url: str
    state: Path
    logs: Path
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, *extra: str) -> subprocess.Popen[str]:
        log = self.logs / f"worker-{len(self.started)}.log"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.crash.worker",
                    "--database-url",
                    self.database_url,
                    "--state",
                    str(self.state),
                    "--seed",
                    str(SEED),
                    *extra,
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
                env={**os.environ, "KOPDANA_LOG_LEVEL": "WARNING"},
            )
        self.started.append(process)
        return process

    def logs_text(self) -> list[str]:
        return [(self.logs / f"worker-{n}.log").read_text() for n in range(len(self.started))]

    def log_of(self, process: subprocess.Popen[str]) -> str:
        return (self.logs / f"worker-{self.started.index(process)}.log").read_text()[-4000:]

    def wait_ready(self, process: subprocess.Popen[str]) -> int:
        """Block until the worker says ``ready <next>``; return ``next``."""
        line = _read_line(process.stdout, READY_TIMEOUT)
        if not line.startswith("ready "):
            process.kill()
            process.wait()
            pytest.fail(f"worker not ready (exit {process.returncode}): {self.log_of(process)}")
        return int(line.split()[1])

    def kill_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=30)
            if process.stdout:
                process.stdout.close()


def _read_line(stream: IO[str] | None, timeout: float) -> str:
    assert stream is not None
    ready, _, _ = select.select([stream], [], [], timeout)
    return stream.readline().strip() if ready else ""


@pytest.fixture
def workers(crash_database_url: str, tmp_path: Path) -> Iterator[Workers]:
    pool = Workers(crash_database_url, tmp_path / "worker-state.json", tmp_path)
    try:
        yield pool
    finally:
        pool.kill_all()  # no orphan, whatever happened


def run_cli_check(database_url: str) -> subprocess.CompletedProcess[str]:
    """``kopdana check`` as an operator runs it."""
    script = Path(sys.executable).with_name("kopdana")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]
    env = {**os.environ, "KOPDANA_DATABASE_URL": database_url, "KOPDANA_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [*command, "check"], env=env, capture_output=True, text=True, timeout=180, check=False
    )


# ------------------------------------------------------------------------ the checks


async def _post_crash_problems(database_url: str, member_ids: list[int]) -> list[str]:
    db = Database.from_url(database_url)
    try:
        report = await check_ledger(db)
        problems = [f"{v.code}: {dict(v.details)}" for v in report.violations]
        return problems + await consistency_problems(db, member_ids)
    finally:
        await db.dispose()


@dataclass
class FinalState:
    balances: list[int]
    held: list[int]
    deposits: dict[str, tuple[str, int | None]]
    withdrawals: dict[str, str]
    entries: int


async def _final_state(database_url: str, member_ids: list[int]) -> FinalState:
    db = Database.from_url(database_url)
    try:
        async with UnitOfWork(db, write=False) as uow:
            accounts = {
                row[0]: (row[1], row[2])
                for row in await uow.session.execute(
                    text(
                        "SELECT member_id, balance, held FROM ledger_accounts "
                        "WHERE kind = 'member_wallet'"
                    )
                )
            }
            deposits = {
                row[0]: (row[1], row[2])
                for row in await uow.session.execute(
                    text(
                        "SELECT request_key, status, received_amount FROM deposit_requests "
                        "WHERE request_key LIKE 'crash-%'"
                    )
                )
            }
            withdrawals = {
                row[0]: row[1]
                for row in await uow.session.execute(
                    text(
                        "SELECT request_key, status FROM withdrawal_requests "
                        "WHERE request_key LIKE 'crash-%'"
                    )
                )
            }
            entries = int(
                await uow.session.scalar(text("SELECT COUNT(*) FROM journal_entries")) or 0
            )
    finally:
        await db.dispose()
    return FinalState(
        balances=[accounts.get(m, (0, 0))[0] for m in member_ids],
        held=[accounts.get(m, (0, 0))[1] for m in member_ids],
        deposits=deposits,
        withdrawals=withdrawals,
        entries=entries,
    )


async def _member_ids(database_url: str) -> list[int]:
    db = Database.from_url(database_url)
    try:
        return await worker.member_ids(db)
    finally:
        await db.dispose()


# ------------------------------------------------------------------------ the test


def test_kill_9_mid_flight_loses_nothing_and_applies_nothing_twice(
    workers: Workers, crash_database_url: str, request: pytest.FixtureRequest
) -> None:
    label = request.node.callspec.params["crash_database_url"]
    rng = random.Random(SEED)
    setup = workers.start("--setup")
    assert setup.wait(timeout=180) == 0, workers.log_of(setup)
    member_ids = asyncio.run(_member_ids(crash_database_url))

    progress: list[int] = []  # the next operation after each kill
    cli_checked: list[int] = []
    began = time.monotonic()
    rounds = 0
    while rounds < MAX_ROUNDS and (rounds < MIN_ROUNDS or time.monotonic() - began < ROUNDS_BUDGET):
        rounds += 1
        process = workers.start()
        workers.wait_ready(process)
        time.sleep(rng.uniform(*KILL_AFTER))
        process.kill()
        returncode = process.wait(timeout=30)
        assert returncode == -signal.SIGKILL, (
            f"round {rounds}: the worker stopped by itself ({returncode}): "
            f"{workers.log_of(process)}"
        )
        progress.append(worker.read_next(workers.state))

        problems = asyncio.run(_post_crash_problems(crash_database_url, member_ids))
        assert problems == [], f"after kill {rounds} (next op {progress[-1]}): {problems}"
        if rounds == 1 or rounds % CLI_EVERY == 0:
            cli = run_cli_check(crash_database_url)
            assert cli.returncode == 0, f"after kill {rounds}: {cli.stdout}{cli.stderr}"
            assert "all invariants hold" in cli.stdout
            cli_checked.append(rounds)
    rounds_seconds = time.monotonic() - began

    # Finish the interrupted operation and stop: the books must be the model's exactly.
    interrupted = worker.read_next(workers.state)
    finisher = workers.start("--until", str(interrupted + 1))
    assert workers.wait_ready(finisher) == interrupted
    summary_line = _read_line(finisher.stdout, READY_TIMEOUT)
    assert finisher.wait(timeout=60) == 0, workers.log_of(finisher)
    summary = json.loads(summary_line)
    cli = run_cli_check(crash_database_url)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    cli_checked.append(rounds + 1)

    done = summary["next"]
    planner = worker.Planner(SEED)
    planner.run(done)
    model = planner.model
    final = asyncio.run(_final_state(crash_database_url, member_ids))
    assert asyncio.run(_post_crash_problems(crash_database_url, member_ids)) == []
    assert final.balances == model.balance
    assert final.held == model.held
    assert final.deposits == {
        worker.request_key(i): (d.status, d.received if d.status == "confirmed" else None)
        for i, d in model.deposits.items()
    }
    assert final.withdrawals == {
        worker.request_key(i): w.status for i, w in model.withdrawals.items()
    }

    per_round = [b - a for a, b in zip([0, *progress], progress, strict=False)]
    # What each kill left of the operation it interrupted, from the next start's log (the
    # setup and the first round follow no kill).
    resumed = re.findall(r"resumed \d+: (\d+) of (\d+) steps", "".join(workers.logs_text()[2:]))
    between = sum(0 < int(part) < int(whole) for part, whole in resumed)
    after = sum(int(part) == int(whole) for part, whole in resumed)
    print(
        f"\n[{label}] seed {SEED}: {rounds} kill rounds in {rounds_seconds:.1f} s, "
        f"{done} operations committed ({len(final.deposits)} deposits, "
        f"{len(final.withdrawals)} withdrawals, {final.entries} journal entries); "
        f"operations per round {per_round}; kills between two steps of an operation "
        f"{between}, after its last step but before the progress file {after}, before its "
        f"first commit or inside a transaction {len(resumed) - between - after}; "
        f"kopdana check after rounds {cli_checked} "
        f"(last = after finishing); final resume replayed {summary['replayed_steps']} steps"
    )
    assert done > 0, "the worker never completed an operation"
