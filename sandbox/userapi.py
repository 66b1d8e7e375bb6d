"""The user side of the sandbox under ``/sandbox/api``: act as users, read what the bot did.

Tests, benchmarks and the web chat page use these JSON endpoints. Every user endpoint
takes an optional ``bot_id`` query parameter; without it the first bot that called the
Bot API is used (or the bot of ``config.default_bot_token`` if none has yet).
"""

from __future__ import annotations

import bisect
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Body, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel

from sandbox import useractions
from sandbox.errors import UserActionError
from sandbox.models import BotState, Json, SandboxUser
from sandbox.state import World, chat_of_update
from sandbox.transcript import present

router = APIRouter(prefix="/sandbox/api")
BotId = Annotated[int | None, Query()]
MAX_WAIT_SECONDS = 60.0


class UserIn(BaseModel):
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    phone_number: str | None = None
    blocked_bot: bool = False


class TextIn(BaseModel):
    text: str


class ContactIn(BaseModel):
    phone_number: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    contact_user_id: int | None = None


class CallbackIn(BaseModel):
    message_id: int
    data: str


class PressIn(BaseModel):
    text: str


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


def _bot(world: World, bot_id: int | None) -> BotState:
    try:
        return world.primary_bot(bot_id)
    except KeyError as error:
        raise HTTPException(404, str(error.args[0])) from None


def _user(world: World, user_id: int) -> SandboxUser:
    user = world.users.get(user_id)
    if user is None:
        raise HTTPException(
            404, f"unknown user {user_id}; create it with PUT /sandbox/api/users/{user_id}"
        )
    return user


def _act(action: Any, *args: Any, **kwargs: Any) -> Json:
    try:
        result: Json = action(*args, **kwargs)
    except UserActionError as error:
        raise HTTPException(400, str(error)) from None
    return result


@router.get("/users")
async def list_users(request: Request) -> list[Json]:
    return [user.as_api() for user in _world(request).users.values()]


@router.get("/users/{user_id}")
async def get_user(user_id: int, request: Request) -> Json:
    return _user(_world(request), user_id).as_api()


@router.put("/users/{user_id}")
async def put_user(user_id: int, body: UserIn, request: Request) -> Json:
    world = _world(request)
    user = SandboxUser(id=user_id, **body.model_dump())
    world.users[user_id] = user
    world.notify()
    return user.as_api()


@router.post("/users/{user_id}/messages")
async def send_text(user_id: int, body: TextIn, request: Request, bot_id: BotId = None) -> Json:
    world = _world(request)
    return _act(useractions.send_text, world, _bot(world, bot_id), _user(world, user_id), body.text)


@router.post("/users/{user_id}/contact")
async def send_contact(
    user_id: int,
    request: Request,
    body: Annotated[ContactIn | None, Body()] = None,
    bot_id: BotId = None,
) -> Json:
    world = _world(request)
    body = body or ContactIn()
    own = "contact_user_id" not in body.model_fields_set or body.contact_user_id == user_id
    return _act(
        useractions.send_contact,
        world,
        _bot(world, bot_id),
        _user(world, user_id),
        phone_number=body.phone_number,
        first_name=body.first_name,
        last_name=body.last_name,
        contact_user_id=body.contact_user_id,
        own=own,
    )


async def _send_upload(
    request: Request,
    user_id: int,
    kind: str,
    file: UploadFile,
    caption: str | None,
    bot_id: int | None,
) -> Json:
    world = _world(request)
    data = await file.read()
    return _act(
        useractions.send_file,
        world,
        _bot(world, bot_id),
        _user(world, user_id),
        kind,
        data,
        file_name=file.filename,
        content_type=file.content_type,
        caption=caption,
    )


@router.post("/users/{user_id}/photo")
async def send_photo(
    user_id: int,
    request: Request,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str | None, Form()] = None,
    bot_id: BotId = None,
) -> Json:
    return await _send_upload(request, user_id, "photo", file, caption, bot_id)


@router.post("/users/{user_id}/document")
async def send_document(
    user_id: int,
    request: Request,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str | None, Form()] = None,
    bot_id: BotId = None,
) -> Json:
    return await _send_upload(request, user_id, "document", file, caption, bot_id)


@router.post("/users/{user_id}/callback")
async def press_callback(
    user_id: int, body: CallbackIn, request: Request, bot_id: BotId = None
) -> Json:
    world = _world(request)
    return _act(
        useractions.press_callback,
        world,
        _bot(world, bot_id),
        _user(world, user_id),
        body.message_id,
        body.data,
    )


@router.post("/users/{user_id}/press")
async def press(user_id: int, body: PressIn, request: Request, bot_id: BotId = None) -> Json:
    world = _world(request)
    return _act(useractions.press, world, _bot(world, bot_id), _user(world, user_id), body.text)


@router.get("/users/{user_id}/transcript")
async def transcript(
    user_id: int, request: Request, after: int = 0, wait: float = 0, bot_id: BotId = None
) -> list[Json]:
    """Chat events newer than ``after``; with ``wait`` > 0, long-poll until there is one."""
    world = _world(request)
    bot = _bot(world, bot_id)
    _user(world, user_id)

    def latest_seq() -> int:
        chat = bot.chats.get(user_id)
        return chat.events[-1]["seq"] if chat and chat.events else 0

    def newer() -> list[Json]:
        chat = bot.chats.get(user_id)
        if chat is None or latest_seq() <= after:
            return []
        start = bisect.bisect_right(chat.events, after, key=lambda event: event["seq"])
        return chat.events[start:]

    if wait > 0:
        await world.wait_until(lambda: latest_seq() > after, min(wait, MAX_WAIT_SECONDS))
    base = world.config.public_base_url
    return [present(event, base) for event in newer()]


@router.get("/users/{user_id}/state")
async def chat_state(user_id: int, request: Request, bot_id: BotId = None) -> Json:
    """What the user sees now: reply keyboard, latest inline keyboards, pressable labels."""
    world = _world(request)
    bot = _bot(world, bot_id)
    user = _user(world, user_id)
    chat = world.chat(bot, user.id)
    return {
        "user": user.as_api(),
        "bot": {"id": bot.id, "username": bot.username, "first_name": bot.first_name},
        "reply_keyboard": chat.reply_keyboard,
        "inline_keyboards": useractions.inline_keyboards(chat),
        "buttons": useractions.available_buttons(chat),
        "last_seq": chat.events[-1]["seq"] if chat.events else 0,
    }


@router.post("/updates/{update_id}/redeliver")
async def redeliver(update_id: int, request: Request, times: int = 1) -> Json:
    """Queue the same update (same update_id and payload) ``times`` more times."""
    if not 1 <= times <= 1000:
        raise HTTPException(400, "times must be between 1 and 1000")
    world = _world(request)
    try:
        bot = world.redeliver(update_id, times)
    except KeyError as error:
        raise HTTPException(404, str(error.args[0])) from None
    return {"update_id": update_id, "times": times, "pending": len(bot.queue)}


@router.post("/updates")
async def inject_update(
    update: Annotated[dict[str, Any], Body()], request: Request, bot_id: BotId = None
) -> Json:
    """Queue an arbitrary raw Update (an update_id is assigned when missing)."""
    world = _world(request)
    if not any(key != "update_id" for key in update):
        raise HTTPException(400, "an update needs one field besides update_id")
    update_id = world.enqueue(_bot(world, bot_id), update, chat_of_update(update))
    return {"update_id": update_id}


@router.get("/bots")
async def list_bots(request: Request) -> list[Json]:
    return [
        {
            "id": bot.id,
            "username": bot.username,
            "webhook_url": bot.webhook.url if bot.webhook else None,
            "pending_update_count": len(bot.queue),
            "allowed_updates": bot.allowed_updates,
            "commands": bot.commands,
            "chats": sorted(bot.chats),
        }
        for bot in _world(request).bots.values()
    ]


@router.get("/config")
async def get_config(request: Request) -> Json:
    return _world(request).config.as_dict()


@router.put("/config")
async def put_config(changes: Annotated[dict[str, Any], Body()], request: Request) -> Json:
    """Change some config fields at runtime (e.g. a strict flood limit for a test)."""
    world = _world(request)
    try:
        world.config = world.config.with_changes(changes)
    except (TypeError, ValueError) as error:
        raise HTTPException(422, str(error)) from None
    world.flood.reset()
    world.notify()
    return world.config.as_dict()


@router.get("/stats")
async def stats(request: Request) -> Json:
    return _world(request).stats.as_dict()


@router.post("/reset")
async def reset(request: Request) -> Json:
    """Forget chats, updates, files and counters (users and bot settings stay)."""
    _world(request).reset()
    return {"ok": True}


@router.get("/callback_answers")
async def callback_answers(
    request: Request, user_id: int | None = None, bot_id: BotId = None
) -> list[Json]:
    bot = _bot(_world(request), bot_id)
    return [a for a in bot.callback_answers if user_id is None or a["user_id"] == user_id]


@router.get("/chat_actions")
async def chat_actions(
    request: Request, user_id: int | None = None, bot_id: BotId = None
) -> list[Json]:
    bot = _bot(_world(request), bot_id)
    return [a for a in bot.chat_actions if user_id is None or a["chat_id"] == user_id]


@router.get("/files/{file_id}")
async def download(file_id: str, request: Request) -> Response:
    """A file's bytes for people and tests (photos inline, documents as attachments)."""
    stored = _world(request).files.get(file_id)
    if stored is None:
        raise HTTPException(404, "unknown file_id")
    headers = {"X-Content-Type-Options": "nosniff"}
    if stored.kind == "document":
        name = stored.file_name or "document"
        plain = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
        headers["Content-Disposition"] = (
            f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name)}"
        )
    return Response(
        stored.data, media_type=stored.mime_type or "application/octet-stream", headers=headers
    )
