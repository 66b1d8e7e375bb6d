"""Commands available everywhere: /start, /menu, /profile, /language, /help, /cancel.

This router is included before the flows, so a command typed in the middle of a
conversation is a command, not an answer.
"""

from __future__ import annotations

from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from backend.domain.errors import RoleAlreadyHeld
from backend.domain.members import Role
from backend.services import Database
from backend.services.dto import Actor
from backend.services.members import add_role, set_language
from conversations.common import views
from conversations.registration import views as registration_views
from conversations.ui.callbacks import AddRole, LanguagePick, MenuAction
from conversations.ui.keyboards import language_keyboard
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text

routes = FlowRoutes("common")


@routes.message(CommandStart())
async def start(message: Message, state: FSMContext, actor: Actor) -> None:
    await state.clear()
    if actor.member is not None:
        text, markup = views.main_menu(actor.member)
    else:
        text, markup = registration_views.landing()
    await message.answer(text, reply_markup=markup)


@routes.message(Command("menu"))
async def menu(message: Message, state: FSMContext, actor: Actor) -> None:
    await state.clear()
    await show_menu_or_landing(message, actor)


async def show_menu_or_landing(message: Message, actor: Actor) -> None:
    if actor.member is None:
        await message.answer(_("menu.not_registered"))
        text, markup = registration_views.landing()
    else:
        text, markup = views.main_menu(actor.member)
    await message.answer(text, reply_markup=markup)


@routes.message(Command("profile"))
async def profile(message: Message, actor: Actor) -> None:
    if actor.member is None:
        await message.answer(_("menu.not_registered"))
        return
    text, markup = views.profile(actor.member)
    await message.answer(text, reply_markup=markup)


@routes.message(Command("language"))
async def language(message: Message) -> None:
    await message.answer(_("language.choose"), reply_markup=language_keyboard())


@routes.message(Command("help"))
async def help_command(message: Message, actor: Actor) -> None:
    await message.answer(views.help_text(registered=actor.member is not None))


@routes.message(Command("cancel"))
async def cancel(message: Message, state: FSMContext) -> None:
    had_state = await state.get_state() is not None
    await state.clear()
    key = "cancel.done" if had_state else "cancel.nothing"
    await message.answer(_(key), reply_markup=ReplyKeyboardRemove())


@routes.callback_query(LanguagePick.filter())
async def pick_language(
    query: CallbackQuery, callback_data: LanguagePick, db: Database, i18n: I18n
) -> None:
    chosen = await set_language(
        db, telegram_user_id=query.from_user.id, language=callback_data.code
    )
    with i18n.use_locale(chosen):
        await query.answer()
        assert isinstance(query.message, Message)
        await query.message.answer(_("language.changed"))


@routes.callback_query(MenuAction.filter())
async def menu_action(query: CallbackQuery, callback_data: MenuAction, actor: Actor) -> None:
    await query.answer()
    assert isinstance(query.message, Message)
    if callback_data.action == "language":
        await query.message.answer(_("language.choose"), reply_markup=language_keyboard())
    elif callback_data.action == "help":
        await query.message.answer(views.help_text(registered=actor.member is not None))
    elif actor.member is None:
        await show_menu_or_landing(query.message, actor)
    elif callback_data.action == "profile":
        text, markup = views.profile(actor.member)
        await query.message.answer(text, reply_markup=markup)
    else:
        text, markup = views.main_menu(actor.member)
        await query.message.answer(text, reply_markup=markup)


@routes.callback_query(AddRole.filter())
async def add_another_role(
    query: CallbackQuery, callback_data: AddRole, actor: Actor, db: Database
) -> None:
    assert isinstance(query.message, Message)
    if actor.member is None:
        await query.answer()
        await show_menu_or_landing(query.message, actor)
        return
    try:
        member = await add_role(
            db, telegram_user_id=query.from_user.id, role=Role(callback_data.role)
        )
    except RoleAlreadyHeld as error:
        await query.answer(error_text(error), show_alert=True)
        return
    await query.answer()
    await query.message.answer(
        _("menu.role_added").format(role=_(views.ROLE_KEYS[Role(callback_data.role)]))
    )
    text, markup = views.main_menu(member)
    await query.message.answer(text, reply_markup=markup)


async def unknown_text(message: Message, actor: Actor) -> None:
    """Text outside any conversation: point to the menu instead of staying silent."""
    await message.answer(_("fallback.unknown_text"))
