"""Photos and documents: sendPhoto, sendDocument and getFile.

An input file may be a multipart upload (directly or via ``attach://``), the file_id of a
file the sandbox already holds, or an HTTP URL the sandbox can reach.
"""

from __future__ import annotations

import httpx

from sandbox.errors import BotApiError, bad_request
from sandbox.markup import parse_reply_markup
from sandbox.media import DOCUMENT_MAX_BYTES, PHOTO_MAX_BYTES, guess_mime, image_size
from sandbox.methods.base import MethodContext, UploadedFile, api_method
from sandbox.methods.common import (
    CAPTION_LIMIT,
    chat_of,
    formatted_text,
    message_json,
    remember_keyboard,
    reply_target,
    resolve_chat,
)
from sandbox.models import Json, StoredFile
from sandbox.serialize import telegram_file


def _existing(ctx: MethodContext, file_id: str, kind: str) -> StoredFile:
    stored = ctx.world.files.get(file_id)
    if stored is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    if stored.kind != kind and kind == "photo":
        raise bad_request("type of file mismatch")
    return stored


async def _fetch(url: str) -> UploadedFile:
    """Download an input file given as an HTTP URL (only reachable hosts, e.g. loopback)."""
    try:
        async with httpx.AsyncClient(trust_env=False, timeout=10) as client:
            response = await client.get(url)
    except httpx.HTTPError:
        raise bad_request("failed to get HTTP URL content") from None
    if response.status_code != 200:
        raise bad_request("failed to get HTTP URL content")
    name = url.rsplit("/", 1)[-1].split("?", 1)[0] or None
    return UploadedFile(name, response.headers.get("content-type"), response.content)


async def _input_file(ctx: MethodContext, field: str) -> UploadedFile | StoredFile:
    value = ctx.params.file(field)
    if value is None:
        raise bad_request(f"there is no {field} in the request")
    if isinstance(value, UploadedFile):
        return value
    if value.lower().startswith(("http://", "https://")):
        return await _fetch(value)
    return _existing(ctx, value, field)


async def _photo(ctx: MethodContext) -> StoredFile:
    value = await _input_file(ctx, "photo")
    if isinstance(value, StoredFile):
        return value
    if len(value.data) > PHOTO_MAX_BYTES:
        raise bad_request("file is too big")
    size = image_size(value.data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    return ctx.world.store_file(
        value.data, "photo", mime_type="image/jpeg", width=size[0], height=size[1]
    )


async def _document(ctx: MethodContext) -> StoredFile:
    value = await _input_file(ctx, "document")
    if isinstance(value, StoredFile):
        return value
    return _store_document(ctx, value)


def _store_document(ctx: MethodContext, upload: UploadedFile) -> StoredFile:
    if len(upload.data) > DOCUMENT_MAX_BYTES:
        raise BotApiError(413, "Request Entity Too Large")
    if not upload.data:
        raise bad_request("file must be non-empty")
    return ctx.world.store_file(
        upload.data,
        "document",
        mime_type=guess_mime(upload.filename, upload.content_type),
        file_name=upload.filename or "document",
    )


async def _send_media(ctx: MethodContext, kind: str) -> Json:
    user = resolve_chat(ctx)
    chat = chat_of(ctx, user)
    caption, entities = formatted_text(
        ctx, "caption", entities_field="caption_entities", limit=CAPTION_LIMIT, required=False
    )
    markup = parse_reply_markup(ctx.params.raw("reply_markup"))
    reply_to = reply_target(ctx, chat)
    stored = await (_photo(ctx) if kind == "photo" else _document(ctx))
    ctx.admit_send(user.id)
    message = ctx.world.add_message(
        ctx.bot,
        user.id,
        "bot",
        caption=caption or None,
        caption_entities=entities,
        reply_markup=markup,
        reply_to_message_id=reply_to,
        **{kind: stored},
    )
    remember_keyboard(chat, markup, message.message_id)
    return message_json(ctx, user, message)


@api_method("sendPhoto")
async def send_photo(ctx: MethodContext) -> Json:
    return await _send_media(ctx, "photo")


@api_method("sendDocument")
async def send_document(ctx: MethodContext) -> Json:
    return await _send_media(ctx, "document")


@api_method("getFile")
async def get_file(ctx: MethodContext) -> Json:
    file_id = ctx.params.text("file_id") or ""
    stored = ctx.world.files.get(file_id)
    if stored is None:
        raise bad_request("invalid file_id")
    return telegram_file(stored)
