"""`kopdana check`: the ledger's invariant report on live data, as an operator runs it."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

from sqlalchemy import text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.ledger import AccountKind
from backend.services.ledger import open_account, transfer

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


def run_check(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KOPDANA_DATABASE_URL": database_url, "KOPDANA_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "check"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


async def test_check_passes_on_a_healthy_ledger_and_fails_on_a_tampered_one(
    db: Database, database_url: str
) -> None:
    bank = await open_account(db, code="bank:BRI", kind=AccountKind.BANK_CLEARING)
    wallet = await open_account(db, code="wallet:test", kind=AccountKind.MEMBER_WALLET)
    await transfer(db, from_account_id=bank.id, to_account_id=wallet.id, amount=1_500_000,
                   idempotency_key="deposit:1", now=NOW)

    healthy = run_check(database_url)
    assert healthy.returncode == 0, healthy.stderr
    assert "all invariants hold" in healthy.stdout

    async with UnitOfWork(db) as uow:  # a cached balance drifting from its postings
        await uow.session.execute(
            text("UPDATE ledger_accounts SET balance = balance + 1 WHERE id = :id"),
            {"id": wallet.id},
        )
        await uow.commit()
    tampered = run_check(database_url)
    assert tampered.returncode == 1
    assert "VIOLATION ledger.balance_mismatch" in tampered.stdout
