"""Registration texts and keyboards: data in, (text, keyboard) out; every word from the catalogs."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram.types import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from aiogram.utils.i18n import gettext as _

from backend.domain.member_rules import COMMON_BANKS
from backend.services.dto import BranchPage
from conversations.registration.callbacks import (
    BankPick,
    BranchPageTurn,
    BranchPick,
    EditField,
    HolderIsMe,
    RoleChoice,
    SummaryAction,
)
from conversations.registration.states import STEPS
from conversations.ui.keyboards import button, inline, nav_row
from conversations.ui.text import date, html

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup

ROLE_LABEL_KEYS = {"financier": "role.financier", "borrower": "role.borrower"}


def landing() -> tuple[str, InlineKeyboardMarkup]:
    """Kopnus-style landing: what kopdana is, in two lines, and the two ways in."""
    return _("start.landing"), inline(
        [
            [button(_("start.choose_financier"), RoleChoice(role="financier").pack())],
            [button(_("start.choose_borrower"), RoleChoice(role="borrower").pack())],
        ]
    )


def step_name(state: str | None) -> str:
    return str(state).split(":")[1]


def question(state: str, data: dict[str, Any]) -> tuple[str, Markup]:
    """The question for one step, with its keyboard (always offering Back and Cancel)."""
    name = step_name(state)
    text = _(f"registration.ask.{name}")
    position = [s.state for s in STEPS].index(state) + 1
    text = _("registration.progress").format(step=position, total=len(STEPS)) + "\n" + text
    rows = []
    if name == "phone":
        return text, phone_keyboard()
    if name == "bank_name":
        rows = [
            [
                button(bank, BankPick(index=i).pack())
                for i, bank in enumerate(COMMON_BANKS[j : j + 3], j)
            ]
            for j in range(0, min(len(COMMON_BANKS), 9), 3)
        ]
    if name == "bank_account_holder" and data.get("full_name"):
        label = _("registration.holder_is_me").format(name=data["full_name"])
        rows = [[button(label, HolderIsMe().pack())]]
    return text, inline([*rows, nav_row()])


def phone_keyboard() -> ReplyKeyboardMarkup:
    """Telegram's own contact button: the only way to prove the number is the member's."""
    return ReplyKeyboardMarkup(
        keyboard=[
            [KeyboardButton(text=_("registration.button.share_phone"), request_contact=True)],
            [KeyboardButton(text=_("nav.back")), KeyboardButton(text=_("nav.cancel"))],
        ],
        resize_keyboard=True,
        one_time_keyboard=False,
        input_field_placeholder=_("registration.phone_placeholder"),
    )


def branch_list(page: BranchPage) -> tuple[str, InlineKeyboardMarkup]:
    """One page of branches; typing filters them."""
    position = [s.state for s in STEPS].index("Registration:branch") + 1
    lines = [_("registration.progress").format(step=position, total=len(STEPS))]
    if page.search and page.total == 0:
        lines.append(_("registration.branch_none_found").format(search=html(page.search)))
    elif page.search:
        lines.append(
            _("registration.branch_search_result").format(
                search=html(page.search), total=page.total
            )
        )
    lines.append(_("registration.ask.branch"))
    rows = [
        [button(f"{b.name} · {b.city}", BranchPick(branch_id=b.id).pack())] for b in page.branches
    ]
    turn = []
    if page.page > 0:
        turn.append(button(_("nav.previous_page"), BranchPageTurn(page=page.page - 1).pack()))
    if page.page_count > 1:
        turn.append(
            button(
                _("nav.page_of").format(page=page.page + 1, pages=page.page_count),
                BranchPageTurn(page=page.page).pack(),
            )
        )
    if page.page + 1 < page.page_count:
        turn.append(button(_("nav.next_page"), BranchPageTurn(page=page.page + 1).pack()))
    if turn:
        rows.append(turn)
    rows.append(nav_row())
    return "\n".join(lines), inline(rows)


def summary(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    """Everything the member typed, for one last check before anything is stored."""
    roles = ", ".join(_(ROLE_LABEL_KEYS[r]) for r in data.get("roles", []))
    text = _("registration.summary").format(
        roles=roles,
        full_name=html(data["full_name"]),
        nik=data["nik"],
        birth_date=date(dt.date.fromisoformat(data["birth_date"])),
        phone=data["phone"],
        branch=html(data["branch_label"]),
        address=html(data["address"]),
        bank_name=html(data["bank_name"]),
        bank_account_number=data["bank_account_number"],
        bank_account_holder=html(data["bank_account_holder"]),
    )
    return text, inline(
        [
            [button(_("registration.button.confirm"), SummaryAction(action="confirm").pack())],
            [button(_("registration.button.edit"), SummaryAction(action="edit").pack())],
            [button(_("nav.cancel"), SummaryAction(action="cancel").pack())],
        ]
    )


def edit_choice() -> tuple[str, InlineKeyboardMarkup]:
    rows = [
        [
            button(
                _(f"registration.field.{step_name(s.state)}"),
                EditField(field=step_name(s.state)).pack(),
            )
        ]
        for s in STEPS
    ]
    rows.append([button(_("nav.back"), SummaryAction(action="show").pack())])
    return _("registration.ask_edit_field"), inline(rows)
