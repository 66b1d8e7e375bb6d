"""The /connect flow: the way in, consent, summary and withdrawal (``flow``), entries
(``entries``), contacts (``contacts``), and Back / Cancel on every step. Importing the
modules registers their handlers on the same ``routes``."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from backend.domain.connect_names import EntryKind
from backend.services import Database
from backend.services.dto import Actor
from conversations.connect import contacts, entries, entry_steps, views
from conversations.connect.callbacks import CONTACTS
from conversations.connect.flow import entry_routes, leave, routes, show_kind
from conversations.connect.states import IN_CONNECT, KIND, Connect
from conversations.ui.callbacks import Nav
from conversations.ui.chat import message_of

__all__ = ["contacts", "entries", "entry_routes", "entry_steps", "routes"]


@routes.callback_query(Nav.filter(F.action == "back"), IN_CONNECT)
async def go_back(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    """One step back; from the first step, back to the kind's page."""
    await query.answer()
    message = message_of(query)
    current = await state.get_state()
    data = await state.get_data()
    if current in (Connect.area.state, Connect.workplace_current.state):
        await entry_steps.ask_name(message, state, actor)
    elif current == Connect.years.state and data.get(KIND) == EntryKind.WORKPLACE.value:
        await entry_steps.ask_workplace_current(message, state)
    elif current == Connect.years.state:
        await entry_steps.ask_name(message, state, actor)
    elif current in (Connect.contact.state, Connect.contact_remove.state):
        await show_kind(message, state, actor, db, CONTACTS)
    else:
        await show_kind(message, state, actor, db, str(data.get(KIND, CONTACTS)))


@routes.callback_query(Nav.filter(F.action == "cancel"), IN_CONNECT)
async def cancel_step(query: CallbackQuery, state: FSMContext) -> None:
    """Leave the steps; nothing was stored for the entry being typed."""
    await query.answer()
    await leave(state)
    text, markup = views.cancelled()
    await message_of(query).answer(text, reply_markup=markup)


@routes.callback_query(F.data.regexp(r"^cn(_[a-z]+)?:"))
async def refuse_stale_or_forged(query: CallbackQuery) -> None:
    """A /connect button no handler above took: its step is over (a Skip after the entry
    was stored), or its data was never sent by the bot (an unknown kind or level)."""
    await query.answer(views.stale_button(), show_alert=True)
