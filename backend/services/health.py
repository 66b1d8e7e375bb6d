"""Liveness checks used by the admin web and the CLI."""

from __future__ import annotations

from sqlalchemy import text

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork


async def check_database(db: Database) -> None:
    """Run a trivial query; raises if the database cannot answer."""
    async with UnitOfWork(db, write=False) as uow:
        await uow.session.execute(text("SELECT 1"))
