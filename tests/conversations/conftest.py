"""The real bot (aiogram dispatcher, real HTTP session) against the sandbox over HTTP.

``bot`` starts kopdana in polling mode; ``webhook_bot`` in webhook mode, the sandbox
posting updates to the bot's aiohttp server. ``restart`` stops the bot and starts a new
one on the same database, as a deploy or crash would.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Callable
from html import unescape
from typing import Any, NamedTuple

import pytest
from pydantic import SecretStr

from backend.db.engine import Database
from backend.i18n import load_translations
from backend.settings import PROJECT_ROOT, Settings
from bot.runners import PollingRunner, WebhookRunner
from sandbox.testing import SandboxServer, SandboxUser
from tests.conftest import REDIS_URL
from tests.wallet_factories import receiving_account, verified_financier

TRANSLATIONS = load_translations(PROJECT_ROOT / "locales")
WEBHOOK_SECRET = "test-secret_123"


def msg(key: str, language: str = "id", **params: Any) -> str:
    """A catalog message as the member sees it: translated, formatted, HTML removed."""
    text = (
        TRANSLATIONS[language].gettext(key).format(**params)
        if params
        else (TRANSLATIONS[language].gettext(key))
    )
    return unescape(re.sub(r"<[^>]+>", "", text))


def first_line(key: str, language: str = "id", **params: Any) -> str:
    return msg(key, language, **params).splitlines()[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as server:
        yield server


def make_settings(database_url: str, sandbox: SandboxServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "bot_token": SecretStr(sandbox.bot_token),
        "telegram_api_url": sandbox.api_url,
        "redis_url": None,
        "default_locale": "id",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


class BotHarness:
    """Starts, stops and restarts the real bot against the sandbox."""

    def __init__(self, make_runner: Callable[[], PollingRunner | WebhookRunner]) -> None:
        self._make_runner = make_runner
        self.runner: PollingRunner | WebhookRunner | None = None

    async def start(self) -> None:
        self.runner = self._make_runner()
        await self.runner.start()

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture(params=["database", pytest.param("redis", marks=pytest.mark.redis)])
def fsm_backend(request: pytest.FixtureRequest) -> str:
    """Where conversation state lives: the database (default) or Redis."""
    return str(request.param)


@pytest.fixture
async def bot(
    seeded_db: Database, database_url: str, sandbox: SandboxServer
) -> AsyncIterator[BotHarness]:
    """kopdana in polling mode, FSM state in the database."""
    settings = make_settings(database_url, sandbox)
    harness = BotHarness(lambda: PollingRunner(settings, seeded_db))
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def any_storage_bot(
    seeded_db: Database, database_url: str, sandbox: SandboxServer, fsm_backend: str
) -> AsyncIterator[BotHarness]:
    """kopdana in polling mode with each FSM storage (database, Redis)."""
    redis_url = REDIS_URL if fsm_backend == "redis" else None
    if redis_url:
        from redis.asyncio import Redis

        async with Redis.from_url(redis_url) as client:
            await client.flushdb()
    settings = make_settings(database_url, sandbox, redis_url=redis_url)
    harness = BotHarness(lambda: PollingRunner(settings, seeded_db))
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def webhook_bot(
    seeded_db: Database, database_url: str, sandbox: SandboxServer
) -> AsyncIterator[BotHarness]:
    """kopdana in webhook mode: the sandbox posts updates to the bot's own server."""
    port = free_port()
    settings = make_settings(
        database_url,
        sandbox,
        bot_mode="webhook",
        webhook_url=f"http://127.0.0.1:{port}/telegram/webhook",
        webhook_secret=SecretStr(WEBHOOK_SECRET),
        webhook_port=port,
    )
    harness = BotHarness(lambda: WebhookRunner(settings, seeded_db))
    await harness.start()
    yield harness
    await harness.stop()


@pytest.fixture
async def siti(sandbox: SandboxServer) -> SandboxUser:
    """A Telegram user who is not a member yet (the sandbox's demo user Siti)."""
    return sandbox.user(7001)


class WalletMember(NamedTuple):
    """A financier of the wallet tests: their chat in the sandbox and their member id."""

    user: SandboxUser
    member_id: int


@pytest.fixture
async def wallet_member(seeded_db: Database, sandbox: SandboxServer) -> WalletMember:
    """Siti, a verified financier of JKT01 (Telegram user 5001, bank account ••••••4567),
    whose branch has a receiving account (BRI 1234567890) for cash-in transfers."""
    user = await sandbox.create_user(5001, "Siti", last_name="Rahayu")  # before any notice
    member = await verified_financier(seeded_db, telegram_user_id=user.user_id)
    await receiving_account(seeded_db)
    return WalletMember(user=user, member_id=member.id)
