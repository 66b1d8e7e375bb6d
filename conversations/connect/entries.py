"""An entry's way in and out: Add (a kind, and for places and schools a level, by button),
an entry's page, Change (the same steps as adding, kind and level kept) and Remove.
The steps themselves are in ``entry_steps``.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_rules import (
    ENTRY_LIMITS,
    ConnectEntryLimitReached,
    ConnectEntryNotFound,
)
from backend.services import Database
from backend.services.connect_dto import EntryView
from backend.services.connect_profiles import connect_profile, remove_entry
from backend.services.dto import Actor
from conversations.connect import views
from conversations.connect.callbacks import EntryAction, EntryOpen, KindAdd, LevelPick
from conversations.connect.entry_steps import ask_name
from conversations.connect.flow import ask_consent, leave, load_profile, routes
from conversations.connect.parse import SCHOOL_LEVELS
from conversations.connect.states import ENTRY_ID, KIND, LEVEL
from conversations.ui.chat import message_of
from conversations.ui.text import error_text

ENTRY_KINDS = frozenset(kind.value for kind in EntryKind)
LEVELLED = {
    EntryKind.PLACE.value: frozenset(level.value for level in PlaceLevel),
    EntryKind.SCHOOL.value: frozenset(SCHOOL_LEVELS),
}


def find_entry(entries: tuple[EntryView, ...], entry_id: int) -> EntryView:
    """The member's own entry with this id (ids from buttons are never trusted)."""
    for entry in entries:
        if entry.id == entry_id:
            return entry
    raise ConnectEntryNotFound(code="error.connect.entry_not_found")


# Starting: add, pick a level, edit -------------------------------------------------------


@routes.callback_query(KindAdd.filter(F.kind.in_(ENTRY_KINDS)))
async def start_adding(
    query: CallbackQuery, callback_data: KindAdd, state: FSMContext, actor: Actor, db: Database
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
    kind = EntryKind(callback_data.kind)
    if len(profile.entries_of(kind)) >= ENTRY_LIMITS[kind]:  # an Add button of an old page
        error = ConnectEntryLimitReached(code="error.connect.limit", max=ENTRY_LIMITS[kind])
        await message.answer(error_text(error))
        text, markup = views.kind_page(profile, kind)
        await message.answer(text, reply_markup=markup)
        return
    await state.update_data({KIND: kind.value})
    if kind.value in LEVELLED:
        text, markup = views.level_question(kind)
        await message.answer(text, reply_markup=markup)
        return
    await ask_name(message, state, actor)


@routes.callback_query(LevelPick.filter(F.kind.in_(LEVELLED)))
async def pick_level(
    query: CallbackQuery, callback_data: LevelPick, state: FSMContext, actor: Actor
) -> None:
    if callback_data.level not in LEVELLED[callback_data.kind]:
        await query.answer(views.stale_button(), show_alert=True)
        return
    await query.answer()
    await leave(state)
    await state.update_data({KIND: callback_data.kind, LEVEL: callback_data.level})
    await ask_name(message_of(query), state, actor)


@routes.callback_query(EntryOpen.filter())
async def open_entry(
    query: CallbackQuery, callback_data: EntryOpen, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    try:
        entry = find_entry(profile.entries, callback_data.entry_id)
    except ConnectEntryNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_summary())
        return
    text, markup = views.entry_page(entry)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(EntryAction.filter(F.action == "edit"))
async def start_editing(
    query: CallbackQuery,
    callback_data: EntryAction,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """Change an entry: the same steps as adding it, its kind and level kept."""
    await query.answer()
    message = message_of(query)
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    if not profile.consented:
        await ask_consent(message, state)
        return
    try:
        entry = find_entry(profile.entries, callback_data.entry_id)
    except ConnectEntryNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_summary())
        return
    level = entry.place_level.value if entry.place_level else None
    await state.update_data({KIND: entry.kind.value, ENTRY_ID: entry.id, LEVEL: level})
    await ask_name(message, state, actor, current_name=entry.name)


@routes.callback_query(EntryAction.filter(F.action == "remove"))
async def remove(
    query: CallbackQuery,
    callback_data: EntryAction,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """Delete the entry for good (the service checks it is the member's own)."""
    await query.answer()
    message = message_of(query)
    profile = await load_profile(message, state, actor, db)
    if profile is None:
        return
    await leave(state)
    try:
        entry = find_entry(profile.entries, callback_data.entry_id)
        await remove_entry(db, member_id=profile.member_id, entry_id=entry.id)
    except ConnectEntryNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_summary())
        return
    text, markup = views.removed(entry, await connect_profile(db, member_id=profile.member_id))
    await message.answer(text, reply_markup=markup)
