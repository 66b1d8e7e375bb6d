"""Async helpers for tests and benchmarks: run a sandbox on a free port and act as users.

    async with SandboxServer() as sandbox:
        bot = Bot(sandbox.bot_token,
                  session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.api_url)))
        siti = await sandbox.create_user(9001, "Siti", phone_number="+6281234567801")
        await siti.send_text("/start")
        reply = await siti.wait_for_bot_message(contains="Selamat datang")

Everything goes over real HTTP (uvicorn on 127.0.0.1, httpx on the client side), in the
current event loop.
"""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import httpx
import uvicorn

from sandbox.app import create_app
from sandbox.config import SandboxConfig
from sandbox.state import World

Event = dict[str, Any]


class SandboxServer:
    """Async context manager running the sandbox with uvicorn on a free loopback port."""

    def __init__(self, config: SandboxConfig | None = None, *, host: str = "127.0.0.1") -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.port = 0
        self.app = create_app(self.config)
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        """Base for bots: ``TelegramAPIServer.from_base(api_url)`` talks to this sandbox."""
        return self.base_url

    @property
    def bot_token(self) -> str:
        """The token of the bot the user side talks to by default."""
        return self.config.default_bot_token

    @property
    def world(self) -> World:
        """Direct access to the in-memory state (same event loop), for white-box assertions."""
        world: World = self.app.state.world
        return world

    @property
    def client(self) -> httpx.AsyncClient:
        """An httpx client with ``base_url`` set to the sandbox."""
        if self._client is None:
            raise RuntimeError("SandboxServer is not running; use 'async with'")
        return self._client

    def telegram_api_server(self) -> Any:
        """An aiogram ``TelegramAPIServer`` pointing at this sandbox."""
        from aiogram.client.telegram import TelegramAPIServer

        return TelegramAPIServer.from_base(self.api_url)

    async def __aenter__(self) -> SandboxServer:
        # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose
        # proto is TCP, and without it every response waits ~40 ms for a delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            host=self.host,
            port=self.port,
            log_level="warning",
            log_config=None,
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                sock.close()
                await self._task
                raise RuntimeError("sandbox server failed to start")
            await asyncio.sleep(0.005)
        self._client = httpx.AsyncClient(base_url=self.base_url, timeout=30, trust_env=False)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self.world.close()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            try:
                await asyncio.wait_for(self._task, timeout=5)
            except TimeoutError:
                self._server.force_exit = True
                await asyncio.wait_for(self._task, timeout=5)

    # -- user side -----------------------------------------------------------------------

    def user(self, user_id: int, *, bot_id: int | None = None) -> SandboxUser:
        """A handle on an existing sandbox user (e.g. a seeded demo user)."""
        return SandboxUser(self.client, user_id, bot_id=bot_id)

    async def create_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "id",
        phone_number: str | None = None,
        blocked_bot: bool = False,
        bot_id: int | None = None,
    ) -> SandboxUser:
        """Create or update a user and return a handle on it."""
        body = {
            "first_name": first_name,
            "last_name": last_name,
            "username": username,
            "language_code": language_code,
            "phone_number": phone_number,
            "blocked_bot": blocked_bot,
        }
        _ok(await self.client.put(f"/sandbox/api/users/{user_id}", json=body))
        return self.user(user_id, bot_id=bot_id)

    async def set_config(self, **changes: Any) -> dict[str, Any]:
        """Change config fields at runtime, e.g. ``set_config(per_chat_limit=1)``."""
        result: dict[str, Any] = _ok(await self.client.put("/sandbox/api/config", json=changes))
        return result

    async def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = _ok(await self.client.get("/sandbox/api/stats"))
        return result

    async def reset(self) -> None:
        _ok(await self.client.post("/sandbox/api/reset"))

    async def redeliver(self, update_id: int, times: int = 1) -> dict[str, Any]:
        """Queue the same update ``times`` more times (duplicate-delivery tests)."""
        result: dict[str, Any] = _ok(
            await self.client.post(
                f"/sandbox/api/updates/{update_id}/redeliver", params={"times": times}
            )
        )
        return result

    async def inject_update(self, update: dict[str, Any]) -> int:
        """Queue an arbitrary raw update; returns its update_id."""
        result = _ok(await self.client.post("/sandbox/api/updates", json=update))
        return int(result["update_id"])

    async def callback_answers(self, user_id: int | None = None) -> list[dict[str, Any]]:
        params = {"user_id": user_id} if user_id is not None else {}
        result: list[dict[str, Any]] = _ok(
            await self.client.get("/sandbox/api/callback_answers", params=params)
        )
        return result

    async def chat_actions(self, user_id: int | None = None) -> list[dict[str, Any]]:
        params = {"user_id": user_id} if user_id is not None else {}
        result: list[dict[str, Any]] = _ok(
            await self.client.get("/sandbox/api/chat_actions", params=params)
        )
        return result


class SandboxUser:
    """Acts as one Telegram user through the user-side API, and waits for the bot's answers.

    The helper keeps a cursor: every action moves it to the action's own transcript event,
    and `wait_for_bot_message` (without ``after_seq``) returns the first matching bot
    message after the cursor, then moves the cursor past it.
    """

    def __init__(
        self, client: httpx.AsyncClient, user_id: int, *, bot_id: int | None = None
    ) -> None:
        self.client = client
        self.user_id = user_id
        self.bot_id = bot_id
        self.cursor = 0
        self._path = f"/sandbox/api/users/{user_id}"

    def _params(self, **extra: Any) -> dict[str, Any]:
        params = {key: value for key, value in extra.items() if value is not None}
        if self.bot_id is not None:
            params["bot_id"] = self.bot_id
        return params

    async def _act(self, suffix: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.client.post(self._path + suffix, params=self._params(), **kwargs)
        result: dict[str, Any] = _ok(response)
        self.cursor = max(self.cursor, int(result.get("seq", 0)))
        return result

    async def send_text(self, text: str) -> dict[str, Any]:
        """Send a text message; returns ``{"update_id", "message_id", "seq"}``."""
        return await self._act("/messages", json={"text": text})

    async def send_contact(
        self,
        own: bool = True,
        *,
        phone_number: str | None = None,
        user_id: int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        """Share the user's own contact, or (``own=False``) someone else's."""
        body: dict[str, Any] = {
            key: value
            for key, value in (
                ("phone_number", phone_number),
                ("first_name", first_name),
                ("last_name", last_name),
            )
            if value is not None
        }
        if not own:
            body["contact_user_id"] = user_id
        return await self._act("/contact", json=body)

    async def send_photo(
        self, data: bytes, caption: str | None = None, *, filename: str = "photo.jpg"
    ) -> dict[str, Any]:
        """Send a photo; returns ids including the stored ``file_id``."""
        form = {"caption": caption} if caption is not None else {}
        files = {"file": (filename, data, "image/jpeg")}
        return await self._act("/photo", data=form, files=files)

    async def send_document(
        self,
        data: bytes,
        filename: str = "document.pdf",
        caption: str | None = None,
        *,
        mime_type: str = "application/octet-stream",
    ) -> dict[str, Any]:
        """Send a document; returns ids including the stored ``file_id``."""
        form = {"caption": caption} if caption is not None else {}
        return await self._act("/document", data=form, files={"file": (filename, data, mime_type)})

    async def press(self, text: str) -> dict[str, Any]:
        """Press the button labelled ``text`` (newest inline button or reply keyboard)."""
        return await self._act("/press", json={"text": text})

    async def press_callback(self, message_id: int, data: str) -> dict[str, Any]:
        """Press the inline button with ``callback_data == data`` under ``message_id``."""
        return await self._act("/callback", json={"message_id": message_id, "data": data})

    async def transcript(self, after: int = 0, wait: float = 0) -> list[Event]:
        """Chat events newer than ``after`` (long-polls up to ``wait`` seconds for one)."""
        response = await self.client.get(
            self._path + "/transcript",
            params=self._params(after=after, wait=wait or None),
            timeout=wait + 30,
        )
        result: list[Event] = _ok(response)
        return result

    async def state(self) -> dict[str, Any]:
        """Current reply keyboard, latest inline keyboards and pressable labels."""
        result: dict[str, Any] = _ok(
            await self.client.get(self._path + "/state", params=self._params())
        )
        return result

    async def reply_keyboard(self) -> dict[str, Any] | None:
        """The reply keyboard the user sees now (None when removed or never sent)."""
        keyboard: dict[str, Any] | None = (await self.state())["reply_keyboard"]
        return keyboard

    async def messages(self) -> list[Event]:
        """Current state of every message in the chat (edits applied), oldest first."""
        current: dict[int, Event] = {}
        for event in await self.transcript():
            if event["kind"] in ("message", "edit", "delete"):
                current[event["message_id"]] = event
        return list(current.values())

    async def last_bot_message(self) -> Event | None:
        """The newest bot message that is not deleted, with its edits applied."""
        for event in reversed(await self.messages()):
            if event["direction"] == "bot" and not event["deleted"]:
                return event
        return None

    async def wait_for_bot_message(
        self,
        after_seq: int | None = None,
        timeout: float = 10,  # noqa: ASYNC109 - a deadline for the whole wait
        contains: str | None = None,
        *,
        edits: bool = False,
    ) -> Event:
        """The next bot message after ``after_seq`` (default: the cursor).

        With ``contains``, the first one whose text or caption contains it; with
        ``edits=True``, edits of bot messages count too. Raises AssertionError with the
        transcript tail on timeout.
        """
        kinds = ("message", "edit") if edits else ("message",)
        scan = self.cursor if after_seq is None else after_seq
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            for event in await self.transcript(after=scan, wait=min(remaining, 10)):
                scan = event["seq"]
                if event["direction"] != "bot" or event["kind"] not in kinds:
                    continue
                body = (event.get("text") or "") + "\n" + (event.get("caption") or "")
                if contains is None or contains in body:
                    self.cursor = max(self.cursor, event["seq"])
                    return event
        tail = "\n".join(_describe(event) for event in (await self.transcript())[-12:])
        wanted = f" containing {contains!r}" if contains else ""
        raise AssertionError(
            f"no bot message{wanted} for user {self.user_id} within {timeout}s "
            f"(after seq {self.cursor if after_seq is None else after_seq}); "
            f"transcript tail:\n{tail or '(empty)'}"
        )


def _describe(event: Event) -> str:
    content = event.get("text") or event.get("caption") or event.get("data") or ""
    if event.get("photo"):
        content = "[photo] " + content
    if event.get("document"):
        content = f"[document {event['document'].get('file_name')}] " + content
    if event.get("contact"):
        content = f"[contact {event['contact'].get('phone_number')}]"
    markup = event.get("reply_markup") or {}
    buttons = [
        b.get("text")
        for row in markup.get("inline_keyboard", markup.get("keyboard", []))
        for b in row
    ]
    extra = f" buttons={buttons}" if buttons else ""
    return (
        f"  #{event['seq']} {event['direction']} {event['kind']} "
        f"msg={event.get('message_id')}: {content[:200]!r}{extra}"
    )


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise AssertionError(
            f"sandbox {response.request.method} {response.request.url.path} answered "
            f"{response.status_code}: {response.text}"
        )
    return response.json()
