"""Running the bot: long polling or webhook, plus the periodic jobs (bot/jobs.py).

Both runners are objects with ``start()`` / ``stop()`` so the CLI, the tests and the
benchmarks drive the very same code.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets

from aiogram import Bot, Dispatcher
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from backend.db.engine import Database
from backend.settings import Settings
from bot.dispatcher import create_bot, create_dispatcher, pin_response_models, publish_commands
from bot.jobs import PeriodicJobs, default_jobs
from bot.notifier import Notifier, create_notifier_bot

log = logging.getLogger(__name__)


class _BotRunner:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.bot: Bot = create_bot(settings)
        self._response_models = pin_response_models()
        self.dispatcher: Dispatcher = create_dispatcher(settings, db)
        self.jobs = PeriodicJobs(db, default_jobs(settings))
        self.notifier: Notifier | None = None  # outbox delivery (bot/notifier.py)

    async def _prepare(self) -> None:
        me = await self.bot.get_me()
        log.info("bot @%s (id %s) via %s", me.username, me.id, self.bot.session.api.base)
        await publish_commands(self.bot, self.dispatcher["i18n"])
        self.jobs.start()
        # Outbox delivery runs beside the bot, on a Bot of its own without the 429-retry
        # middleware (a flood wait must postpone one row, not stall a send).
        self.notifier = Notifier(
            create_notifier_bot(self.settings), self.db, self.dispatcher["i18n"]
        )
        await self.notifier.start()

    async def _close(self) -> None:
        if self.notifier is not None:  # outbox delivery: finish in-flight sends first
            await self.notifier.stop()
            await self.notifier.bot.session.close()
            self.notifier = None
        await self.jobs.stop()
        await self.dispatcher.storage.close()
        await self.dispatcher.fsm.events_isolation.close()
        await self.bot.session.close()


class PollingRunner(_BotRunner):
    """Long polling (``getUpdates``): the embedded default and the simplest production mode."""

    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bot.delete_webhook(drop_pending_updates=False)
        await self._prepare()
        self._task = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot, handle_signals=False, close_bot_session=False, polling_timeout=10
            )
        )

    async def wait(self) -> None:
        if self._task is not None:
            await self._task

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()


class WebhookRunner(_BotRunner):
    """Webhook mode: an aiohttp server that checks ``X-Telegram-Bot-Api-Secret-Token``.

    Without a configured secret a random one is made per start, so the endpoint is
    never open to forged updates.
    """

    _runner: web.AppRunner | None = None

    def __init__(self, settings: Settings, db: Database) -> None:
        super().__init__(settings, db)
        configured = settings.webhook_secret
        self.secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)

    def build_app(self) -> web.Application:
        app = web.Application()
        SimpleRequestHandler(
            dispatcher=self.dispatcher, bot=self.bot, secret_token=self.secret
        ).register(app, path=self.settings.webhook_path)
        setup_application(app, self.dispatcher, bot=self.bot)
        return app

    async def start(self) -> None:
        if not self.settings.webhook_url:
            raise RuntimeError("KOPDANA_WEBHOOK_URL is required in webhook mode")
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.webhook_host, self.settings.webhook_port)
        await site.start()
        await self._prepare()
        await self.bot.set_webhook(
            self.settings.webhook_url,
            secret_token=self.secret,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def wait(self) -> None:
        await asyncio.Event().wait()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self._close()


def create_runner(settings: Settings, db: Database) -> PollingRunner | WebhookRunner:
    return (
        WebhookRunner(settings, db)
        if settings.bot_mode == "webhook"
        else PollingRunner(settings, db)
    )
