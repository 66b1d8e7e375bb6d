"""Plumbing shared by all Bot API methods: parameters, call context and the method registry.

Parameters arrive as JSON (typed values), as URL-encoded or multipart form fields (all
strings, nested objects JSON-encoded — this is what aiogram sends) or in the query
string. `Params` reads them uniformly; uploaded files are looked up by field name or by
``attach://<name>``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.errors import bad_request, too_many_requests
from sandbox.models import BotState
from sandbox.state import World


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, read into memory."""

    filename: str | None
    content_type: str | None
    data: bytes


class Params:
    """Typed access to a method's parameters, with Telegram's error answers."""

    def __init__(self, values: dict[str, Any], files: dict[str, UploadedFile]) -> None:
        self.values = values
        self.files = files

    def has(self, name: str) -> bool:
        return self.values.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None:
            return None
        return value if isinstance(value, str) else str(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            raise bad_request(f"invalid {name} specified")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def json(self, name: str) -> Any:
        value = self.values.get(name)
        if isinstance(value, str):
            if value == "":
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f"can't parse {name} JSON object") from None
        return value

    def file(self, name: str) -> UploadedFile | str | None:
        """An uploaded file, or a file_id/URL string, for an input-file parameter."""
        if name in self.files:
            return self.files[name]
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise bad_request(f"wrong type of the {name} parameter")
        if value.startswith("attach://"):
            attached = self.files.get(value.removeprefix("attach://"))
            if attached is None:
                raise bad_request(f"wrong HTTP URL specified for the {name}")
            return attached
        return value


@dataclass
class MethodContext:
    """What a method implementation gets: the world, the calling bot and the parameters."""

    world: World
    bot: BotState
    params: Params
    description: str | None = field(default=None)

    def admit_send(self, chat_id: int) -> None:
        """Apply flood control to a sending request; raise 429 when over a limit."""
        wait = self.world.flood.admit(self.world.config, self.bot.id, chat_id, time.monotonic())
        if wait is not None:
            raise too_many_requests(wait)


Handler = Callable[[MethodContext], Awaitable[Any]]
METHODS: dict[str, tuple[str, Handler]] = {}


def api_method(name: str) -> Callable[[Handler], Handler]:
    """Register a Bot API method under its (case-insensitive) name."""

    def register(handler: Handler) -> Handler:
        METHODS[name.lower()] = (name, handler)
        return handler

    return register
