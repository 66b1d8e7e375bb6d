"""Applying for a loan: product → amount → tenor → purpose → business type (productive
loans) → collateral (and an optional photo) → preview with Confirm / Edit / Cancel.

Nothing is recorded before Confirm. Each answer is checked as it is given, with the
domain's own cleaners, so the borrower is re-asked at the step that went wrong; the
tenor is also checked against the cost cap and the borrower's limits (``preview_loan``)
before the text answers are asked for. Confirm submits with
``request_key = "<member id>:<nonce>"``: a double tap or a redelivery makes one loan.
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from backend.domain.errors import KopdanaError, ValidationError
from backend.domain.loan_application import (
    clean_business_type,
    clean_collateral,
    clean_purpose,
)
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import (
    InvalidLoanApplication,
    LoanNotFound,
    LoanProductNotFound,
)
from backend.domain.money import parse_rupiah
from backend.services import Database
from backend.services.dto import Actor
from backend.services.loan_applications import get_my_loan, preview_loan, submit_loan
from backend.services.loan_dto import LoanPreview, ProductView
from backend.services.loan_products import list_active_products
from conversations.loans import views
from conversations.loans.callbacks import FormAction, LoanConfirm, LoanMenu, ProductPick, TenorPick
from conversations.loans.flow import borrower_id_or_refuse, leave, routes
from conversations.loans.schedule_views import fits_in_text, schedule_png
from conversations.loans.states import (
    AMOUNT,
    BUSINESS_TYPE,
    COLLATERAL,
    COLLATERAL_FILE_ID,
    DONE,
    EDITING,
    NONCE,
    PRODUCT_ID,
    PURPOSE,
    TENOR,
    LoanForm,
)
from conversations.ui.chat import message_of, new_nonce, request_key, utc_now
from conversations.ui.text import current_locale, error_text, money


async def offered_product(db: Database, product_id: int | None) -> ProductView:
    """The product if it is still offered (``LoanProductNotFound`` otherwise)."""
    for product in await list_active_products(db):
        if product.id == product_id:
            return product
    raise LoanProductNotFound(code="error.loan_product.inactive")


async def form_product(
    message: Message, state: FSMContext, db: Database
) -> tuple[ProductView, dict[str, Any]] | None:
    """The chosen product and the answers so far; if the product was withdrawn from
    offer meanwhile, the borrower is told and asked to choose again."""
    data = await state.get_data()
    try:
        return await offered_product(db, data.get(PRODUCT_ID)), data
    except LoanProductNotFound as error:
        await message.answer(error_text(error))
        await ask_product(message, state, db)
        return None


# ------------------------------------------------------------------------- the steps


async def ask_product(message: Message, state: FSMContext, db: Database) -> None:
    products = await list_active_products(db)
    if not products:
        await leave(state)
        text, markup = views.no_products()
    else:
        await state.set_state(LoanForm.product)
        await state.update_data({EDITING: False})
        text, markup = views.product_question(products)
    await message.answer(text, reply_markup=markup)


async def ask_amount(message: Message, state: FSMContext, product: ProductView) -> None:
    await state.set_state(LoanForm.amount)
    text, markup = views.amount_question(product)
    await message.answer(text, reply_markup=markup)


async def ask_tenor(message: Message, state: FSMContext, product: ProductView, amount: int) -> None:
    await state.set_state(LoanForm.tenor)
    text, markup = views.tenor_question(product, amount)
    await message.answer(text, reply_markup=markup)


async def ask_purpose(message: Message, state: FSMContext) -> None:
    await state.set_state(LoanForm.purpose)
    text, markup = views.purpose_question()
    await message.answer(text, reply_markup=markup)


async def ask_business_type(message: Message, state: FSMContext) -> None:
    await state.set_state(LoanForm.business_type)
    text, markup = views.business_type_question()
    await message.answer(text, reply_markup=markup)


async def ask_collateral(message: Message, state: FSMContext, product: ProductView) -> None:
    await state.set_state(LoanForm.collateral)
    text, markup = views.collateral_question(required=product.collateral_required)
    await message.answer(text, reply_markup=markup)


async def ask_collateral_photo(message: Message, state: FSMContext) -> None:
    await state.set_state(LoanForm.collateral_photo)
    text, markup = views.collateral_photo_question()
    await message.answer(text, reply_markup=markup)


async def ask_field(
    message: Message, state: FSMContext, db: Database, field: str, product: ProductView
) -> None:
    """Ask one answer again (Back, or a field picked from the edit menu)."""
    data = await state.get_data()
    if field == "amount":
        await ask_amount(message, state, product)
    elif field == "tenor" and data.get(AMOUNT) is not None:
        await ask_tenor(message, state, product, data[AMOUNT])
    elif field == "purpose":
        await ask_purpose(message, state)
    elif field == "business_type" and product.kind is LoanKind.PRODUCTIVE:
        await ask_business_type(message, state)
    elif field == "collateral":
        await ask_collateral(message, state, product)
    else:
        await ask_product(message, state, db)


def first_missing(product: ProductView, data: dict[str, Any]) -> str | None:
    """The first answer ``product`` still needs, in the form's order; None when complete.

    A fresh form asks each question in turn; after an edit, only what the change made
    necessary (a new product asks for amount and tenor, and for a business type or a
    collateral description if it needs them and they were not given).
    """
    if data.get(AMOUNT) is None:
        return "amount"
    if data.get(TENOR) is None:
        return "tenor"
    if not data.get(PURPOSE):
        return "purpose"
    if product.kind is LoanKind.PRODUCTIVE and not data.get(BUSINESS_TYPE):
        return "business_type"
    if COLLATERAL not in data or (product.collateral_required and not data[COLLATERAL]):
        return "collateral"  # absent: not asked yet; None: the borrower offered none
    return None


async def after(
    message: Message, state: FSMContext, actor: Actor, db: Database, field: str
) -> None:
    """The step after ``field`` was answered: the photo of a described collateral, the next
    answer still missing, or the preview."""
    found = await form_product(message, state, db)
    if found is None:
        return
    product, data = found
    if field == "collateral" and data.get(COLLATERAL):
        await ask_collateral_photo(message, state)
        return
    missing = first_missing(product, data)
    if missing is None:
        await show_preview(message, state, actor, db)
    else:
        await ask_field(message, state, db, missing, product)


@routes.callback_query(LoanMenu.filter(F.action == "apply"))
async def start_application(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    if await borrower_id_or_refuse(message, state, actor, db) is None:
        return
    await leave(state)
    await ask_product(message, state, db)


@routes.callback_query(ProductPick.filter(), LoanForm.product)
async def pick_product(
    query: CallbackQuery, callback_data: ProductPick, state: FSMContext, db: Database
) -> None:
    """A (new) product: the amount and tenor asked for depend on it, so both are asked."""
    await query.answer()
    message = message_of(query)
    try:
        product = await offered_product(db, callback_data.product_id)
    except LoanProductNotFound as error:
        await message.answer(error_text(error))
        await ask_product(message, state, db)
        return
    await state.update_data({PRODUCT_ID: product.id, AMOUNT: None, TENOR: None, EDITING: False})
    await ask_amount(message, state, product)


@routes.message(LoanForm.amount, F.text)
async def take_amount(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    try:
        amount = parse_rupiah(message.text or "")
        if not product.min_amount <= amount <= product.max_amount:
            raise InvalidLoanApplication(
                code="error.loan.amount_range",
                minimum=product.min_amount,
                maximum=product.max_amount,
            )
    except ValidationError as error:
        await message.answer(error_text(error))
        await ask_amount(message, state, product)
        return
    await state.update_data({AMOUNT: amount})
    await after(message, state, actor, db, "amount")


@routes.callback_query(TenorPick.filter(), LoanForm.tenor)
async def pick_tenor(
    query: CallbackQuery, callback_data: TenorPick, state: FSMContext, actor: Actor, db: Database
) -> None:
    """A tenor within the product's range whose cost is within its cap and that the
    borrower's limits allow; another tenor (or amount) is asked for otherwise."""
    await query.answer()
    message = message_of(query)
    found = await form_product(message, state, db)
    if found is None:
        return
    product, data = found
    months = callback_data.months
    if not product.min_tenor <= months <= product.max_tenor:  # a forged or stale button
        error = InvalidLoanApplication(
            code="error.loan.tenor_range", shortest=product.min_tenor, longest=product.max_tenor
        )
        await message.answer(error_text(error))
        await ask_tenor(message, state, product, data[AMOUNT])
        return
    if await quote(message, state, actor, db, months) is None:
        return
    await state.update_data({TENOR: months})
    await after(message, state, actor, db, "tenor")


@routes.message(LoanForm.purpose, F.text)
async def take_purpose(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    try:
        purpose = clean_purpose(message.text or "")
    except ValidationError as error:
        await message.answer(error_text(error))
        await ask_purpose(message, state)
        return
    await state.update_data({PURPOSE: purpose})
    await after(message, state, actor, db, "purpose")


@routes.message(LoanForm.business_type, F.text)
async def take_business_type(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    try:
        business = clean_business_type(message.text or "")
        if business is None:
            raise InvalidLoanApplication(code="error.loan.business_type_required")
    except ValidationError as error:
        await message.answer(error_text(error))
        await ask_business_type(message, state)
        return
    await state.update_data({BUSINESS_TYPE: business})
    await after(message, state, actor, db, "business_type")


@routes.message(LoanForm.collateral, F.text)
async def take_collateral(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    try:
        collateral = clean_collateral(message.text or "")
        if collateral is None:
            raise InvalidLoanApplication(code="error.loan.collateral_required")
    except ValidationError as error:
        await message.answer(error_text(error))
        await ask_collateral(message, state, product)
        return
    await state.update_data({COLLATERAL: collateral, COLLATERAL_FILE_ID: None})
    await after(message, state, actor, db, "collateral")


@routes.callback_query(FormAction.filter(F.action == "skip"), LoanForm.collateral)
async def skip_collateral(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    message = message_of(query)
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    if product.collateral_required:  # an old button: this product requires collateral
        await message.answer(
            error_text(InvalidLoanApplication(code="error.loan.collateral_required"))
        )
        await ask_collateral(message, state, product)
        return
    await state.update_data({COLLATERAL: None, COLLATERAL_FILE_ID: None})
    await show_preview(message, state, actor, db)


@routes.message(LoanForm.collateral_photo, F.photo)
async def take_collateral_photo(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    assert message.photo
    await state.update_data({COLLATERAL_FILE_ID: message.photo[-1].file_id})
    await show_preview(message, state, actor, db)


@routes.callback_query(FormAction.filter(F.action == "skip"), LoanForm.collateral_photo)
async def skip_collateral_photo(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await state.update_data({COLLATERAL_FILE_ID: None})
    await show_preview(message_of(query), state, actor, db)


@routes.message(LoanForm.collateral_photo)
async def collateral_photo_expected(message: Message, state: FSMContext) -> None:
    await message.answer(_("loans.collateral_photo_expected"))
    await ask_collateral_photo(message, state)


@routes.message(LoanForm.amount)
async def amount_not_text(message: Message, state: FSMContext, db: Database) -> None:
    await reask_text_step(message, state, db)


@routes.message(LoanForm.purpose)
async def purpose_not_text(message: Message, state: FSMContext, db: Database) -> None:
    await reask_text_step(message, state, db)


@routes.message(LoanForm.business_type)
async def business_type_not_text(message: Message, state: FSMContext, db: Database) -> None:
    await reask_text_step(message, state, db)


@routes.message(LoanForm.collateral)
async def collateral_not_text(message: Message, state: FSMContext, db: Database) -> None:
    await reask_text_step(message, state, db)


async def reask_text_step(message: Message, state: FSMContext, db: Database) -> None:
    """A sticker, a photo or a voice note where text was asked for."""
    await message.answer(error_text(ValidationError(code="error.expected_text")))
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    current = await state.get_state()
    field = {
        LoanForm.amount.state: "amount",
        LoanForm.purpose.state: "purpose",
        LoanForm.business_type.state: "business_type",
        LoanForm.collateral.state: "collateral",
    }.get(current or "", "product")
    await ask_field(message, state, db, field, product)


# ------------------------------------------------------------------------- the preview


async def quote(
    message: Message, state: FSMContext, actor: Actor, db: Database, tenor: int
) -> LoanPreview | None:
    """The service's preview of the answers so far with ``tenor``. A refusal is shown: over
    the cap, the tenor is asked again; the amount fits no longer, it is asked again; the
    borrower may not borrow (limits, status), the form ends."""
    found = await form_product(message, state, db)
    if found is None or actor.member is None:
        return None
    product, data = found
    try:
        return await preview_loan(
            db,
            member_id=actor.member.id,
            product_id=product.id,
            amount=data[AMOUNT],
            tenor_months=tenor,
            now=utc_now(),
        )
    except InvalidLoanApplication as error:  # the product's range changed meanwhile
        await message.answer(error_text(error))
        await ask_amount(message, state, product)
    except ValidationError as error:  # the cost cap: another tenor may fit
        await message.answer(error_text(error))
        await ask_tenor(message, state, product, data[AMOUNT])
    except LoanProductNotFound as error:
        await message.answer(error_text(error))
        await ask_product(message, state, db)
    except KopdanaError as error:  # limits reached, no longer a verified borrower
        await leave(state)
        await message.answer(error_text(error), reply_markup=views.back_to_loans())
    return None


async def show_preview(message: Message, state: FSMContext, actor: Actor, db: Database) -> None:
    """Installment, costs, the cap and the schedule, with Confirm / Edit / Cancel. A long
    schedule comes first as an image (rendered off the event loop)."""
    data = await state.get_data()
    view = await quote(message, state, actor, db, data.get(TENOR) or 0)
    if view is None:
        return
    nonce = new_nonce()
    await state.set_state(LoanForm.preview)
    await state.update_data({NONCE: nonce, EDITING: False})
    if not fits_in_text(view.installments):
        title = _("loans.schedule.image_title_preview").format(
            product=view.terms.product_name(current_locale()),
            amount=money(view.amount),
            tenor=view.tenor_months,
        )
        png = await schedule_png(title, view.installments)
        await message.answer_photo(
            BufferedInputFile(png, filename="jadwal-angsuran.png"),
            caption=views.preview_image_caption(view),
        )
    text, markup = views.preview(
        view,
        purpose=data[PURPOSE],
        business_type=data.get(BUSINESS_TYPE),
        collateral=data.get(COLLATERAL),
        has_photo=bool(data.get(COLLATERAL_FILE_ID)),
        nonce=nonce,
    )
    await message.answer(text, reply_markup=markup)


@routes.message(LoanForm.preview)
async def preview_expects_buttons(
    message: Message, state: FSMContext, actor: Actor, db: Database
) -> None:
    await message.answer(views.use_buttons())
    await show_preview(message, state, actor, db)


@routes.callback_query(FormAction.filter(F.action == "edit"), LoanForm.preview)
async def open_edit_menu(query: CallbackQuery, state: FSMContext, db: Database) -> None:
    await query.answer()
    message = message_of(query)
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    await state.set_state(LoanForm.edit)
    text, markup = views.edit_menu(product.kind)
    await message.answer(text, reply_markup=markup)


@routes.callback_query(FormAction.filter(F.action == "field"), LoanForm.edit)
async def edit_field(
    query: CallbackQuery, callback_data: FormAction, state: FSMContext, db: Database
) -> None:
    """Ask one answer again; the next answer returns to the preview (a new product asks
    for amount and tenor again, as they depend on it)."""
    await query.answer()
    message = message_of(query)
    found = await form_product(message, state, db)
    if found is None:
        return
    product, _data = found
    await state.update_data({EDITING: callback_data.field != "product"})
    await ask_field(message, state, db, callback_data.field, product)


@routes.callback_query(FormAction.filter(F.action == "preview"), LoanForm.edit)
async def back_to_preview(
    query: CallbackQuery, state: FSMContext, actor: Actor, db: Database
) -> None:
    await query.answer()
    await show_preview(message_of(query), state, actor, db)


@routes.message(LoanForm.product)
async def product_expects_buttons(message: Message, state: FSMContext, db: Database) -> None:
    await message.answer(views.use_buttons())
    await ask_product(message, state, db)


@routes.message(LoanForm.tenor)
async def tenor_expects_buttons(message: Message, state: FSMContext, db: Database) -> None:
    await message.answer(views.use_buttons())
    found = await form_product(message, state, db)
    if found is not None:
        product, data = found
        await ask_tenor(message, state, product, data[AMOUNT])


@routes.message(LoanForm.edit)
async def edit_expects_buttons(message: Message, state: FSMContext, db: Database) -> None:
    await message.answer(views.use_buttons())
    found = await form_product(message, state, db)
    if found is not None:
        text, markup = views.edit_menu(found[0].kind)
        await message.answer(text, reply_markup=markup)


# ------------------------------------------------------------------------- confirm


@routes.callback_query(LoanConfirm.filter())
async def confirm(
    query: CallbackQuery,
    callback_data: LoanConfirm,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """Record the application, once; the service checks every answer and limit again."""
    data = await state.get_data()
    if await state.get_state() != LoanForm.preview.state or data.get(NONCE) != callback_data.nonce:
        await answer_stale_confirm(query, callback_data, state, actor, db)
        return
    await query.answer()
    message = message_of(query)
    member_id = await borrower_id_or_refuse(message, state, actor, db)
    if member_id is None:
        return
    try:
        detail = await submit_loan(
            db,
            member_id=member_id,
            product_id=data[PRODUCT_ID],
            amount=data[AMOUNT],
            tenor_months=data[TENOR],
            purpose=data[PURPOSE],
            business_type=data.get(BUSINESS_TYPE),
            collateral_description=data.get(COLLATERAL),
            collateral_file_id=data.get(COLLATERAL_FILE_ID),
            request_key=request_key(member_id, callback_data.nonce),
            now=utc_now(),
        )
    except KopdanaError as error:  # something changed since the preview: say what
        await leave(state)
        await message.answer(error_text(error), reply_markup=views.back_to_loans())
        return
    await leave(state)
    await state.update_data({DONE: {"nonce": callback_data.nonce, "id": detail.loan.id}})
    text, markup = views.submitted(detail)
    await message.answer(text, reply_markup=markup)


async def answer_stale_confirm(
    query: CallbackQuery,
    callback_data: LoanConfirm,
    state: FSMContext,
    actor: Actor,
    db: Database,
) -> None:
    """A Confirm whose nonce is not the one waiting: the second tap on a Confirm that took
    effect is told its loan; any other (after Edit, Cancel, /menu) made nothing."""
    done = (await state.get_data()).get(DONE) or {}
    if actor.member is not None and done.get("nonce") == callback_data.nonce:
        try:
            detail = await get_my_loan(db, member_id=actor.member.id, loan_id=done["id"])
        except LoanNotFound:
            pass
        else:
            await query.answer(_("loans.already_submitted").format(reference=detail.loan.reference))
            return
    await query.answer(_("loans.confirmation_expired"), show_alert=True)
