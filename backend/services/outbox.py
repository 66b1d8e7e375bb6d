"""The notification outbox: messages to members (and staff) written in the same
transaction as the event that causes them, delivered later by the notifier.

Life of a row::

    pending ──claim (lease)──▶ send ──▶ mark_sent ──▶ sent       (final)
       ▲                        │
       │                        ├─ 429 / chat paced ──▶ postpone  (attempt not counted)
       │                        ├─ network, 5xx ──────▶ reschedule (attempt counted,
       └────────────────────────┘                       backoff 5 s · 2ⁿ, capped at 1 h)
                                └─ 403, bad request, or attempts exhausted ─▶ failed (final)

Rules:

* A claim leases a row until ``now + lease_seconds``; only due (``next_attempt_at <=
  now``), unleased (or lease expired) rows are taken, and only the oldest pending row
  of each chat, so one chat's messages keep their order and never go out in parallel.
  PostgreSQL claims with ``SELECT … FOR UPDATE SKIP LOCKED`` (several notifiers never
  take the same row); SQLite claims inside a write unit of work. The head-of-chat rule
  means a row waiting (backoff, flood wait) holds back the later rows of its chat: order
  over speed. Rows are due when written; should reminders ever be queued for a later
  time, they need their own rule so they do not hold back urgent messages.
* ``sent`` and ``failed`` are final: no function here moves a row out of them, and
  ``mark_sent`` on a row that is no longer pending does nothing.
* Changes after a claim may carry the lease (``claimed_until``) the caller took; then
  they apply only while that lease is still the row's, so a notifier that overran its
  lease cannot release a row another notifier holds now.
* Times are stored in UTC (naive datetimes are taken as UTC).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.db.engine import Database
from backend.db.models_staff import OutboxMessage
from backend.db.outbox_repository import OutboxRepository
from backend.db.unit_of_work import UnitOfWork, with_retries

MAX_ATTEMPTS = 8
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_CAP_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A claimed message, ready to translate and send.

    ``claimed_until`` is the lease this claim took; pass it back to ``reschedule``,
    ``postpone`` and ``mark_failed`` so they only touch the row while it is still ours.
    """

    id: int
    chat_id: int
    message_key: str
    params: Mapping[str, Any]
    language: str
    attempts: int
    claimed_until: dt.datetime


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    """The delivery state of one outbox row (for tests, checks and the admin web)."""

    id: int
    chat_id: int
    message_key: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime
    claimed_until: dt.datetime | None
    sent_at: dt.datetime | None
    last_error: str


def _utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def retry_delay(attempts: int) -> float | None:
    """Seconds to wait after a transient failure, given the attempts that failed before it.

    5, 10, 20, … seconds, capped at one hour; None once this failure is the
    ``MAX_ATTEMPTS``-th, meaning: give up and mark the row failed.
    """
    if attempts + 1 >= MAX_ATTEMPTS:
        return None
    return min(BACKOFF_BASE_SECONDS * 2**attempts, BACKOFF_CAP_SECONDS)


def enqueue_message(
    uow: UnitOfWork,
    *,
    chat_id: int,
    message_key: str,
    language: str,
    now: dt.datetime,
    params: dict[str, Any] | None = None,
) -> OutboxMessage:
    """Queue a Telegram message inside the caller's unit of work (committed with it).

    ``message_key`` is a catalog id; the notifier translates it into ``language`` and
    formats it with ``params`` (plain JSON values) when it sends.
    """
    now = _utc(now)
    row = OutboxMessage(
        created_at=now,
        chat_id=chat_id,
        message_key=message_key,
        params=dict(params or {}),
        language=language,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
    )
    uow.session.add(row)
    return row


async def claim_due_messages(
    db: Database, *, now: dt.datetime, limit: int, lease_seconds: float
) -> tuple[OutboxItem, ...]:
    """Lease up to ``limit`` due messages for ``lease_seconds``, lowest ids first.

    A read-only probe runs first, so an idle notifier never takes the write lock.
    """
    now = _utc(now)
    async with UnitOfWork(db, write=False) as reader:
        if not await OutboxRepository(reader.session).any_due(now):
            return ()
    until = now + dt.timedelta(seconds=lease_seconds)

    async def claim() -> tuple[OutboxItem, ...]:
        async with UnitOfWork(db) as uow:
            rows = await OutboxRepository(uow.session).claim_due(now=now, until=until, limit=limit)
            items = tuple(
                OutboxItem(
                    id=row.id,
                    chat_id=row.chat_id,
                    message_key=row.message_key,
                    params=dict(row.params or {}),
                    language=row.language,
                    attempts=row.attempts,
                    claimed_until=until,
                )
                for row in rows
            )
            await uow.commit()
            return items

    return await with_retries(claim)


async def mark_sent(db: Database, *, message_id: int, now: dt.datetime) -> bool:
    """Record that Telegram accepted the message. Final; False if it was not pending."""
    moment = _utc(now)

    async def run() -> bool:
        async with UnitOfWork(db) as uow:
            changed = await OutboxRepository(uow.session).mark_sent(message_id, now=moment)
            await uow.commit()
            return changed

    return await with_retries(run)


async def reschedule(
    db: Database,
    *,
    message_id: int,
    now: dt.datetime,
    delay_seconds: float,
    error: str,
    claimed_until: dt.datetime | None = None,
) -> bool:
    """A transient failure: count the attempt, release the lease, retry after the delay."""
    return await _release(
        db,
        message_id=message_id,
        at=_utc(now) + dt.timedelta(seconds=delay_seconds),
        error=error,
        claimed_until=claimed_until,
        count_attempt=True,
    )


async def postpone(
    db: Database,
    *,
    message_id: int,
    now: dt.datetime,
    delay_seconds: float,
    reason: str = "",
    claimed_until: dt.datetime | None = None,
) -> bool:
    """Not now, through no fault of the message (flood control, chat pacing, shutdown).

    Releases the lease and retries after the delay without counting an attempt.
    """
    return await _release(
        db,
        message_id=message_id,
        at=_utc(now) + dt.timedelta(seconds=max(delay_seconds, 0.0)),
        error=reason,
        claimed_until=claimed_until,
        count_attempt=False,
    )


async def _release(
    db: Database,
    *,
    message_id: int,
    at: dt.datetime,
    error: str,
    claimed_until: dt.datetime | None,
    count_attempt: bool,
) -> bool:
    lease = _utc(claimed_until) if claimed_until is not None else None

    async def run() -> bool:
        async with UnitOfWork(db) as uow:
            changed = await OutboxRepository(uow.session).reschedule(
                message_id,
                lease=lease,
                next_attempt_at=at,
                error=error,
                count_attempt=count_attempt,
            )
            await uow.commit()
            return changed

    return await with_retries(run)


async def mark_failed(
    db: Database,
    *,
    message_id: int,
    now: dt.datetime,
    error: str,
    claimed_until: dt.datetime | None = None,
) -> bool:
    """Give up on a message (blocked bot, unknown chat, bad request, attempts exhausted).

    Final; counts the failed attempt and keeps ``error``. ``now`` is accepted for
    symmetry with the other transitions (the table keeps no failure time).
    """
    del now
    lease = _utc(claimed_until) if claimed_until is not None else None

    async def run() -> bool:
        async with UnitOfWork(db) as uow:
            changed = await OutboxRepository(uow.session).mark_failed(
                message_id, lease=lease, error=error
            )
            await uow.commit()
            return changed

    return await with_retries(run)


async def get_message(db: Database, *, message_id: int) -> OutboxRecord | None:
    """The delivery state of one row, or None."""
    async with UnitOfWork(db, write=False) as uow:
        row = await OutboxRepository(uow.session).get(message_id)
        if row is None:
            return None
        return OutboxRecord(
            id=row.id,
            chat_id=row.chat_id,
            message_key=row.message_key,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=_utc(row.next_attempt_at),
            claimed_until=_utc(row.claimed_until) if row.claimed_until else None,
            sent_at=_utc(row.sent_at) if row.sent_at else None,
            last_error=row.last_error,
        )
