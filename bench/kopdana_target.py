"""kopdana under test: a fresh, migrated, demo-seeded database and the real ``WebhookRunner``.

SQLite gets a new file in a temporary directory. PostgreSQL gets its database created if
missing and its ``public`` schema dropped and migrated from scratch, so only databases
whose name contains ``bench`` are accepted (a typo must not wipe real data).
"""

from __future__ import annotations

import datetime as dt
import secrets
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from backend.db.engine import Database, null_pool_engine
from backend.db.migrate import upgrade_database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.members import Role
from backend.services.demo import DEMO_MEMBERS, seed_demo
from backend.services.members import register_member
from backend.settings import Settings
from bot.runners import WebhookRunner

FIRST_BENCH_MEMBER_ID = 710_000_001
BENCH_BRANCH = "JKT01"
# Women born 17 Aug 1990 in Jakarta Selatan; serials from 1001 stay clear of the demo's.
NIK_PREFIX = "317405570890"
BIRTH_DATE = dt.date(1990, 8, 17)
FIRST_NIK_SERIAL = 1001
MAX_BENCH_MEMBERS = 9999 - FIRST_NIK_SERIAL


@dataclass
class DbCounter:
    """Counts transactions and SQL statements (BEGIN excluded) on an engine, per window."""

    transactions: int = 0
    statements: int = 0
    _counting: bool = False

    def attach(self, db: Database) -> None:
        """Listen on the engine behind every session of ``db``."""
        sync_engine = db.engine.sync_engine
        event.listen(sync_engine, "begin", self._on_begin)
        event.listen(sync_engine, "before_cursor_execute", self._on_execute)

    def _on_begin(self, _connection: Any) -> None:
        if self._counting:
            self.transactions += 1

    def _on_execute(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self._counting and not statement.lstrip().upper().startswith("BEGIN"):
            self.statements += 1

    def begin(self) -> None:
        self.transactions = self.statements = 0
        self._counting = True

    def end(self) -> None:
        self._counting = False


def describe_database(url: str) -> str:
    """A short, password-free name of the database for the report."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return "SQLite (aiosqlite, fresh file in a temp dir)"
    where = f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
    return f"PostgreSQL ({parsed.drivername}, {where})"


async def prepare_postgres(url: str) -> None:
    """Create the database if missing, drop and recreate ``public``, migrate to head."""
    parsed = make_url(url)
    if "bench" not in (parsed.database or ""):
        raise SystemExit(
            f"refusing to drop the schema of {parsed.database!r}: "
            "use a database whose name contains 'bench' (e.g. kopdana_bench)"
        )
    admin = null_pool_engine(parsed.set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            exists = await connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            )
            if not exists:
                await connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    finally:
        await admin.dispose()
    engine = null_pool_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()
    await upgrade_database(url)


async def _branch_id(db: Database, code: str) -> int:
    async with UnitOfWork(db, write=False) as uow:
        branch = await uow.branches.get_by_code(code)
    if branch is None:
        raise RuntimeError(f"branch {code} missing; was the demo data seeded?")
    return branch.id


async def register_bench_members(db: Database, count: int, *, today: dt.date) -> list[int]:
    """Register ``count`` extra members with valid data; return their Telegram ids."""
    if count > MAX_BENCH_MEMBERS:
        raise ValueError(f"at most {MAX_BENCH_MEMBERS} extra members")
    branch = await _branch_id(db, BENCH_BRANCH)
    ids: list[int] = []
    for index in range(count):
        telegram_id = FIRST_BENCH_MEMBER_ID + index
        await register_member(
            db,
            telegram_user_id=telegram_id,
            telegram_username=None,
            full_name="Anggota Uji Beban",
            nik=NIK_PREFIX + f"{FIRST_NIK_SERIAL + index:04d}",
            birth_date=BIRTH_DATE,
            phone=f"+6281255{index:06d}",
            branch_id=branch,
            address="Jl. Melati No. 5, RT 01/RW 02, Kebayoran Baru, Jakarta Selatan",
            bank_name="BRI",
            bank_account_number=f"0099{index:08d}",
            bank_account_holder="Anggota Uji Beban",
            roles=[Role.BORROWER if index % 2 else Role.FINANCIER],
            today=today,
        )
        ids.append(telegram_id)
    return ids


async def seeded_member_ids(db: Database, users: int) -> list[int]:
    """Seed the demo data and enough members that every simulated user is registered."""
    today = dt.date.today()
    await seed_demo(db, today=today)
    demo_ids = [member.telegram_user_id for member in DEMO_MEMBERS]
    extra = await register_bench_members(db, max(users - len(demo_ids), 0), today=today)
    return (demo_ids + extra)[:users]


def kopdana_settings(
    database_url: str, api_url: str, bot_token: str, port: int
) -> Settings:
    """Settings for webhook mode against the sandbox, as the conversation tests build them."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "bot_token": SecretStr(bot_token),
        "telegram_api_url": api_url,
        "redis_url": None,
        "default_locale": "id",
        "bot_mode": "webhook",
        "webhook_host": "127.0.0.1",
        "webhook_port": port,
        "webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
        "webhook_secret": SecretStr(secrets.token_urlsafe(24)),
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class KopdanaDeployment:
    """What the harness needs from a prepared kopdana: its database and member ids."""

    database_url: str
    db: Database
    member_ids: list[int]


@asynccontextmanager
async def kopdana_database(
    database_url: str | None, users: int
) -> AsyncIterator[KopdanaDeployment]:
    """A migrated, seeded database: a temp SQLite file, or the given PostgreSQL URL."""
    with tempfile.TemporaryDirectory(prefix="kopdana-bench-") as directory:
        if database_url is None:
            url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.sqlite3'}"
            await upgrade_database(url)
        else:
            url = database_url
            await prepare_postgres(url)
        db = Database.from_url(url)
        try:
            member_ids = await seeded_member_ids(db, users)
            yield KopdanaDeployment(database_url=url, db=db, member_ids=member_ids)
        finally:
            await db.dispose()


@asynccontextmanager
async def running_kopdana(settings: Settings, db: Database) -> AsyncIterator[WebhookRunner]:
    """kopdana's own ``WebhookRunner``, started and stopped around the block."""
    runner = WebhookRunner(settings, db)
    await runner.start()
    try:
        yield runner
    finally:
        await runner.stop()
