"""Update-level middlewares: exactly-once, who is talking, in which language.

Order per update (after aiogram's own user-context and FSM middlewares, so this runs
inside the per-user event-isolation lock):

1. claim the ``update_id`` in the database and load the actor (saved language, member
   record) in the same transaction; a redelivered update stops here;
2. give handlers the database (services open and commit their own unit of work);
3. enter the actor's locale;
4. refuse a deactivated member politely, whatever they sent.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware, Bot
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from aiogram.utils.i18n import gettext as _

from backend.db.engine import Database
from backend.domain.members import may_use_bot
from backend.services.telegram_updates import take_update
from bot.i18n import CatalogI18n, choose_locale

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class UpdateContextMiddleware(BaseMiddleware):
    """Dedupe, database, actor and locale for one update."""

    def __init__(self, *, db: Database, i18n: CatalogI18n, timezone: str) -> None:
        self.db = db
        self.i18n = i18n
        self.timezone = ZoneInfo(timezone)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        bot: Bot = data["bot"]
        user: User | None = data.get("event_from_user")
        taken, actor = await take_update(
            self.db,
            bot_id=bot.id,
            update_id=event.update_id,
            telegram_user_id=user.id if user else None,
        )
        if not taken:
            log.info("update %s already handled; ignoring the redelivery", event.update_id)
            return None
        data["db"] = self.db
        data["today"] = dt.datetime.now(self.timezone).date()
        if user is None or actor is None:
            return await handler(event, data)
        data["actor"] = actor
        locale = choose_locale(actor, user.language_code, self.i18n.default_locale)
        data["locale"] = locale
        with self.i18n.context(), self.i18n.use_locale(locale):
            if actor.member is not None and not may_use_bot(actor.member.status):
                await _refuse_deactivated(event)
                return None
            return await handler(event, data)


async def _refuse_deactivated(update: Update) -> None:
    text = _("member.deactivated_refusal")
    if isinstance(update.message, Message):
        await update.message.answer(text)
    elif isinstance(update.callback_query, CallbackQuery):
        await update.callback_query.answer(text, show_alert=True)
