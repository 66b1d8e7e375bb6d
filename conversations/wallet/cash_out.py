"""Cash-out: amount → summary against the member's own bank account (masked) with
Confirm → the request is recorded and its amount held at once."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from backend.domain.errors import ValidationError
from backend.domain.money import parse_rupiah
from backend.domain.wallet import WalletUnavailable
from backend.services import Database
from backend.services.dto import Actor
from backend.services.wallet import preview_withdrawal, start_withdrawal
from conversations.ui.chat import message_of, new_nonce, request_key, utc_now
from conversations.ui.text import error_text
from conversations.wallet import views
from conversations.wallet.callbacks import WITHDRAWAL, WalletConfirm, WalletMenu
from conversations.wallet.flow import (
    answer_stale_confirm,
    leave,
    load_home,
    member_id_or_refuse,
    remember_done,
    routes,
)
from conversations.wallet.states import AMOUNT, NONCE, Wallet


async def ask_withdrawal_amount(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    """Show what is available and the limits, and wait for an amount."""
    home = await load_home(message, state, actor, db)
    if home is None:
        return
    available, rules = home.summary.available, home.rules
    if available < rules.withdrawal_minimum:
        await leave(state)
        text, markup = views.nothing_to_withdraw(available, rules)
    else:
        await state.set_state(Wallet.withdrawal_amount)
        text, markup = views.withdrawal_amount_question(available, rules)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(WalletMenu.filter(F.action == "withdraw"))
async def start_cash_out(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await leave(state)
    await ask_withdrawal_amount(message_of(query), state, actor, db)


@routes.message(Wallet.withdrawal_amount, F.text)
async def take_withdrawal_amount(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    try:
        amount = parse_rupiah(message.text or "")
        preview = await preview_withdrawal(db, member_id=member_id, amount=amount, now=utc_now())
    except ValidationError as error:  # the format, or minimum, step, available, daily limit
        await message.answer(error_text(error))
        await ask_withdrawal_amount(message, state, actor, db)
        return
    except WalletUnavailable as error:
        await leave(state)
        await message.answer(error_text(error))
        return
    nonce = new_nonce()
    await state.set_state(Wallet.withdrawal_confirm)
    await state.update_data({AMOUNT: amount, NONCE: nonce})
    text, markup = views.withdrawal_summary(preview, nonce)
    await message.answer(text, reply_markup=markup)


@routes.message(Wallet.withdrawal_amount)
async def withdrawal_amount_not_text(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    await message.answer(error_text(ValidationError(code="error.expected_text")))
    await ask_withdrawal_amount(message, state, actor, db)


@routes.callback_query(WalletConfirm.filter(F.kind == WITHDRAWAL))
async def confirm_withdrawal(
    query: CallbackQuery,
    callback_data: WalletConfirm,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """Record the cash-out and hold its amount, once, re-checked by the service."""
    data = await state.get_data()
    if await state.get_state() != Wallet.withdrawal_confirm.state or data.get(NONCE) != (
        callback_data.nonce
    ):
        await answer_stale_confirm(query, callback_data, state, actor, db)
        return
    await query.answer()
    message = message_of(query)
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    try:
        withdrawal = await start_withdrawal(
            db,
            member_id=member_id,
            amount=data[AMOUNT],
            request_key=request_key(member_id, callback_data.nonce),
            now=utc_now(),
        )
    except ValidationError as error:  # the balance or the limits changed since the summary
        await message.answer(error_text(error))
        await ask_withdrawal_amount(message, state, actor, db)
        return
    except WalletUnavailable as error:
        await leave(state)
        await message.answer(error_text(error))
        return
    await leave(state)
    await remember_done(state, WITHDRAWAL, callback_data.nonce, withdrawal.id)
    text, markup = views.withdrawal_created(withdrawal)
    await message.answer(text, reply_markup=markup)
