"""The bot's conversations: one package per user flow, each with its own Router."""

from __future__ import annotations

from aiogram import Router

from conversations.common.handlers import router as common_router
from conversations.common.handlers import unknown_text
from conversations.registration.handlers import router as registration_router


def build_root_router() -> Router:
    """All flows, commands first so ``/cancel`` wins over any step, the fallback last."""
    root = Router(name="kopdana")
    root.include_router(common_router)
    root.include_router(registration_router)
    fallback = Router(name="fallback")
    fallback.message.register(unknown_text)
    root.include_router(fallback)
    return root
