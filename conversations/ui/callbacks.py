"""Typed callback data shared by every flow. Each packs to well under Telegram's 64 bytes."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class Nav(CallbackData, prefix="nav"):
    """Back or Cancel on any step of a conversation."""

    action: str  # "back" | "cancel"


class LanguagePick(CallbackData, prefix="lang"):
    code: str


class MenuAction(CallbackData, prefix="menu"):
    action: str  # "profile" | "language" | "help" | "add_role" | "menu"


class AddRole(CallbackData, prefix="addrole"):
    role: str
