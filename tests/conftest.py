"""Shared fixtures: a real, migrated database per test (SQLite by default, PostgreSQL when
``KOPDANA_TEST_DATABASE_URL`` is set) and switches for the service-backed variants.

``KOPDANA_REQUIRE_SERVICES=1`` (set by ``.ci/run``) turns "Redis not configured" from
a skip into a failure, so CI can never pass by skipping it; ``scripts/test.sh`` does the
same for PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backend.db.engine import Database, null_pool_engine
from backend.db.migrate import upgrade_database
from backend.db.models import Base
from backend.services.demo import seed_demo

POSTGRES_URL = os.environ.get("KOPDANA_TEST_DATABASE_URL") or None
REDIS_URL = os.environ.get("KOPDANA_TEST_REDIS_URL") or None
REQUIRE_SERVICES = os.environ.get("KOPDANA_REQUIRE_SERVICES") == "1"
TODAY = dt.date(2026, 11, 25)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "redis" in item.keywords and REDIS_URL is None:
            reason = "KOPDANA_TEST_REDIS_URL not set"
            item.add_marker(pytest.mark.skip(reason=reason))


def pytest_sessionstart(session: pytest.Session) -> None:
    if REQUIRE_SERVICES and REDIS_URL is None:
        raise pytest.UsageError("KOPDANA_REQUIRE_SERVICES=1 but KOPDANA_TEST_REDIS_URL is unset")


async def _prepare_postgres(url: str) -> None:
    """Create the test database if needed and bring it to the latest migration."""
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
        # A fresh schema each session, so migrations are exercised from scratch.
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()
    await upgrade_database(url)


async def _truncate_postgres(url: str) -> None:
    engine = null_pool_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        # The audit log refuses TRUNCATE by trigger; tests start from nothing anyway.
        await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database to copy (SQLite) or to truncate (PostgreSQL) for each test."""
    if POSTGRES_URL:
        asyncio.run(_prepare_postgres(POSTGRES_URL))
        yield POSTGRES_URL
        return
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(upgrade_database(f"sqlite+aiosqlite:///{path}"))
    yield str(path)


@pytest.fixture
async def database_url(_migrated_template: str, tmp_path: Path) -> str:
    """A URL of an empty, fully migrated database for this test alone."""
    if POSTGRES_URL:
        await _truncate_postgres(POSTGRES_URL)
        return POSTGRES_URL
    target = tmp_path / "kopdana.sqlite3"
    shutil.copyfile(_migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


@pytest.fixture
async def seeded_db(db: Database) -> Database:
    """The database with the demo branches and members."""
    await seed_demo(db, today=TODAY)
    return db
