"""Outbox services on a real database: claims, leases, retries, final states.

Concurrency runs two ``Database`` handles (two engines, as two notifier processes would
have): on SQLite they meet at ``BEGIN IMMEDIATE``, on PostgreSQL at ``SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.services.outbox import (
    MAX_ATTEMPTS,
    claim_due_messages,
    enqueue_message,
    get_message,
    mark_failed,
    mark_sent,
    postpone,
    reschedule,
    retry_delay,
)

T0 = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
LEASE = 60.0


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


async def enqueue(
    db: Database, chat_ids: list[int], *, now: dt.datetime = T0, key: str = "language.changed"
) -> list[int]:
    async with UnitOfWork(db) as uow:
        rows = [
            enqueue_message(uow, chat_id=chat_id, message_key=key, language="id", now=now)
            for chat_id in chat_ids
        ]
        await uow.commit()
    return [row.id for row in rows]


async def claim_ids(db: Database, now: dt.datetime, limit: int = 100) -> list[int]:
    items = await claim_due_messages(db, now=now, limit=limit, lease_seconds=LEASE)
    return [item.id for item in items]


@pytest.fixture
async def second_db(database_url: str) -> AsyncIterator[Database]:
    """Another handle on the same database, as a second process would have."""
    database = Database.from_url(database_url)
    yield database
    await database.dispose()


async def test_enqueue_keeps_key_params_and_language(db: Database) -> None:
    async with UnitOfWork(db) as uow:
        row = enqueue_message(
            uow,
            chat_id=42,
            message_key="registration.done",
            language="en",
            now=T0,
            params={"branch": "Cabang X"},
        )
        await uow.commit()
    (item,) = await claim_due_messages(db, now=T0, limit=10, lease_seconds=LEASE)
    assert (item.id, item.chat_id, item.message_key, item.language, item.attempts) == (
        row.id,
        42,
        "registration.done",
        "en",
        0,
    )
    assert item.params == {"branch": "Cabang X"}
    assert item.claimed_until == at(LEASE)


async def test_claim_takes_only_due_unleased_rows_lowest_id_first(db: Database) -> None:
    due = await enqueue(db, [1, 2, 3])
    later = await enqueue(db, [4], now=at(30))
    assert await claim_ids(db, T0, limit=2) == due[:2]
    assert await claim_ids(db, T0) == due[2:]  # the first two are leased
    assert await claim_ids(db, at(10)) == []  # nothing due that is not leased
    assert await claim_ids(db, at(30)) == later
    # Leases run out; unsent rows come back.
    assert await claim_ids(db, at(LEASE + 31)) == [*due, *later]


async def test_only_the_oldest_pending_row_of_a_chat_is_claimable(db: Database) -> None:
    first, second, other = await enqueue(db, [7, 7, 8])
    assert await claim_ids(db, T0) == [first, other]
    assert await claim_ids(db, at(1)) == []  # 7's second waits behind its first
    assert await mark_sent(db, message_id=first, now=at(1))
    assert await claim_ids(db, at(1)) == [second]


async def test_sent_rows_are_final_and_never_claimed_again(db: Database) -> None:
    (row,) = await enqueue(db, [5])
    (item,) = await claim_due_messages(db, now=T0, limit=10, lease_seconds=LEASE)
    assert await mark_sent(db, message_id=row, now=at(1))
    assert not await mark_sent(db, message_id=row, now=at(2))  # a second time does nothing
    assert not await reschedule(
        db, message_id=row, now=at(2), delay_seconds=5, error="late", claimed_until=None
    )
    assert not await mark_failed(db, message_id=row, now=at(2), error="late")
    assert not await postpone(db, message_id=row, now=at(2), delay_seconds=0)
    for later in (at(LEASE + 1), at(86400)):
        assert await claim_ids(db, later) == []
    record = await get_message(db, message_id=row)
    assert record is not None
    assert (record.status, record.sent_at, record.claimed_until) == ("sent", at(1), None)
    assert item.attempts == record.attempts == 0


async def test_concurrent_claimers_never_get_the_same_row(
    db: Database, second_db: Database
) -> None:
    ids = await enqueue(db, list(range(1000, 1240)))
    handles = [db, second_db]

    async def claimer(index: int) -> list[int]:
        taken: list[int] = []
        while batch := await claim_ids(handles[index % 2], T0, limit=7):
            taken.extend(batch)
        return taken

    results = await asyncio.gather(*(claimer(i) for i in range(6)))
    counts = Counter(row for taken in results for row in taken)
    assert sorted(counts) == ids
    assert set(counts.values()) == {1}
    assert sum(1 for taken in results if taken) >= 2  # the work really was shared


async def test_reschedule_counts_the_attempt_and_backs_off(db: Database) -> None:
    (row,) = await enqueue(db, [9])
    (item,) = await claim_due_messages(db, now=T0, limit=10, lease_seconds=LEASE)
    delay = retry_delay(item.attempts)
    assert delay == 5
    assert await reschedule(
        db,
        message_id=row,
        now=at(1),
        delay_seconds=delay,
        error="TelegramNetworkError: timeout",
        claimed_until=item.claimed_until,
    )
    record = await get_message(db, message_id=row)
    assert record is not None
    assert (record.status, record.attempts, record.claimed_until) == ("pending", 1, None)
    assert record.next_attempt_at == at(6)
    assert record.last_error == "TelegramNetworkError: timeout"
    assert await claim_ids(db, at(5)) == []
    assert await claim_ids(db, at(6)) == [row]


def test_backoff_doubles_from_five_seconds_up_to_an_hour_then_gives_up() -> None:
    assert [retry_delay(n) for n in range(MAX_ATTEMPTS)] == [
        5,
        10,
        20,
        40,
        80,
        160,
        320,
        None,
    ]
    assert MAX_ATTEMPTS == 8


async def test_postpone_does_not_count_an_attempt(db: Database) -> None:
    (row,) = await enqueue(db, [10])
    (item,) = await claim_due_messages(db, now=T0, limit=10, lease_seconds=LEASE)
    assert await postpone(
        db,
        message_id=row,
        now=T0,
        delay_seconds=3,
        reason="flood control: retry after 3s",
        claimed_until=item.claimed_until,
    )
    record = await get_message(db, message_id=row)
    assert record is not None and record.attempts == 0 and record.next_attempt_at == at(3)
    assert await claim_ids(db, at(3)) == [row]


async def test_a_row_fails_after_the_last_attempt(db: Database) -> None:
    (row,) = await enqueue(db, [11])
    now = T0
    for _ in range(MAX_ATTEMPTS):
        (item,) = await claim_due_messages(db, now=now, limit=10, lease_seconds=LEASE)
        delay = retry_delay(item.attempts)
        if delay is None:
            assert await mark_failed(
                db,
                message_id=row,
                now=now,
                error="gave up",
                claimed_until=item.claimed_until,
            )
            break
        assert await reschedule(
            db,
            message_id=row,
            now=now,
            delay_seconds=delay,
            error="HTTP Client says - timeout",
            claimed_until=item.claimed_until,
        )
        now += dt.timedelta(seconds=delay)
    record = await get_message(db, message_id=row)
    assert record is not None
    assert (record.status, record.attempts, record.last_error) == (
        "failed",
        MAX_ATTEMPTS,
        "gave up",
    )
    assert await claim_ids(db, now + dt.timedelta(days=1)) == []
    assert not await mark_sent(db, message_id=row, now=now)  # failed is final too


async def test_an_expired_lease_cannot_release_the_new_holders_claim(db: Database) -> None:
    (row,) = await enqueue(db, [12])
    (stale,) = await claim_due_messages(db, now=T0, limit=10, lease_seconds=LEASE)
    (fresh,) = await claim_due_messages(db, now=at(LEASE + 1), limit=10, lease_seconds=LEASE)
    assert fresh.claimed_until > stale.claimed_until
    for release in (
        reschedule(
            db,
            message_id=row,
            now=at(70),
            delay_seconds=0,
            error="x",
            claimed_until=stale.claimed_until,
        ),
        postpone(
            db, message_id=row, now=at(70), delay_seconds=0, claimed_until=stale.claimed_until
        ),
        mark_failed(db, message_id=row, now=at(70), error="x", claimed_until=stale.claimed_until),
    ):
        assert not await release
    assert await claim_ids(db, at(70)) == []  # still leased by the fresh claim
    assert await mark_failed(
        db, message_id=row, now=at(70), error="403", claimed_until=fresh.claimed_until
    )


async def test_times_in_other_zones_are_stored_as_utc(db: Database) -> None:
    wib = dt.timezone(dt.timedelta(hours=7))
    (row,) = await enqueue(db, [13], now=T0.astimezone(wib))
    assert await claim_ids(db, at(-1)) == []
    assert await claim_ids(db, T0.astimezone(wib)) == [row]
