"""Keyboard builders used by several flows. Button labels always come from the catalogs."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from conversations.ui.callbacks import LanguagePick, Nav


def nav_row(*, back: bool = True) -> list[InlineKeyboardButton]:
    """The Back / Cancel row that every step of a conversation offers."""
    row = []
    if back:
        row.append(
            InlineKeyboardButton(text=_("nav.back"), callback_data=Nav(action="back").pack())
        )
    row.append(
        InlineKeyboardButton(text=_("nav.cancel"), callback_data=Nav(action="cancel").pack())
    )
    return row


def inline(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=rows)


def button(text: str, callback_data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=callback_data)


def language_keyboard() -> InlineKeyboardMarkup:
    return inline(
        [
            [button(_("language.name.id"), LanguagePick(code="id").pack())],
            [button(_("language.name.en"), LanguagePick(code="en").pack())],
        ]
    )
