"""Callback data of the wallet. Each packs to well under Telegram's 64 bytes:
the longest, ``wl_ra:dp:cancel_do:<id>``, is about 35."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

DEPOSIT = "dp"
WITHDRAWAL = "wd"


class WalletMenu(CallbackData, prefix="wl"):
    action: str  # "home" | "deposit" | "withdraw" | "deposits" | "withdrawals"


class DepositPick(CallbackData, prefix="wl_dq"):
    """A quick-pick deposit amount (rupiah)."""

    amount: int


class WalletConfirm(CallbackData, prefix="wl_ok"):
    """Confirm a money action; ``nonce`` was minted when the summary was shown."""

    kind: str  # DEPOSIT | WITHDRAWAL
    nonce: str


class HistoryPage(CallbackData, prefix="wl_hp"):
    kind: str
    page: int


class RequestOpen(CallbackData, prefix="wl_ro"):
    kind: str
    request_id: int


class RequestAction(CallbackData, prefix="wl_ra"):
    kind: str
    action: str  # "proof" | "cancel" (asks) | "cancel_do"
    request_id: int
