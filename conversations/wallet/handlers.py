"""The wallet: Back/Cancel on every step, history, a request's status, cancelling.

The entry (``/wallet``, the dashboard) is in ``flow``, registered first so ``/wallet``
wins over any step; cash-in and cash-out steps live in ``cash_in`` and ``cash_out``.
Importing them here registers their handlers on the same ``routes``. Every handler
re-authorises through the services: the member id comes from the update's actor, never
from callback data.
"""

from __future__ import annotations

from aiogram import F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from backend.domain.wallet import (
    DepositStatus,
    RequestAlreadyDecided,
    RequestNotFound,
    WithdrawalStatus,
)
from backend.services import Database
from backend.services.dto import Actor
from backend.services.wallet import (
    cancel_deposit,
    cancel_withdrawal,
    get_deposit,
    get_rules,
    get_withdrawal,
    list_deposits,
    list_withdrawals,
)
from conversations.ui.callbacks import Nav
from conversations.ui.chat import message_of, show, timezone_of, utc_now
from conversations.ui.text import error_text
from conversations.wallet import cash_in, cash_out, request_views, views
from conversations.wallet.callbacks import (
    DEPOSIT,
    WITHDRAWAL,
    HistoryPage,
    RequestAction,
    RequestOpen,
    WalletMenu,
)
from conversations.wallet.flow import (
    leave,
    member_id_or_refuse,
    refuse_decided,
    routes,
    show_home,
)
from conversations.wallet.states import DEPOSIT_ID, IN_WALLET, NONCE, Wallet

__all__ = ["routes"]


# Back and Cancel ------------------------------------------------------------------------


@routes.callback_query(Nav.filter(F.action == "back"), IN_WALLET)
async def go_back(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    await query.answer()
    message = message_of(query)
    current = await state.get_state()
    if current == Wallet.deposit_confirm.state:
        await cash_in.ask_deposit_amount(message, state, await get_rules(db))
    elif current == Wallet.withdrawal_confirm.state:
        await cash_out.ask_withdrawal_amount(message, state, actor, db)
    else:
        await show_home(message, state, actor, db)


@routes.callback_query(Nav.filter(F.action == "cancel"), IN_WALLET)
async def cancel_step(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    """Leave the flow. Before Confirm nothing was made; a made cash-in request stays open."""
    await query.answer()
    message = message_of(query)
    current = await state.get_state()
    deposit_id = (await state.get_data()).get(DEPOSIT_ID)
    await leave(state)
    if current == Wallet.deposit_proof.state:
        await tell_request_stays_open(message, actor, db, deposit_id)
        return
    key = (
        "wallet.deposit.cancelled_flow"
        if current in (Wallet.deposit_amount.state, Wallet.deposit_confirm.state)
        else "wallet.withdraw.cancelled_flow"
    )
    await message.answer(_(key), reply_markup=views.back_to_wallet())


async def tell_request_stays_open(
    message: Message, actor: Actor, db: Database, deposit_id: int | None
) -> None:
    """Leaving the proof step keeps the cash-in request: say so, with its reference."""
    try:
        if actor.member is None or deposit_id is None:
            raise RequestNotFound()
        deposit = await get_deposit(db, member_id=actor.member.id, deposit_id=deposit_id)
    except RequestNotFound:
        await message.answer(_("cancel.done"), reply_markup=views.back_to_wallet())
        return
    text, markup = views.proof_left(deposit)
    await message.answer(text, reply_markup=markup)


@routes.message(StateFilter(Wallet.deposit_confirm, Wallet.withdrawal_confirm))
async def confirm_with_buttons(message: Message, state: FSMContext) -> None:
    """Anything typed at a summary: the answer is a button, shown again."""
    kind = DEPOSIT if await state.get_state() == Wallet.deposit_confirm.state else WITHDRAWAL
    nonce = (await state.get_data()).get(NONCE)
    if nonce is None:  # cannot happen: the summary step always has its nonce
        await leave(state)
        return
    await message.answer(
        _("wallet.confirm.use_buttons"), reply_markup=views.confirm_keyboard(kind, nonce)
    )


# History --------------------------------------------------------------------------------


async def send_history(
    message: Message, actor: Actor, db: Database, kind: str, page: int, *, edit: bool
) -> None:
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    if kind == DEPOSIT:
        text, markup = request_views.history(
            kind, await list_deposits(db, member_id=member_id, page=page), timezone_of(actor)
        )
    else:
        text, markup = request_views.history(
            kind, await list_withdrawals(db, member_id=member_id, page=page), timezone_of(actor)
        )
    await show(message, text, markup, edit=edit)


@routes.callback_query(WalletMenu.filter(F.action.in_({"deposits", "withdrawals"})))
async def open_history(
    query: CallbackQuery, callback_data: WalletMenu, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await leave(state)
    kind = DEPOSIT if callback_data.action == "deposits" else WITHDRAWAL
    await send_history(message_of(query), actor, db, kind, 0, edit=False)


@routes.callback_query(HistoryPage.filter(F.kind.in_({DEPOSIT, WITHDRAWAL})))
async def turn_history_page(
    query: CallbackQuery, callback_data: HistoryPage, actor: Actor, db: Database
) -> None:
    await query.answer()
    await send_history(
        message_of(query), actor, db, callback_data.kind, callback_data.page, edit=True
    )


# One request ----------------------------------------------------------------------------


@routes.callback_query(RequestOpen.filter(F.kind.in_({DEPOSIT, WITHDRAWAL})))
async def open_request(
    query: CallbackQuery, callback_data: RequestOpen, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    tz = timezone_of(actor)
    try:
        if callback_data.kind == DEPOSIT:
            deposit = await get_deposit(
                db, member_id=member_id, deposit_id=callback_data.request_id
            )
            text, markup = request_views.deposit_detail(deposit, tz)
        else:
            withdrawal = await get_withdrawal(
                db, member_id=member_id, withdrawal_id=callback_data.request_id
            )
            text, markup = request_views.withdrawal_detail(withdrawal, tz)
    except RequestNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    await message.answer(text, reply_markup=markup)


@routes.callback_query(RequestAction.filter((F.kind == DEPOSIT) & (F.action == "proof")))
async def send_proof_later(
    query: CallbackQuery,
    callback_data: RequestAction,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    try:
        deposit = await get_deposit(db, member_id=member_id, deposit_id=callback_data.request_id)
    except RequestNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    if deposit.status not in (DepositStatus.PENDING, DepositStatus.EXPIRED):
        text = views.already_decided(DEPOSIT, deposit.reference, deposit.status.value)
        await message.answer(text, reply_markup=views.back_to_wallet())
        return
    await leave(state)
    await state.set_state(Wallet.deposit_proof)
    await state.update_data({DEPOSIT_ID: deposit.id})
    text, markup = views.proof_question(deposit)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(RequestAction.filter(F.action == "cancel"))
async def ask_to_cancel(
    query: CallbackQuery, callback_data: RequestAction, actor: Actor, db: Database
) -> None:
    """Cancelling is asked once more: a cash-in already transferred must not be dropped."""
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    request_id = callback_data.request_id
    try:
        if callback_data.kind == DEPOSIT:
            deposit = await get_deposit(db, member_id=member_id, deposit_id=request_id)
            reference, amount = deposit.reference, deposit.transfer_amount
            status, open_ = deposit.status.value, deposit.status is DepositStatus.PENDING
        else:
            withdrawal = await get_withdrawal(db, member_id=member_id, withdrawal_id=request_id)
            reference, amount = withdrawal.reference, withdrawal.amount
            status, open_ = withdrawal.status.value, withdrawal.status is WithdrawalStatus.PENDING
    except RequestNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    if not open_:  # decided since the button was shown
        text = views.already_decided(callback_data.kind, reference, status)
        await message.answer(text, reply_markup=views.back_to_wallet())
        return
    text, markup = request_views.cancel_question(callback_data.kind, reference, amount, request_id)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(RequestAction.filter(F.action == "cancel_do"))
async def cancel_request(
    query: CallbackQuery,
    callback_data: RequestAction,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """Cancel a pending request; a second tap is a replay (the service says so), not an error."""
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    request_id = callback_data.request_id
    try:
        if callback_data.kind == DEPOSIT:
            deposit = await cancel_deposit(
                db, member_id=member_id, deposit_id=request_id, now=utc_now()
            )
            if (await state.get_data()).get(DEPOSIT_ID) == deposit.id:
                await leave(state)  # no proof is expected for it any more
            text, markup = request_views.deposit_cancelled(deposit)
        else:
            withdrawal = await cancel_withdrawal(
                db, member_id=member_id, withdrawal_id=request_id, now=utc_now()
            )
            text, markup = request_views.withdrawal_cancelled(withdrawal)
    except RequestAlreadyDecided as error:
        await refuse_decided(message, callback_data.kind, error)
        return
    except RequestNotFound as error:
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    await message.answer(text, reply_markup=markup)
