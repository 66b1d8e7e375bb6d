"""Locale-aware text helpers for views: translate first, then format (DESIGN §3 rule 6)."""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from backend import formatting
from backend.domain.errors import KopdanaError


def current_locale() -> str:
    return I18n.get_current(no_error=False).current_locale


def money(amount: int) -> str:
    return formatting.format_rupiah(amount, current_locale())


def date(value: dt.date) -> str:
    return formatting.format_date(value, current_locale())


def moment(value: dt.datetime, tz: str) -> str:
    """A moment in the member's branch time zone: ``24 Nov 2026 10.05 WIB``."""
    return formatting.format_datetime(value, current_locale(), tz)


def local_date(value: dt.datetime, tz: str) -> str:
    """The day of a moment in the member's branch time zone."""
    return date(value.astimezone(ZoneInfo(tz)).date())


def error_text(error: KopdanaError) -> str:
    """The member-facing explanation of a typed error, in their language."""
    params: dict[str, Any] = {
        key: escape(str(value)) if isinstance(value, str) else value
        for key, value in formatting.error_params(error, current_locale()).items()
    }
    return _(error.code).format(**params)


def html(value: str) -> str:
    """Escape member-typed text before it goes into an HTML message."""
    return escape(value, quote=False)
