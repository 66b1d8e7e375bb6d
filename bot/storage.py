"""aiogram FSM storage kept in the application database (the default).

Reads are served from a small in-process cache and every write goes through to the
database, so conversation state survives restarts and costs no read transaction per
update. That is safe because this storage is paired with in-process event isolation:
it is for one bot process. Several bot processes use Redis for both
(``KOPDANA_REDIS_URL``, see ``bot/dispatcher.py``).
"""

from __future__ import annotations

from collections import OrderedDict
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

from backend.services import Database
from backend.services.telegram_updates import (
    load_conversation,
    save_conversation_data,
    save_conversation_state,
)

Conversation = tuple[str | None, dict[str, Any]]


class DatabaseStorage(BaseStorage):
    """Conversation state and draft answers in the ``conversation_states`` table."""

    def __init__(
        self, db: Database, key_builder: KeyBuilder | None = None, *, cache_size: int = 10_000
    ) -> None:
        self.db = db
        self.key_builder = key_builder or DefaultKeyBuilder(with_bot_id=True)
        self._cache: OrderedDict[str, Conversation] = OrderedDict()
        self._cache_size = cache_size

    async def _load(self, storage_key: str) -> Conversation:
        cached = self._cache.get(storage_key)
        if cached is None:
            cached = await load_conversation(self.db, storage_key=storage_key)
        self._remember(storage_key, cached)
        return cached

    def _remember(self, storage_key: str, conversation: Conversation) -> None:
        self._cache[storage_key] = conversation
        self._cache.move_to_end(storage_key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        storage_key = self.key_builder.build(key)
        name = state.state if isinstance(state, State) else state
        _, data = await self._load(storage_key)
        await save_conversation_state(self.db, storage_key=storage_key, state=name)
        self._remember(storage_key, (name, data))

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._load(self.key_builder.build(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        storage_key = self.key_builder.build(key)
        state, _ = await self._load(storage_key)
        await save_conversation_data(self.db, storage_key=storage_key, data=dict(data))
        self._remember(storage_key, (state, dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._load(self.key_builder.build(key))
        return dict(data)  # a copy: callers may mutate what they get

    async def close(self) -> None:
        """The database is owned by the composition root, which disposes it."""
