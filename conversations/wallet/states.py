"""Wallet conversation steps. Only progress lives here (amount typed, nonce, request id);
every record of value is in the database (DESIGN §3 rule 4)."""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup


class Wallet(StatesGroup):
    deposit_amount = State()
    deposit_confirm = State()
    deposit_proof = State()
    withdrawal_amount = State()
    withdrawal_confirm = State()


IN_WALLET = StateFilter(*Wallet.__all_states__)

# FSM data keys.
AMOUNT = "wallet_amount"
NONCE = "wallet_nonce"
DEPOSIT_ID = "wallet_deposit_id"
# The last confirmation that took effect: {"kind", "nonce", "id"}. A second tap on the
# same Confirm button finds it and answers with the request already made.
DONE = "wallet_done"
