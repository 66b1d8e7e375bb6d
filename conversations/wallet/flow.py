"""What every wallet handler shares: the routes, who the member is, leaving a step,
and the way in (``/wallet`` and the dashboard), registered here, before any step's
handlers, so that ``/wallet`` typed in the middle of a step is the command.

Money buttons are idempotent twice over: the Confirm button carries a nonce minted when
its summary was shown and kept in the FSM, and the service call uses
``request_key = "<member id>:<nonce>"``, so a redelivered update, a double tap or a
retry after a crash makes one request.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from backend.domain.wallet import RequestAlreadyDecided, WalletUnavailable
from backend.services import Database
from backend.services.dto import Actor
from backend.services.wallet import WalletHome, get_deposit, get_withdrawal, wallet_home
from conversations.ui.chat import message_of, timezone_of
from conversations.ui.routing import FlowRoutes
from conversations.ui.text import error_text
from conversations.wallet import views
from conversations.wallet.callbacks import DEPOSIT, WalletConfirm, WalletMenu
from conversations.wallet.states import DONE, Wallet

routes = FlowRoutes("wallet")


async def leave(state: FSMContext) -> None:
    """End any wallet step, keeping only the record of the last confirmation."""
    data = await state.get_data()
    await state.set_state(None)
    await state.set_data({DONE: data[DONE]} if DONE in data else {})


async def leave_if_in_wallet(state: FSMContext) -> None:
    if await state.get_state() in Wallet:
        await leave(state)


async def member_id_or_refuse(message: Message, actor: Actor) -> int | None:
    """The member's id; someone who never registered is told how to."""
    if actor.member is None:
        await message.answer(error_text(WalletUnavailable(code="error.wallet.not_member")))
        return None
    return actor.member.id


async def load_home(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> WalletHome | None:
    """The wallet at a glance, or None after explaining why this member may not use it."""
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        await leave_if_in_wallet(state)
        return None
    try:
        return await wallet_home(db, member_id=member_id)
    except WalletUnavailable as error:
        await leave_if_in_wallet(state)
        await message.answer(error_text(error))
        return None


async def refuse_decided(message: Message, kind: str, error: RequestAlreadyDecided) -> None:
    """The request moved on (confirmed, paid, cancelled…) before this action."""
    params = error.params
    await message.answer(
        views.already_decided(kind, str(params["reference"]), str(params["status"])),
        reply_markup=views.back_to_wallet(),
    )


async def answer_stale_confirm(
    query: CallbackQuery,
    callback_data: WalletConfirm,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """A Confirm whose nonce is not the one waiting: a second tap, or an old summary.

    A second tap on the button that already took effect is told which request it made;
    anything else (after Back, Cancel or /menu) made nothing and says so.
    """
    done = (await state.get_data()).get(DONE) or {}
    if (
        actor.member is not None
        and done.get("kind") == callback_data.kind
        and done.get("nonce") == callback_data.nonce
    ):
        if callback_data.kind == DEPOSIT:
            deposit = await get_deposit(db, member_id=actor.member.id, deposit_id=done["id"])
            reference = deposit.reference
        else:
            withdrawal = await get_withdrawal(
                db, member_id=actor.member.id, withdrawal_id=done["id"]
            )
            reference = withdrawal.reference
        await query.answer(_("wallet.already_recorded").format(reference=reference))
        return
    await query.answer(_("wallet.confirmation_expired"), show_alert=True)


async def remember_done(state: FSMContext, kind: str, nonce: str, request_id: int) -> None:
    await state.update_data({DONE: {"kind": kind, "nonce": nonce, "id": request_id}})


# The way in --------------------------------------------------------------------------


async def show_home(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """The dashboard: balance, held, available, the last movements; ends any wallet step."""
    home = await load_home(message, state, actor, db)
    if home is None:
        return
    await leave(state)
    text, markup = views.home(home, timezone_of(actor))
    await message.answer(text, reply_markup=markup)


@routes.message(Command("wallet"))
async def wallet_command(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    await show_home(message, state, actor, db)


@routes.callback_query(WalletMenu.filter(F.action == "home"))
async def open_home(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    await show_home(message_of(query), state, actor, db)
