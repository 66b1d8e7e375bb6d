"""Fetching a member's transfer proof (a Telegram photo or PDF) for staff to look at.

The bot keeps only the Telegram ``file_id``; the bytes stay with Telegram. Here the
panel asks the configured Bot API server (Telegram, a self-hosted server, or the sandbox
in development: ``Settings.effective_telegram_api_url``) with the bot's own token:
``getFile``, then a download of the returned ``file_path`` — through aiogram's client, as
the bot does (its aiohttp session never writes URLs, which hold the token, to the logs).

What comes back is checked before anyone receives it: at most ``MAX_PROOF_BYTES`` (the
download stops there), and a JPEG, PNG or PDF by its first bytes — never by the name or
the type Telegram reports. The route serves it as an attachment with ``nosniff``.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass
from typing import ClassVar

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError

from admin_web.i18n import lazy_gettext
from backend.domain.errors import KopdanaError
from backend.settings import Settings

MAX_PROOF_BYTES = 10 * 1024 * 1024  # Telegram photos are at most 10 MB
DOWNLOAD_TIMEOUT_SECONDS = 30
CHUNK_BYTES = 64 * 1024

# (first bytes, content type, file name extension)
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


class ProofUnavailable(KopdanaError):
    """The proof could not be fetched from Telegram, or is not an acceptable file.

    Codes: ``error.proof.unavailable`` (network, Bot API error), ``error.proof.too_large``
    (``max_mb``), ``error.proof.type`` (not a JPEG, PNG or PDF).
    """

    default_code: ClassVar[str] = lazy_gettext("error.proof.unavailable")


@dataclass(frozen=True, slots=True)
class Proof:
    data: bytes
    content_type: str
    extension: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or PDF recognised by its content."""
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    return None


def _too_large(max_bytes: int) -> ProofUnavailable:
    return ProofUnavailable(code="error.proof.too_large", max_mb=max(1, max_bytes // 2**20))


async def _download(session: AiohttpSession, url: str, max_bytes: int) -> bytes:
    """The file's bytes; stops reading (and refuses) past ``max_bytes``."""
    data = bytearray()
    chunks = session.stream_content(
        url, timeout=DOWNLOAD_TIMEOUT_SECONDS, chunk_size=CHUNK_BYTES, raise_for_status=True
    )
    async with aclosing(chunks):
        async for chunk in chunks:
            data += chunk
            if len(data) > max_bytes:
                raise _too_large(max_bytes)
    return bytes(data)


async def fetch_proof(settings: Settings, file_id: str, *, max_bytes: int | None = None) -> Proof:
    """The file behind ``file_id``, checked; raises ``ProofUnavailable``."""
    max_bytes = max_bytes or MAX_PROOF_BYTES
    server = TelegramAPIServer.from_base(settings.effective_telegram_api_url())
    session = AiohttpSession(api=server, timeout=DOWNLOAD_TIMEOUT_SECONDS)
    try:
        bot = Bot(token=settings.effective_bot_token(), session=session)
        file = await bot.get_file(file_id)
        if file.file_size is not None and file.file_size > max_bytes:
            raise _too_large(max_bytes)
        if not file.file_path:
            raise ProofUnavailable()
        data = await _download(session, server.file_url(bot.token, file.file_path), max_bytes)
    except (TelegramAPIError, aiohttp.ClientError, TimeoutError, ValueError):
        raise ProofUnavailable() from None
    finally:
        await session.close()
    kind = sniff(data)
    if kind is None:
        raise ProofUnavailable(code="error.proof.type")
    return Proof(data=data, content_type=kind[0], extension=kind[1])
