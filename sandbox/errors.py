"""Errors answered by the emulated Bot API, in Telegram's shapes.

`BotApiError` carries the HTTP status, Telegram's description and optional
``parameters`` (``retry_after`` for flood control); the router turns it into
``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``.
"""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """A Bot API call failed the way Telegram would fail it."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad_request(detail: str) -> BotApiError:
    """A 400 answer: ``"Bad Request: <detail>"``."""
    return BotApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> BotApiError:
    """A 403 answer: ``"Forbidden: <detail>"``."""
    return BotApiError(403, f"Forbidden: {detail}")


def not_found() -> BotApiError:
    """The answer to an unknown method or route."""
    return BotApiError(404, "Not Found")


def conflict(detail: str) -> BotApiError:
    """A 409 answer: ``"Conflict: <detail>"``."""
    return BotApiError(409, f"Conflict: {detail}")


def too_many_requests(retry_after: int) -> BotApiError:
    """A 429 flood-control answer with ``parameters.retry_after``."""
    return BotApiError(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


class UserActionError(ValueError):
    """A user-side request that cannot be carried out (answered as HTTP 400)."""
