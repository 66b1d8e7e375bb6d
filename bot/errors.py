"""The one error handler: log the unexpected once with its update id, apologise in the
member's language.

Expected errors (the typed tree in ``backend.domain.errors``) are answered where they
happen, by re-asking; anything reaching here is a bug or an outage.
"""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

log = logging.getLogger(__name__)


def build_error_router() -> Router:
    router = Router(name="errors")

    @router.errors()
    async def apologise(event: ErrorEvent, i18n: I18n, locale: str | None = None) -> bool:
        # The error observer runs outside the update's locale context: re-enter it.
        with i18n.context(), i18n.use_locale(locale or i18n.default_locale):
            return await _apologise(event)

    return router


async def _apologise(event: ErrorEvent) -> bool:
    update = event.update
    log.error("update %s failed: %r", update.update_id, event.exception, exc_info=event.exception)
    text = _("error.unexpected")
    try:
        if update.message is not None:
            await update.message.answer(text)
        elif update.callback_query is not None:
            await update.callback_query.answer(text, show_alert=True)
    except Exception:  # the apology itself failing must not hide the first error
        log.exception("could not apologise for update %s", update.update_id)
    return True
