"""/connect texts and keyboards: profiles in, (text, keyboard) out; every word from the
catalogs, every name the member typed escaped.

Only the member's own profile is ever rendered here; other members appear nowhere (the
contacts page says how many numbers were shared, never whose they are or who is a member).
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_rules import ENTRY_LIMITS
from backend.services.connect_dto import ConnectProfile, EntryView, WithdrawalResult
from conversations.connect.callbacks import (
    CONTACTS,
    ConnectMenu,
    EntryAction,
    EntryOpen,
    KindAdd,
    KindOpen,
    LevelPick,
    StepAction,
    WorkPick,
)
from conversations.connect.parse import SCHOOL_LEVELS
from conversations.ui.callbacks import MenuAction
from conversations.ui.keyboards import button, inline, nav_row
from conversations.ui.text import html

View = tuple[str, InlineKeyboardMarkup]

KIND_KEYS = {
    EntryKind.WORKPLACE: "connect.kind.workplace",
    EntryKind.SCHOOL: "connect.kind.school",
    EntryKind.PLACE: "connect.kind.place",
    EntryKind.COMMUNITY: "connect.kind.community",
    EntryKind.EVENT: "connect.kind.event",
}
CONTACTS_KEY = "connect.kind.contacts"
PLACE_LEVEL_KEYS = {
    PlaceLevel.KELURAHAN: "connect.place_level.kelurahan",
    PlaceLevel.KECAMATAN: "connect.place_level.kecamatan",
    PlaceLevel.CITY: "connect.place_level.city",
    PlaceLevel.HOMETOWN: "connect.place_level.hometown",
}
SCHOOL_LEVEL_KEYS = {
    "sd": "connect.school_level.sd",
    "smp": "connect.school_level.smp",
    "sma": "connect.school_level.sma",
    "smk": "connect.school_level.smk",
    "campus": "connect.school_level.campus",
}
NAME_QUESTION_KEYS = {
    EntryKind.WORKPLACE: "connect.ask.name.workplace",
    EntryKind.SCHOOL: "connect.ask.name.school",
    EntryKind.COMMUNITY: "connect.ask.name.community",
    EntryKind.EVENT: "connect.ask.name.event",
    PlaceLevel.KELURAHAN: "connect.ask.name.kelurahan",
    PlaceLevel.KECAMATAN: "connect.ask.name.kecamatan",
    PlaceLevel.CITY: "connect.ask.name.city",
    PlaceLevel.HOMETOWN: "connect.ask.name.hometown",
}
assert set(SCHOOL_LEVEL_KEYS) == set(SCHOOL_LEVELS)

# Telegram refuses texts over 4,096 characters. A full profile (60 entries, names and cities
# of 200) must still fit: lists cut names, and the summary shows a few entries per kind.
LIST_NAME_LIMIT = 60
SUMMARY_ENTRIES_PER_KIND = 3


# ------------------------------------------------------------------------- small helpers


def kind_label(kind: str) -> str:
    return _(CONTACTS_KEY) if kind == CONTACTS else _(KIND_KEYS[EntryKind(kind)])


def summary_button() -> InlineKeyboardButton:
    return button(_("connect.button.summary"), ConnectMenu(action="home").pack())


def back_to_summary() -> InlineKeyboardMarkup:
    return inline([[summary_button()]])


def kind_button(kind: str) -> InlineKeyboardButton:
    return button(
        _("connect.button.back_to_kind").format(kind=kind_label(kind)), KindOpen(kind=kind).pack()
    )


def shortened(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def entry_text(entry: EntryView, *, limit: int | None = None) -> str:
    """One entry on one line: ``PT Telkom Indonesia · saat ini · sejak 2018``; in lists,
    names and cities cut to ``limit`` characters so a full profile fits one message."""
    name = html(shortened(entry.name, limit))
    match entry.kind:
        case EntryKind.WORKPLACE:
            parts = [name, _("connect.entry.current") if entry.current else _("connect.entry.past")]
            if entry.year is not None and entry.end_year is not None:
                parts.append(f"{entry.year}–{entry.end_year}")
            elif entry.year is not None:
                parts.append(_("connect.entry.since").format(year=entry.year))
            return " · ".join(parts)
        case EntryKind.SCHOOL:
            return f"{name} · {entry.year}" if entry.year is not None else name
        case EntryKind.PLACE if entry.place_level is not None:
            where = f"{name}, {html(shortened(entry.area, limit))}" if entry.area else name
            return f"{_(PLACE_LEVEL_KEYS[entry.place_level])}: {where}"
    return name


def entry_lines(entries: tuple[EntryView, ...], *, most: int | None = None) -> list[str]:
    """The entries as a list, at most ``most`` of them and how many more."""
    if not entries:
        return ["  " + _("connect.summary.none")]
    shown = entries if most is None else entries[:most]
    lines = [f"  • {entry_text(entry, limit=LIST_NAME_LIMIT)}" for entry in shown]
    if len(entries) > len(shown):
        lines.append("  " + _("connect.summary.more").format(count=len(entries) - len(shown)))
    return lines


# ------------------------------------------------------------------------- consent


def consent_question() -> View:
    """What is shared, who sees what, and the question."""
    return _("connect.intro"), inline(
        [
            [
                button(_("connect.button.agree"), ConnectMenu(action="consent_yes").pack()),
                button(_("connect.button.decline"), ConnectMenu(action="consent_no").pack()),
            ]
        ]
    )


def declined() -> View:
    return _("connect.declined"), inline(
        [[button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())]]
    )


def withdraw_question(profile: ConnectProfile) -> View:
    text = _("connect.withdraw.ask").format(
        entries=len(profile.entries), contacts=profile.contact_count
    )
    return text, inline(
        [
            [button(_("connect.button.withdraw_do"), ConnectMenu(action="withdraw_do").pack())],
            [button(_("connect.button.keep"), ConnectMenu(action="home").pack())],
        ]
    )


def withdrawn(result: WithdrawalResult) -> View:
    text = _("connect.withdraw.done").format(
        entries=result.entries_deleted, contacts=result.contacts_deleted
    )
    return text, inline([[button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())]])


# ------------------------------------------------------------------------- summary


def summary(profile: ConnectProfile) -> View:
    """Everything the member shares, by kind, with a button per kind to manage it."""
    lines = [_("connect.summary.header"), ""]
    rows = []
    for kind in EntryKind:
        entries = profile.entries_of(kind)
        lines.append(f"<b>{kind_label(kind)}</b>")
        lines.extend(entry_lines(entries, most=SUMMARY_ENTRIES_PER_KIND))
        label = f"{kind_label(kind)} ({len(entries)})"
        rows.append([button(label, KindOpen(kind=kind.value).pack())])
    lines.append(f"<b>{kind_label(CONTACTS)}</b>")
    lines.append("  " + _("connect.summary.contacts").format(count=profile.contact_count))
    rows.append(
        [
            button(
                f"{kind_label(CONTACTS)} ({profile.contact_count})", KindOpen(kind=CONTACTS).pack()
            )
        ]
    )
    lines += ["", _("connect.summary.footer")]
    rows.append([button(_("connect.button.withdraw"), ConnectMenu(action="withdraw").pack())])
    rows.append([button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())])
    return "\n".join(lines), inline(rows)


def kind_page(profile: ConnectProfile, kind: EntryKind) -> View:
    """The entries of one kind, each a button, and Add while below the limit."""
    entries = profile.entries_of(kind)
    lines = [f"<b>{kind_label(kind)}</b>", *entry_lines(entries)]
    rows = [
        [button(entry_button_label(entry), EntryOpen(entry_id=entry.id).pack())]
        for entry in entries
    ]
    if len(entries) < ENTRY_LIMITS[kind]:
        rows.append([button(_("connect.button.add"), KindAdd(kind=kind.value).pack())])
    else:
        lines.append(_("connect.kind.full").format(max=ENTRY_LIMITS[kind]))
    rows.append([summary_button()])
    return "\n".join(lines), inline(rows)


def entry_button_label(entry: EntryView) -> str:
    """The entry's name, cut to fit a phone's button."""
    name = shortened(entry.name, 40)
    if entry.kind is EntryKind.PLACE and entry.place_level is not None:
        return f"{_(PLACE_LEVEL_KEYS[entry.place_level])}: {name}"
    return name


def entry_page(entry: EntryView) -> View:
    text = f"<b>{kind_label(entry.kind)}</b>\n{entry_text(entry)}"
    return text, inline(
        [
            [
                button(
                    _("connect.button.edit"), EntryAction(action="edit", entry_id=entry.id).pack()
                ),
                button(
                    _("connect.button.remove"),
                    EntryAction(action="remove", entry_id=entry.id).pack(),
                ),
            ],
            [kind_button(entry.kind.value)],
        ]
    )


def saved(entry: EntryView, profile: ConnectProfile) -> View:
    text, markup = kind_page(profile, entry.kind)
    return _("connect.saved").format(entry=entry_text(entry)) + "\n\n" + text, markup


def removed(entry: EntryView, profile: ConnectProfile) -> View:
    text, markup = kind_page(profile, entry.kind)
    return _("connect.removed").format(entry=entry_text(entry)) + "\n\n" + text, markup


def cancelled() -> View:
    return _("connect.cancelled"), back_to_summary()


# ------------------------------------------------------------------------- entry steps


def level_question(kind: EntryKind) -> View:
    """Buttons for the level of a place or of a school."""
    if kind is EntryKind.PLACE:
        text = _("connect.ask.place_level")
        picks = [(level.value, _(key)) for level, key in PLACE_LEVEL_KEYS.items()]
    else:
        text = _("connect.ask.school_level")
        picks = [(level, _(key)) for level, key in SCHOOL_LEVEL_KEYS.items()]
    buttons = [button(label, LevelPick(kind=kind.value, level=v).pack()) for v, label in picks]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return text, inline([*rows, [kind_button(kind.value)]])


def name_question(
    kind: EntryKind,
    *,
    place_level: PlaceLevel | None = None,
    current_name: str | None = None,
    address: str | None = None,
) -> View:
    """Ask for the name; while editing, show what is there now; for a place, show the
    registration address as a reminder."""
    lines = [_(NAME_QUESTION_KEYS[place_level or kind])]
    if address and place_level in (PlaceLevel.KELURAHAN, PlaceLevel.KECAMATAN, PlaceLevel.CITY):
        lines.append(_("connect.address_hint").format(address=html(address)))
    if current_name is not None:
        lines.append(_("connect.ask.current_name").format(name=html(current_name)))
    return "\n\n".join(lines), inline([nav_row()])


def area_question(name: str) -> View:
    return _("connect.ask.area").format(name=html(name)), inline([nav_row()])


def workplace_current_question(name: str) -> View:
    return _("connect.ask.workplace_current").format(name=html(name)), inline(
        [
            [
                button(_("connect.button.work_now"), WorkPick(current=True).pack()),
                button(_("connect.button.work_past"), WorkPick(current=False).pack()),
            ],
            nav_row(),
        ]
    )


def years_question(kind: EntryKind, *, current: bool) -> View:
    if kind is EntryKind.SCHOOL:
        key = "connect.ask.school_year"
    else:
        key = "connect.ask.years_current" if current else "connect.ask.years_past"
    return _(key), inline(
        [[button(_("connect.button.skip"), StepAction(action="skip").pack())], nav_row()]
    )


# ------------------------------------------------------------------------- contacts


def contacts_page(profile: ConnectProfile) -> View:
    text = _("connect.contacts.page").format(count=profile.contact_count)
    rows = [[button(_("connect.button.share_contact"), ConnectMenu(action="share_contact").pack())]]
    if profile.contact_count:
        rows.append(
            [
                button(
                    _("connect.button.remove_contact"), ConnectMenu(action="remove_contact").pack()
                )
            ]
        )
    rows.append([summary_button()])
    return text, inline(rows)


def done_keyboard() -> InlineKeyboardMarkup:
    return inline([[button(_("connect.button.done"), StepAction(action="done").pack())]])


def contact_question() -> View:
    return _("connect.ask.contact"), done_keyboard()


def contact_removal_question() -> View:
    return _("connect.ask.contact_remove"), inline([nav_row(back=False)])


def contact_saved(count: int) -> View:
    return _("connect.contact.saved").format(count=count), done_keyboard()


def contact_removed(count: int) -> View:
    return _("connect.contact.removed").format(count=count), inline(
        [[kind_button(CONTACTS)], [summary_button()]]
    )


def use_buttons() -> str:
    return _("connect.use_buttons")


def contact_expected() -> str:
    return _("connect.contact.expected")


def stale_button() -> str:
    return _("connect.button_stale")
