"""Texts and keyboards of the request screens: history pages, one request, cancelling."""

from __future__ import annotations

import datetime as dt

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from backend.domain.wallet import DepositStatus
from backend.services.wallet_dto import DepositPage, DepositView, WithdrawalPage, WithdrawalView
from conversations.ui.keyboards import button, inline
from conversations.ui.text import html, money
from conversations.wallet.callbacks import (
    DEPOSIT,
    HistoryPage,
    RequestAction,
    RequestOpen,
    WalletMenu,
)
from conversations.wallet.views import (
    View,
    back_to_wallet,
    deposit_status,
    local_date,
    moment,
    wallet_button,
    withdrawal_keyboard,
    withdrawal_status,
)

# ------------------------------------------------------------------------- history


def history(kind: str, page: DepositPage | WithdrawalPage, tz: str) -> View:
    """One page of requests, newest first; a button opens each one."""
    title_key = (
        "wallet.history.deposits_title" if kind == DEPOSIT else "wallet.history.withdrawals_title"
    )
    lines = [_(title_key).format(total=page.total)]
    if page.page_count > 1:
        lines[0] += " · " + _("nav.page_of").format(page=page.page + 1, pages=page.page_count)
    rows: list[list[InlineKeyboardButton]] = []
    for item in page.items:
        if isinstance(item, DepositView):
            amount, status = item.transfer_amount, deposit_status(item)
        else:
            amount, status = item.amount, withdrawal_status(item.status)
        day = local_date(item.created_at, tz)
        lines.append(f"<b>{item.reference}</b> · {money(amount)} · {status} · {day}")
        open_it = RequestOpen(kind=kind, request_id=item.id)
        rows.append([button(f"{item.reference} · {money(amount)}", open_it.pack())])
    if not page.items:
        lines.append(_("wallet.history.empty"))
    else:
        lines.append("")
        lines.append(_("wallet.history.pick"))
    turn = []
    if page.page > 0:
        turn.append(
            button(_("nav.previous_page"), HistoryPage(kind=kind, page=page.page - 1).pack())
        )
    if page.page + 1 < page.page_count:
        turn.append(button(_("nav.next_page"), HistoryPage(kind=kind, page=page.page + 1).pack()))
    if turn:
        rows.append(turn)
    rows.append([wallet_button()])
    return "\n".join(lines), inline(rows)


def deposit_detail(deposit: DepositView, tz: str) -> View:
    receiving = deposit.receiving
    lines = [
        _("wallet.deposit.detail").format(
            reference=deposit.reference,
            status=deposit_status(deposit),
            amount=money(deposit.amount),
            transfer_amount=money(deposit.transfer_amount),
            bank=html(receiving.bank_name),
            account_number=html(receiving.account_number),
            holder=html(receiving.account_holder),
            created=moment(deposit.created_at, tz),
            deadline=moment(deposit.deadline_at, tz),
        )
    ]
    if deposit.proof_submitted_at is not None:
        lines.append(
            _("wallet.deposit.detail.proof").format(at=moment(deposit.proof_submitted_at, tz))
        )
    else:
        lines.append(_("wallet.deposit.detail.no_proof"))
    if deposit.received_amount is not None:
        lines.append(
            _("wallet.deposit.detail.received").format(amount=money(deposit.received_amount))
        )
    lines.extend(decision_lines(deposit.decided_at, deposit.reject_reason, tz))
    rows = []
    if deposit.status in (DepositStatus.PENDING, DepositStatus.EXPIRED):
        send = RequestAction(kind=DEPOSIT, action="proof", request_id=deposit.id)
        rows.append([button(_("wallet.button.send_proof"), send.pack())])
    if deposit.status is DepositStatus.PENDING:
        cancel = RequestAction(kind=DEPOSIT, action="cancel", request_id=deposit.id)
        rows.append([button(_("wallet.button.cancel_deposit"), cancel.pack())])
    rows.append([button(_("wallet.button.deposits"), WalletMenu(action="deposits").pack())])
    rows.append([wallet_button()])
    return "\n".join(lines), inline(rows)


def withdrawal_detail(withdrawal: WithdrawalView, tz: str) -> View:
    lines = [
        _("wallet.withdraw.detail").format(
            reference=withdrawal.reference,
            status=withdrawal_status(withdrawal.status),
            amount=money(withdrawal.amount),
            bank=html(withdrawal.bank_name),
            account=withdrawal.bank_account_masked,
            holder=html(withdrawal.bank_account_holder),
            created=moment(withdrawal.created_at, tz),
        )
    ]
    lines.extend(decision_lines(withdrawal.decided_at, withdrawal.reject_reason, tz))
    return "\n".join(lines), withdrawal_keyboard(withdrawal, with_status=False)


def decision_lines(decided_at: dt.datetime | None, reason: str, tz: str) -> list[str]:
    lines = []
    if decided_at is not None:
        lines.append(_("wallet.request.decided_at").format(at=moment(decided_at, tz)))
    if reason:
        lines.append(_("wallet.request.reason").format(reason=html(reason)))
    return lines


# ------------------------------------------------------------------------- cancelling


def cancel_question(kind: str, reference: str, amount: int, request_id: int) -> View:
    key = "wallet.deposit.cancel_ask" if kind == DEPOSIT else "wallet.withdraw.cancel_ask"
    text = _(key).format(reference=reference, amount=money(amount))
    yes = RequestAction(kind=kind, action="cancel_do", request_id=request_id)
    no = RequestOpen(kind=kind, request_id=request_id)
    return text, inline(
        [
            [
                button(_("wallet.button.yes_cancel"), yes.pack()),
                button(_("wallet.button.no_keep"), no.pack()),
            ]
        ]
    )


def deposit_cancelled(deposit: DepositView) -> View:
    text = _("wallet.deposit.cancel_done").format(reference=deposit.reference)
    return text, back_to_wallet()


def withdrawal_cancelled(withdrawal: WithdrawalView) -> View:
    text = _("wallet.withdraw.cancel_done").format(
        reference=withdrawal.reference, amount=money(withdrawal.amount)
    )
    return text, back_to_wallet()
