"""The bot's conversations: one package per user flow, each declaring its handlers."""

from __future__ import annotations

from aiogram import Router

from conversations.common.handlers import routes as common_routes
from conversations.common.handlers import unknown_text
from conversations.registration.handlers import routes as registration_routes
from conversations.wallet.handlers import routes as wallet_routes


def build_root_router() -> Router:
    """All flows, commands first so ``/cancel`` wins over any step, the fallback last.

    The wallet comes before registration so ``/wallet`` is a command even mid-registration
    (its other handlers need a wallet state or a wallet button, so they never compete).
    """
    root = Router(name="kopdana")
    root.include_router(common_routes.build())
    root.include_router(wallet_routes.build())
    root.include_router(registration_routes.build())
    fallback = Router(name="fallback")
    fallback.message.register(unknown_text)
    root.include_router(fallback)
    return root
