"""Texts and keyboards of the loan list: views in, (text, keyboard) out; every word from
the catalogs.

A card shows only what the service hands over for financiers (first name, branch, the
loan's terms, the connection score and its reasons as categories); member-typed text
(purpose, business type, narrative, names) is escaped before it goes into HTML.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from html import unescape

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from backend.domain.connect_score import MAX_SCORE, ConnectionScore, Evidence
from backend.services.loan_dto import ProductView
from backend.services.loan_market import MarketPage, MarketSort, OpenLoanDetail, OpenLoanView
from conversations.loans.schedule_views import fits_in_text, schedule_text
from conversations.market.callbacks import (
    ALL_PRODUCTS,
    MarketList,
    MarketLoan,
    MarketNarrative,
    MarketProducts,
    MarketSchedule,
)
from conversations.ui.callbacks import MenuAction
from conversations.ui.keyboards import button, inline
from conversations.ui.text import current_locale, date, html, money

View = tuple[str, InlineKeyboardMarkup]

TEXT_LIMIT = 4096
"""Telegram's limit for a message's text, in UTF-16 code units once HTML is parsed."""

MIN_SCORE_CHOICES = (0, 3, 5, 8)
"""The minimum-score filter's buttons: any, some, clear, strong connection."""

SORT_KEYS = {
    MarketSort.SCORE: "market.sort.score",
    MarketSort.NEWEST: "market.sort.newest",
    MarketSort.AMOUNT: "market.sort.amount",
}
REASON_KEYS: Mapping[Evidence, str] = {
    Evidence.SAME_CURRENT_WORKPLACE: "market.reason.same_current_workplace",
    Evidence.SAME_WORKPLACE: "market.reason.same_workplace",
    Evidence.CLASSMATES: "market.reason.classmates",
    Evidence.SAME_SCHOOL: "market.reason.same_school",
    Evidence.SAME_KELURAHAN: "market.reason.same_kelurahan",
    Evidence.SAME_KECAMATAN: "market.reason.same_kecamatan",
    Evidence.SAME_CITY: "market.reason.same_city",
    Evidence.SAME_HOMETOWN: "market.reason.same_hometown",
    Evidence.SHARED_COMMUNITY: "market.reason.shared_community",
    Evidence.SHARED_EVENT: "market.reason.shared_event",
    Evidence.KNOW_EACH_OTHER: "market.reason.know_each_other",
    Evidence.ONE_KNOWS_THE_OTHER: "market.reason.one_knows_the_other",
    Evidence.REFERRAL: "market.reason.referral",
    Evidence.REPAID_LOAN: "market.reason.repaid_loan",
    Evidence.SAME_BRANCH: "market.reason.same_branch",
}
"""A short label per reason, for a card's score line (the long sentences of
``connect.reason.*`` are for staff's explanation page)."""

SELECTED = "✓ "


# ------------------------------------------------------------------------- small helpers


def visible_length(text: str) -> int:
    """How long Telegram counts ``text``: tags removed, entities decoded, UTF-16 units."""
    return len(unescape(re.sub(r"<[^>]+>", "", text)).encode("utf-16-le")) // 2


def marked(label: str, selected: bool) -> str:
    return SELECTED + label if selected else label


def score_line(score: ConnectionScore) -> str:
    """``🤝 Kedekatan 9/9 · rekan kerja, satu cabang``: strongest reason first."""
    reasons = ", ".join(_(REASON_KEYS[reason]) for reason in score.reasons)
    return _("market.card.score").format(
        score=score.value, maximum=MAX_SCORE, reasons=reasons or _("market.reason.none")
    )


def card(loan: OpenLoanView, title: str) -> str:
    """A loan as every financier may see it, under ``title``."""
    lines = [
        title,
        _("market.card.terms").format(amount=money(loan.amount), tenor=loan.tenor_months),
        _("market.card.funding").format(
            funded=money(loan.funded), amount=money(loan.amount), remaining=money(loan.remaining)
        ),
        _("market.card.purpose").format(purpose=html(loan.purpose)),
    ]
    if loan.business_type:
        lines.append(_("market.card.business").format(business_type=html(loan.business_type)))
    lines.append(
        _("market.card.borrower").format(
            first_name=html(loan.borrower_first_name), branch=html(loan.branch_name)
        )
    )
    lines.append(score_line(loan.score))
    return "\n".join(lines)


def product_label(product_id: int | None, products: tuple[ProductView, ...]) -> str:
    for product in products:
        if product.id == product_id:
            return product.name(current_locale())
    return _("market.product.all")


def menu_button() -> InlineKeyboardButton:
    return button(_("menu.button.back_to_menu"), MenuAction(action="menu").pack())


def back_to_list(listing: MarketList) -> InlineKeyboardMarkup:
    return inline([[button(_("market.button.back_to_list"), listing.pack())], [menu_button()]])


# ------------------------------------------------------------------------- the list


def loan_list(page: MarketPage) -> View:
    """Up to a page of cards, then: open each, sort, minimum score, product, pages."""
    # The page shown, which is the last one when a later page was asked for.
    query = dataclasses.replace(page.query, page=page.page)
    listing = MarketList.of(query)
    title = _("market.title").format(total=page.total)
    if page.pages > 1:
        title += " · " + _("nav.page_of").format(page=page.page, pages=page.pages)
    filters = _("market.filters").format(
        sort=_(SORT_KEYS[query.sort]),
        min_score=query.min_score,
        product=html(product_label(query.product_id, page.products)),
    )
    blocks = [title + "\n" + filters]
    rows: list[list[InlineKeyboardButton]] = []
    for number, loan in enumerate(page.loans, start=1):  # a number names a button below
        heading = _("market.card.title").format(
            number=number,
            product=html(loan.product_name(current_locale())),
            reference=loan.reference,
        )
        blocks.append(card(loan, heading))
        label = _("market.button.open").format(
            number=number, first_name=loan.borrower_first_name, amount=money(loan.amount)
        )
        opening = MarketLoan(loan_id=loan.id, **listing.model_dump())
        rows.append([button(label, opening.pack())])
    if not page.loans:
        blocks.append(_("market.empty"))
    rows.append(
        [
            button(
                marked(_(key), sort is query.sort),
                MarketList.of(query, sort=sort, page=1).pack(),
            )
            for sort, key in SORT_KEYS.items()
        ]
    )
    rows.append(
        [
            button(
                marked(min_score_label(score), score == query.min_score),
                MarketList.of(query, min_score=score, page=1).pack(),
            )
            for score in MIN_SCORE_CHOICES
        ]
    )
    products = MarketProducts(**listing.model_dump())
    rows.append(
        [
            button(
                _("market.button.products").format(
                    product=product_label(query.product_id, page.products)
                ),
                products.pack(),
            )
        ]
    )
    turn = []
    if page.page > 1:
        turn.append(button(_("nav.previous_page"), MarketList.of(query, page=page.page - 1).pack()))
    if page.page < page.pages:
        turn.append(button(_("nav.next_page"), MarketList.of(query, page=page.page + 1).pack()))
    if turn:
        rows.append(turn)
    rows.append([menu_button()])
    return "\n\n".join(blocks), inline(rows)


def min_score_label(score: int) -> str:
    if score == 0:
        return _("market.button.any_score")
    return _("market.button.min_score").format(score=score)


def product_choice(page: MarketPage, listing: MarketList) -> View:
    """The product filter: every product, or one of the active ones."""
    current = listing.product_id
    rows = [
        [
            button(
                marked(_("market.product.all_button"), current == ALL_PRODUCTS),
                listing.model_copy(update={"product_id": ALL_PRODUCTS, "page": 1}).pack(),
            )
        ]
    ]
    language = current_locale()
    rows += [
        [
            button(
                marked(product.name(language), product.id == current),
                listing.model_copy(update={"product_id": product.id, "page": 1}).pack(),
            )
        ]
        for product in page.products
    ]
    rows.append([button(_("market.button.back_to_list"), listing.pack())])
    return _("market.products.ask"), inline(rows)


# ------------------------------------------------------------------------- a loan's page


def loan_page(detail: OpenLoanDetail, listing: MarketList) -> View:
    """The card, the credit officer's narrative and the schedule, with a way back.

    A page too long for one message (a long narrative) shows the schedule as an image
    on request instead; a narrative that still does not fit is cut here and offered
    whole as its own message.
    """
    loan = detail.loan
    title = _("market.detail.title").format(
        product=html(loan.product_name(current_locale())), reference=loan.reference
    )
    head = card(loan, title)
    installment = _("market.detail.installment").format(
        installment=money(detail.installment), periods=len(detail.installments)
    )
    narrative = html(detail.narrative)
    schedule = _("loans.schedule.title") + "\n" + schedule_text(detail.installments)
    as_image = _("market.detail.schedule_as_image")
    schedule_in_text = fits_in_text(detail.installments)
    text = _page_text(head, narrative, installment, schedule if schedule_in_text else as_image)
    if schedule_in_text and visible_length(text) > TEXT_LIMIT:
        schedule_in_text = False
        text = _page_text(head, narrative, installment, as_image)
    narrative_cut = visible_length(text) > TEXT_LIMIT
    if narrative_cut:
        room = TEXT_LIMIT - visible_length(_page_text(head, "", installment, as_image)) - 80
        shortened = detail.narrative[: max(room, 0)].rstrip() + "…"
        text = _page_text(
            head, html(shortened) + "\n" + _("market.detail.narrative_cut"), installment, as_image
        )
    rows = []
    if narrative_cut:
        whole = MarketNarrative(loan_id=loan.id)
        rows.append([button(_("market.button.narrative"), whole.pack())])
    if not schedule_in_text:
        image = MarketSchedule(loan_id=loan.id)
        rows.append([button(_("market.button.schedule_image"), image.pack())])
    rows.append([button(_("market.button.back_to_list"), listing.pack())])
    rows.append([menu_button()])
    return text, inline(rows)


def _page_text(head: str, narrative: str, installment: str, schedule: str) -> str:
    return "\n\n".join(
        [head, _("market.detail.narrative").format(narrative=narrative), installment, schedule]
    )


def narrative_message(detail: OpenLoanDetail) -> str:
    """The credit officer's whole narrative (at most 4,000 characters) as its own message."""
    return _("market.detail.narrative_whole").format(
        reference=detail.loan.reference, narrative=html(detail.narrative)
    )


def schedule_title(detail: OpenLoanDetail) -> str:
    return f"{detail.loan.reference} · {detail.loan.product_name(current_locale())}"


def invalid_button() -> str:
    return _("market.button_invalid")


def schedule_caption(detail: OpenLoanDetail) -> str:
    return _("loans.detail.image_caption").format(
        reference=detail.loan.reference, first_due_date=date(detail.installments[0].due_date)
    )
