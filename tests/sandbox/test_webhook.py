"""Webhook delivery: secret header, retries after failures, ordering, webhook info."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest

from sandbox.testing import SandboxServer
from tests.sandbox.conftest import AsgiServer, WebhookReceiver


async def wait_for_requests(receiver: WebhookReceiver, count: int, seconds: float = 5) -> None:
    async def enough() -> None:
        while len(receiver.requests) < count:
            receiver.arrived.clear()
            await receiver.arrived.wait()

    await asyncio.wait_for(enough(), seconds)


async def test_updates_are_posted_with_the_secret_header(bot: Bot, sandbox: SandboxServer) -> None:
    receiver = WebhookReceiver()
    async with AsgiServer(receiver) as server:
        assert await bot.set_webhook(f"{server.url}/hook", secret_token="s3cret_token-1")
        sent = await sandbox.user(7001).send_text("/start")
        await wait_for_requests(receiver, 1)
        headers, body = receiver.requests[0]
        assert headers["x-telegram-bot-api-secret-token"] == "s3cret_token-1"
        assert headers["content-type"] == "application/json"
        update = json.loads(body)
        assert update["update_id"] == sent["update_id"]
        assert update["message"]["text"] == "/start"
        info = await bot.get_webhook_info()
        assert info.url == f"{server.url}/hook"
        assert info.pending_update_count == 0
        assert info.max_connections == 40
        assert info.last_error_date is None


async def test_a_failing_receiver_gets_the_update_again(bot: Bot, sandbox: SandboxServer) -> None:
    await sandbox.set_config(webhook_retry_initial_seconds=0.05)
    receiver = WebhookReceiver(statuses=[500, 502])
    async with AsgiServer(receiver) as server:
        assert await bot.set_webhook(f"{server.url}/hook", max_connections=5)
        sent = await sandbox.user(7001).send_text("halo")
        await wait_for_requests(receiver, 3)
        ids = [json.loads(body)["update_id"] for _headers, body in receiver.requests]
        assert ids == [sent["update_id"]] * 3
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0
        assert info.last_error_message == "Wrong response from the webhook: 502 Bad Gateway"
        stats = await sandbox.stats()
        assert stats["webhook_attempts"] == 3 and stats["webhook_failures"] == 2


async def test_one_chats_updates_arrive_in_order(bot: Bot, sandbox: SandboxServer) -> None:
    await sandbox.set_config(webhook_retry_initial_seconds=0.05)
    receiver = WebhookReceiver(statuses=[500])
    async with AsgiServer(receiver) as server:
        user = sandbox.user(7002)
        texts = [f"pesan {n}" for n in range(5)]
        for text in texts:
            await user.send_text(text)
        assert await bot.set_webhook(f"{server.url}/hook")
        await wait_for_requests(receiver, 6)
        received = [json.loads(body)["message"]["text"] for _h, body in receiver.requests]
        assert received == [texts[0], *texts]


async def test_unreachable_webhooks_record_the_error(bot: Bot, sandbox: SandboxServer) -> None:
    await sandbox.set_config(webhook_retry_initial_seconds=5)
    assert await bot.set_webhook("http://127.0.0.1:9/unreachable")
    await sandbox.user(7001).send_text("halo")
    for _ in range(100):
        info = await bot.get_webhook_info()
        if info.last_error_message:
            break
        await asyncio.sleep(0.02)
    assert info.last_error_message is not None
    assert info.last_error_message.startswith("Connection failed")
    assert info.pending_update_count == 1
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_parameters_are_validated(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/x", secret_token="not allowed!")
    with pytest.raises(TelegramBadRequest, match="max_connections"):
        await bot.set_webhook("http://127.0.0.1:9/x", max_connections=101)
    with pytest.raises(TelegramBadRequest, match="bad webhook"):
        await bot.set_webhook("ftp://example/x")
