"""Sandbox configuration: flood limits, webhook delivery and identity of the emulated bot.

`SandboxConfig` is frozen; the running sandbox keeps the current value on its world and
replaces it whole when the user-side API changes it (`PUT /sandbox/api/config`), so every
reader sees one consistent set of limits.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

DEFAULT_BOT_TOKEN = "7000000001:sandbox-token"


@dataclass(frozen=True)
class SandboxConfig:
    """Settings of one sandbox instance.

    Flood control counts sending requests (``sendMessage``, ``sendPhoto``, ``sendDocument``)
    per bot: at most ``per_chat_limit`` to one chat and ``global_limit`` in total within the
    respective rolling windows. A limit of 0 disables that check. Telegram allows about one
    message per second per chat with short bursts and about 30 per second overall; the
    defaults are generous so ordinary tests and the demo never trip them, and tests switch
    a strict limit on at runtime.
    """

    per_chat_limit: int = 20
    per_chat_window_seconds: float = 1.0
    global_limit: int = 300
    global_window_seconds: float = 1.0
    # Seconds reported in a 429 answer; None computes the time until the window frees up.
    retry_after: int | None = None

    # Absolute base for download links in the transcript (e.g. "http://127.0.0.1:8081");
    # None gives links relative to the sandbox itself.
    public_base_url: str | None = None

    webhook_default_max_connections: int = 40
    webhook_retry_initial_seconds: float = 0.5
    webhook_retry_max_seconds: float = 30.0
    webhook_timeout_seconds: float = 10.0

    # Token whose bot the user-side API talks to before any bot has called the Bot API.
    default_bot_token: str = DEFAULT_BOT_TOKEN
    bot_username: str = "kopdana_sandbox_bot"
    bot_first_name: str = "Kopdana Sandbox"
    seed_demo_users: bool = True

    def with_changes(self, changes: dict[str, Any]) -> SandboxConfig:
        """Return a copy with ``changes`` applied; unknown or ill-typed fields raise ValueError."""
        known = {field.name: field for field in dataclasses.fields(self)}
        cleaned: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in known:
                raise ValueError(f"unknown config field {name!r}")
            cleaned[name] = _coerce(name, value, getattr(self, name))
        return dataclasses.replace(self, **cleaned)

    def as_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON-able values."""
        return dataclasses.asdict(self)


_NULLABLE = {"retry_after", "public_base_url"}


def _coerce(name: str, value: Any, current: Any) -> Any:
    if value is None:
        if name in _NULLABLE:
            return None
        raise ValueError(f"{name} cannot be null")
    if name == "retry_after":
        return _non_negative(name, int(value))
    if name == "public_base_url":
        return str(value).rstrip("/")
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be a boolean")
        return value
    if isinstance(current, int):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
        return _non_negative(name, int(value))
    if isinstance(current, float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"{name} must be a number")
        return _non_negative(name, float(value))
    return str(value)


def _non_negative(name: str, value: Any) -> Any:
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value
