"""Records of the emulated Telegram world: users, bots, chats, messages, files and updates.

Plain mutable dataclasses; `sandbox.state.World` owns them and is the only place that
creates or changes them, always from the event loop's thread.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

Json = dict[str, Any]
Direction = Literal["bot", "user"]

# Update types Telegram sends when allowed_updates is empty or was never given.
DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class SandboxUser:
    """A Telegram user who talks to the bot from the user side."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    blocked_bot: bool = False

    def as_telegram(self) -> Json:
        """The Bot API ``User`` object."""
        data: Json = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def as_chat(self) -> Json:
        """The Bot API ``Chat`` object of the private chat with this user."""
        data: Json = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data

    def as_api(self) -> Json:
        """The user-side API representation (includes phone and blocked flag)."""
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
            "phone_number": self.phone_number,
            "blocked_bot": self.blocked_bot,
        }


@dataclass
class StoredFile:
    """Bytes uploaded by a bot or a user, addressable by file_id and file_path."""

    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes
    kind: Literal["photo", "document"]
    mime_type: str | None = None
    file_name: str | None = None
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def photo_size(self) -> Json:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": self.size,
        }

    def document(self) -> Json:
        data: Json = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data


@dataclass
class StoredMessage:
    """One message in a private chat, in either direction, with its current content."""

    message_id: int
    chat_id: int
    direction: Direction
    date: int
    text: str | None = None
    entities: list[Json] | None = None
    caption: str | None = None
    caption_entities: list[Json] | None = None
    photo: StoredFile | None = None
    document: StoredFile | None = None
    contact: Json | None = None
    reply_markup: Json | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False

    def inline_keyboard(self) -> list[list[Json]]:
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            rows: list[list[Json]] = self.reply_markup["inline_keyboard"]
            return rows
        return []


@dataclass(eq=False)
class QueuedUpdate:
    """An update waiting for getUpdates or webhook delivery (compared by identity)."""

    update_id: int
    payload: Json
    chat_id: int | None
    redelivery: bool = False
    delivered: bool = False
    in_flight: bool = False
    attempts: int = 0
    next_attempt: float = 0.0


@dataclass
class ChatState:
    """A private chat between the bot and one user."""

    chat_id: int
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    events: list[Json] = field(default_factory=list)
    next_message_id: int = 1
    reply_keyboard: Json | None = None
    reply_keyboard_message_id: int = 0


@dataclass
class Webhook:
    """The webhook registered by setWebhook, with its delivery health."""

    url: str
    secret_token: str | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class CallbackQueryRecord:
    """A pressed inline button, waiting for answerCallbackQuery."""

    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


@dataclass
class BotState:
    """Everything one bot (identified by its token's numeric id) has in the sandbox."""

    id: int
    token: str
    username: str
    first_name: str
    chats: dict[int, ChatState] = field(default_factory=dict)
    queue: list[QueuedUpdate] = field(default_factory=list)
    history: dict[int, Json] = field(default_factory=dict)
    allowed_updates: list[str] | None = None
    webhook: Webhook | None = None
    commands: dict[str, list[Json]] = field(default_factory=dict)
    callback_queries: dict[str, CallbackQueryRecord] = field(default_factory=dict)
    callback_answers: list[Json] = field(default_factory=list)
    chat_actions: list[Json] = field(default_factory=list)
    poll_generation: int = 0

    def as_telegram(self) -> Json:
        """The Bot API ``User`` object returned by getMe."""
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def accepts(self, update_type: str) -> bool:
        """Whether updates of this type pass the bot's allowed_updates setting."""
        if not self.allowed_updates:
            return update_type not in DEFAULT_EXCLUDED_UPDATES
        return update_type in self.allowed_updates


@dataclass
class Stats:
    """Counters exposed by ``GET /sandbox/api/stats``."""

    requests: Counter[str] = field(default_factory=Counter)
    errors: Counter[int] = field(default_factory=Counter)
    too_many_requests: int = 0
    updates_queued: int = 0
    updates_delivered: int = 0
    webhook_attempts: int = 0
    webhook_failures: int = 0

    def as_dict(self) -> Json:
        return {
            "requests": dict(self.requests),
            "errors": {str(code): count for code, count in self.errors.items()},
            "too_many_requests": self.too_many_requests,
            "updates_queued": self.updates_queued,
            "updates_delivered": self.updates_delivered,
            "webhook_attempts": self.webhook_attempts,
            "webhook_failures": self.webhook_failures,
        }
