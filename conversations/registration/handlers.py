"""Registration: landing, one handler per step, summary with Confirm / Edit / Cancel.

Nothing is stored until Confirm: the FSM holds the draft (conversation progress only)
and ``register_member`` validates everything again before it writes the member.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import gettext as _

from backend.domain.errors import (
    BranchNotFound,
    DuplicateNik,
    DuplicateTelegramAccount,
    KopdanaError,
    ValidationError,
)
from backend.domain.member_rules import (
    COMMON_BANKS,
    normalize_phone,
    parse_birth_date,
    validate_account_holder,
    validate_address,
    validate_bank_account_number,
    validate_bank_name,
    validate_birth_date,
    validate_full_name,
)
from backend.domain.members import Role
from backend.domain.nik import check_nik_matches_birth_date, parse_nik
from backend.services import Database
from backend.services.branches import get_active_branch, list_active_branches
from backend.services.dto import Actor
from backend.services.members import ensure_nik_available, register_member
from conversations.common import views as common_views
from conversations.registration import views
from conversations.registration.callbacks import (
    BankPick,
    BranchPageTurn,
    BranchPick,
    EditField,
    HolderIsMe,
    RoleChoice,
    SummaryAction,
)
from conversations.registration.states import (
    STEPS,
    Registration,
    next_step,
    previous_step,
    step_named,
)
from conversations.ui.callbacks import Nav
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text

routes = FlowRoutes("registration")
IN_REGISTRATION = StateFilter(*STEPS, Registration.summary, Registration.edit_choice)


async def ask(message: Message, state: FSMContext, step: Any, db: Database) -> None:
    """Move to ``step`` and ask its question."""
    await state.set_state(step)
    data = await state.get_data()
    markup: views.Markup
    if step == Registration.summary:
        text, markup = views.summary(data)
    elif step == Registration.branch:
        page = await list_active_branches(db, search=data.get("branch_search"), page=0)
        text, markup = views.branch_list(page)
    else:
        text, markup = views.question(step.state, data)
    await message.answer(text, reply_markup=markup)


async def reask(message: Message, state: FSMContext, db: Database, error: KopdanaError) -> None:
    """Explain what was wrong, then ask the same question again."""
    await message.answer(error_text(error))
    current = await state.get_state()
    step = next((s for s in (*STEPS, Registration.summary) if s.state == current), None)
    if step is not None:
        await ask(message, state, step, db)


async def store_and_advance(
    message: Message, state: FSMContext, db: Database, **values: Any
) -> None:
    """Keep an accepted answer; go on to the next step, or back to the summary when editing."""
    await state.update_data(**values)
    data = await state.get_data()
    current = await state.get_state()
    assert current is not None
    if data.get("editing"):
        await state.update_data(editing=False)
        await ask(message, state, Registration.summary, db)
    else:
        await ask(message, state, next_step(current), db)


# Landing -----------------------------------------------------------------------------


@routes.callback_query(RoleChoice.filter())
async def choose_role(
    query: CallbackQuery, callback_data: RoleChoice, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if actor.member is not None:
        text, markup = common_views.main_menu(actor.member)
        await query.message.answer(text, reply_markup=markup)
        return
    await state.set_data({"roles": [Role(callback_data.role).value]})
    await query.message.answer(_("registration.intro"))
    await ask(query.message, state, Registration.full_name, db)


# Navigation --------------------------------------------------------------------------


@routes.callback_query(Nav.filter(F.action == "back"), IN_REGISTRATION)
async def go_back(query: CallbackQuery, state: FSMContext, db: Database) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await step_back(query.message, state, db)


@routes.callback_query(Nav.filter(F.action == "cancel"), IN_REGISTRATION)
@routes.callback_query(SummaryAction.filter(F.action == "cancel"), IN_REGISTRATION)
async def cancel(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await state.clear()
    await query.message.answer(_("registration.cancelled"), reply_markup=ReplyKeyboardRemove())


async def step_back(message: Message, state: FSMContext, db: Database) -> None:
    data = await state.get_data()
    if data.get("editing"):
        await state.update_data(editing=False)
        await ask(message, state, Registration.summary, db)
        return
    previous = previous_step(await state.get_state())
    if previous is None:
        await state.clear()
        text, markup = views.landing()
        await message.answer(text, reply_markup=markup)
    else:
        await ask(message, state, previous, db)


# Steps -------------------------------------------------------------------------------


@routes.message(Registration.full_name, F.text)
async def take_full_name(message: Message, state: FSMContext, db: Database) -> None:
    try:
        full_name = validate_full_name(message.text or "")
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, full_name=full_name)


@routes.message(Registration.nik, F.text)
async def take_nik(message: Message, state: FSMContext, db: Database) -> None:
    data = await state.get_data()
    try:
        nik = parse_nik(message.text or "")
        if data.get("birth_date"):
            check_nik_matches_birth_date(nik, dt.date.fromisoformat(data["birth_date"]))
        await ensure_nik_available(db, nik=nik.nik)
    except (ValidationError, DuplicateNik) as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, nik=nik.nik)


@routes.message(Registration.birth_date, F.text)
async def take_birth_date(
    message: Message, state: FSMContext, db: Database, today: dt.date
) -> None:
    data = await state.get_data()
    try:
        birth_date = parse_birth_date(message.text or "")
        validate_birth_date(birth_date, today=today)
        check_nik_matches_birth_date(parse_nik(data["nik"]), birth_date)
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, birth_date=birth_date.isoformat())


@routes.message(Registration.phone, F.contact)
async def take_phone(message: Message, state: FSMContext, db: Database) -> None:
    contact = message.contact
    assert contact is not None and message.from_user is not None
    if contact.user_id != message.from_user.id:
        await reask(message, state, db, ValidationError(code="error.phone.not_own_contact"))
        return
    try:
        phone = normalize_phone(contact.phone_number)
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await message.answer(
        _("registration.phone_saved").format(phone=phone), reply_markup=ReplyKeyboardRemove()
    )
    await store_and_advance(message, state, db, phone=phone)


@routes.message(Registration.phone, F.text)
async def phone_typed(message: Message, state: FSMContext, db: Database) -> None:
    if message.text == _("nav.cancel"):
        await state.clear()
        await message.answer(_("registration.cancelled"), reply_markup=ReplyKeyboardRemove())
    elif message.text == _("nav.back"):
        await message.answer(_("nav.going_back"), reply_markup=ReplyKeyboardRemove())
        await step_back(message, state, db)
    else:
        await reask(message, state, db, ValidationError(code="error.phone.use_button"))


@routes.message(Registration.branch, F.text)
async def search_branch(message: Message, state: FSMContext, db: Database) -> None:
    await state.update_data(branch_search=message.text)
    page = await list_active_branches(db, search=message.text, page=0)
    text, markup = views.branch_list(page)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(BranchPageTurn.filter(), Registration.branch)
async def turn_branch_page(
    query: CallbackQuery, callback_data: BranchPageTurn, state: FSMContext, db: Database
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    data = await state.get_data()
    page = await list_active_branches(db, search=data.get("branch_search"), page=callback_data.page)
    text, markup = views.branch_list(page)
    if query.message.text != text or callback_data.page != page.page:
        await query.message.edit_text(text, reply_markup=markup)


@routes.callback_query(BranchPick.filter(), Registration.branch)
async def pick_branch(
    query: CallbackQuery, callback_data: BranchPick, state: FSMContext, db: Database
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    try:
        branch = await get_active_branch(db, branch_id=callback_data.branch_id)
    except BranchNotFound as error:
        await reask(query.message, state, db, error)
        return
    await store_and_advance(
        query.message,
        state,
        db,
        branch_id=branch.id,
        branch_label=f"{branch.name} ({branch.city})",
        branch_search=None,
    )


@routes.message(Registration.address, F.text)
async def take_address(message: Message, state: FSMContext, db: Database) -> None:
    try:
        address = validate_address(message.text or "")
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, address=address)


@routes.message(Registration.bank_name, F.text)
async def take_bank_name(message: Message, state: FSMContext, db: Database) -> None:
    try:
        bank_name = validate_bank_name(message.text or "")
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, bank_name=bank_name)


@routes.callback_query(BankPick.filter(), Registration.bank_name)
async def pick_bank(
    query: CallbackQuery, callback_data: BankPick, state: FSMContext, db: Database
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if not 0 <= callback_data.index < len(COMMON_BANKS):
        return
    await store_and_advance(query.message, state, db, bank_name=COMMON_BANKS[callback_data.index])


@routes.message(Registration.bank_account_number, F.text)
async def take_account_number(message: Message, state: FSMContext, db: Database) -> None:
    try:
        number = validate_bank_account_number(message.text or "")
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, bank_account_number=number)


@routes.message(Registration.bank_account_holder, F.text)
async def take_account_holder(message: Message, state: FSMContext, db: Database) -> None:
    try:
        holder = validate_account_holder(message.text or "")
    except ValidationError as error:
        await reask(message, state, db, error)
        return
    await store_and_advance(message, state, db, bank_account_holder=holder)


@routes.callback_query(HolderIsMe.filter(), Registration.bank_account_holder)
async def holder_is_me(query: CallbackQuery, state: FSMContext, db: Database) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    data = await state.get_data()
    await store_and_advance(query.message, state, db, bank_account_holder=data["full_name"])


# Summary -----------------------------------------------------------------------------


@routes.callback_query(SummaryAction.filter(F.action == "show"), IN_REGISTRATION)
async def show_summary(query: CallbackQuery, state: FSMContext, db: Database) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await ask(query.message, state, Registration.summary, db)


@routes.callback_query(SummaryAction.filter(F.action == "edit"), Registration.summary)
async def choose_field_to_edit(query: CallbackQuery, state: FSMContext) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    await state.set_state(Registration.edit_choice)
    text, markup = views.edit_choice()
    await query.message.answer(text, reply_markup=markup)


@routes.callback_query(EditField.filter(), Registration.edit_choice)
async def edit_field(
    query: CallbackQuery, callback_data: EditField, state: FSMContext, db: Database
) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    step = step_named(callback_data.field)
    if step is None:
        return
    await state.update_data(editing=True)
    await ask(query.message, state, step, db)


@routes.callback_query(SummaryAction.filter(F.action == "confirm"), Registration.summary)
async def confirm(query: CallbackQuery, state: FSMContext, db: Database, today: dt.date) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    data = await state.get_data()
    try:
        member = await register_member(
            db,
            telegram_user_id=query.from_user.id,
            telegram_username=query.from_user.username,
            full_name=data["full_name"],
            nik=data["nik"],
            birth_date=dt.date.fromisoformat(data["birth_date"]),
            phone=data["phone"],
            branch_id=data["branch_id"],
            address=data["address"],
            bank_name=data["bank_name"],
            bank_account_number=data["bank_account_number"],
            bank_account_holder=data["bank_account_holder"],
            roles=[Role(r) for r in data["roles"]],
            today=today,
        )
    except DuplicateTelegramAccount as error:
        await state.clear()
        await query.message.answer(error_text(error))
        return
    except DuplicateNik as error:
        await state.update_data(editing=True)
        await query.message.answer(error_text(error))
        await ask(query.message, state, Registration.nik, db)
        return
    except BranchNotFound as error:
        await state.update_data(editing=True)
        await query.message.answer(error_text(error))
        await ask(query.message, state, Registration.branch, db)
        return
    except ValidationError as error:
        await reask(query.message, state, db, error)
        return
    await state.clear()
    await query.message.answer(_("registration.done").format(branch=member.branch.name))
    text, markup = common_views.main_menu(member)
    await query.message.answer(text, reply_markup=markup)


@routes.message(IN_REGISTRATION)
async def not_text(message: Message, state: FSMContext, db: Database) -> None:
    """A sticker, photo or voice note where we expect typed text or a button."""
    await reask(message, state, db, ValidationError(code="error.expected_text"))
