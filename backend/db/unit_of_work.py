"""Unit of work: one transaction, rolled back unless the service commits it.

Services open one per intention::

    async with UnitOfWork(db) as uow:
        member = await uow.members.get_by_telegram_id(telegram_user_id)
        ...
        await uow.commit()

Repositories hang off the unit of work and never commit. On SQLite, write units
take the process-wide write lock for their whole life (DESIGN §4).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TypeVar

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.engine import Database
from backend.db.repositories import (
    BranchRepository,
    ConversationStateRepository,
    MemberRepository,
    ProcessedUpdateRepository,
    TelegramUserRepository,
)

T = TypeVar("T")

# PostgreSQL: serialization_failure, deadlock_detected. SQLite: "database is locked".
_RETRYABLE_SQLSTATES = {"40001", "40P01"}


class UnitOfWork:
    """A transaction scope with the repositories bound to its session."""

    session: AsyncSession

    def __init__(self, db: Database, *, write: bool = True) -> None:
        self._db = db
        self._write = write
        self._committed = False
        self._holds_lock = False

    async def __aenter__(self) -> UnitOfWork:
        lock = self._db.write_lock
        if self._write and lock is not None:
            await lock.acquire()
            self._holds_lock = True
        factory = self._db.write_sessions if self._write else self._db.read_sessions
        self.session = factory()
        self.members = MemberRepository(self.session)
        self.branches = BranchRepository(self.session)
        self.telegram_users = TelegramUserRepository(self.session)
        self.processed_updates = ProcessedUpdateRepository(self.session)
        self.conversation_states = ConversationStateRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            # close() rolls back what was not committed; an explicit rollback would also
            # expire loaded objects, which read-only units hand back as values.
            if self._write and not self._committed:
                await self.session.rollback()
            await self.session.close()
        finally:
            if self._holds_lock and self._db.write_lock is not None:
                self._db.write_lock.release()
                self._holds_lock = False

    async def commit(self) -> None:
        await self.session.commit()
        self._committed = True

    async def rollback(self) -> None:
        await self.session.rollback()


def is_retryable(error: BaseException) -> bool:
    """True for transient conflicts worth retrying: deadlocks, serialization, locked DB."""
    if isinstance(error, DBAPIError):
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if code in _RETRYABLE_SQLSTATES:
            return True
        if isinstance(error, OperationalError) and "database is locked" in str(error.orig):
            return True
    return False


async def with_retries(
    operation: Callable[[], Awaitable[T]], *, attempts: int = 5, base_delay: float = 0.02
) -> T:
    """Run ``operation`` (which opens its own unit of work), retrying transient conflicts."""
    for attempt in range(1, attempts + 1):
        try:
            return await operation()
        except DBAPIError as error:
            if attempt == attempts or not is_retryable(error):
                raise
            await asyncio.sleep(base_delay * 2 ** (attempt - 1))
    raise AssertionError("unreachable")
