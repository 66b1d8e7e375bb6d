"""The steps of an entry after its kind (and level) are chosen: the name typed, then what
the kind needs (a place's city, whether a workplace is current, years). Each answer is
checked at once with the domain's rules and re-asked with the service's own hint; the entry
is stored by one service call at the end (``save``).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_rules import (
    ConnectConsentRequired,
    ConnectEntryLimitReached,
    ConnectEntryNotFound,
    DuplicateConnectEntry,
    InvalidConnectEntry,
    validate_entry_name,
    validate_place_area,
)
from backend.domain.errors import MemberDeactivated, ValidationError
from backend.services import Database
from backend.services.connect_profiles import add_entry, connect_profile, edit_entry
from backend.services.dto import Actor
from conversations.connect import views
from conversations.connect.callbacks import StepAction, WorkPick
from conversations.connect.flow import (
    ask_consent,
    leave,
    member_or_refuse,
    refuse_deactivated,
    routes,
    show_kind,
    show_start,
)
from conversations.connect.parse import parse_year, parse_years, school_name
from conversations.connect.states import AREA, CURRENT, ENTRY_ID, KIND, LEVEL, NAME, Connect
from conversations.ui.chat import message_of, utc_now
from conversations.ui.text import error_text

PLACES_IN_A_CITY = (PlaceLevel.KELURAHAN, PlaceLevel.KECAMATAN)
# The year errors of the service are answered at the years step, the city's at the city step.
YEAR_CODES = frozenset({"error.connect.entry.year", "error.connect.entry.year_order"})
AREA_CODES = frozenset({"error.connect.entry.area_required"})


def place_level_of(data: dict[str, Any]) -> PlaceLevel | None:
    return (
        PlaceLevel(data[LEVEL]) if data.get(KIND) == EntryKind.PLACE and data.get(LEVEL) else None
    )


# Asking ----------------------------------------------------------------------------------


async def ask_name(
    message: Message, state: FSMContext, actor: Actor, current_name: str | None = None
) -> None:
    data = await state.get_data()
    await state.set_state(Connect.name)
    text, markup = views.name_question(
        EntryKind(data[KIND]),
        place_level=place_level_of(data),
        current_name=current_name,
        address=actor.member.address if actor.member else None,
    )
    await message.answer(text, reply_markup=markup)


async def ask_area(message: Message, state: FSMContext) -> None:
    await state.set_state(Connect.area)
    text, markup = views.area_question((await state.get_data())[NAME])
    await message.answer(text, reply_markup=markup)


async def ask_workplace_current(message: Message, state: FSMContext) -> None:
    await state.set_state(Connect.workplace_current)
    text, markup = views.workplace_current_question((await state.get_data())[NAME])
    await message.answer(text, reply_markup=markup)


async def ask_years(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    await state.set_state(Connect.years)
    text, markup = views.years_question(EntryKind(data[KIND]), current=bool(data.get(CURRENT)))
    await message.answer(text, reply_markup=markup)


# The name, the city, current or past, the years ------------------------------------------


def checked_name(typed: str, kind: EntryKind, level: str | None) -> str:
    """The name to store, checked now so a bad one is re-asked before any other step.

    Raises:
        InvalidConnectEntry: the domain's name errors.
    """
    name = validate_entry_name(typed, kind)
    if kind is EntryKind.SCHOOL:
        name = validate_entry_name(school_name(name, level), kind)
    return name


@routes.message(Connect.name, F.text)
async def take_name(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    data = await state.get_data()
    kind = EntryKind(data[KIND])
    try:
        name = checked_name(message.text or "", kind, data.get(LEVEL))
    except InvalidConnectEntry as error:
        await message.answer(error_text(error))
        await ask_name(message, state, actor)
        return
    await state.update_data({NAME: name})
    place_level = place_level_of(data)
    if place_level in PLACES_IN_A_CITY:
        await ask_area(message, state)
    elif kind is EntryKind.WORKPLACE:
        await ask_workplace_current(message, state)
    elif kind is EntryKind.SCHOOL:
        await ask_years(message, state)
    else:
        await save(message, state, actor, db)


@routes.message(Connect.area, F.text)
async def take_area(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    level = place_level_of(await state.get_data())
    if level is None:  # cannot happen: only a place's steps reach the city
        await show_start(message, state, actor, db)
        return
    try:
        area = validate_place_area(level, message.text or "")
    except InvalidConnectEntry as error:
        await message.answer(error_text(error))
        await ask_area(message, state)
        return
    await state.update_data({AREA: area})
    await save(message, state, actor, db)


@routes.callback_query(WorkPick.filter(), Connect.workplace_current)
async def pick_current(query: CallbackQuery, callback_data: WorkPick, state: FSMContext) -> None:
    await query.answer()
    await state.update_data({CURRENT: callback_data.current})
    await ask_years(message_of(query), state)


@routes.message(Connect.workplace_current)
async def current_with_buttons(message: Message, state: FSMContext) -> None:
    await message.answer(views.use_buttons())
    await ask_workplace_current(message, state)


@routes.message(Connect.years, F.text)
async def take_years(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    kind = EntryKind((await state.get_data())[KIND])
    try:
        if kind is EntryKind.SCHOOL:
            year, end_year = parse_year(message.text or ""), None
        else:
            year, end_year = parse_years(message.text or "")
    except InvalidConnectEntry as error:
        await message.answer(error_text(error))
        await ask_years(message, state)
        return
    await save(message, state, actor, db, year=year, end_year=end_year)


@routes.callback_query(StepAction.filter(F.action == "skip"), Connect.years)
async def skip_years(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await save(message_of(query), state, actor, db)


@routes.message(Connect.name)
@routes.message(Connect.area)
@routes.message(Connect.years)
async def not_text(message: Message, state: FSMContext, actor: Actor) -> None:
    """A photo, sticker or contact where a name or a year is expected."""
    await message.answer(error_text(ValidationError(code="error.expected_text")))
    current = await state.get_state()
    if current == Connect.area.state:
        await ask_area(message, state)
    elif current == Connect.years.state:
        await ask_years(message, state)
    else:
        await ask_name(message, state, actor)


# Storing ---------------------------------------------------------------------------------


async def save(
    message: Message,
    state: FSMContext,
    actor: Actor,
    db: Database,
    *,
    year: int | None = None,
    end_year: int | None = None,
) -> None:
    """Store the entry (new, or the one being changed) and show its kind's page.

    A refused answer is re-asked at its own step with the service's hint; a full kind, an
    entry removed meanwhile or consent withdrawn meanwhile end the steps.
    """
    member = await member_or_refuse(message, actor)
    if member is None:
        return
    data = await state.get_data()
    kind = EntryKind(data[KIND])
    fields: dict[str, Any] = {
        "name": data[NAME],
        "now": utc_now(),
        "place_level": place_level_of(data),
        "area": data.get(AREA),
        "current": bool(data.get(CURRENT)),
        "year": year,
        "end_year": end_year,
    }
    try:
        if data.get(ENTRY_ID) is None:
            entry = await add_entry(db, member_id=member.id, kind=kind, **fields)
        else:
            entry = await edit_entry(db, member_id=member.id, entry_id=data[ENTRY_ID], **fields)
    except InvalidConnectEntry as error:
        await message.answer(error_text(error))
        if error.code in YEAR_CODES:
            await ask_years(message, state)
        elif error.code in AREA_CODES:
            await ask_area(message, state)
        else:
            await ask_name(message, state, actor)
        return
    except DuplicateConnectEntry as error:
        await message.answer(error_text(error))
        await ask_name(message, state, actor)
        return
    except (ConnectEntryLimitReached, ConnectEntryNotFound) as error:
        await message.answer(error_text(error))
        await show_kind(message, state, actor, db, kind.value)
        return
    except ConnectConsentRequired:
        await ask_consent(message, state)
        return
    except MemberDeactivated as error:
        await refuse_deactivated(message, state, error)
        return
    await leave(state)
    text, markup = views.saved(entry, await connect_profile(db, member_id=member.id))
    await message.answer(text, reply_markup=markup)
