"""aiogram's I18n fed from our .po catalogs, and the locale chosen per update."""

from __future__ import annotations

import gettext
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n

from backend.domain.members import SUPPORTED_LANGUAGES
from backend.i18n import DOMAIN, load_translations
from backend.services.dto import Actor


class CatalogI18n(I18n):
    """aiogram's I18n, compiling the .po catalogs at start-up instead of reading .mo files."""

    def __init__(self, *, path: Path, default_locale: str) -> None:
        super().__init__(path=path, default_locale=default_locale, domain=DOMAIN)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        return load_translations(self.path)

    @contextmanager
    def context(self) -> Generator[I18n, None, None]:
        # aiogram's gettext helpers look up ``I18n.get_current()``; a subclass gets a
        # context variable of its own, so set the base class's explicitly.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)


def choose_locale(actor: Actor, telegram_language_code: str | None, default: str) -> str:
    """The member's saved language, else their Telegram app's language if we speak it."""
    if actor.language in SUPPORTED_LANGUAGES:
        return str(actor.language)
    if telegram_language_code:
        base = telegram_language_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default
