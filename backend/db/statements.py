"""Dialect-aware statement helpers shared by the services (PostgreSQL and SQLite)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstrumentedAttribute

from backend.db.unit_of_work import UnitOfWork


def upsert_insert(uow: UnitOfWork, model: Any) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` of the session's dialect, so ``on_conflict_do_nothing`` is available."""
    if uow.session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)


def rowcount(result: Any) -> int:
    """Rows matched by an ``UPDATE``/``DELETE`` result."""
    return cast(CursorResult[Any], result).rowcount


async def insert_ignoring_conflicts(
    uow: UnitOfWork, model: Any, values: dict[str, Any], *, returning: InstrumentedAttribute[Any]
) -> Any | None:
    """Insert one row unless it clashes with any unique constraint; the new ``returning``
    value, or None on a clash (the transaction stays usable, unlike after an IntegrityError)."""
    statement = (
        upsert_insert(uow, model).values(**values).on_conflict_do_nothing().returning(returning)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none()
