"""Callback data of /connect. Each packs well under Telegram's 64 bytes (the longest,
``cn_l:school:campus``, is 18). Kinds and levels are checked by the handlers' filters, and
entry ids by the services against the member of the update, so forged data changes nothing."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData

CONTACTS = "contacts"
"""The pseudo-kind of acquaintances: contacts, not entries."""


class ConnectMenu(CallbackData, prefix="cn"):
    # "home" | "consent_yes" | "consent_no" | "withdraw" (asks) | "withdraw_do"
    # | "share_contact" | "remove_contact"
    action: str


class KindOpen(CallbackData, prefix="cn_k"):
    """The page of one kind (an ``EntryKind`` value or ``CONTACTS``)."""

    kind: str


class KindAdd(CallbackData, prefix="cn_a"):
    kind: str


class LevelPick(CallbackData, prefix="cn_l"):
    """The level of a place (``PlaceLevel``) or of a school (``SCHOOL_LEVELS``)."""

    kind: str
    level: str


class EntryOpen(CallbackData, prefix="cn_e"):
    entry_id: int


class EntryAction(CallbackData, prefix="cn_ea"):
    action: str  # "edit" | "remove"
    entry_id: int


class WorkPick(CallbackData, prefix="cn_w"):
    """Whether a workplace is the current one."""

    current: bool


class StepAction(CallbackData, prefix="cn_s"):
    action: str  # "skip" (an optional year) | "done" (no more contacts)
