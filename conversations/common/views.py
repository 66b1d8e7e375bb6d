"""Main menu, profile, help and language texts shared by every member."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from backend.domain.member_rules import mask_account_number
from backend.domain.members import MemberStatus, Role
from backend.domain.nik import mask_nik
from backend.services.dto import MemberView
from conversations.connect.callbacks import ConnectMenu
from conversations.loans.callbacks import LoanMenu
from conversations.market.callbacks import MarketMenu
from conversations.ui.callbacks import AddRole, MenuAction
from conversations.ui.keyboards import button, inline
from conversations.ui.text import date, html
from conversations.wallet.callbacks import WalletMenu

STATUS_KEYS = {
    MemberStatus.AWAITING_VERIFICATION: "member.status.awaiting_verification",
    MemberStatus.VERIFIED: "member.status.verified",
    MemberStatus.REJECTED: "member.status.rejected",
    MemberStatus.DEACTIVATED: "member.status.deactivated",
}
ROLE_KEYS = {Role.FINANCIER: "role.financier", Role.BORROWER: "role.borrower"}
STATUS_EXPLANATION_KEYS = {
    MemberStatus.AWAITING_VERIFICATION: "menu.meanwhile_awaiting",
    MemberStatus.VERIFIED: "menu.verified_note",
    MemberStatus.REJECTED: "menu.rejected_note",
    MemberStatus.DEACTIVATED: "member.deactivated_refusal",
}


def roles_text(roles: tuple[Role, ...]) -> str:
    return ", ".join(_(ROLE_KEYS[r]) for r in roles)


def main_menu(member: MemberView) -> tuple[str, InlineKeyboardMarkup]:
    """The member's home: who they are, their status, and what they can do now."""
    text = "\n\n".join(
        [
            _("menu.header").format(name=html(member.full_name), roles=roles_text(member.roles)),
            _("menu.status_line").format(status=_(STATUS_KEYS[member.status])),
            _(STATUS_EXPLANATION_KEYS[member.status]).format(branch=html(member.branch.name)),
        ]
    )
    rows = []
    if member.status is MemberStatus.VERIFIED and Role.FINANCIER in member.roles:
        rows.append(
            [
                button(_("wallet.menu_button"), WalletMenu(action="home").pack()),
                button(_("market.menu_button"), MarketMenu().pack()),
            ]
        )
    if member.status is MemberStatus.VERIFIED and Role.BORROWER in member.roles:
        rows.append([button(_("loans.menu_button.apply"), LoanMenu(action="apply").pack())])
        rows.append([button(_("loans.menu_button.mine"), LoanMenu(action="mine").pack())])
    rows += [
        [button(_("connect.menu_button"), ConnectMenu(action="home").pack())],
        [button(_("menu.button.profile"), MenuAction(action="profile").pack())],
        [button(_("menu.button.language"), MenuAction(action="language").pack())],
    ]
    for role in Role:
        if role not in member.roles:
            label = _("menu.button.add_role").format(role=_(ROLE_KEYS[role]))
            rows.append([button(label, AddRole(role=role.value).pack())])
    rows.append([button(_("menu.button.help"), MenuAction(action="help").pack())])
    return text, inline(rows)


def profile(member: MemberView) -> tuple[str, InlineKeyboardMarkup]:
    """The member's data with NIK and account number masked."""
    text = _("profile.text").format(
        full_name=html(member.full_name),
        nik=mask_nik(member.nik),
        birth_date=date(member.birth_date),
        phone=member.phone,
        branch=html(f"{member.branch.name} ({member.branch.city})"),
        address=html(member.address),
        bank_name=html(member.bank_name),
        bank_account_number=mask_account_number(member.bank_account_number),
        bank_account_holder=html(member.bank_account_holder),
        roles=roles_text(member.roles),
        status=_(STATUS_KEYS[member.status]),
    )
    return text, inline([[button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())]])


def help_text(*, registered: bool) -> str:
    return (
        _("help.text") + "\n\n" + (_("help.registered") if registered else _("help.unregistered"))
    )
