"""Add or update catalog entries in both languages: a helper for developers.

    .venv/bin/python scripts/add_messages.py messages.json

where messages.json maps each message id to {"id": "...", "en": "..."}. Entries are
kept sorted; existing ids are overwritten.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"


def main(path: str) -> None:
    additions: dict[str, dict[str, str]] = json.loads(Path(path).read_text(encoding="utf-8"))
    for language in ("id", "en"):
        po_path = LOCALES / language / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=language)
        for key, texts in additions.items():
            if key in catalog:  # Catalog.add keeps an existing text: replace it instead
                del catalog[key]
            catalog.add(key, texts[language])
        with po_path.open("wb") as po:
            write_po(po, catalog, width=0, sort_output=True)
    print(f"{len(additions)} messages written to {LOCALES}")


if __name__ == "__main__":
    main(sys.argv[1])
