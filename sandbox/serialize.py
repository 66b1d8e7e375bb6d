"""Stored records as Bot API objects (``Message``, ``Update`` payloads, ``File``)."""

from __future__ import annotations

from sandbox.models import BotState, Json, SandboxUser, StoredFile, StoredMessage


def telegram_message(
    bot: BotState, user: SandboxUser, message: StoredMessage, *, nested: bool = False
) -> Json:
    """The Bot API ``Message`` for a stored message in the private chat with ``user``.

    Only inline keyboards are echoed in ``reply_markup``, as Telegram does.
    """
    sender = bot.as_telegram() if message.direction == "bot" else user.as_telegram()
    if message.direction == "bot":
        sender = {key: sender[key] for key in ("id", "is_bot", "first_name", "username")}
    data: Json = {
        "message_id": message.message_id,
        "from": sender,
        "chat": user.as_chat(),
        "date": message.date,
    }
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
    if message.photo is not None:
        data["photo"] = photo_sizes(message.photo)
    if message.document is not None:
        data["document"] = message.document.document()
    if message.caption is not None:
        data["caption"] = message.caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    if message.contact is not None:
        data["contact"] = message.contact
    if message.reply_markup and "inline_keyboard" in message.reply_markup:
        data["reply_markup"] = message.reply_markup
    if message.reply_to_message_id is not None and not nested:
        chat = bot.chats.get(message.chat_id)
        original = chat.messages.get(message.reply_to_message_id) if chat else None
        if original is not None and not original.deleted:
            data["reply_to_message"] = telegram_message(bot, user, original, nested=True)
    return data


def photo_sizes(stored: StoredFile) -> list[Json]:
    """The ``PhotoSize`` list for a photo (the sandbox keeps one size: the original)."""
    return [stored.photo_size()]


def telegram_file(stored: StoredFile) -> Json:
    """The Bot API ``File`` object returned by getFile."""
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.size,
        "file_path": stored.file_path,
    }
