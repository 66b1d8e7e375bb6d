"""Engine construction for SQLite (embedded default) and PostgreSQL.

SQLite follows the measured recipe in REFERENCE §3: the driver's own transaction
handling is switched off (``isolation_level = None``) so SQLAlchemy's ``begin`` event
decides, WAL journal, ``synchronous=FULL``, foreign keys on, ``busy_timeout`` and
``BEGIN IMMEDIATE`` for every write transaction. Read-only units of work use a plain
deferred ``BEGIN`` so they never block writers. One in-process lock serialises writers
(it cut p99 latency ten-fold in the measurement).

PostgreSQL runs at READ COMMITTED; services lock rows explicitly where money moves. Pooled
connections are pinged only after sitting idle (``_ping_idle_connections``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

WRITE_OPTION = "kopdana_write"


def _configure_sqlite(engine: AsyncEngine) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself; the driver's default lets reads run
        # outside the transaction (measured: money created under load).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE_OPTION, True)
        statement = "BEGIN IMMEDIATE" if write else "BEGIN"
        # Straight to aiosqlite in one trip to its thread (run_async is SQLAlchemy's public
        # way to await the driver from a sync event): through the adapter's cursor a BEGIN
        # costs three, and a writer holds the write lock through them (ledger bench).
        connection.connection.dbapi_connection.run_async(
            lambda driver: driver.execute_fetchall(statement)
        )

    @event.listens_for(sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: Any) -> None:
        # A connection returns to the pool after every unit of work, and the pool's default
        # reset is a ROLLBACK: one more trip to aiosqlite's thread, on a writer still inside
        # the write lock (measured in the ledger bench). SQLite knows whether a transaction
        # is open, so roll back only then (the engine is built with pool_reset_on_return=None).
        if state.terminate_only:
            return  # the connection is being closed, not reused
        if dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """Create the async engine for ``database_url`` with kopdana's connection rules."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            from pathlib import Path

            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url, echo=echo, connect_args={"timeout": 30}, pool_reset_on_return=None
        )
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=10,
        max_overflow=20,
        isolation_level="READ COMMITTED",
    )
    _ping_idle_connections(engine)
    return engine


IDLE_PING_SECONDS = 30.0
"""A pooled PostgreSQL connection idle longer than this is pinged before it is handed out."""


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Ping a pooled connection at checkout only when it sat idle (pessimistic disconnects).

    ``pool_pre_ping`` pings at every checkout, and asyncpg's ping is three round trips
    (BEGIN, a no-op query, ROLLBACK): it doubled the round trips of a ledger transfer
    (docs/BENCHMARKS.md). A connection used in the last ``IDLE_PING_SECONDS`` is handed out
    as is; one that sat longer (a server restart or a dropped TCP session is likelier) is
    pinged, and on failure the pool is told to discard it and connect afresh
    (``DisconnectionError``). A server dying while a connection is in use still fails that
    unit of work once, and it rolls back like any error.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < IDLE_PING_SECONDS:
            return
        try:
            sync_engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            raise DisconnectionError("idle connection failed its ping") from error


@dataclass
class Database:
    """The database handle every service receives: engine, session factories, write lock."""

    engine: AsyncEngine
    write_lock: asyncio.Lock | None = field(default=None)

    def __post_init__(self) -> None:
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        if self.is_sqlite and self.write_lock is None:
            self.write_lock = asyncio.Lock()
        write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        read_engine = self.engine.execution_options(**{WRITE_OPTION: False})
        self.write_sessions = async_sessionmaker(write_engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(read_engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, database_url: str, *, echo: bool = False) -> Database:
        return cls(create_engine(database_url, echo=echo))

    async def dispose(self) -> None:
        await self.engine.dispose()


def null_pool_engine(database_url: str) -> AsyncEngine:
    """An engine without pooling, for one-shot commands such as migrations."""
    return create_async_engine(database_url, poolclass=NullPool)
