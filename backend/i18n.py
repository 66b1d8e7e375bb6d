"""Gettext catalogs shared by the bot and the admin web.

Catalogs live as ``locales/<lang>/LC_MESSAGES/messages.po`` and are compiled in memory
at start-up, so a fresh checkout needs no build step. Message ids are stable keys
(``registration.ask_nik``); both languages translate every key, and a test enforces it.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

DOMAIN = "messages"
LANGUAGES = ("id", "en")


def load_translations(locales_dir: Path) -> dict[str, gettext.GNUTranslations]:
    """Compile every ``<lang>/LC_MESSAGES/messages.po`` under ``locales_dir`` in memory."""
    translations: dict[str, gettext.GNUTranslations] = {}
    for language_dir in sorted(p for p in locales_dir.iterdir() if p.is_dir()):
        po_path = language_dir / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po_path.exists():
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=language_dir.name)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations[language_dir.name] = gettext.GNUTranslations(buffer)
    return translations
