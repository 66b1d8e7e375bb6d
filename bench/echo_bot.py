"""The baseline: a bare aiogram 3 echo bot served in webhook mode by aiogram's own handler.

One ``Dispatcher`` with its defaults, one message handler answering the text, served by
``SimpleRequestHandler`` on aiohttp with the secret-token check, as kopdana's
``WebhookRunner`` does. No database, no middlewares, no i18n.
"""

from __future__ import annotations

import secrets

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

WEBHOOK_PATH = "/echo/webhook"


async def echo(message: Message) -> None:
    """Answer with the very text the user sent."""
    assert message.text is not None
    await message.answer(message.text)


def create_echo_dispatcher() -> Dispatcher:
    """A dispatcher with aiogram's defaults and the single echo handler."""
    dispatcher = Dispatcher()
    dispatcher.message.register(echo, F.text)
    return dispatcher


class EchoBotServer:
    """The echo bot's aiohttp webhook server on 127.0.0.1, registered with the sandbox."""

    def __init__(self, api: TelegramAPIServer, token: str, port: int) -> None:
        self.bot = Bot(token=token, session=AiohttpSession(api=api))
        self.dispatcher = create_echo_dispatcher()
        self.port = port
        self.secret = secrets.token_urlsafe(32)
        self._runner: web.AppRunner | None = None

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{WEBHOOK_PATH}"

    def build_app(self) -> web.Application:
        """The aiohttp app with aiogram's webhook handler mounted."""
        app = web.Application()
        SimpleRequestHandler(
            dispatcher=self.dispatcher, bot=self.bot, secret_token=self.secret
        ).register(app, path=WEBHOOK_PATH)
        setup_application(app, self.dispatcher, bot=self.bot)
        return app

    async def start(self) -> None:
        """Serve the webhook, then tell the sandbox where to post updates."""
        self._runner = web.AppRunner(self.build_app(), access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        await self.bot.set_webhook(
            self.webhook_url,
            secret_token=self.secret,
            allowed_updates=self.dispatcher.resolve_used_update_types(),
        )

    async def stop(self) -> None:
        """Unregister the webhook, stop serving and close the bot's HTTP session."""
        try:
            await self.bot.delete_webhook()
        finally:
            if self._runner is not None:
                await self._runner.cleanup()
            await self.bot.session.close()
