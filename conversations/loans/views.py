"""Texts and keyboards of the loans home and the application form: views in, (text,
keyboard) out; every word from the catalogs, money through ``money()``."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from backend.domain.loan_application import (
    BUSINESS_TYPE_LENGTH,
    COLLATERAL_LENGTH,
    PURPOSE_LENGTH,
)
from backend.domain.loan_terms import LoanKind
from backend.services.loan_dto import LoanDetail, LoanPreview, ProductView
from conversations.loans.callbacks import (
    FormAction,
    LoanConfirm,
    LoanMenu,
    LoanOpen,
    ProductPick,
    TenorPick,
)
from conversations.loans.labels import kind_label, method_label, percent, rate_label, status_label
from conversations.loans.schedule_views import fits_in_text, schedule_text
from conversations.ui.callbacks import MenuAction
from conversations.ui.keyboards import button, inline, nav_row
from conversations.ui.text import current_locale, date, html, money

View = tuple[str, InlineKeyboardMarkup]

TENOR_BUTTONS_PER_ROW = 4
# The answers the borrower may change from the preview, in the form's order.
EDITABLE = ("product", "amount", "tenor", "purpose", "business_type", "collateral")
EDIT_BUTTON_KEYS = {
    "product": "loans.edit.product",
    "amount": "loans.edit.amount",
    "tenor": "loans.edit.tenor",
    "purpose": "loans.edit.purpose",
    "business_type": "loans.edit.business_type",
    "collateral": "loans.edit.collateral",
}


def home_button() -> InlineKeyboardButton:
    return button(_("loans.button.home"), LoanMenu(action="home").pack())


def mine_button() -> InlineKeyboardButton:
    return button(_("loans.button.mine"), LoanMenu(action="mine").pack())


def back_to_loans() -> InlineKeyboardMarkup:
    return inline([[home_button()]])


def home() -> View:
    return _("loans.home"), inline(
        [
            [button(_("loans.button.apply"), LoanMenu(action="apply").pack())],
            [mine_button()],
            [button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())],
        ]
    )


def product_name(product: ProductView) -> str:
    return product.name(current_locale())


# ------------------------------------------------------------------------- the form


def product_question(products: tuple[ProductView, ...]) -> View:
    lines = [_("loans.ask.product")]
    rows = []
    for product in products:
        lines.append(
            _("loans.product_line").format(
                name=html(product_name(product)),
                kind=kind_label(product.kind),
                minimum=money(product.min_amount),
                maximum=money(product.max_amount),
                shortest=product.min_tenor,
                longest=product.max_tenor,
                rate=rate_label(product.rate_percent, product.rate_period),
            )
        )
        rows.append([button(product_name(product), ProductPick(product_id=product.id).pack())])
    return "\n\n".join(lines), inline([*rows, nav_row(back=False)])


def no_products() -> View:
    return _("loans.no_products"), back_to_loans()


def amount_question(product: ProductView) -> View:
    text = _("loans.ask.amount").format(
        product=html(product_name(product)),
        minimum=money(product.min_amount),
        maximum=money(product.max_amount),
    )
    return text, inline([nav_row()])


def tenor_question(product: ProductView, amount: int) -> View:
    text = _("loans.ask.tenor").format(
        amount=money(amount), shortest=product.min_tenor, longest=product.max_tenor
    )
    picks = [
        button(_("loans.tenor_button").format(months=months), TenorPick(months=months).pack())
        for months in range(product.min_tenor, product.max_tenor + 1)
    ]
    rows = [
        picks[i : i + TENOR_BUTTONS_PER_ROW] for i in range(0, len(picks), TENOR_BUTTONS_PER_ROW)
    ]
    return text, inline([*rows, nav_row()])


def purpose_question() -> View:
    text = _("loans.ask.purpose").format(min=PURPOSE_LENGTH[0], max=PURPOSE_LENGTH[1])
    return text, inline([nav_row()])


def business_type_question() -> View:
    text = _("loans.ask.business_type").format(
        min=BUSINESS_TYPE_LENGTH[0], max=BUSINESS_TYPE_LENGTH[1]
    )
    return text, inline([nav_row()])


def collateral_question(*, required: bool) -> View:
    bounds = {"min": COLLATERAL_LENGTH[0], "max": COLLATERAL_LENGTH[1]}
    if required:
        return _("loans.ask.collateral_required").format(**bounds), inline([nav_row()])
    skip = button(_("loans.button.no_collateral"), FormAction(action="skip").pack())
    return _("loans.ask.collateral_optional").format(**bounds), inline([[skip], nav_row()])


def collateral_photo_question() -> View:
    skip = button(_("loans.button.no_photo"), FormAction(action="skip").pack())
    return _("loans.ask.collateral_photo"), inline([[skip], nav_row()])


def use_buttons() -> str:
    return _("loans.use_buttons")


# ------------------------------------------------------------------------- the preview


def preview(
    view: LoanPreview,
    *,
    purpose: str,
    business_type: str | None,
    collateral: str | None,
    has_photo: bool,
    nonce: str,
) -> View:
    """Everything the borrower commits to, then the schedule (or where to find it)."""
    cost = view.cost
    terms = view.terms
    lines = [
        _("loans.preview").format(
            product=html(terms.product_name(current_locale())),
            kind=kind_label(terms.kind),
            method=method_label(terms.method),
            rate=rate_label(terms.rate_percent, terms.rate_period),
            amount=money(view.amount),
            tenor=view.tenor_months,
            installment=money(view.installment),
            total_interest=money(cost.total_interest),
            admin_fee=money(cost.admin_fee),
            total_to_repay=money(cost.total_to_repay),
            net_disbursement=money(cost.net_disbursement),
            first_due_date=date(view.first_due_date),
            daily_percent=percent(cost.daily_percent),
            cap_percent=percent(cost.cap_percent),
            days=cost.days,
        ),
        answers_text(purpose, business_type, collateral),
    ]
    if has_photo:
        lines.append(_("loans.preview.photo_attached"))
    if fits_in_text(view.installments):
        lines.append(_("loans.schedule.title"))
        lines.append(schedule_text(view.installments))
    else:
        lines.append(_("loans.preview.schedule_in_image"))
    lines.append(_("loans.preview.dates_note"))
    return "\n\n".join(lines), inline(
        [
            [button(_("loans.button.confirm"), LoanConfirm(nonce=nonce).pack())],
            [
                button(_("loans.button.edit"), FormAction(action="edit").pack()),
                *nav_row(back=False),
            ],
        ]
    )


def answers_text(purpose: str, business_type: str | None, collateral: str | None) -> str:
    """The borrower's own words, escaped: purpose, business (productive loans), collateral."""
    lines = [
        _("loans.preview.answers").format(
            purpose=html(purpose),
            collateral=html(collateral) if collateral else _("loans.preview.no_collateral"),
        )
    ]
    if business_type:
        lines.append(_("loans.preview.business_type").format(business_type=html(business_type)))
    return "\n".join(lines)


def preview_image_caption(view: LoanPreview) -> str:
    return _("loans.preview.image_caption").format(
        amount=money(view.amount), tenor=view.tenor_months
    )


def edit_menu(kind: LoanKind) -> View:
    fields = [f for f in EDITABLE if f != "business_type" or kind is LoanKind.PRODUCTIVE]
    rows = [
        [button(_(EDIT_BUTTON_KEYS[f]), FormAction(action="field", field=f).pack())] for f in fields
    ]
    back = button(_("loans.button.back_to_preview"), FormAction(action="preview").pack())
    return _("loans.edit.ask"), inline([*rows, [back]])


def submitted(detail: LoanDetail) -> View:
    loan = detail.loan
    text = _("loans.submitted").format(
        reference=loan.reference,
        amount=money(loan.amount),
        tenor=loan.tenor_months,
        status=status_label(loan.status),
    )
    open_it = button(_("loans.button.open"), LoanOpen(loan_id=loan.id).pack())
    return text, inline([[open_it], [mine_button()]])


def cancelled() -> View:
    return _("loans.apply.cancelled"), back_to_loans()
