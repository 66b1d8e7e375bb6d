"""Transcript events: what a person (or a test) sees happen in a chat, in order.

Each event is a snapshot taken when it happened, so a later edit does not rewrite earlier
events. Kinds: ``message`` (new message, either direction), ``edit`` (text, caption or
inline keyboard changed), ``delete``, ``callback_query`` (the user pressed an inline
button) and ``callback_answer`` (the bot answered it, possibly with a notification
text). Events get a world-wide increasing ``seq``.
"""

from __future__ import annotations

from typing import Any

from sandbox.htmltext import render_html
from sandbox.models import Json, StoredFile, StoredMessage

FILES_ROUTE = "/sandbox/api/files"


def file_info(stored: StoredFile) -> Json:
    """Public description of a file with its user-side download path."""
    info: Json = {
        "file_id": stored.file_id,
        "file_size": stored.size,
        "url": f"{FILES_ROUTE}/{stored.file_id}",
    }
    if stored.kind == "photo":
        info.update(width=stored.width, height=stored.height)
    else:
        info.update(file_name=stored.file_name, mime_type=stored.mime_type)
    return info


def message_event(kind: str, message: StoredMessage) -> Json:
    """Snapshot of ``message`` as a transcript event of the given kind."""
    event: Json = {
        "kind": kind,
        "direction": message.direction,
        "message_id": message.message_id,
        "chat_id": message.chat_id,
        "date": message.date,
        "text": message.text,
        "entities": message.entities,
        "caption": message.caption,
        "caption_entities": message.caption_entities,
        "html": None,
        "reply_markup": message.reply_markup,
        "reply_to_message_id": message.reply_to_message_id,
        "photo": file_info(message.photo) if message.photo else None,
        "document": file_info(message.document) if message.document else None,
        "contact": message.contact,
        "edited": message.edit_date is not None,
        "edit_date": message.edit_date,
        "deleted": message.deleted,
    }
    if message.text is not None:
        event["html"] = render_html(message.text, message.entities)
    elif message.caption is not None:
        event["html"] = render_html(message.caption, message.caption_entities)
    return event


def callback_answer_event(chat_id: int, message_id: int, answer: Json) -> Json:
    """Event for answerCallbackQuery, so the page can show its notification."""
    return {
        "kind": "callback_answer",
        "direction": "bot",
        "chat_id": chat_id,
        "message_id": message_id,
        "text": answer.get("text"),
        "show_alert": answer.get("show_alert", False),
        "edited": False,
        "deleted": False,
    }


def callback_query_event(chat_id: int, message_id: int, query_id: str, data: str) -> Json:
    """Event for the user pressing an inline button under ``message_id``."""
    return {
        "kind": "callback_query",
        "direction": "user",
        "chat_id": chat_id,
        "message_id": message_id,
        "callback_query_id": query_id,
        "data": data,
        "edited": False,
        "deleted": False,
    }


def present(event: Json, public_base_url: str | None) -> Json:
    """The event as served by the user-side API, with absolute URLs when configured."""
    if not public_base_url:
        return event
    result: dict[str, Any] = dict(event)
    for key in ("photo", "document"):
        info = result.get(key)
        if info:
            result[key] = {**info, "url": public_base_url + info["url"]}
    return result
