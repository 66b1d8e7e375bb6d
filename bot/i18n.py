"""aiogram's I18n fed from our .po catalogs, and the locale chosen per update."""

from __future__ import annotations

import gettext
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


def choose_locale(actor: Actor, telegram_language_code: str | None, default: str) -> str:
    """The member's saved language, else their Telegram app's language if we speak it."""
    if actor.language in SUPPORTED_LANGUAGES:
        return str(actor.language)
    if telegram_language_code:
        base = telegram_language_code.split("-")[0].lower()
        if base in SUPPORTED_LANGUAGES:
            return base
    return default
