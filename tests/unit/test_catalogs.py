"""Every message id the code uses is translated in both languages, with the same placeholders."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import backend.domain.errors as errors
from backend.i18n import LANGUAGES
from bot.dispatcher import COMMANDS
from conversations.registration.states import STEPS

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("bot", "conversations", "backend", "admin_web")
CODE_PATTERN = re.compile(r"""code=["'](error\.[a-z0-9_.]+)["']""")


def _catalog(language: str) -> dict[str, str]:
    with (ROOT / "locales" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.id: m.string for m in read_po(po) if m.id}


def _used_message_ids() -> set[str]:
    used: set[str] = set()
    for directory in SOURCE_DIRS:
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / directory,
            keywords={"_": None, "gettext": None, "lazy_gettext": None, "__": None},
        ):
            if isinstance(message, str) and "{" not in message:
                used.add(message)
        for path in (ROOT / directory).rglob("*.py"):
            used.update(CODE_PATTERN.findall(path.read_text(encoding="utf-8")))
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "admin_web" / "templates",
        method_map=[("**.html", "jinja2.ext:babel_extract")],
        keywords=dict.fromkeys(("_", "gettext")),
    ):
        if isinstance(message, str):
            used.add(message)
    # Ids built at run time from data: error classes, steps, commands.
    used.update(
        cls.default_code
        for cls in vars(errors).values()
        if isinstance(cls, type) and issubclass(cls, errors.KopdanaError)
    )
    for step in STEPS:
        name = step.state.split(":")[1]
        used.update({f"registration.ask.{name}", f"registration.field.{name}"})
    used.update(f"command.{name}" for name in COMMANDS)
    for prefix in ("error.name", "error.account_holder"):  # member_rules._validate_person_name
        used.update(
            f"{prefix}.{problem}" for problem in ("empty", "characters", "too_short", "too_long")
        )
    return used


def _placeholders(text: str) -> set[str]:
    return {name for _t, name, _f, _c in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_id_used_in_the_code_is_translated(language: str) -> None:
    catalog = _catalog(language)
    missing = sorted(m for m in _used_message_ids() if not catalog.get(m))
    assert missing == [], f"untranslated in {language}: {missing}"


def test_both_languages_have_the_same_ids_and_placeholders() -> None:
    indonesian, english = _catalog("id"), _catalog("en")
    assert indonesian.keys() == english.keys()
    differing = [k for k in indonesian if _placeholders(indonesian[k]) != _placeholders(english[k])]
    assert differing == []


def _string_literals() -> set[str]:
    """Dotted string literals anywhere in the code: ids reached through lookup tables."""
    literal = re.compile(r"""["']([a-z_]+(?:\.[a-z0-9_]+)+)["']""")
    found: set[str] = set()
    for directory in SOURCE_DIRS:
        for path in (ROOT / directory).rglob("*.py"):
            found.update(literal.findall(path.read_text(encoding="utf-8")))
    return found


def test_no_catalog_entry_is_unused() -> None:
    unused = sorted(set(_catalog("id")) - _used_message_ids() - _string_literals())
    assert unused == [], f"catalog entries no code uses: {unused}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_help_lists_every_published_command(language: str) -> None:
    """/help is where a member on a cheap phone learns the commands: none may be missing."""
    help_text = _catalog(language)["help.text"]
    missing = [name for name in COMMANDS if f"/{name} " not in help_text]
    assert missing == []
