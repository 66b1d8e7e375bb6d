"""Translations for the staff panel, from the same gettext catalogs as the bot.

The language of a request is, in order: the ``lang`` cookie (the switcher in the page
header), the staff user's saved language, the configured default (Indonesian). Message
ids are stable keys; texts are translated first, then formatted with ``str.format``
(DESIGN §3 rule 6). Money and dates go through ``backend.formatting``.
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from backend import formatting
from backend.domain.errors import KopdanaError
from backend.i18n import LANGUAGES

LANG_COOKIE = "lang"


def lazy_gettext(message_id: str) -> str:
    """Mark a message id for translation at render time; returns it unchanged.

    Used in tables built at import time (menu entries, labels), where no request and so
    no language exists yet; the catalog test finds ids through this name.
    """
    return message_id


class _KeepMissing(dict[str, Any]):
    """A placeholder without a value stays visible instead of failing the page."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Translator:
    """Translate and format texts in one language (bound per request)."""

    language: str
    catalog: gettext.NullTranslations
    timezone: str

    def __call__(self, message_id: str, /, **params: Any) -> str:
        text = self.catalog.gettext(message_id)
        return text.format_map(_KeepMissing(params)) if params else text

    def error(self, error: KopdanaError) -> str:
        """The explanation of a typed error, in this language."""
        return self(error.code, **formatting.error_params(error, self.language))

    def money(self, amount: int) -> str:
        return formatting.format_rupiah(amount, self.language)

    def date(self, value: dt.date | None, style: formatting.DateStyle = "medium") -> str:
        return "" if value is None else formatting.format_date(value, self.language, style)

    def datetime(self, value: dt.datetime | None) -> str:
        if value is None:
            return ""
        if value.tzinfo is None:  # SQLite returns naive UTC moments
            value = value.replace(tzinfo=dt.UTC)
        return formatting.format_datetime(value, self.language, self.timezone)


class Translations:
    """Every language's catalog, loaded once per app."""

    def __init__(
        self, catalogs: Mapping[str, gettext.NullTranslations], *, default: str, timezone: str
    ) -> None:
        self._catalogs = dict(catalogs)
        self.default = default
        self.timezone = timezone

    def get(self, language: str) -> Translator:
        language = language if language in LANGUAGES else self.default
        catalog = self._catalogs.get(language) or gettext.NullTranslations()
        return Translator(language=language, catalog=catalog, timezone=self.timezone)

    def for_request(self, request: Request) -> Translator:
        """The request's language: cookie, then the staff user's setting, then default."""
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen not in LANGUAGES:
            auth = getattr(request.state, "auth", None)
            chosen = auth.staff.language if auth is not None else self.default
        return self.get(chosen or self.default)


def translator(request: Request) -> Translator:
    """The request's translator (usable from routes, handlers and templates)."""
    translations: Translations = request.app.state.translations
    return translations.for_request(request)
