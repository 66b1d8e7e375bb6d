"""The loans flow: the way in (``flow``), the application (``apply``), "My loans"
(``mine``), and Back / Cancel on every step of the form. Importing the modules registers
their handlers on the same ``routes``."""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from backend.domain.loan_terms import LoanKind
from backend.services import Database
from backend.services.dto import Actor
from conversations.loans import apply, views
from conversations.loans import mine as _mine  # noqa: F401  (registers "My loans")
from conversations.loans.flow import entry_routes, leave, routes, show_home
from conversations.loans.states import EDITING, IN_LOAN_FORM, LoanForm
from conversations.ui.callbacks import Nav
from conversations.ui.chat import message_of

__all__ = ["entry_routes", "routes"]

# The answer each step goes back to (the collateral's depends on the product's kind).
PREVIOUS_FIELD = {
    LoanForm.tenor.state: "amount",
    LoanForm.purpose.state: "tenor",
    LoanForm.business_type.state: "purpose",
    LoanForm.collateral_photo.state: "collateral",
}


@routes.callback_query(Nav.filter(F.action == "back"), IN_LOAN_FORM)
async def go_back(query: CallbackQuery, state: FSMContext, actor: Actor, db: Database) -> None:
    """One step back; while changing an answer from the preview, back to the preview."""
    await query.answer()
    message = message_of(query)
    current = await state.get_state()
    if current == LoanForm.product.state:
        await show_home(message, state, actor, db)
        return
    found = await apply.form_product(message, state, db)
    if found is None:
        return
    product, data = found
    if data.get(EDITING) or current == LoanForm.edit.state:
        await apply.show_preview(message, state, actor, db)
        return
    if current == LoanForm.amount.state:
        await apply.ask_product(message, state, db)
        return
    if current == LoanForm.collateral.state:
        field = "business_type" if product.kind is LoanKind.PRODUCTIVE else "purpose"
    else:
        field = PREVIOUS_FIELD.get(current or "", "product")
    await apply.ask_field(message, state, db, field, product)


@routes.callback_query(Nav.filter(F.action == "cancel"), IN_LOAN_FORM)
async def cancel_form(query: CallbackQuery, state: FSMContext) -> None:
    """Leave the form; nothing was recorded before Confirm."""
    await query.answer()
    await leave(state)
    text, markup = views.cancelled()
    await message_of(query).answer(text, reply_markup=markup)
