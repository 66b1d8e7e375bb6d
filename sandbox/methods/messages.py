"""Text messages and interaction: send, edit, delete, answer button presses, chat actions."""

from __future__ import annotations

import time

from sandbox.errors import bad_request
from sandbox.markup import parse_reply_markup
from sandbox.methods.base import MethodContext, api_method
from sandbox.methods.common import (
    CAPTION_LIMIT,
    NOT_MODIFIED,
    TEXT_LIMIT,
    chat_of,
    editable_message,
    formatted_text,
    message_json,
    remember_keyboard,
    reply_target,
    resolve_chat,
)
from sandbox.models import Json
from sandbox.transcript import callback_answer_event

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
CALLBACK_ANSWER_LIMIT = 200
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


@api_method("sendMessage")
async def send_message(ctx: MethodContext) -> Json:
    user = resolve_chat(ctx)
    chat = chat_of(ctx, user)
    text, entities = formatted_text(ctx, "text", limit=TEXT_LIMIT, required=True)
    markup = parse_reply_markup(ctx.params.raw("reply_markup"))
    reply_to = reply_target(ctx, chat)
    ctx.admit_send(user.id)
    message = ctx.world.add_message(
        ctx.bot,
        user.id,
        "bot",
        text=text,
        entities=entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
    )
    remember_keyboard(chat, markup, message.message_id)
    return message_json(ctx, user, message)


@api_method("editMessageText")
async def edit_message_text(ctx: MethodContext) -> Json:
    user = resolve_chat(ctx, for_sending=False)
    message = editable_message(ctx, user)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    text, entities = formatted_text(ctx, "text", limit=TEXT_LIMIT, required=True)
    markup = parse_reply_markup(ctx.params.raw("reply_markup"), inline_only=True)
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    message.text, message.entities, message.reply_markup = text, entities, markup
    message.edit_date = int(time.time())
    ctx.world.record(chat_of(ctx, user), "edit", message)
    return message_json(ctx, user, message)


@api_method("editMessageCaption")
async def edit_message_caption(ctx: MethodContext) -> Json:
    user = resolve_chat(ctx, for_sending=False)
    message = editable_message(ctx, user)
    if message.photo is None and message.document is None:
        raise bad_request("there is no caption in the message to edit")
    caption, entities = formatted_text(
        ctx,
        "caption",
        entities_field="caption_entities",
        limit=CAPTION_LIMIT,
        required=False,
    )
    markup = parse_reply_markup(ctx.params.raw("reply_markup"), inline_only=True)
    current = (message.caption or "", message.caption_entities, message.reply_markup)
    if (caption, entities, markup) == current:
        raise bad_request(NOT_MODIFIED)
    message.caption = caption or None
    message.caption_entities, message.reply_markup = entities, markup
    message.edit_date = int(time.time())
    ctx.world.record(chat_of(ctx, user), "edit", message)
    return message_json(ctx, user, message)


@api_method("editMessageReplyMarkup")
async def edit_message_reply_markup(ctx: MethodContext) -> Json:
    user = resolve_chat(ctx, for_sending=False)
    message = editable_message(ctx, user)
    markup = parse_reply_markup(ctx.params.raw("reply_markup"), inline_only=True)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_date = int(time.time())
    ctx.world.record(chat_of(ctx, user), "edit", message)
    return message_json(ctx, user, message)


@api_method("deleteMessage")
async def delete_message(ctx: MethodContext) -> bool:
    user = resolve_chat(ctx, for_sending=False)
    message_id = ctx.params.integer("message_id")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    chat = chat_of(ctx, user)
    message = chat.messages.get(message_id)
    if message is None or message.deleted:
        raise bad_request("message to delete not found")
    message.deleted = True
    ctx.world.record(chat, "delete", message)
    return True


@api_method("answerCallbackQuery")
async def answer_callback_query(ctx: MethodContext) -> bool:
    query_id = ctx.params.text("callback_query_id") or ""
    record = ctx.bot.callback_queries.get(query_id)
    if record is None or record.answered:
        raise bad_request(QUERY_INVALID)
    text = ctx.params.text("text")
    if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answered = True
    answer: Json = {
        "callback_query_id": query_id,
        "user_id": record.user_id,
        "chat_id": record.chat_id,
        "message_id": record.message_id,
        "data": record.data,
        "text": text,
        "show_alert": ctx.params.flag("show_alert"),
        "url": ctx.params.text("url"),
        "cache_time": ctx.params.integer("cache_time") or 0,
        "date": int(time.time()),
    }
    ctx.bot.callback_answers.append(answer)
    chat = ctx.world.chat(ctx.bot, record.chat_id)
    ctx.world.record_event(chat, callback_answer_event(record.chat_id, record.message_id, answer))
    return True


@api_method("sendChatAction")
async def send_chat_action(ctx: MethodContext) -> bool:
    user = resolve_chat(ctx)
    action = ctx.params.text("action") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    ctx.bot.chat_actions.append({"chat_id": user.id, "action": action, "date": int(time.time())})
    ctx.world.notify()
    return True


@api_method("getChat")
async def get_chat(ctx: MethodContext) -> Json:
    user = resolve_chat(ctx, for_sending=False)
    return {
        **user.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }
