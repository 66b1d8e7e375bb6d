"""Steps several methods share: finding the chat, formatting text, replies and keyboards."""

from __future__ import annotations

from typing import Any

from sandbox.errors import bad_request, forbidden
from sandbox.htmltext import EntityParseError, parse_html, strip_text
from sandbox.methods.base import MethodContext
from sandbox.models import ChatState, Json, SandboxUser, StoredMessage
from sandbox.serialize import telegram_message

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


def resolve_chat(ctx: MethodContext, *, for_sending: bool = True) -> SandboxUser:
    """The user whose private chat ``chat_id`` names, as Telegram would accept it."""
    ref = ctx.params.raw("chat_id")
    if ref is None or ref == "":
        raise bad_request("chat_id is empty")
    user = ctx.world.find_user(ref)
    if user is None:
        raise bad_request("chat not found")
    if for_sending and user.blocked_bot:
        raise forbidden("bot was blocked by the user")
    if user.id not in ctx.bot.chats:
        if for_sending:
            raise forbidden("bot can't initiate conversation with a user")
        raise bad_request("chat not found")
    return user


def chat_of(ctx: MethodContext, user: SandboxUser) -> ChatState:
    return ctx.world.chat(ctx.bot, user.id)


def formatted_text(
    ctx: MethodContext,
    field: str,
    *,
    parse_mode_field: str = "parse_mode",
    entities_field: str = "entities",
    limit: int,
    required: bool,
) -> tuple[str, list[Json] | None]:
    """Parse a text or caption parameter into (text, entities) with Telegram's checks."""
    raw = ctx.params.text(field) or ""
    parse_mode = (ctx.params.text(parse_mode_field) or "").strip()
    entities: list[Json] = []
    if parse_mode:
        mode = parse_mode.lower()
        if mode == "html":
            try:
                raw, entities = parse_html(raw)
            except EntityParseError as error:
                raise bad_request(f"can't parse entities: {error}") from None
        elif mode not in ("markdown", "markdownv2"):
            raise bad_request("unsupported parse_mode")
        # Markdown modes are not emulated: the text is kept verbatim without entities.
    else:
        given = ctx.params.json(entities_field)
        if given is not None:
            if not isinstance(given, list) or not all(isinstance(e, dict) for e in given):
                raise bad_request(f"can't parse {entities_field} JSON object")
            entities = [dict(e) for e in given]
    text, entities = strip_text(raw, entities)
    if not text and required:
        raise bad_request("message text is empty")
    if len(text) > limit:
        raise bad_request("message is too long" if required else "message caption is too long")
    return text, entities or None


def reply_target(ctx: MethodContext, chat: ChatState) -> int | None:
    """The message being replied to (``reply_parameters`` or ``reply_to_message_id``)."""
    params = ctx.params.json("reply_parameters")
    allow_missing = False
    message_id: Any = None
    if isinstance(params, dict):
        message_id = params.get("message_id")
        allow_missing = bool(params.get("allow_sending_without_reply"))
    elif ctx.params.has("reply_to_message_id"):
        message_id = ctx.params.integer("reply_to_message_id")
        allow_missing = ctx.params.flag("allow_sending_without_reply")
    if message_id is None:
        return None
    original = chat.messages.get(int(message_id))
    if original is None or original.deleted:
        if allow_missing:
            return None
        raise bad_request("message to be replied not found")
    return original.message_id


def remember_keyboard(chat: ChatState, markup: Json | None, message_id: int) -> None:
    """Track the reply keyboard the user currently sees, and which message brought it."""
    if not markup:
        return
    if "keyboard" in markup:
        chat.reply_keyboard = markup
        chat.reply_keyboard_message_id = message_id
    elif "remove_keyboard" in markup:
        chat.reply_keyboard = None
        chat.reply_keyboard_message_id = message_id


def message_json(ctx: MethodContext, user: SandboxUser, message: StoredMessage) -> Json:
    return telegram_message(ctx.bot, user, message)


def editable_message(ctx: MethodContext, user: SandboxUser) -> StoredMessage:
    """The bot's own message addressed by ``message_id`` (for the edit methods)."""
    if ctx.params.has("inline_message_id"):
        raise bad_request("MESSAGE_ID_INVALID")
    message_id = ctx.params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = chat_of(ctx, user).messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to edit not found")
    if message.direction != "bot":
        raise bad_request("message can't be edited")
    return message


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
