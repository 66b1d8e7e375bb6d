"""Wallet texts and keyboards: views in, (text, keyboard) out; every word from the catalogs.

Money goes through ``money()`` (``Rp 1.500.000``) and moments through the member's branch
time zone (``24 Nov 2026 10.05 WIB``).
"""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from backend.domain.wallet import DepositStatus, WalletRules, WithdrawalStatus
from backend.services.wallet import WalletHome
from backend.services.wallet_dto import (
    DepositView,
    MovementView,
    ReceivingAccountView,
    WithdrawalPreview,
    WithdrawalView,
)
from conversations.ui.callbacks import MenuAction
from conversations.ui.keyboards import button, inline, nav_row
from conversations.ui.text import html, local_date, moment, money
from conversations.wallet.callbacks import (
    DEPOSIT,
    WITHDRAWAL,
    DepositPick,
    RequestAction,
    RequestOpen,
    WalletConfirm,
    WalletMenu,
)

View = tuple[str, InlineKeyboardMarkup]

DEPOSIT_STATUS_KEYS = {
    DepositStatus.PENDING: "wallet.status.deposit.pending",
    DepositStatus.CONFIRMED: "wallet.status.deposit.confirmed",
    DepositStatus.REJECTED: "wallet.status.deposit.rejected",
    DepositStatus.CANCELLED: "wallet.status.deposit.cancelled",
    DepositStatus.EXPIRED: "wallet.status.deposit.expired",
}
PROOF_RECEIVED_STATUS_KEY = "wallet.status.deposit.proof_received"
WITHDRAWAL_STATUS_KEYS = {
    WithdrawalStatus.PENDING: "wallet.status.withdrawal.pending",
    WithdrawalStatus.APPROVED: "wallet.status.withdrawal.approved",
    WithdrawalStatus.PAID: "wallet.status.withdrawal.paid",
    WithdrawalStatus.REJECTED: "wallet.status.withdrawal.rejected",
    WithdrawalStatus.CANCELLED: "wallet.status.withdrawal.cancelled",
}
MOVEMENT_KEYS = {
    "deposit": "wallet.movement.deposit",
    "withdrawal": "wallet.movement.withdrawal",
}
OTHER_MOVEMENT_KEY = "wallet.movement.other"


# ------------------------------------------------------------------------- small helpers


def signed(amount: int) -> str:
    """``+Rp 1.500.000`` for money in, ``-Rp 500.000`` for money out."""
    return "+" + money(amount) if amount > 0 else money(amount)


def deposit_status(deposit: DepositView) -> str:
    if deposit.status is DepositStatus.PENDING and deposit.proof_submitted_at is not None:
        return _(PROOF_RECEIVED_STATUS_KEY)
    return _(DEPOSIT_STATUS_KEYS[deposit.status])


def withdrawal_status(status: WithdrawalStatus) -> str:
    return _(WITHDRAWAL_STATUS_KEYS[status])


def status_label(kind: str, raw_status: str) -> str:
    """A stored status value (as an error carries it) in the member's words."""
    if kind == DEPOSIT:
        return _(DEPOSIT_STATUS_KEYS[DepositStatus(raw_status)])
    return withdrawal_status(WithdrawalStatus(raw_status))


def movement_kind(movement: MovementView) -> str:
    return _(MOVEMENT_KEYS.get(movement.kind, OTHER_MOVEMENT_KEY))


def wallet_button() -> InlineKeyboardButton:
    return button(_("wallet.button.home"), WalletMenu(action="home").pack())


def back_to_wallet() -> InlineKeyboardMarkup:
    return inline([[wallet_button()]])


def confirm_keyboard(kind: str, nonce: str) -> InlineKeyboardMarkup:
    """Confirm (carrying the nonce minted for this summary), Back and Cancel."""
    return inline(
        [
            [button(_("wallet.button.confirm"), WalletConfirm(kind=kind, nonce=nonce).pack())],
            nav_row(),
        ]
    )


# ------------------------------------------------------------------------- dashboard


def home(view: WalletHome, tz: str) -> View:
    """Balance, held, available and the last movements, with what the member can do."""
    summary = view.summary
    lines = [
        _("wallet.home").format(
            balance=money(summary.balance),
            held=money(summary.held),
            available=money(summary.available),
        ),
        "",
        _("wallet.home.recent_header"),
    ]
    if summary.recent:
        lines.extend(
            f"{local_date(m.at, tz)} · {movement_kind(m)} · {signed(m.amount)}"
            for m in summary.recent
        )
    else:
        lines.append(_("wallet.home.no_movements"))
    return "\n".join(lines), inline(
        [
            [
                button(_("wallet.button.deposit"), WalletMenu(action="deposit").pack()),
                button(_("wallet.button.withdraw"), WalletMenu(action="withdraw").pack()),
            ],
            [
                button(_("wallet.button.deposits"), WalletMenu(action="deposits").pack()),
                button(_("wallet.button.withdrawals"), WalletMenu(action="withdrawals").pack()),
            ],
            [button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())],
        ]
    )


# ------------------------------------------------------------------------- cash-in


def deposit_amount_question(rules: WalletRules) -> View:
    text = _("wallet.deposit.ask_amount").format(
        minimum=money(rules.deposit_minimum), step=money(rules.deposit_step)
    )
    picks = [button(money(a), DepositPick(amount=a).pack()) for a in rules.deposit_quick_picks()]
    rows = [picks[i : i + 2] for i in range(0, len(picks), 2)]
    return text, inline([*rows, nav_row()])


def deposit_summary(
    amount: int, rules: WalletRules, receiving: ReceivingAccountView, nonce: str
) -> View:
    text = _("wallet.deposit.summary").format(
        amount=money(amount),
        bank=html(receiving.bank_name),
        holder=html(receiving.account_holder),
        branch=html(receiving.branch_name),
        hours=rules.deposit_deadline_hours,
    )
    return text, confirm_keyboard(DEPOSIT, nonce)


def unique_code_note(deposit: DepositView) -> str:
    """Why the amount is odd. The "last three digits" wording holds only when the
    amount itself ends in 000 (a step below Rp 1.000 is possible)."""
    transfer_amount = money(deposit.transfer_amount)
    if deposit.amount % 1000 == 0:
        return _("wallet.deposit.unique_code_digits").format(
            code=f"{deposit.unique_code:03d}", transfer_amount=transfer_amount
        )
    return _("wallet.deposit.unique_code_amount").format(
        code=money(deposit.unique_code), transfer_amount=transfer_amount
    )


def deposit_instructions(deposit: DepositView, tz: str) -> View:
    """Where to transfer, exactly how much, the reference and the deadline."""
    receiving = deposit.receiving
    text = "\n\n".join(
        [
            _("wallet.deposit.instructions").format(
                reference=deposit.reference,
                branch=html(receiving.branch_name),
                bank=html(receiving.bank_name),
                account_number=html(receiving.account_number),
                holder=html(receiving.account_holder),
                transfer_amount=money(deposit.transfer_amount),
                deadline=moment(deposit.deadline_at, tz),
            ),
            unique_code_note(deposit),
            _("wallet.deposit.ask_proof").format(
                reference=deposit.reference, transfer_amount=money(deposit.transfer_amount)
            ),
        ]
    )
    return text, proof_keyboard(deposit)


def proof_keyboard(deposit: DepositView) -> InlineKeyboardMarkup:
    rows = []
    if deposit.status is DepositStatus.PENDING:
        action = RequestAction(kind=DEPOSIT, action="cancel", request_id=deposit.id)
        rows.append([button(_("wallet.button.cancel_deposit"), action.pack())])
    return inline([*rows, nav_row()])


def proof_question(deposit: DepositView) -> View:
    text = _("wallet.deposit.ask_proof").format(
        reference=deposit.reference, transfer_amount=money(deposit.transfer_amount)
    )
    return text, proof_keyboard(deposit)


def proof_received(deposit: DepositView) -> View:
    text = _("wallet.deposit.proof_received").format(
        reference=deposit.reference, status=deposit_status(deposit)
    )
    return text, inline(
        [
            [
                button(
                    _("wallet.button.status"),
                    RequestOpen(kind=DEPOSIT, request_id=deposit.id).pack(),
                )
            ],
            [wallet_button()],
        ]
    )


def proof_left(deposit: DepositView) -> View:
    return _("wallet.deposit.proof_left").format(reference=deposit.reference), back_to_wallet()


# ------------------------------------------------------------------------- cash-out


def withdrawal_amount_question(available: int, rules: WalletRules) -> View:
    lines = [
        _("wallet.withdraw.ask_amount").format(
            available=money(available),
            minimum=money(rules.withdrawal_minimum),
            step=money(rules.withdrawal_step),
        )
    ]
    if rules.withdrawal_daily_limit:
        lines.append(
            _("wallet.withdraw.daily_limit").format(limit=money(rules.withdrawal_daily_limit))
        )
    lines.append(_("wallet.withdraw.type_amount"))
    return "\n".join(lines), inline([nav_row()])


def nothing_to_withdraw(available: int, rules: WalletRules) -> View:
    text = _("wallet.withdraw.nothing_available").format(
        available=money(available), minimum=money(rules.withdrawal_minimum)
    )
    return text, back_to_wallet()


def withdrawal_summary(preview: WithdrawalPreview, nonce: str) -> View:
    text = _("wallet.withdraw.summary").format(
        amount=money(preview.amount),
        bank=html(preview.bank_name),
        account=preview.bank_account_masked,
        holder=html(preview.bank_account_holder),
        remaining=money(preview.available - preview.amount),
    )
    return text, confirm_keyboard(WITHDRAWAL, nonce)


def withdrawal_created(withdrawal: WithdrawalView) -> View:
    text = _("wallet.withdraw.created").format(
        reference=withdrawal.reference,
        amount=money(withdrawal.amount),
        bank=html(withdrawal.bank_name),
        account=withdrawal.bank_account_masked,
        status=withdrawal_status(withdrawal.status),
    )
    return text, withdrawal_keyboard(withdrawal, with_status=True)


def withdrawal_keyboard(withdrawal: WithdrawalView, *, with_status: bool) -> InlineKeyboardMarkup:
    rows = []
    if with_status:
        open_it = RequestOpen(kind=WITHDRAWAL, request_id=withdrawal.id)
        rows.append([button(_("wallet.button.status"), open_it.pack())])
    if withdrawal.status is WithdrawalStatus.PENDING:
        action = RequestAction(kind=WITHDRAWAL, action="cancel", request_id=withdrawal.id)
        rows.append([button(_("wallet.button.cancel_withdrawal"), action.pack())])
    if not with_status:
        history_button = WalletMenu(action="withdrawals")
        rows.append([button(_("wallet.button.withdrawals"), history_button.pack())])
    rows.append([wallet_button()])
    return inline(rows)


def already_decided(kind: str, reference: str, raw_status: str) -> str:
    return _("wallet.request.already_decided").format(
        reference=reference, status=status_label(kind, raw_status)
    )
