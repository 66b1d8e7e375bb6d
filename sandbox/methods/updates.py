"""Getting updates: getMe, getUpdates (long polling, offsets) and the webhook methods.

Confirmation follows Telegram: calling getUpdates with ``offset`` forgets every update
with a smaller id. Updates queued again by the redeliver endpoint are only forgotten once
they have been handed out, so a poller really sees the duplicate. A second getUpdates for
the same bot terminates the one in progress with 409, as Telegram does.
"""

from __future__ import annotations

import re
from typing import Any

from sandbox.errors import bad_request, conflict
from sandbox.methods.base import MethodContext, api_method
from sandbox.models import BotState, Json, QueuedUpdate, Webhook

SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
WEBHOOK_ACTIVE = (
    "can't use getUpdates method while webhook is active; use deleteWebhook to delete the "
    "webhook first"
)
TERMINATED = (
    "terminated by other getUpdates request; make sure that only one bot instance is running"
)
MAX_POLL_SECONDS = 50


@api_method("getMe")
async def get_me(ctx: MethodContext) -> Json:
    return ctx.bot.as_telegram()


def confirm(bot: BotState, offset: int) -> None:
    """Forget updates confirmed by ``offset`` (negative: keep only the last ``-offset``)."""
    if offset < 0:
        del bot.queue[: max(len(bot.queue) + offset, 0)]
        return
    bot.queue[:] = [
        entry
        for entry in bot.queue
        if entry.update_id >= offset or (entry.redelivery and not entry.delivered)
    ]


def _allowed_updates(ctx: MethodContext) -> list[str] | None:
    value = ctx.params.json("allowed_updates")
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise bad_request("can't parse allowed_updates JSON object")
    return value


@api_method("getUpdates")
async def get_updates(ctx: MethodContext) -> list[Json]:
    bot, world = ctx.bot, ctx.world
    if bot.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    offset = ctx.params.integer("offset")
    limit = min(max(ctx.params.integer("limit") or 100, 1), 100)
    timeout = min(max(ctx.params.integer("timeout") or 0, 0), MAX_POLL_SECONDS)
    allowed = _allowed_updates(ctx)
    if allowed is not None:
        bot.allowed_updates = allowed
    if offset is not None:
        confirm(bot, offset)
    bot.poll_generation += 1
    generation = bot.poll_generation
    world.notify()  # ends a getUpdates already waiting for this bot

    def ready() -> bool:
        return bool(bot.queue) or bot.poll_generation != generation or bot.webhook is not None

    await world.wait_until(ready, timeout)
    if bot.webhook is not None:
        raise conflict(WEBHOOK_ACTIVE)
    if bot.poll_generation != generation:
        raise conflict(TERMINATED)
    batch: list[QueuedUpdate] = bot.queue[:limit]
    for entry in batch:
        entry.delivered = True
    world.stats.updates_delivered += len(batch)
    return [entry.payload for entry in batch]


@api_method("setWebhook")
async def set_webhook(ctx: MethodContext) -> bool:
    bot = ctx.bot
    url = (ctx.params.text("url") or "").strip()
    if not url:
        return await delete_webhook(ctx)
    if not url.lower().startswith(("http://", "https://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = ctx.params.text("secret_token")
    if secret is not None and secret != "" and not SECRET_PATTERN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    max_connections = ctx.params.integer("max_connections")
    if max_connections is None:
        max_connections = ctx.world.config.webhook_default_max_connections
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    allowed = _allowed_updates(ctx)
    if allowed is not None:
        bot.allowed_updates = allowed
    if ctx.params.flag("drop_pending_updates"):
        bot.queue.clear()
    already = bot.webhook is not None and bot.webhook.url == url
    bot.webhook = Webhook(url=url, secret_token=secret or None, max_connections=max_connections)
    for entry in bot.queue:
        entry.next_attempt = 0.0
    ctx.world.notify()
    ctx.description = "Webhook is already set" if already else "Webhook was set"
    return True


@api_method("deleteWebhook")
async def delete_webhook(ctx: MethodContext) -> bool:
    bot = ctx.bot
    if ctx.params.flag("drop_pending_updates"):
        bot.queue.clear()
    ctx.description = "Webhook was deleted" if bot.webhook else "Webhook is already deleted"
    bot.webhook = None
    ctx.world.notify()
    return True


@api_method("getWebhookInfo")
async def get_webhook_info(ctx: MethodContext) -> Json:
    bot = ctx.bot
    info: dict[str, Any] = {
        "url": bot.webhook.url if bot.webhook else "",
        "has_custom_certificate": False,
        "pending_update_count": len(bot.queue),
    }
    if bot.webhook is not None:
        info["max_connections"] = bot.webhook.max_connections
        if bot.webhook.last_error_date is not None:
            info["last_error_date"] = bot.webhook.last_error_date
            info["last_error_message"] = bot.webhook.last_error_message
        if bot.allowed_updates:
            info["allowed_updates"] = bot.allowed_updates
    return info


@api_method("logOut")
async def log_out(ctx: MethodContext) -> bool:
    return True


@api_method("close")
async def close(ctx: MethodContext) -> bool:
    return True
