""" "My loans": the list with statuses, a loan's page with its terms and schedule, and
withdrawing an application (asked once more) while the lifecycle allows it."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from backend.domain.loan_lifecycle import InvalidLoanTransition, LoanEvent
from backend.domain.loans import LoanNotFound
from backend.services import Database
from backend.services.dto import Actor
from backend.services.loan_applications import get_my_loan, list_my_loans, withdraw_loan
from conversations.loans import mine_views, views
from conversations.loans.callbacks import LoanMenu, LoanOpen, LoansPage, LoanWithdraw
from conversations.loans.flow import leave_if_in_form, member_id_or_refuse, routes
from conversations.loans.schedule_views import fits_in_text, schedule_png
from conversations.ui.chat import message_of, show, timezone_of, utc_now
from conversations.ui.text import error_text


async def send_list(message: Message, actor: Actor, db: Database, page: int, *, edit: bool) -> None:
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    loans = await list_my_loans(db, member_id=member_id, page=page)
    text, markup = mine_views.loan_list(loans, timezone_of(actor))
    await show(message, text, markup, edit=edit)


@routes.callback_query(LoanMenu.filter(F.action == "mine"))
async def open_list(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await leave_if_in_form(state)
    await send_list(message_of(query), actor, db, 0, edit=False)


@routes.callback_query(LoansPage.filter())
async def turn_page(
    query: CallbackQuery, callback_data: LoansPage, actor: Actor, db: Database
) -> None:
    await query.answer()
    await send_list(message_of(query), actor, db, callback_data.page, edit=True)


@routes.callback_query(LoanOpen.filter())
async def open_loan(
    query: CallbackQuery, callback_data: LoanOpen, actor: Actor, db: Database
) -> None:
    """The loan's page; a schedule too long for a message comes first as an image."""
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    try:
        detail = await get_my_loan(db, member_id=member_id, loan_id=callback_data.loan_id)
    except LoanNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_loans())
        return
    if not fits_in_text(detail.installments):
        title = _("loans.schedule.image_title").format(reference=detail.loan.reference)
        png = await schedule_png(title, detail.installments)
        await message.answer_photo(
            BufferedInputFile(png, filename=f"{detail.loan.reference}.png"),
            caption=mine_views.schedule_caption(detail),
        )
    text, markup = mine_views.loan_page(detail, timezone_of(actor))
    await message.answer(text, reply_markup=markup)


@routes.callback_query(LoanWithdraw.filter(F.action == "ask"))
async def ask_to_withdraw(
    query: CallbackQuery, callback_data: LoanWithdraw, actor: Actor, db: Database
) -> None:
    """Withdrawing is asked once more: it cannot be undone."""
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    try:
        detail = await get_my_loan(db, member_id=member_id, loan_id=callback_data.loan_id)
    except LoanNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_loans())
        return
    if LoanEvent.WITHDRAW not in detail.events:  # moved on since the button was shown
        text, markup = mine_views.cannot_withdraw(detail)
    else:
        text, markup = mine_views.withdraw_question(detail)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(LoanWithdraw.filter(F.action == "do"))
async def withdraw(
    query: CallbackQuery, callback_data: LoanWithdraw, actor: Actor, db: Database
) -> None:
    """Withdraw the application; a second tap is a replay (the service says so)."""
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    loan_id = callback_data.loan_id
    try:
        detail = await withdraw_loan(db, member_id=member_id, loan_id=loan_id, now=utc_now())
    except InvalidLoanTransition:
        detail = await get_my_loan(db, member_id=member_id, loan_id=loan_id)
        text, markup = mine_views.cannot_withdraw(detail)
    except LoanNotFound as error:
        text, markup = error_text(error), views.back_to_loans()
    else:
        text, markup = mine_views.withdrawn(detail)
    await message.answer(text, reply_markup=markup)
