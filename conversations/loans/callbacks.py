"""Callback data of the loans flow; each packs well under Telegram's 64 bytes (the longest,
``ln_w:do:<id>``, is about 20)."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class LoanMenu(CallbackData, prefix="ln"):
    action: str  # "home" | "apply" | "mine"


class ProductPick(CallbackData, prefix="ln_p"):
    product_id: int


class TenorPick(CallbackData, prefix="ln_t"):
    months: int


class FormAction(CallbackData, prefix="ln_f"):
    """A button of the form: ``skip`` an optional answer, ``edit`` from the preview, or
    ``field`` naming the answer to change (one of ``EDITABLE``)."""

    action: str
    field: str = ""


class LoanConfirm(CallbackData, prefix="ln_ok"):
    """Send the application; ``nonce`` was minted when its preview was shown."""

    nonce: str


class LoansPage(CallbackData, prefix="ln_pg"):
    page: int


class LoanOpen(CallbackData, prefix="ln_o"):
    loan_id: int
    schedule: bool = False


class LoanWithdraw(CallbackData, prefix="ln_w"):
    action: str  # "ask" | "do"
    loan_id: int
