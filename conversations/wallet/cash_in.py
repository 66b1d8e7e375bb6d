"""Cash-in: amount (quick pick or typed) → summary with Confirm → transfer instructions →
the transfer proof (a photo or a PDF). Nothing is requested before Confirm."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from backend.domain.errors import ValidationError
from backend.domain.money import parse_rupiah
from backend.domain.wallet import (
    RequestAlreadyDecided,
    RequestNotFound,
    WalletRules,
    WalletUnavailable,
    check_deposit_amount,
)
from backend.services import Database
from backend.services.dto import Actor
from backend.services.wallet import attach_deposit_proof, get_deposit, get_rules, start_deposit
from conversations.ui.chat import message_of, new_nonce, request_key, timezone_of, utc_now
from conversations.ui.text import error_text
from conversations.wallet import views
from conversations.wallet.callbacks import DEPOSIT, DepositPick, WalletConfirm, WalletMenu
from conversations.wallet.flow import (
    answer_stale_confirm,
    leave,
    load_home,
    member_id_or_refuse,
    refuse_decided,
    remember_done,
    routes,
)
from conversations.wallet.states import AMOUNT, DEPOSIT_ID, NONCE, Wallet

# What a transfer proof may be besides a photo: a PDF, or a screenshot sent as a file.
PROOF_DOCUMENT_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png", "image/webp"})


async def ask_deposit_amount(message: Message, state: FSMContext, rules: WalletRules) -> None:
    await state.set_state(Wallet.deposit_amount)
    text, markup = views.deposit_amount_question(rules)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(WalletMenu.filter(F.action == "deposit"))
async def start_cash_in(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    home = await load_home(message, state, actor, db)
    if home is None:
        return
    if home.receiving is None:
        await leave(state)
        error = WalletUnavailable(code="error.wallet.no_receiving_account")
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    await leave(state)
    await ask_deposit_amount(message, state, home.rules)


async def accept_deposit_amount(
    message: Message, state: FSMContext, actor: Actor, db: Database, raw: str | int
) -> None:
    """Check the amount against the rules in force; show the summary or re-ask."""
    home = await load_home(message, state, actor, db)
    if home is None:
        return
    try:
        amount = check_deposit_amount(
            parse_rupiah(raw) if isinstance(raw, str) else raw, home.rules
        )
        if home.receiving is None:
            raise WalletUnavailable(code="error.wallet.no_receiving_account")
    except ValidationError as error:
        await message.answer(error_text(error))
        await ask_deposit_amount(message, state, home.rules)
        return
    except WalletUnavailable as error:
        await leave(state)
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    nonce = new_nonce()
    await state.set_state(Wallet.deposit_confirm)
    await state.update_data({AMOUNT: amount, NONCE: nonce})
    text, markup = views.deposit_summary(amount, home.rules, home.receiving, nonce)
    await message.answer(text, reply_markup=markup)


@routes.message(Wallet.deposit_amount, F.text)
async def take_deposit_amount(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    await accept_deposit_amount(message, state, actor, db, message.text or "")


@routes.callback_query(DepositPick.filter(), Wallet.deposit_amount)
async def pick_deposit_amount(
    query: CallbackQuery, callback_data: DepositPick, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await accept_deposit_amount(message_of(query), state, actor, db, callback_data.amount)


@routes.message(Wallet.deposit_amount)
async def deposit_amount_not_text(message: Message, state: FSMContext, db: Database) -> None:
    await message.answer(error_text(ValidationError(code="error.expected_text")))
    await ask_deposit_amount(message, state, await get_rules(db))


@routes.callback_query(WalletConfirm.filter(F.kind == DEPOSIT))
async def confirm_deposit(
    query: CallbackQuery,
    callback_data: WalletConfirm,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    data = await state.get_data()
    if await state.get_state() != Wallet.deposit_confirm.state or data.get(NONCE) != (
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
        deposit = await start_deposit(
            db,
            member_id=member_id,
            amount=data[AMOUNT],
            request_key=request_key(member_id, callback_data.nonce),
            now=utc_now(),
        )
    except ValidationError as error:  # the rules changed since the summary
        await message.answer(error_text(error))
        await ask_deposit_amount(message, state, await get_rules(db))
        return
    except WalletUnavailable as error:
        await leave(state)
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    await state.set_state(Wallet.deposit_proof)
    await state.set_data({DEPOSIT_ID: deposit.id})
    await remember_done(state, DEPOSIT, callback_data.nonce, deposit.id)
    text, markup = views.deposit_instructions(deposit, timezone_of(actor))
    await message.answer(text, reply_markup=markup)


# Proof ----------------------------------------------------------------------------------


async def attach_proof(
    message: Message,
    state: FSMContext,
    actor: Actor,
    db: Database,
    *,
    file_id: str,
    kind: str,
    file_name: str | None,
) -> None:
    member_id = await member_id_or_refuse(message, actor)
    if member_id is None:
        return
    deposit_id = (await state.get_data()).get(DEPOSIT_ID)
    try:
        if deposit_id is None:
            raise RequestNotFound()
        deposit = await attach_deposit_proof(
            db,
            member_id=member_id,
            deposit_id=deposit_id,
            file_id=file_id,
            kind=kind,
            file_name=file_name,
            now=utc_now(),
        )
    except RequestAlreadyDecided as error:
        await leave(state)
        await refuse_decided(message, DEPOSIT, error)
        return
    except RequestNotFound as error:
        await leave(state)
        await message.answer(error_text(error), reply_markup=views.back_to_wallet())
        return
    await leave(state)
    text, markup = views.proof_received(deposit)
    await message.answer(text, reply_markup=markup)


@routes.message(Wallet.deposit_proof, F.photo)
async def take_proof_photo(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    assert message.photo
    largest = message.photo[-1]
    await attach_proof(
        message, state, actor, db, file_id=largest.file_id, kind="photo", file_name=None
    )


@routes.message(Wallet.deposit_proof, F.document)
async def take_proof_document(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    document = message.document
    assert document is not None
    if (document.mime_type or "").lower() not in PROOF_DOCUMENT_TYPES:
        await reask_proof(message, state, actor, db)
        return
    await attach_proof(
        message,
        state,
        actor,
        db,
        file_id=document.file_id,
        kind="document",
        file_name=document.file_name,
    )


@routes.message(Wallet.deposit_proof)
async def reask_proof(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """Text, a sticker, a voice note or another kind of file: say what counts as proof."""
    await message.answer(_("wallet.deposit.proof_expected"))
    deposit_id = (await state.get_data()).get(DEPOSIT_ID)
    if actor.member is None or deposit_id is None:
        await leave(state)
        return
    try:
        deposit = await get_deposit(db, member_id=actor.member.id, deposit_id=deposit_id)
    except RequestNotFound:
        await leave(state)
        return
    text, markup = views.proof_question(deposit)
    await message.answer(text, reply_markup=markup)
