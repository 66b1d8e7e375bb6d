"""What every loans handler shares: the routes, who may borrow, leaving the form, and the
way in (``/loans`` and the loans home).

``/loans`` lives on its own ``entry_routes``, included before every other flow, so that
typing it in the middle of any step (a wallet amount, a loan purpose) is the command.
Every handler re-authorises through the services: the member id comes from the update's
actor, never from callback data.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.domain.loans import LoanUnavailable
from backend.services import Database
from backend.services.dto import Actor
from backend.services.loan_applications import check_may_borrow
from conversations.loans import views
from conversations.loans.callbacks import LoanMenu
from conversations.loans.states import ANSWER_KEYS, LoanForm
from conversations.ui.chat import message_of
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text

entry_routes = FlowRoutes("loans_entry")
routes = FlowRoutes("loans")


async def leave(state: FSMContext) -> None:
    """End the form: its answers go; what other flows keep (and the record of the last
    submission, ``DONE``) stays."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({key: value for key, value in data.items() if key not in ANSWER_KEYS})


async def leave_if_in_form(state: FSMContext) -> None:
    if await state.get_state() in LoanForm:
        await leave(state)


async def member_id_or_refuse(message: Message, actor: Actor) -> int | None:
    """The member's id; someone who never registered is told how to."""
    if actor.member is None:
        await message.answer(error_text(LoanUnavailable(code="error.loan.not_member")))
        return None
    return actor.member.id


async def borrower_id_or_refuse(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> int | None:
    """The member's id if they may apply for a loan now; otherwise why not, and the form
    (if any) ends."""
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return None
    try:
        await check_may_borrow(db, member_id=member_id)
    except LoanUnavailable as error:
        await leave_if_in_form(state)
        await message.answer(error_text(error))
        return None
    return member_id


async def show_home(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """Apply or look at my loans; ends any loans step."""
    if await borrower_id_or_refuse(message, state, actor, db) is None:
        return
    await leave(state)
    text, markup = views.home()
    await message.answer(text, reply_markup=markup)


@entry_routes.message(Command("loans"))
async def loans_command(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    await show_home(message, state, actor, db)


@routes.callback_query(LoanMenu.filter(F.action == "home"))
async def open_home(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await show_home(message_of(query), state, actor, db)
