"""Typed settings: one object, read from the environment (prefix ``KOPDANA_``) and ``.env``.

Nothing reads the environment elsewhere; factories take this object. Secrets are
``SecretStr`` so they never appear in logs or reprs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_URL = f"sqlite+aiosqlite:///{PROJECT_ROOT / 'var' / 'kopdana.sqlite3'}"
OFFICIAL_TELEGRAM_API_URL = "https://api.telegram.org"
SANDBOX_BOT_TOKEN = "7000000001:sandbox-token"  # the sandbox's default bot (sandbox/config.py)


class Settings(BaseSettings):
    """Everything kopdana can be configured with. See the README's configuration table."""

    model_config = SettingsConfigDict(
        env_prefix="KOPDANA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = DEFAULT_SQLITE_URL
    bot_token: SecretStr | None = None
    telegram_api_url: str = OFFICIAL_TELEGRAM_API_URL
    redis_url: str | None = None

    bot_mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = Field(
        default=None, description="Public URL Telegram posts updates to, e.g. https://host/tg"
    )
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_path: str = "/telegram/webhook"

    admin_host: str = "127.0.0.1"
    admin_port: int = 8000
    # None: Secure cookies except when the panel is reached on localhost/127.0.0.1.
    admin_cookie_secure: bool | None = None
    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = 8081

    # Periodic jobs run by every bot process (bot/jobs.py); 0 switches a job off.
    deposit_expiry_interval_seconds: float = Field(default=60.0, ge=0)
    ledger_check_interval_seconds: float = Field(default=600.0, ge=0)

    # Loan review documents: stored under random names in this directory, size-capped.
    uploads_dir: Path = PROJECT_ROOT / "var" / "uploads"
    upload_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1, le=50 * 1024 * 1024)

    default_locale: Literal["id", "en"] = "id"
    default_timezone: str = "Asia/Jakarta"
    locales_dir: Path = PROJECT_ROOT / "locales"
    log_level: str = "INFO"

    @field_validator("bot_token", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def uses_sandbox(self) -> bool:
        """No token configured: the embedded default talks to the local sandbox."""
        return self.bot_token is None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def effective_bot_token(self) -> str:
        """The token the bot uses: the configured one, or the sandbox's demo token."""
        return self.bot_token.get_secret_value() if self.bot_token else SANDBOX_BOT_TOKEN

    def effective_telegram_api_url(self) -> str:
        """Bot API base: the configured one, or the local sandbox when no token is set."""
        if self.bot_token is None and self.telegram_api_url == OFFICIAL_TELEGRAM_API_URL:
            return f"http://{self.sandbox_host}:{self.sandbox_port}"
        return self.telegram_api_url.rstrip("/")
