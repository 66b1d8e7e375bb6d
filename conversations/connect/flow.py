"""What every /connect handler shares: the routes, who the member is, leaving a step, and
the way in: ``/connect`` (on ``entry_routes``, included before every other flow so that
typing it in the middle of any step is the command), consent, the summary, withdrawal.

Nothing is stored before the member presses Setuju: the consent question is answered by
the services (``give_consent``), and every change re-checks consent there. The member id
always comes from the update's actor, never from callback data.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.domain.connect_names import EntryKind
from backend.domain.errors import MemberDeactivated, MemberNotFound
from backend.services import Database
from backend.services.connect_dto import ConnectProfile
from backend.services.connect_profiles import (
    connect_profile,
    give_consent,
    withdraw_consent,
)
from backend.services.dto import Actor, MemberView
from conversations.connect import views
from conversations.connect.callbacks import CONTACTS, ConnectMenu, KindOpen
from conversations.connect.states import FORM_KEYS, Connect
from conversations.ui.chat import message_of, utc_now
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text

entry_routes = FlowRoutes("connect_entry")
routes = FlowRoutes("connect")

KINDS = frozenset({*(kind.value for kind in EntryKind), CONTACTS})


async def leave(state: FSMContext) -> None:
    """End any /connect step; what other flows keep in the FSM stays."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({key: value for key, value in data.items() if key not in FORM_KEYS})


async def leave_if_in_connect(state: FSMContext) -> None:
    if await state.get_state() in Connect:
        await leave(state)


async def member_or_refuse(message: Message, actor: Actor) -> MemberView | None:
    """The member; someone who never registered is told how to."""
    if actor.member is None:
        await message.answer(error_text(MemberNotFound()))
        return None
    return actor.member


async def refuse_deactivated(message: Message, state: FSMContext, error: MemberDeactivated) -> None:
    await leave_if_in_connect(state)
    await message.answer(error_text(error))


async def load_profile(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> ConnectProfile | None:
    """The member's own profile, or None after explaining why there is none to show."""
    member = await member_or_refuse(message, actor)
    if member is None:
        await leave_if_in_connect(state)
        return None
    return await connect_profile(db, member_id=member.id)


async def show_start(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """The consent question without consent, the summary with it; ends any step."""
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    text, markup = views.summary(profile) if profile.consented else views.consent_question()
    await message.answer(text, reply_markup=markup)


async def ask_consent(message: Message, state: FSMContext) -> None:
    """The member has no consent now (never gave it, or withdrew it meanwhile)."""
    await leave_if_in_connect(state)
    text, markup = views.consent_question()
    await message.answer(text, reply_markup=markup)


@entry_routes.message(Command("connect"))
async def connect_command(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    await show_start(message, state, actor, db)


@routes.callback_query(ConnectMenu.filter(F.action == "home"))
async def open_home(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await show_start(message_of(query), state, actor, db)


# Consent ---------------------------------------------------------------------------------


@routes.callback_query(ConnectMenu.filter(F.action == "consent_yes"))
async def agree(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    """Consent is recorded (once, however often the button is pressed); then the summary."""
    await query.answer()
    message = message_of(query)
    member = await member_or_refuse(message, actor)
    if member is None:
        return
    try:
        profile = await give_consent(db, member_id=member.id, now=utc_now())
    except MemberDeactivated as error:
        await refuse_deactivated(message, state, error)
        return
    await leave(state)
    text, markup = views.summary(profile)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(ConnectMenu.filter(F.action == "consent_no"))
async def decline(query: CallbackQuery, state: FSMContext) -> None:
    """Declining stores nothing (and needs no service: there is nothing to record)."""
    await query.answer()
    await leave_if_in_connect(state)
    text, markup = views.declined()
    await message_of(query).answer(text, reply_markup=markup)


# Withdrawing consent ---------------------------------------------------------------------


@routes.callback_query(ConnectMenu.filter(F.action == "withdraw"))
async def ask_to_withdraw(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    """Asked once more, saying what will be deleted for good."""
    await query.answer()
    message = message_of(query)
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    if not profile.consented:
        await ask_consent(message, state)
        return
    text, markup = views.withdraw_question(profile)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(ConnectMenu.filter(F.action == "withdraw_do"))
async def withdraw(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    """Consent withdrawn and every entry and contact deleted, in one transaction."""
    await query.answer()
    message = message_of(query)
    member = await member_or_refuse(message, actor)
    if member is None:
        return
    result = await withdraw_consent(db, member_id=member.id, now=utc_now())
    await leave(state)
    text, markup = views.withdrawn(result)
    await message.answer(text, reply_markup=markup)


# One kind --------------------------------------------------------------------------------


async def show_kind(
    message: Message, state: FSMContext, actor: Actor, db: Database, kind: str
) -> None:
    """The page of one kind (its entries, Add), or of the contacts; ends any step."""
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    if not profile.consented:
        await ask_consent(message, state)
        return
    if kind == CONTACTS:
        text, markup = views.contacts_page(profile)
    else:
        text, markup = views.kind_page(profile, EntryKind(kind))
    await message.answer(text, reply_markup=markup)


@routes.callback_query(KindOpen.filter(F.kind.in_(KINDS)))
async def open_kind(
    query: CallbackQuery, callback_data: KindOpen, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await show_kind(message_of(query), state, actor, db, callback_data.kind)
