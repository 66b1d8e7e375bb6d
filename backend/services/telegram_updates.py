"""Exactly-once handling of Telegram updates and the conversation (FSM) state store."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork

PROCESSED_UPDATE_RETENTION = dt.timedelta(days=3)


async def claim_update(db: Database, *, bot_id: int, update_id: int) -> bool:
    """Mark an update as being handled. False means it was handled (or is being) already.

    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` makes concurrent redeliveries race
    safely; check-then-insert was measured applying 318 of 300 (REFERENCE §4).
    """
    async with UnitOfWork(db) as uow:
        claimed = await uow.processed_updates.claim(bot_id, update_id)
        await uow.commit()
        return claimed


async def release_update(db: Database, *, bot_id: int, update_id: int) -> None:
    """Forget a claim whose handling failed, so a redelivery may try again."""
    async with UnitOfWork(db) as uow:
        await uow.processed_updates.release(bot_id, update_id)
        await uow.commit()


async def purge_processed_updates(db: Database, *, now: dt.datetime) -> int:
    """Drop claims older than the retention (Telegram keeps updates 24 h)."""
    async with UnitOfWork(db) as uow:
        count = await uow.processed_updates.purge_claimed_before(now - PROCESSED_UPDATE_RETENTION)
        await uow.commit()
        return count


async def load_conversation(db: Database, *, storage_key: str) -> tuple[str | None, dict[str, Any]]:
    """State name and draft data of one conversation (``(None, {})`` if none)."""
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.conversation_states.get(storage_key)
        if row is None:
            return None, {}
        return row.state, dict(row.data or {})


async def save_conversation_state(db: Database, *, storage_key: str, state: str | None) -> None:
    async with UnitOfWork(db) as uow:
        await uow.conversation_states.upsert(storage_key, {"state": state})
        await uow.commit()


async def save_conversation_data(db: Database, *, storage_key: str, data: dict[str, Any]) -> None:
    async with UnitOfWork(db) as uow:
        await uow.conversation_states.upsert(storage_key, {"data": data})
        await uow.commit()
