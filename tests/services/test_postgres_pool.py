"""PostgreSQL's pool: a pooled connection whose server session died while it sat idle is
replaced at checkout, so the member's next request works instead of failing once."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine.interfaces import DBAPIConnection

from backend.db import engine as engine_module
from backend.db.engine import Database, null_pool_engine
from backend.db.unit_of_work import UnitOfWork


async def backend_pid(db: Database) -> int:
    async with UnitOfWork(db, write=False) as uow:
        return int(await uow.session.scalar(text("SELECT pg_backend_pid()")) or 0)


async def test_an_idle_connection_killed_on_the_server_is_replaced(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's pool only")
    pooled = await backend_pid(db)
    # Another session ends the pooled one, as a server restart or a dropped link would.
    killer = null_pool_engine(str(db.engine.url.render_as_string(hide_password=False)))
    async with killer.connect() as other:
        killed = await other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
    await killer.dispose()
    assert killed

    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)  # it has sat idle long enough
    replaced = await backend_pid(db)

    assert replaced != pooled


async def test_a_recently_used_connection_is_handed_out_without_a_ping(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.is_sqlite:
        pytest.skip("PostgreSQL's pool only")
    pings: list[DBAPIConnection] = []
    dialect = db.engine.sync_engine.dialect
    original = dialect.do_ping

    def counted(dbapi_connection: DBAPIConnection) -> bool:
        pings.append(dbapi_connection)
        return original(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    first = await backend_pid(db)
    assert await backend_pid(db) == first
    assert pings == []
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
    assert await backend_pid(db) == first
    assert len(pings) == 1
