"""Periodic jobs that run beside the bot in every bot process.

* purge old Telegram update claims (hourly);
* expire cash-in requests past their deadline (``KOPDANA_DEPOSIT_EXPIRY_INTERVAL_SECONDS``);
* check the ledger's invariants and keep the outcome for the reconciliation page
  (``KOPDANA_LEDGER_CHECK_INTERVAL_SECONDS``); a violation is logged at ERROR and audited.

Several bot processes may run the same job at once: each job is safe under concurrency
(conditional updates; the check only reads and appends its outcome). A failing job is
logged and retried at its next tick; it never takes the bot down.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from backend.db.engine import Database
from backend.services.telegram_updates import purge_processed_updates
from backend.services.wallet import expire_deposits
from backend.services.wallet_settings import run_and_record_check
from backend.settings import Settings

log = logging.getLogger(__name__)
PURGE_INTERVAL = 3600.0

Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    interval: float  # seconds between runs; the first run is right at start
    run: Callable[[Database, dt.datetime], Awaitable[object]]


async def _purge(db: Database, now: dt.datetime) -> object:
    return await purge_processed_updates(db, now=now)


async def _expire(db: Database, now: dt.datetime) -> object:
    expired = await expire_deposits(db, now=now)
    if expired:
        log.info("expired %d deposit requests", expired)
    return expired


async def _check(db: Database, now: dt.datetime) -> object:
    report = await run_and_record_check(db, now=now)
    if not report.ok:
        for violation in report.violations:
            log.error("LEDGER VIOLATION %s: %s", violation.code, dict(violation.details))
    return report.ok


def default_jobs(settings: Settings) -> tuple[Job, ...]:
    jobs = [
        Job("purge-update-claims", PURGE_INTERVAL, _purge),
        Job("expire-deposits", settings.deposit_expiry_interval_seconds, _expire),
        Job("ledger-check", settings.ledger_check_interval_seconds, _check),
    ]
    return tuple(job for job in jobs if job.interval > 0)


class PeriodicJobs:
    """Runs each job every ``interval`` seconds on its own task until ``stop()``."""

    def __init__(self, db: Database, jobs: tuple[Job, ...], *, clock: Clock = utc_now) -> None:
        self.db = db
        self.jobs = jobs
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=job.name) for job in self.jobs]

    async def run_once(self, name: str) -> object:
        """Run one job now (tests, and anyone who does not want to wait for the tick)."""
        job = next(job for job in self.jobs if job.name == name)
        return await job.run(self.db, self.clock())

    async def _loop(self, job: Job) -> None:
        while True:
            try:
                await job.run(self.db, self.clock())
            except Exception:  # a job must never take the bot down
                log.exception("periodic job %s failed", job.name)
            await asyncio.sleep(job.interval)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
