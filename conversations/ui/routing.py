"""Routers built on demand: each dispatcher gets fresh aiogram Routers.

aiogram attaches a Router to exactly one parent, so a module-level ``Router()`` would be
an import-time singleton (a second dispatcher — a restart in tests, a benchmark — could
not include it). A flow declares its handlers on a ``FlowRoutes`` with the same decorator
style, and ``build()`` makes a new Router each time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from aiogram import Router

Handler = TypeVar("Handler", bound=Callable[..., Any])


class FlowRoutes:
    """The handlers of one flow, in registration order, ready to build Routers from."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: list[tuple[str, Callable[..., Any], tuple[Any, ...]]] = []

    def _decorator(self, observer: str, filters: tuple[Any, ...]) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self._entries.append((observer, handler, filters))
            return handler

        return register

    def message(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._decorator("message", filters)

    def callback_query(self, *filters: Any) -> Callable[[Handler], Handler]:
        return self._decorator("callback_query", filters)

    def build(self) -> Router:
        router = Router(name=self.name)
        for observer, handler, filters in self._entries:
            getattr(router, observer).register(handler, *filters)
        return router
