"""The loan list for financiers: ``/market`` and the main menu's button open it; sorting,
filters, pages and a loan's page then edit that same message.

Every handler asks the service, which re-authorises: the member id comes from the update's
actor, never from callback data, and a member who is not a verified financier is told the
service's reason. The list keeps no FSM state: each button carries the listing it belongs
to. Data with this flow's prefix that no handler accepts (forged, or from an old version of
a button) gets a polite refusal instead of silence.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from backend.domain.loans import LoanNotFound, LoanUnavailable
from backend.services import Database
from backend.services.dto import Actor
from backend.services.loan_market import (
    MarketPage,
    MarketQuery,
    OpenLoanDetail,
    get_open_loan,
    list_open_loans,
)
from conversations.loans.schedule_views import schedule_png
from conversations.market import views
from conversations.market.callbacks import (
    ALL_PRODUCTS,
    PREFIXES,
    MarketList,
    MarketLoan,
    MarketMenu,
    MarketNarrative,
    MarketProducts,
    MarketSchedule,
)
from conversations.ui.chat import message_of, show
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text

routes = FlowRoutes("market")


async def financier_id_or_refuse(message: Message, actor: Actor) -> int | None:
    """The member's id; someone who never registered is told how to."""
    if actor.member is None:
        await message.answer(error_text(LoanUnavailable(code="error.loan_market.not_member")))
        return None
    return actor.member.id


async def load_page(
    message: Message, actor: Actor, db: Database, query: MarketQuery
) -> MarketPage | None:
    """The listing, or None after telling the member why they may not see it."""
    financier_id = await financier_id_or_refuse(message, actor)
    if financier_id is None:
        return None
    try:
        return await list_open_loans(db, financier_id=financier_id, query=query)
    except LoanUnavailable as error:
        await message.answer(error_text(error))
        return None


async def load_loan(
    query: CallbackQuery, actor: Actor, db: Database, loan_id: int, listing: MarketList | None
) -> OpenLoanDetail | None:
    """A loan open for funding, or None after saying why not (gone, or not for them)."""
    message = message_of(query)
    financier_id = await financier_id_or_refuse(message, actor)
    if financier_id is None:
        return None
    try:
        return await get_open_loan(db, financier_id=financier_id, loan_id=loan_id)
    except LoanUnavailable as error:
        await message.answer(error_text(error))
    except LoanNotFound as error:  # funded, withdrawn or expired since the list was shown
        back = views.back_to_list(listing) if listing is not None else None
        await show(message, error_text(error), back, edit=listing is not None)
    return None


def is_current_product(page: MarketPage, product_id: int) -> bool:
    return product_id == ALL_PRODUCTS or any(p.id == product_id for p in page.products)


# The way in ------------------------------------------------------------------------------


@routes.message(Command("market"))
async def market_command(message: Message, actor: Actor, db: Database) -> None:
    page = await load_page(message, actor, db, MarketQuery())
    if page is not None:
        await show(message, *views.loan_list(page), edit=False)


@routes.callback_query(MarketMenu.filter())
async def open_from_menu(query: CallbackQuery, actor: Actor, db: Database) -> None:
    await query.answer()
    message = message_of(query)
    page = await load_page(message, actor, db, MarketQuery())
    if page is not None:
        await show(message, *views.loan_list(page), edit=False)


# The list --------------------------------------------------------------------------------


@routes.callback_query(MarketList.filter())
async def change_listing(
    query: CallbackQuery, callback_data: MarketList, actor: Actor, db: Database
) -> None:
    """Sort, filter, turn a page or come back from a loan: the same message, redrawn."""
    message = message_of(query)
    page = await load_page(message, actor, db, callback_data.to_query())
    if page is None:
        await query.answer()
        return
    if not is_current_product(page, callback_data.product_id):  # switched off, or forged
        await query.answer(views.invalid_button(), show_alert=True)
        return
    await query.answer()
    await show(message, *views.loan_list(page), edit=True)


@routes.callback_query(MarketProducts.filter())
async def choose_product(
    query: CallbackQuery, callback_data: MarketProducts, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    listing = callback_data.listing()
    page = await load_page(message, actor, db, listing.to_query())
    if page is not None:
        await show(message, *views.product_choice(page, listing), edit=True)


# A loan ----------------------------------------------------------------------------------


@routes.callback_query(MarketLoan.filter())
async def open_loan(
    query: CallbackQuery, callback_data: MarketLoan, actor: Actor, db: Database
) -> None:
    await query.answer()
    listing = callback_data.listing()
    detail = await load_loan(query, actor, db, callback_data.loan_id, listing)
    if detail is not None:
        await show(message_of(query), *views.loan_page(detail, listing), edit=True)


@routes.callback_query(MarketSchedule.filter())
async def send_schedule_image(
    query: CallbackQuery, callback_data: MarketSchedule, actor: Actor, db: Database
) -> None:
    """A schedule too long for the page arrives as an image (a new message: a photo
    cannot take a text message's place)."""
    await query.answer()
    detail = await load_loan(query, actor, db, callback_data.loan_id, None)
    if detail is None:
        return
    png = await schedule_png(views.schedule_title(detail), detail.installments)
    await message_of(query).answer_photo(
        BufferedInputFile(png, filename=f"{detail.loan.reference}.png"),
        caption=views.schedule_caption(detail),
    )


@routes.callback_query(MarketNarrative.filter())
async def send_whole_narrative(
    query: CallbackQuery, callback_data: MarketNarrative, actor: Actor, db: Database
) -> None:
    await query.answer()
    detail = await load_loan(query, actor, db, callback_data.loan_id, None)
    if detail is not None:
        await message_of(query).answer(views.narrative_message(detail))


# Anything else ---------------------------------------------------------------------------


def is_ours(data: str) -> bool:
    return data.split(":", 1)[0] in PREFIXES


@routes.callback_query(F.data.func(is_ours))
async def refuse_unknown_button(query: CallbackQuery) -> None:
    """Data of this flow that no handler above accepted: tampered with, or out of date."""
    await query.answer(views.invalid_button(), show_alert=True)
