"""What every flow's handlers share: the moment, one-time keys, the member's time zone,
the message a button sits on, and showing a view (as a new message or in place)."""

from __future__ import annotations

import datetime as dt
import secrets

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from backend.formatting import DEFAULT_TIME_ZONE
from backend.services.dto import Actor


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def new_nonce() -> str:
    """12 URL-safe characters: unguessable, and short enough for callback data."""
    return secrets.token_urlsafe(9)


def request_key(member_id: int, nonce: str) -> str:
    """The idempotency key of a member's confirmed request: one request per nonce."""
    return f"{member_id}:{nonce}"


def timezone_of(actor: Actor) -> str:
    """The member's branch time zone (dates and times are shown in it)."""
    return actor.member.branch.timezone if actor.member else DEFAULT_TIME_ZONE


def message_of(query: CallbackQuery) -> Message:
    assert isinstance(query.message, Message)
    return query.message


async def show(
    message: Message, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool
) -> None:
    """Send ``text`` as a new message, or put it in place of the one whose button was pressed.

    Telegram refuses an edit that changes nothing ("message is not modified"): a double tap
    on the same page. That is not an error for the member, so it is ignored.
    """
    if not edit:
        await message.answer(text, reply_markup=markup)
        return
    try:
        await message.edit_text(text, reply_markup=markup)
    except TelegramBadRequest as error:
        if "not modified" not in error.message:
            raise
