"""Queries over the notification outbox (``outbox`` table). They never commit.

Every state change after a claim is a single conditional ``UPDATE``: the row must still
be ``pending`` and, where a lease is given, still carry the lease the caller took
(``claimed_until`` doubles as a fencing token), so a notifier whose lease ran out can
never undo the work of the notifier that claimed the row after it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend.db.models_staff import OutboxMessage

PENDING, SENT, FAILED = "pending", "sent", "failed"
_ERROR_LIMIT = 500


def _due(now: dt.datetime) -> ColumnElement[bool]:
    """Pending, due, not leased, and the oldest pending row of its chat.

    Only the head of each chat's queue is claimable, so messages to one chat leave in
    the order they were written and two notifiers never send to one chat at once.
    """
    earlier = aliased(OutboxMessage)
    return and_(
        OutboxMessage.status == PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        ~exists().where(
            earlier.chat_id == OutboxMessage.chat_id,
            earlier.status == PENDING,
            earlier.id < OutboxMessage.id,
        ),
    )


class OutboxRepository:
    """The outbox rows of one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def any_due(self, now: dt.datetime) -> bool:
        """Whether at least one row could be claimed now (a cheap probe, no locks)."""
        found = await self.session.scalar(select(OutboxMessage.id).where(_due(now)).limit(1))
        return found is not None

    async def claim_due(
        self, *, now: dt.datetime, until: dt.datetime, limit: int
    ) -> list[OutboxMessage]:
        """Lease up to ``limit`` due rows (lowest ids first) until ``until``.

        PostgreSQL: the inner ``SELECT … FOR UPDATE SKIP LOCKED`` makes concurrent
        claimers pass over each other's rows; a row whose claim committed meanwhile is
        re-checked against the lease condition and dropped. SQLite renders no ``FOR
        UPDATE``; the write unit of work (``BEGIN IMMEDIATE`` + the write lock) already
        serialises claimers.
        """
        candidates = (
            select(OutboxMessage.id)
            .where(_due(now))
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        result = await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates))
            .values(claimed_until=until)
            .returning(OutboxMessage)
            .execution_options(synchronize_session=False)
        )
        return sorted(result.scalars().all(), key=lambda row: row.id)

    async def _update_pending(
        self, message_id: int, lease: dt.datetime | None, values: dict[str, Any]
    ) -> bool:
        conditions: list[ColumnElement[bool]] = [
            OutboxMessage.id == message_id,
            OutboxMessage.status == PENDING,
        ]
        if lease is not None:
            conditions.append(OutboxMessage.claimed_until == lease)
        result = await self.session.execute(
            update(OutboxMessage)
            .where(*conditions)
            .values(**values)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none() is not None

    async def mark_sent(self, message_id: int, *, now: dt.datetime) -> bool:
        """``pending`` → ``sent`` (final). Not fenced: once Telegram took the message,
        recording that is always right, whoever holds the lease."""
        return await self._update_pending(
            message_id, None, {"status": SENT, "sent_at": now, "claimed_until": None}
        )

    async def reschedule(
        self,
        message_id: int,
        *,
        lease: dt.datetime | None,
        next_attempt_at: dt.datetime,
        error: str,
        count_attempt: bool,
    ) -> bool:
        """Release the lease and try again at ``next_attempt_at``."""
        values: dict[str, Any] = {"next_attempt_at": next_attempt_at, "claimed_until": None}
        if count_attempt:
            values["attempts"] = OutboxMessage.attempts + 1
        if error:
            values["last_error"] = error[:_ERROR_LIMIT]
        return await self._update_pending(message_id, lease, values)

    async def mark_failed(self, message_id: int, *, lease: dt.datetime | None, error: str) -> bool:
        """``pending`` → ``failed`` (final), counting the attempt that failed."""
        return await self._update_pending(
            message_id,
            lease,
            {
                "status": FAILED,
                "claimed_until": None,
                "attempts": OutboxMessage.attempts + 1,
                "last_error": error[:_ERROR_LIMIT],
            },
        )

    async def get(self, message_id: int) -> OutboxMessage | None:
        return await self.session.get(OutboxMessage, message_id)
