"""aiogram FSM storage kept in the application database (the default).

It survives restarts and works with several processes sharing one PostgreSQL, but
the event isolation that matches it is in-process; deployments with several bot
processes use Redis for both (``KOPDANA_REDIS_URL``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from backend.db.engine import Database
from backend.services.telegram_updates import (
    load_conversation,
    save_conversation_data,
    save_conversation_state,
)


class DatabaseStorage(BaseStorage):
    """Conversation state and draft answers in the ``conversation_states`` table."""

    def __init__(self, db: Database, key_builder: KeyBuilder | None = None) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        name = state.state if isinstance(state, State) else state
        await save_conversation_state(self.db, storage_key=self.key_builder.build(key), state=name)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await load_conversation(self.db, storage_key=self.key_builder.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await save_conversation_data(
            self.db, storage_key=self.key_builder.build(key), data=dict(data)
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await load_conversation(self.db, storage_key=self.key_builder.build(key))
        return data

    async def close(self) -> None:
        """The database is owned by the composition root, which disposes it."""
