"""The periodic jobs every bot process runs: deposit expiry and the ledger check."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import select, text

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.wallet import DepositStatus
from backend.services import wallet
from backend.services.wallet_settings import check_run_is_stale, last_check_run
from backend.settings import Settings
from bot.jobs import Job, PeriodicJobs, default_jobs
from tests.wallet_factories import NOW, receiving_account, verified_financier


def jobs_at(db: Database, moment: dt.datetime) -> PeriodicJobs:
    return PeriodicJobs(db, default_jobs(Settings()), clock=lambda: moment)


async def test_expiry_job_expires_overdue_deposits(seeded_db: Database) -> None:
    member = await verified_financier(seeded_db)
    await receiving_account(seeded_db)
    deposit = await wallet.start_deposit(
        seeded_db, member_id=member.id, amount=500_000, request_key="job", now=NOW
    )
    assert await jobs_at(seeded_db, NOW + dt.timedelta(hours=1)).run_once("expire-deposits") == 0
    assert await jobs_at(seeded_db, NOW + dt.timedelta(days=1)).run_once("expire-deposits") == 1
    view = await wallet.get_deposit(seeded_db, member_id=member.id, deposit_id=deposit.id)
    assert view.status is DepositStatus.EXPIRED


async def test_ledger_check_job_records_each_run_and_audits_a_violation(
    seeded_db: Database,
) -> None:
    interval = dt.timedelta(minutes=10)
    assert check_run_is_stale(await last_check_run(seeded_db), now=NOW, interval=interval)
    assert await jobs_at(seeded_db, NOW).run_once("ledger-check") is True
    run = await last_check_run(seeded_db)
    assert run is not None and run.ok and run.violations == 0
    assert not check_run_is_stale(run, now=NOW + interval, interval=interval)

    member = await verified_financier(seeded_db)
    account = await receiving_account(seeded_db)
    await wallet.start_deposit(
        seeded_db, member_id=member.id, amount=500_000, request_key="t", now=NOW
    )
    async with UnitOfWork(seeded_db) as uow:  # tamper: a balance nobody posted
        await uow.session.execute(
            text("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :id"),
            {"id": account.ledger_account_id},
        )
        await uow.commit()
    later = NOW + interval
    assert await jobs_at(seeded_db, later).run_once("ledger-check") is False
    run = await last_check_run(seeded_db)
    assert run is not None and not run.ok and run.violations >= 1
    async with UnitOfWork(seeded_db, write=False) as uow:
        actions = list(await uow.session.scalars(select(AuditEntry.action)))
    assert "ledger.check_failed" in actions


async def test_a_failing_job_is_retried_and_does_not_stop_the_others(db: Database) -> None:
    calls = {"bad": 0, "good": 0}

    async def bad(_db: Database, _now: dt.datetime) -> object:
        calls["bad"] += 1
        raise RuntimeError("boom")

    async def good(_db: Database, _now: dt.datetime) -> object:
        calls["good"] += 1
        return None

    jobs = PeriodicJobs(db, (Job("bad", 0.01, bad), Job("good", 0.01, good)))
    jobs.start()
    await asyncio.sleep(0.2)
    await jobs.stop()
    assert calls["bad"] >= 2 and calls["good"] >= 2


def test_an_interval_of_zero_switches_a_job_off() -> None:
    names = {job.name for job in default_jobs(Settings(ledger_check_interval_seconds=0))}
    assert "ledger-check" not in names and "expire-deposits" in names
