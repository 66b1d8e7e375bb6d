"""Texts and keyboards of "My loans": the list, a loan's page, withdrawing."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils.i18n import gettext as _

from backend.domain.loan_lifecycle import LoanEvent
from backend.services.loan_dto import LoanDetail, LoanPage
from conversations.loans.callbacks import LoanOpen, LoansPage, LoanWithdraw
from conversations.loans.labels import kind_label, method_label, percent, rate_label, status_label
from conversations.loans.schedule_views import fits_in_text, schedule_text
from conversations.loans.views import View, answers_text, home_button, mine_button
from conversations.ui.keyboards import button, inline
from conversations.ui.text import current_locale, date, html, local_date, moment, money


def loan_list(page: LoanPage, tz: str) -> View:
    """One page of the borrower's loans, newest first; a button opens each."""
    title = _("loans.mine.title").format(total=page.total)
    if page.page_count > 1:
        title += " · " + _("nav.page_of").format(page=page.page + 1, pages=page.page_count)
    lines = [title]
    rows: list[list[InlineKeyboardButton]] = []
    language = current_locale()
    for loan in page.items:
        lines.append(
            _("loans.mine.line").format(
                reference=loan.reference,
                product=html(loan.product_name(language)),
                amount=money(loan.amount),
                tenor=loan.tenor_months,
                status=status_label(loan.status),
                day=local_date(loan.created_at, tz),
            )
        )
        label = f"{loan.reference} · {money(loan.amount)}"
        rows.append([button(label, LoanOpen(loan_id=loan.id).pack())])
    if not page.items:
        lines.append(_("loans.mine.empty"))
    turn = []
    if page.page > 0:
        turn.append(button(_("nav.previous_page"), LoansPage(page=page.page - 1).pack()))
    if page.page + 1 < page.page_count:
        turn.append(button(_("nav.next_page"), LoansPage(page=page.page + 1).pack()))
    if turn:
        rows.append(turn)
    rows.append([home_button()])
    return "\n\n".join(lines), inline(rows)


def loan_page(detail: LoanDetail, tz: str) -> View:
    """The loan's terms as submitted, its status, the answers and the schedule."""
    loan, terms, cost = detail.loan, detail.terms, detail.cost
    lines = [
        _("loans.detail").format(
            reference=loan.reference,
            status=status_label(loan.status),
            product=html(terms.product_name(current_locale())),
            kind=kind_label(terms.kind),
            method=method_label(terms.method),
            rate=rate_label(terms.rate_percent, terms.rate_period),
            amount=money(loan.amount),
            tenor=loan.tenor_months,
            installment=money(loan.installment),
            total_interest=money(cost.total_interest),
            admin_fee=money(cost.admin_fee),
            total_to_repay=money(cost.total_to_repay),
            net_disbursement=money(cost.net_disbursement),
            daily_percent=percent(cost.daily_percent),
            cap_percent=percent(cost.cap_percent),
            submitted=moment(loan.created_at, tz),
        ),
        answers_text(detail.purpose, detail.business_type, detail.collateral_description),
    ]
    if detail.reject_reason:
        lines.append(_("loans.detail.reason").format(reason=html(detail.reject_reason)))
    if fits_in_text(detail.installments):
        lines.append(_("loans.schedule.title"))
        lines.append(schedule_text(detail.installments))
    else:
        lines.append(_("loans.detail.schedule_in_image"))
    rows = []
    if LoanEvent.WITHDRAW in detail.events:
        ask = LoanWithdraw(action="ask", loan_id=loan.id)
        rows.append([button(_("loans.button.withdraw"), ask.pack())])
    rows.append([mine_button()])
    return "\n\n".join(lines), inline(rows)


def schedule_caption(detail: LoanDetail) -> str:
    return _("loans.detail.image_caption").format(
        reference=detail.loan.reference, first_due_date=date(detail.installments[0].due_date)
    )


def withdraw_question(detail: LoanDetail) -> View:
    loan = detail.loan
    text = _("loans.withdraw.ask").format(reference=loan.reference, amount=money(loan.amount))
    yes = LoanWithdraw(action="do", loan_id=loan.id)
    no = LoanOpen(loan_id=loan.id)
    return text, inline(
        [
            [
                button(_("loans.button.yes_withdraw"), yes.pack()),
                button(_("loans.button.no_keep"), no.pack()),
            ]
        ]
    )


def withdrawn(detail: LoanDetail) -> View:
    key = "loans.withdraw.already" if detail.replayed else "loans.withdraw.done"
    return _(key).format(reference=detail.loan.reference), inline([[mine_button()]])


def cannot_withdraw(detail: LoanDetail) -> View:
    """The loan moved past the point where its borrower may call it off."""
    text = _("loans.withdraw.too_late").format(
        reference=detail.loan.reference, status=status_label(detail.loan.status)
    )
    return text, inline([[mine_button()]])
