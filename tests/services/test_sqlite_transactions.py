"""SQLite's transaction rules as the engine sets them up (REFERENCE §3): a write unit of work
takes the write lock at its start (``BEGIN IMMEDIATE``), a read one never blocks a writer, and a
connection goes back to the pool with no transaction left open."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork


@pytest.fixture
def sqlite_file(db: Database) -> str:
    if not db.is_sqlite:
        pytest.skip("SQLite's locking only")
    path = make_url(str(db.engine.url)).database
    assert path
    return path


def other_process_may_write(path: str) -> bool:
    """Whether another connection (as another process would) can start writing right now."""
    other = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    finally:
        other.close()


async def test_a_write_unit_of_work_holds_the_write_lock_from_its_first_read(
    db: Database, sqlite_file: str
) -> None:
    async with UnitOfWork(db) as uow:
        await uow.session.execute(text("SELECT count(*) FROM members"))
        # Only read so far, yet nobody else may write: the balance it read stays true.
        assert not other_process_may_write(sqlite_file)
    assert other_process_may_write(sqlite_file)


async def test_a_read_unit_of_work_never_blocks_a_writer(db: Database, sqlite_file: str) -> None:
    async with UnitOfWork(db, write=False) as uow:
        await uow.session.execute(text("SELECT count(*) FROM members"))
        assert other_process_may_write(sqlite_file)


async def test_connections_return_to_the_pool_with_no_transaction_open(
    db: Database, sqlite_file: str
) -> None:
    for write in (True, False):
        with pytest.raises(RuntimeError):
            async with UnitOfWork(db, write=write) as uow:
                await uow.session.execute(text("SELECT 1"))
                raise RuntimeError("the unit of work fails half-way")
        assert other_process_may_write(sqlite_file)
        async with db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert raw.driver_connection is not None
            assert not raw.driver_connection.in_transaction
