"""Webhook delivery: POST queued updates to each bot's webhook URL, as Telegram does.

Up to ``max_connections`` requests per bot are in flight, but one chat's updates go one at
a time and in order. A 2xx answer confirms an update; anything else (or a connection
error) keeps it queued, records ``last_error_date``/``last_error_message`` and retries it
after an exponential backoff. The secret token, when set, is sent in
``X-Telegram-Bot-Api-Secret-Token``. Replies carrying a method call in the response body
are not executed (the bot should call the API itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import httpx

from sandbox.models import BotState, QueuedUpdate, Webhook
from sandbox.state import World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
IDLE_SECONDS = 60.0
# Entries looked at per bot and wake-up: keeps a large backlog from costing O(n) per delivery.
SCAN_LIMIT = 2000

log = logging.getLogger(__name__)


class WebhookDeliverer:
    """Background loop that pushes pending updates of every bot with a webhook."""

    def __init__(self, world: World, client: httpx.AsyncClient | None = None) -> None:
        self.world = world
        self.client = client or httpx.AsyncClient(trust_env=False)
        self._owns_client = client is None
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self) -> None:
        """Deliver until the world closes; wakes on every change and at retry times."""
        while not self.world.closing:
            pulse = self.world.pulse()
            next_due = self._dispatch()
            timeout = IDLE_SECONDS if next_due is None else max(next_due - time.monotonic(), 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(pulse.wait(), timeout)

    async def aclose(self) -> None:
        """Cancel deliveries in flight and release the HTTP client."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._owns_client:
            await self.client.aclose()

    def _dispatch(self) -> float | None:
        """Start every delivery that may start now; return the next retry time, if any."""
        now = time.monotonic()
        next_due: float | None = None
        for bot in self.world.bots.values():
            hook = bot.webhook
            if hook is None:
                continue
            in_flight = sum(1 for entry in bot.queue if entry.in_flight)
            seen_chats: set[int] = set()
            for entry in bot.queue[:SCAN_LIMIT]:
                if entry.chat_id is not None:
                    if entry.chat_id in seen_chats:
                        continue  # an earlier update of this chat is still pending
                    seen_chats.add(entry.chat_id)
                if entry.in_flight:
                    continue
                if entry.next_attempt > now:
                    due = entry.next_attempt
                    next_due = due if next_due is None else min(next_due, due)
                    continue
                if in_flight >= hook.max_connections:
                    break
                entry.in_flight = True
                in_flight += 1
                task = asyncio.create_task(self._deliver(bot, hook, entry))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return next_due

    async def _deliver(self, bot: BotState, hook: Webhook, entry: QueuedUpdate) -> None:
        config = self.world.config
        stats = self.world.stats
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        stats.webhook_attempts += 1
        error: str | None = None
        try:
            response = await self.client.post(
                hook.url,
                json=entry.payload,
                headers=headers,
                timeout=config.webhook_timeout_seconds,
            )
            if not 200 <= response.status_code < 300:
                error = (
                    f"Wrong response from the webhook: {response.status_code} "
                    f"{response.reason_phrase}"
                )
        except httpx.HTTPError as exc:
            error = f"Connection failed: {type(exc).__name__}: {exc}".rstrip(": ")
        finally:
            entry.in_flight = False
        if error is None:
            if entry in bot.queue:
                bot.queue.remove(entry)
            stats.updates_delivered += 1
        else:
            log.debug("webhook delivery of update %s failed: %s", entry.update_id, error)
            stats.webhook_failures += 1
            entry.attempts += 1
            delay = config.webhook_retry_initial_seconds * 2 ** (entry.attempts - 1)
            entry.next_attempt = time.monotonic() + min(delay, config.webhook_retry_max_seconds)
            hook.last_error_date = int(time.time())
            hook.last_error_message = error
        self.world.notify()
