"""What a user can do in the chat: send text, a contact, a photo or document, press buttons.

Each action stores the user's message (or button press), queues the matching update for
the bot and returns identifiers for assertions. Bad requests raise `UserActionError`.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from sandbox.errors import UserActionError
from sandbox.htmltext import utf16_len
from sandbox.media import DOCUMENT_MAX_BYTES, PHOTO_MAX_BYTES, guess_mime, image_size
from sandbox.models import BotState, CallbackQueryRecord, ChatState, Json, SandboxUser
from sandbox.serialize import telegram_message
from sandbox.state import World
from sandbox.transcript import callback_query_event

COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]{3,64})?")
TEXT_LIMIT = 4096
# Size assumed for user photos whose format the sandbox cannot read (tests send fake bytes).
FALLBACK_PHOTO_SIZE = (800, 600)


def _deliver(world: World, bot: BotState, user: SandboxUser, **content: Any) -> Json:
    message = world.add_message(bot, user.id, "user", **content)
    seq = world.chat(bot, user.id).events[-1]["seq"]
    update_id = world.enqueue(bot, {"message": telegram_message(bot, user, message)}, user.id)
    return {"update_id": update_id, "message_id": message.message_id, "seq": seq}


def send_text(world: World, bot: BotState, user: SandboxUser, text: str) -> Json:
    """The user types ``text``; a leading ``/command`` gets a bot_command entity."""
    text = text.strip()
    if not text:
        raise UserActionError("text must not be empty")
    if len(text) > TEXT_LIMIT:
        raise UserActionError(f"text is longer than {TEXT_LIMIT} characters")
    entities = None
    match = COMMAND.match(text)
    if match:
        entities = [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]
    return _deliver(world, bot, user, text=text, entities=entities)


def send_contact(
    world: World,
    bot: BotState,
    user: SandboxUser,
    *,
    phone_number: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
    contact_user_id: int | None = None,
    own: bool = True,
) -> Json:
    """Share a contact; by default the user's own (what a request_contact button sends).

    With ``own=False`` the contact belongs to someone else: ``contact_user_id`` may be
    another id or None (a phone-book entry without a Telegram account).
    """
    phone = phone_number or (user.phone_number if own else None)
    if not phone:
        raise UserActionError(
            f"user {user.id} has no phone_number; set one with PUT /sandbox/api/users/{user.id}"
        )
    contact: Json = {
        "phone_number": phone,
        "first_name": first_name or (user.first_name if own else "Kontak"),
    }
    surname = last_name if last_name is not None else (user.last_name if own else None)
    if surname:
        contact["last_name"] = surname
    owner = user.id if own else contact_user_id
    if owner is not None:
        contact["user_id"] = owner
    return _deliver(world, bot, user, contact=contact)


def send_file(
    world: World,
    bot: BotState,
    user: SandboxUser,
    kind: str,
    data: bytes,
    *,
    file_name: str | None = None,
    content_type: str | None = None,
    caption: str | None = None,
) -> Json:
    """The user sends a photo or a document; the bot can getFile and download it."""
    if not data:
        raise UserActionError("the file is empty")
    if kind == "photo":
        if len(data) > PHOTO_MAX_BYTES:
            raise UserActionError("photos are limited to 10 MB")
        width, height = image_size(data) or FALLBACK_PHOTO_SIZE
        stored = world.store_file(data, "photo", mime_type="image/jpeg", width=width, height=height)
    else:
        if len(data) > DOCUMENT_MAX_BYTES:
            raise UserActionError("documents are limited to 50 MB")
        stored = world.store_file(
            data,
            "document",
            mime_type=guess_mime(file_name, content_type),
            file_name=file_name or "document",
        )
    caption = (caption or "").strip() or None
    if caption and len(caption) > 1024:
        raise UserActionError("caption is longer than 1024 characters")
    result = _deliver(world, bot, user, caption=caption, **{kind: stored})
    result["file_id"] = stored.file_id
    return result


def press_callback(
    world: World, bot: BotState, user: SandboxUser, message_id: int, data: str
) -> Json:
    """Press the inline button with ``callback_data == data`` under bot message ``message_id``."""
    chat = world.chat(bot, user.id)
    message = chat.messages.get(message_id)
    if message is None or message.deleted or message.direction != "bot":
        raise UserActionError(f"no bot message {message_id} in chat {user.id}")
    available = [b.get("callback_data") for row in message.inline_keyboard() for b in row]
    if data not in available:
        raise UserActionError(
            f"message {message_id} has no button with callback_data {data!r}; "
            f"available: {[d for d in available if d is not None]}"
        )
    query_id = str(secrets.randbits(63))
    bot.callback_queries[query_id] = CallbackQueryRecord(
        id=query_id,
        user_id=user.id,
        chat_id=user.id,
        message_id=message_id,
        data=data,
        created=time.monotonic(),
    )
    update = {
        "callback_query": {
            "id": query_id,
            "from": user.as_telegram(),
            "message": telegram_message(bot, user, message),
            "chat_instance": str(-(bot.id * 1_000_003 + user.id)),
            "data": data,
        }
    }
    world.record_event(chat, callback_query_event(user.id, message_id, query_id, data))
    update_id = world.enqueue(bot, update, user.id)
    return {
        "update_id": update_id,
        "callback_query_id": query_id,
        "message_id": message_id,
        "seq": chat.events[-1]["seq"],
    }


def press(world: World, bot: BotState, user: SandboxUser, text: str) -> Json:
    """Press the button labelled ``text``: the newest inline button or reply keyboard button."""
    chat = world.chat(bot, user.id)
    inline = _latest_inline_button(chat, text)
    reply = _reply_button(chat, text)
    if inline and (reply is None or inline[0] > chat.reply_keyboard_message_id):
        message_id, button = inline
        if "callback_data" not in button:
            raise UserActionError(f"button {text!r} does not send a callback: {button}")
        result = press_callback(world, bot, user, message_id, button["callback_data"])
        return {"action": "callback", **result}
    if reply is not None:
        if reply.get("request_contact"):
            return {"action": "contact", **send_contact(world, bot, user)}
        return {"action": "text", **send_text(world, bot, user, reply["text"])}
    raise UserActionError(
        f"no button labelled {text!r}; available buttons: {available_buttons(chat)}"
    )


def _latest_inline_button(chat: ChatState, text: str) -> tuple[int, Json] | None:
    for message in reversed(chat.messages.values()):
        if message.deleted or message.direction != "bot":
            continue
        for row in message.inline_keyboard():
            for button in row:
                if button.get("text") == text:
                    return message.message_id, button
    return None


def _reply_button(chat: ChatState, text: str) -> Json | None:
    for row in (chat.reply_keyboard or {}).get("keyboard", []):
        for button in row:
            if button.get("text") == text:
                return dict(button)
    return None


def available_buttons(chat: ChatState) -> Json:
    """Labels a user could press now: the reply keyboard and the latest inline keyboards."""
    return {
        "reply_keyboard": [
            button["text"]
            for row in (chat.reply_keyboard or {}).get("keyboard", [])
            for button in row
        ],
        "inline": {
            str(entry["message_id"]): [b["text"] for row in entry["inline_keyboard"] for b in row]
            for entry in inline_keyboards(chat)
        },
    }


def inline_keyboards(chat: ChatState, limit: int = 5) -> list[Json]:
    """The newest bot messages that carry inline keyboards, newest first."""
    found: list[Json] = []
    for message in reversed(chat.messages.values()):
        if message.deleted or message.direction != "bot" or not message.inline_keyboard():
            continue
        found.append(
            {"message_id": message.message_id, "inline_keyboard": message.inline_keyboard()}
        )
        if len(found) >= limit:
            break
    return found
