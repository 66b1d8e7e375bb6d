"""The in-memory world of the sandbox: bots, users, chats, messages, files and update queues.

`World` is created per app (see `sandbox.app.create_app`) and lives on ``app.state.world``.
All mutation happens on the event loop without awaiting in between, so no locks are
needed; every change calls `World.notify`, which wakes long polls (getUpdates, transcript
waits) and the webhook deliverer at once.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from sandbox.config import SandboxConfig
from sandbox.errors import BotApiError
from sandbox.flood import FloodControl
from sandbox.models import (
    BotState,
    ChatState,
    Direction,
    Json,
    QueuedUpdate,
    SandboxUser,
    Stats,
    StoredFile,
    StoredMessage,
)
from sandbox.transcript import message_event

TOKEN_PATTERN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
HISTORY_LIMIT = 10_000
FIRST_UPDATE_ID = 700_000_001

DEMO_USERS = (
    SandboxUser(7001, "Siti", "Rahayu", "siti_rahayu", "id", "+6281234567801"),
    SandboxUser(7002, "Budi", "Santoso", "budi_santoso", "id", "+6281234567802"),
    SandboxUser(7003, "Dewi", "Lestari", "dewi_lestari", "id", "+6281234567803"),
    SandboxUser(7004, "Agus", "Pratama", "agus_pratama", "id", "+6281234567804"),
)


class World:
    """All sandbox state, plus the wake-up signal for everything that waits on it."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.users: dict[int, SandboxUser] = {}
        self.bots: dict[int, BotState] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.stats = Stats()
        self.flood = FloodControl()
        self.closing = False
        self._pulse = asyncio.Event()
        self._next_update_id = FIRST_UPDATE_ID
        self._next_seq = 1
        self._next_file = 1
        if config.seed_demo_users:
            for user in DEMO_USERS:
                self.users[user.id] = SandboxUser(**vars(user))

    # -- waking up waiters -------------------------------------------------------------

    def notify(self) -> None:
        """Wake every coroutine waiting in `wait_until`."""
        self._pulse.set()
        self._pulse = asyncio.Event()

    def pulse(self) -> asyncio.Event:
        """The event the next `notify` sets; take it *before* checking for work."""
        return self._pulse

    def close(self) -> None:
        """Make all current and future waits return at once (used at shutdown)."""
        self.closing = True
        self.notify()

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait up to ``seconds`` for ``predicate()`` to hold; return whether it does."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(seconds, 0.0)
        while True:
            pulse = self._pulse
            if predicate():
                return True
            remaining = deadline - loop.time()
            if remaining <= 0 or self.closing:
                return False
            try:
                await asyncio.wait_for(pulse.wait(), remaining)
            except TimeoutError:
                return predicate()

    # -- bots and users ----------------------------------------------------------------

    def bot_for_token(self, token: str) -> BotState:
        """The bot owning ``token``, registered on first use; malformed tokens get 404."""
        match = TOKEN_PATTERN.match(token)
        if not match:
            raise BotApiError(404, "Not Found")
        bot_id = int(match.group(1))
        bot = self.bots.get(bot_id)
        if bot is None:
            bot = BotState(
                id=bot_id,
                token=token,
                username=self.config.bot_username,
                first_name=self.config.bot_first_name,
            )
            self.bots[bot_id] = bot
        return bot

    def primary_bot(self, bot_id: int | None = None) -> BotState:
        """The bot the user side talks to: ``bot_id``, else the first bot seen, else the default."""
        if bot_id is not None:
            bot = self.bots.get(bot_id)
            if bot is None:
                raise KeyError(f"no bot with id {bot_id}")
            return bot
        if self.bots:
            return next(iter(self.bots.values()))
        return self.bot_for_token(self.config.default_bot_token)

    def chat(self, bot: BotState, chat_id: int) -> ChatState:
        """The private chat of ``bot`` with user ``chat_id``, created on first use."""
        chat = bot.chats.get(chat_id)
        if chat is None:
            chat = bot.chats[chat_id] = ChatState(chat_id=chat_id)
        return chat

    def find_user(self, ref: Any) -> SandboxUser | None:
        """Resolve a ``chat_id`` parameter (numeric id or ``@username``) to a user."""
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            return next(
                (u for u in self.users.values() if (u.username or "").lower() == name), None
            )
        try:
            return self.users.get(int(ref))
        except (TypeError, ValueError):
            return None

    # -- updates -----------------------------------------------------------------------

    def enqueue(self, bot: BotState, update: Json, chat_id: int | None) -> int:
        """Give ``update`` an update_id (unless it has one), queue it and return the id.

        An update whose type the bot's allowed_updates excludes is dropped, as Telegram does.
        """
        if "update_id" not in update:
            update = {"update_id": self._take_update_id(), **update}
        update_id = int(update["update_id"])
        kind = next((key for key in update if key != "update_id"), "")
        bot.history[update_id] = update
        while len(bot.history) > HISTORY_LIMIT:
            bot.history.pop(next(iter(bot.history)))
        if bot.accepts(kind):
            bot.queue.append(QueuedUpdate(update_id=update_id, payload=update, chat_id=chat_id))
            self.stats.updates_queued += 1
            self.notify()
        return update_id

    def redeliver(self, update_id: int, times: int) -> BotState:
        """Queue the already seen update ``update_id`` again ``times`` times, unchanged."""
        for bot in self.bots.values():
            payload = bot.history.get(update_id)
            if payload is None:
                continue
            chat_id = chat_of_update(payload)
            for _ in range(times):
                bot.queue.append(QueuedUpdate(update_id, payload, chat_id=chat_id, redelivery=True))
                self.stats.updates_queued += 1
            self.notify()
            return bot
        raise KeyError(f"unknown update_id {update_id}")

    def _take_update_id(self) -> int:
        update_id = self._next_update_id
        self._next_update_id += 1
        return update_id

    # -- messages and transcript -------------------------------------------------------

    def add_message(
        self, bot: BotState, chat_id: int, direction: Direction, **content: Any
    ) -> StoredMessage:
        """Append a message to a chat and to its transcript."""
        chat = self.chat(bot, chat_id)
        message = StoredMessage(
            message_id=chat.next_message_id,
            chat_id=chat_id,
            direction=direction,
            date=int(time.time()),
            **content,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        self.record(chat, "message", message)
        return message

    def record(self, chat: ChatState, kind: str, message: StoredMessage) -> None:
        """Append a transcript event (message, edit, delete) snapshotting the message now."""
        self.record_event(chat, message_event(kind, message))

    def record_event(self, chat: ChatState, event: Json) -> None:
        """Append any transcript event, giving it the next sequence number."""
        event["seq"] = self._next_seq
        self._next_seq += 1
        chat.events.append(event)
        self.notify()

    # -- files -------------------------------------------------------------------------

    def store_file(
        self,
        data: bytes,
        kind: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Keep uploaded bytes and give them a file_id, file_unique_id and file_path."""
        number = self._next_file
        self._next_file += 1
        if kind == "photo":
            prefix, path = "AgACAgIAAxk", f"photos/file_{number}.jpg"
        else:
            suffix = _extension(file_name)
            prefix, path = "BQACAgIAAxk", f"documents/file_{number}{suffix}"
        stored = StoredFile(
            file_id=f"{prefix}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{secrets.token_urlsafe(9)}",
            file_path=path,
            data=data,
            kind="photo" if kind == "photo" else "document",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    # -- maintenance -------------------------------------------------------------------

    def reset(self) -> None:
        """Forget chats, updates, files and counters; keep users, bots and their settings."""
        for bot in self.bots.values():
            bot.chats.clear()
            bot.queue.clear()
            bot.history.clear()
            bot.callback_queries.clear()
            bot.callback_answers.clear()
            bot.chat_actions.clear()
        self.files.clear()
        self.files_by_path.clear()
        self.flood.reset()
        self.stats = Stats()
        self.notify()


def chat_of_update(update: Json) -> int | None:
    """The private chat an update belongs to, used to keep one chat's updates in order."""
    for value in update.values():
        if not isinstance(value, dict):
            continue
        chat = value.get("chat") or (value.get("message") or {}).get("chat")
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
        sender = value.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return int(sender["id"])
    return None


def _extension(file_name: str | None) -> str:
    if file_name and "." in file_name:
        ext = file_name.rsplit(".", 1)[1]
        if ext.isalnum() and len(ext) <= 8:
            return "." + ext.lower()
    return ""
