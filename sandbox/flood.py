"""Flood control for sending methods: rolling-window counters per chat and per bot.

Only requests that pass are counted, so a bot that waits ``retry_after`` and retries is
let through again, as with Telegram.
"""

from __future__ import annotations

import math
from collections import deque

from sandbox.config import SandboxConfig


class FloodControl:
    """Sliding-window limiter keyed by (bot id, chat id) and by bot id."""

    def __init__(self) -> None:
        self._per_chat: dict[tuple[int, int], deque[float]] = {}
        self._per_bot: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self._per_chat.clear()
        self._per_bot.clear()

    def admit(self, config: SandboxConfig, bot_id: int, chat_id: int, now: float) -> int | None:
        """Record a send and return None, or return the seconds to wait when over a limit."""
        chat_window = self._per_chat.setdefault((bot_id, chat_id), deque())
        bot_window = self._per_bot.setdefault(bot_id, deque())
        waits = [
            _wait(chat_window, config.per_chat_limit, config.per_chat_window_seconds, now),
            _wait(bot_window, config.global_limit, config.global_window_seconds, now),
        ]
        needed = max((w for w in waits if w is not None), default=None)
        if needed is not None:
            if config.retry_after is not None:
                return max(config.retry_after, 1)
            return max(1, math.ceil(needed))
        chat_window.append(now)
        bot_window.append(now)
        return None


def _wait(window: deque[float], limit: int, seconds: float, now: float) -> float | None:
    while window and window[0] <= now - seconds:
        window.popleft()
    if limit <= 0 or len(window) < limit:
        return None
    return window[len(window) - limit] + seconds - now
