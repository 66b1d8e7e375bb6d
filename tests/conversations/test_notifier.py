"""Outbox delivery end to end: the notifier sends through the sandbox over HTTP.

The sandbox, like Telegram, refuses to let a bot write first, so every recipient sends
"/start" to the real bot (and gets its answer) before messages are queued for them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.services.outbox import OutboxItem, OutboxRecord, enqueue_message, get_message
from bot.notifier import Notifier, RenderError, render_message
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import TRANSLATIONS, BotHarness, msg


async def greet(sandbox: SandboxServer, user_id: int, language_code: str = "id") -> SandboxUser:
    """A Telegram user who has talked to the bot (the bot answered their /start)."""
    user = await sandbox.create_user(user_id, f"User{user_id}", language_code=language_code)
    await user.send_text("/start")
    await user.wait_for_bot_message()
    return user


async def enqueue(
    db: Database,
    chat_id: int,
    key: str = "registration.done",
    language: str = "id",
    **params: Any,
) -> int:
    async with UnitOfWork(db) as uow:
        row = enqueue_message(
            uow,
            chat_id=chat_id,
            message_key=key,
            language=language,
            now=dt.datetime.now(dt.UTC),
            params=params,
        )
        await uow.commit()
    return row.id


async def settle(db: Database, ids: Sequence[int], timeout: float = 30) -> list[OutboxRecord]:  # noqa: ASYNC109
    """Wait until no row in ``ids`` is pending any more; their final records."""
    deadline = time.monotonic() + timeout
    while True:
        records = [await get_message(db, message_id=row) for row in ids]
        final = [record for record in records if record is not None and record.status != "pending"]
        if len(final) == len(ids):
            return final
        if time.monotonic() > deadline:
            raise AssertionError(f"still pending after {timeout}s: {records}")
        await asyncio.sleep(0.1)


async def bot_texts(user: SandboxUser) -> list[str]:
    return [
        event["text"]
        for event in await user.transcript()
        if event["direction"] == "bot" and event["kind"] == "message" and event.get("text")
    ]


def branch_notice(branch: str) -> str:
    return msg("registration.done", "id", branch=branch)


@pytest.fixture
async def telegram(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    """A Bot client for the sandbox without any retry middleware, as the notifier's is."""
    client = Bot(sandbox.bot_token, session=AiohttpSession(api=sandbox.telegram_api_server()))
    yield client
    await client.session.close()


def notifier(telegram: Bot, db: Database, **options: Any) -> Notifier:
    options.setdefault("poll_interval", 0.05)
    return Notifier(telegram, db, TRANSLATIONS, **options)


# -- the notifier inside the bot process ----------------------------------------------


async def test_the_running_bot_delivers_queued_messages_in_each_language(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    ani = await greet(sandbox, 9101, "id")
    ben = await greet(sandbox, 9102, "en")
    branch = "Cabang <Utara> & Co"
    first = await enqueue(seeded_db, ani.user_id, branch=branch)
    second = await enqueue(seeded_db, ben.user_id, "language.changed", "en")

    expected = msg("registration.done", "id", branch="BRANCH").replace("BRANCH", branch)
    got = await ani.wait_for_bot_message(contains="Cabang <Utara>")
    assert got["text"] == expected  # translated, then formatted; the param HTML-escaped
    got = await ben.wait_for_bot_message(contains=msg("language.changed", "en"))
    assert got["text"] == msg("language.changed", "en")
    assert [r.status for r in await settle(seeded_db, [first, second])] == ["sent", "sent"]


async def test_the_webhook_bot_delivers_queued_messages_too(
    webhook_bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    ani = await greet(sandbox, 9111, "id")
    row = await enqueue(seeded_db, ani.user_id, branch="Cabang X")
    await ani.wait_for_bot_message(contains=branch_notice("Cabang X"))
    (record,) = await settle(seeded_db, [row])
    assert record.status == "sent" and record.sent_at is not None


# -- the notifier alone ---------------------------------------------------------------


async def test_flood_control_postpones_and_every_row_arrives_once_in_order(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, telegram: Bot
) -> None:
    users = [await greet(sandbox, user_id) for user_id in (9121, 9122)]
    await bot.stop()
    await sandbox.set_config(per_chat_limit=1, per_chat_window_seconds=1.0, retry_after=1)
    rows: dict[int, list[tuple[int, str]]] = {}
    for user, count in zip(users, (4, 3), strict=True):
        for n in range(count):
            branch = f"Cabang {user.user_id}-{n}"
            rows.setdefault(user.user_id, []).append(
                (await enqueue(seeded_db, user.user_id, branch=branch), branch_notice(branch))
            )
    ids = [row for per_user in rows.values() for row, _ in per_user]

    # No local pacing, so Telegram's (the sandbox's) flood control really answers 429.
    worker = notifier(telegram, seeded_db, per_chat_interval=0.0)
    await worker.start()
    try:
        records = await settle(seeded_db, ids)
    finally:
        await worker.stop()

    assert (await sandbox.stats())["too_many_requests"] > 0
    assert {r.status for r in records} == {"sent"}
    assert {r.attempts for r in records} == {0}  # a flood wait is not a failed attempt
    for user in users:
        texts = await bot_texts(user)
        expected = [text for _, text in rows[user.user_id]]
        assert [t for t in texts if t in expected] == expected  # each once, in order


async def test_local_pacing_keeps_one_chat_below_telegrams_limit(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, telegram: Bot
) -> None:
    ani = await greet(sandbox, 9125)
    await bot.stop()
    await sandbox.set_config(per_chat_limit=1, per_chat_window_seconds=0.9, retry_after=1)
    ids = [await enqueue(seeded_db, ani.user_id, branch=f"Cabang P{n}") for n in range(3)]
    worker = notifier(telegram, seeded_db)  # per_chat_interval=1.0
    await worker.start()
    try:
        records = await settle(seeded_db, ids)
    finally:
        await worker.stop()
    assert {r.status for r in records} == {"sent"}
    assert (await sandbox.stats())["too_many_requests"] == 0
    sent_at = sorted(r.sent_at for r in records if r.sent_at is not None)
    assert all(b - a >= dt.timedelta(seconds=0.9) for a, b in itertools.pairwise(sent_at))


async def test_unreachable_chats_fail_for_good_and_others_still_get_theirs(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, telegram: Bot
) -> None:
    ani = await greet(sandbox, 9131)
    cita = await greet(sandbox, 9132)
    await bot.stop()
    await sandbox.create_user(cita.user_id, "Cita", blocked_bot=True)  # she blocks the bot
    stranger = await sandbox.create_user(9133, "Dedi")  # never wrote to the bot
    blocked = await enqueue(seeded_db, cita.user_id, branch="Cabang B")
    silent = await enqueue(seeded_db, stranger.user_id, branch="Cabang S")
    unknown = await enqueue(seeded_db, 987654321, branch="Cabang U")
    unknown_key = await enqueue(seeded_db, ani.user_id, "no.such.key")
    delivered = await enqueue(seeded_db, ani.user_id, branch="Cabang A")

    worker = notifier(telegram, seeded_db)
    await worker.start()
    try:
        records = {r.id: r for r in await settle(seeded_db, [blocked, silent, unknown, delivered])}
        await settle(seeded_db, [unknown_key])
    finally:
        await worker.stop()

    assert records[delivered].status == "sent"
    assert (await bot_texts(ani)).count(branch_notice("Cabang A")) == 1
    for row, reason in (
        (blocked, "bot was blocked by the user"),
        (silent, "can't initiate conversation"),
        (unknown, "chat not found"),
    ):
        assert records[row].status == "failed" and records[row].attempts == 1
        assert reason in records[row].last_error
        assert "sandbox-token" not in records[row].last_error
    failed_key = await get_message(seeded_db, message_id=unknown_key)
    assert failed_key is not None and failed_key.status == "failed"
    assert "unknown message key" in failed_key.last_error
    assert branch_notice("Cabang B") not in await bot_texts(cita)


async def test_two_notifiers_at_once_deliver_each_row_exactly_once(
    bot: BotHarness,
    seeded_db: Database,
    database_url: str,
    sandbox: SandboxServer,
    telegram: Bot,
) -> None:
    users = [await greet(sandbox, 9141 + n) for n in range(5)]
    await bot.stop()
    expected: dict[int, list[str]] = {}
    ids: list[int] = []
    for round_ in range(4):
        for user in users:
            branch = f"Cabang {user.user_id}/{round_}"
            ids.append(await enqueue(seeded_db, user.user_id, branch=branch))
            expected.setdefault(user.user_id, []).append(branch_notice(branch))

    other_db = Database.from_url(database_url)  # as a second process would have
    other_telegram = Bot(
        sandbox.bot_token, session=AiohttpSession(api=sandbox.telegram_api_server())
    )
    workers = [
        notifier(telegram, seeded_db, per_chat_interval=0.2),
        notifier(other_telegram, other_db, per_chat_interval=0.2),
    ]
    try:
        for worker in workers:
            await worker.start()
        records = await settle(seeded_db, ids)
        for worker in workers:
            await worker.stop()
    finally:
        for worker in workers:
            await worker.stop()
        await other_telegram.session.close()
        await other_db.dispose()

    assert {r.status for r in records} == {"sent"}
    for user in users:
        texts = await bot_texts(user)
        mine = expected[user.user_id]
        assert [t for t in texts if t in mine] == mine  # each exactly once, in order
    stats = await sandbox.stats()
    assert stats["too_many_requests"] == 0


async def test_a_network_error_is_retried_with_backoff(
    seeded_db: Database, telegram: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = await enqueue(seeded_db, 9151, branch="Cabang N")

    async def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise TelegramNetworkError(method=SendMessage(chat_id=1, text="x"), message="timeout")

    monkeypatch.setattr(telegram, "send_message", broken)
    report = await notifier(telegram, seeded_db).run_once()
    assert (report.claimed, report.rescheduled) == (1, 1)
    record = await get_message(seeded_db, message_id=row)
    assert record is not None and record.status == "pending" and record.attempts == 1
    assert record.claimed_until is None
    assert record.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=3)
    assert "HTTP Client says - timeout" in record.last_error


# -- rendering ------------------------------------------------------------------------


def item(key: str, language: str = "id", **params: Any) -> OutboxItem:
    return OutboxItem(
        id=1,
        chat_id=1,
        message_key=key,
        params=params,
        language=language,
        attempts=0,
        claimed_until=dt.datetime.now(dt.UTC),
    )


def test_render_translates_first_then_formats_with_escaped_params() -> None:
    text = render_message(TRANSLATIONS, "id", item("registration.done", "en", branch="A<B>"))
    assert text == TRANSLATIONS["en"].gettext("registration.done").format(branch="A&lt;B&gt;")
    fallback = render_message(TRANSLATIONS, "id", item("language.changed", "fr"))
    assert fallback == TRANSLATIONS["id"].gettext("language.changed")


@pytest.mark.parametrize("bad", [item("no.such.key"), item("registration.done", other="x")])
def test_render_refuses_unknown_keys_and_missing_params(bad: OutboxItem) -> None:
    with pytest.raises(RenderError):
        render_message(TRANSLATIONS, "id", bad)
