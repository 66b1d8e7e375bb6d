"""Loan application steps. Only the answers given so far live in the FSM; the loan itself
is recorded by the service when the borrower confirms (DESIGN §3 rule 4)."""

from __future__ import annotations

from aiogram.filters import StateFilter
from aiogram.fsm.state import State, StatesGroup


class LoanForm(StatesGroup):
    product = State()
    amount = State()
    tenor = State()
    purpose = State()
    business_type = State()
    collateral = State()
    collateral_photo = State()
    preview = State()
    edit = State()


IN_LOAN_FORM = StateFilter(*LoanForm.__all_states__)

# FSM data keys.
PRODUCT_ID = "loan_product_id"
AMOUNT = "loan_amount"
TENOR = "loan_tenor"
PURPOSE = "loan_purpose"
BUSINESS_TYPE = "loan_business_type"
COLLATERAL = "loan_collateral"
COLLATERAL_FILE_ID = "loan_collateral_file_id"
NONCE = "loan_nonce"
# Set while the borrower changes one answer from the preview: Back returns to the
# preview rather than to the previous question.
EDITING = "loan_editing"
# The last submission that took effect: {"nonce", "id"}. A second tap on the same Confirm
# finds it and is told which loan it made.
DONE = "loan_done"
ANSWER_KEYS = (
    PRODUCT_ID,
    AMOUNT,
    TENOR,
    PURPOSE,
    BUSINESS_TYPE,
    COLLATERAL,
    COLLATERAL_FILE_ID,
    NONCE,
    EDITING,
)
