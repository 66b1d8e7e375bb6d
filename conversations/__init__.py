"""The bot's conversations: one package per user flow, each declaring its handlers."""

from __future__ import annotations

from aiogram import Router

from conversations.common.handlers import routes as common_routes
from conversations.common.handlers import unknown_text
from conversations.connect.handlers import entry_routes as connect_entry_routes
from conversations.connect.handlers import routes as connect_routes
from conversations.loans.handlers import entry_routes as loans_entry_routes
from conversations.loans.handlers import routes as loans_routes
from conversations.market.handlers import routes as market_routes
from conversations.registration.handlers import routes as registration_routes
from conversations.wallet.handlers import routes as wallet_routes


def build_root_router() -> Router:
    """All flows, commands first so ``/cancel`` wins over any step, the fallback last.

    The wallet comes before registration so ``/wallet`` is a command even mid-registration
    (its other handlers need a wallet state or a wallet button, so they never compete).
    ``/loans`` comes before the wallet for the same reason, and the wallet before the loan
    form so ``/wallet`` is a command while applying for a loan. The loan list (``/market``)
    keeps no state and reacts only to its command and its own buttons, so it goes first.
    ``/connect`` has its own entry router early, for the same reason as ``/loans``; its steps
    need a /connect state or button, so they can come last.
    """
    root = Router(name="kopdana")
    root.include_router(common_routes.build())
    root.include_router(market_routes.build())
    root.include_router(connect_entry_routes.build())
    root.include_router(loans_entry_routes.build())
    root.include_router(wallet_routes.build())
    root.include_router(loans_routes.build())
    root.include_router(registration_routes.build())
    root.include_router(connect_routes.build())
    fallback = Router(name="fallback")
    fallback.message.register(unknown_text)
    root.include_router(fallback)
    return root
