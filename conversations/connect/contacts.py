"""Acquaintances: contacts shared with Telegram's contact attachment (📎 → Kontak), one
after another until Selesai; removing one by sharing it again or typing its number.

Only the phone number is kept (``add_contact``). Whether a number belongs to a member is
never told: a count that grows when one contact is shared would reveal exactly that.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.domain.connect_rules import (
    ConnectConsentRequired,
    ConnectEntryLimitReached,
    ConnectEntryNotFound,
)
from backend.domain.errors import InvalidPhone, MemberDeactivated
from backend.services import Database
from backend.services.connect_profiles import add_contact, remove_contact
from backend.services.dto import Actor
from conversations.connect import views
from conversations.connect.callbacks import CONTACTS, ConnectMenu, StepAction
from conversations.connect.flow import (
    ask_consent,
    leave,
    load_profile,
    member_or_refuse,
    refuse_deactivated,
    routes,
    show_kind,
)
from conversations.connect.states import Connect
from conversations.ui.chat import message_of, utc_now
from conversations.ui.text import error_text


async def start_contact_step(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database, step: str
) -> None:
    await query.answer()
    message = message_of(query)
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    if not profile.consented:
        await ask_consent(message, state)
        return
    if step == "share":
        await state.set_state(Connect.contact)
        text, markup = views.contact_question()
    else:
        await state.set_state(Connect.contact_remove)
        text, markup = views.contact_removal_question()
    await message.answer(text, reply_markup=markup)


@routes.callback_query(ConnectMenu.filter(F.action == "share_contact"))
async def start_sharing(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await start_contact_step(query, state, actor, db, "share")


@routes.callback_query(ConnectMenu.filter(F.action == "remove_contact"))
async def start_removing(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await start_contact_step(query, state, actor, db, "remove")


@routes.message(Connect.contact, F.contact)
async def take_contact(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """Keep the contact's number; the step stays open for the next one."""
    member = await member_or_refuse(message, actor)
    if member is None or message.contact is None:
        return
    try:
        count = await add_contact(
            db, member_id=member.id, phone=message.contact.phone_number, now=utc_now()
        )
    except InvalidPhone as error:  # not an Indonesian mobile number, or the member's own
        await message.answer(error_text(error), reply_markup=views.done_keyboard())
        return
    except ConnectEntryLimitReached as error:
        await message.answer(error_text(error))
        await show_kind(message, state, actor, db, CONTACTS)
        return
    except ConnectConsentRequired:
        await ask_consent(message, state)
        return
    except MemberDeactivated as error:
        await refuse_deactivated(message, state, error)
        return
    text, markup = views.contact_saved(count)
    await message.answer(text, reply_markup=markup)


@routes.message(Connect.contact)
async def contact_expected(message: Message) -> None:
    """Text (or a photo…) while contacts are expected: how to share one."""
    await message.answer(views.contact_expected(), reply_markup=views.done_keyboard())


@routes.callback_query(StepAction.filter(F.action == "done"), Connect.contact)
async def done_sharing(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await show_kind(message_of(query), state, actor, db, CONTACTS)


@routes.message(Connect.contact_remove, F.contact | F.text)
async def take_contact_to_remove(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    member = await member_or_refuse(message, actor)
    if member is None:
        return
    phone = message.contact.phone_number if message.contact else (message.text or "")
    try:
        count = await remove_contact(db, member_id=member.id, phone=phone)
    except (InvalidPhone, ConnectEntryNotFound) as error:
        await message.answer(error_text(error))
        text, markup = views.contact_removal_question()
        await message.answer(text, reply_markup=markup)
        return
    await leave(state)
    text, markup = views.contact_removed(count)
    await message.answer(text, reply_markup=markup)


@routes.message(Connect.contact_remove)
async def contact_or_number_expected(message: Message) -> None:
    text, markup = views.contact_removal_question()
    await message.answer(text, reply_markup=markup)
