"""Composition of the bot: settings → bot client, storage, dispatcher. No import-time globals."""

from __future__ import annotations

from aiogram import Bot, Dispatcher, methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram.methods.base import Response
from aiogram.types import BotCommand

from backend.db.engine import Database
from backend.settings import Settings
from bot.errors import build_error_router
from bot.i18n import CatalogI18n
from bot.middlewares import UpdateContextMiddleware
from bot.retry import RetryAfterMiddleware
from bot.storage import DatabaseStorage
from conversations import build_root_router

COMMANDS = (
    "start",
    "menu",
    "wallet",
    "market",
    "loans",
    "connect",
    "profile",
    "language",
    "help",
    "cancel",
)


# aiogram parses every Bot API answer as ``Response[<method's return type>]``. pydantic
# caches such parametrised models only weakly, so under load they are garbage-collected
# and rebuilt — measured at ~4 ms each, 12 % of the bot's CPU in the webhook benchmark.
# Runners keep these alive for as long as they run.
_METHODS_WE_CALL = (
    methods.SendMessage,
    methods.EditMessageText,
    methods.EditMessageReplyMarkup,
    methods.AnswerCallbackQuery,
    methods.DeleteMessage,
    methods.SendChatAction,
    methods.SetMyCommands,
    methods.GetMe,
    methods.SetWebhook,
    methods.DeleteWebhook,
    methods.GetUpdates,
    methods.SendPhoto,
    methods.SendDocument,
    methods.GetFile,
)


def pin_response_models() -> tuple[type, ...]:
    """Build (and so cache) the Response models of the methods kopdana calls."""
    return tuple(Response[method.__returning__] for method in _METHODS_WE_CALL)  # type: ignore[name-defined]


def create_bot(settings: Settings) -> Bot:
    """A Bot client for the configured Bot API server (Telegram, self-hosted, or the sandbox)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.effective_telegram_api_url()))
    session.middleware(RetryAfterMiddleware())
    return Bot(
        token=settings.effective_bot_token(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_storage(settings: Settings, db: Database) -> tuple[BaseStorage, BaseEventIsolation]:
    """FSM storage and the event isolation that matches it.

    Redis when configured (several processes share state and per-user locks), otherwise
    the database with an in-process lock per user.
    """
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage

        redis_storage = RedisStorage.from_url(
            settings.redis_url, key_builder=DefaultKeyBuilder(with_bot_id=True)
        )
        return redis_storage, redis_storage.create_isolation()
    return DatabaseStorage(db), SimpleEventIsolation()


def create_dispatcher(settings: Settings, db: Database) -> Dispatcher:
    """The dispatcher with every middleware and flow of kopdana wired in."""
    storage, isolation = create_storage(settings, db)
    dispatcher = Dispatcher(storage=storage, events_isolation=isolation)
    i18n = CatalogI18n(path=settings.locales_dir, default_locale=settings.default_locale)
    dispatcher["i18n"] = i18n
    dispatcher.update.outer_middleware(
        UpdateContextMiddleware(db=db, i18n=i18n, timezone=settings.default_timezone)
    )
    dispatcher.include_router(build_error_router())
    dispatcher.include_router(build_root_router())
    return dispatcher


async def publish_commands(bot: Bot, i18n: CatalogI18n) -> None:
    """Tell Telegram the command list in each language we speak."""
    for locale in i18n.available_locales:
        with i18n.use_locale(locale):
            commands = [
                BotCommand(command=name, description=i18n.gettext(f"command.{name}"))
                for name in COMMANDS
            ]
        language_code = None if locale == i18n.default_locale else locale
        await bot.set_my_commands(commands, language_code=language_code)
