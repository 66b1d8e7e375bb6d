"""Loan products (data master): list, create, edit, switch on and off.

A product is saved only if every loan it can make fits its cost cap; the services check
that and audit every change. A refusal is shown next to the form with its numbers (for a
cap, the amount and tenor that failed, the daily cost and the cap).
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.loan_product_forms import (
    EXAMPLE_RATE,
    ProductForm,
    decimal_text,
    form_of_product,
    product_from_form,
    readable,
)
from admin_web.rendering import redirect, render
from admin_web.schemas import ActiveIn, Id
from backend.domain.cost_caps import CostCapExceeded
from backend.domain.errors import ConflictError, KopdanaError, ValidationError
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import MAX_PRODUCT_TENOR, RatePeriod
from backend.domain.permissions import Permission
from backend.domain.schedule import InterestMethod, RoundingMode
from backend.services import loan_products
from backend.services.admin_dto import StaffView
from backend.services.loan_dto import ProductView

router = APIRouter(include_in_schema=False)
Manager = Annotated[StaffView, require(Permission.LOANS_PRODUCTS)]
LIST = "/loan-products"


def _form_page(
    request: Request,
    *,
    product: ProductView | None,
    values: ProductForm | None = None,
    error: KopdanaError | None = None,
) -> Response:
    """The product form: new (``product`` None) or edit, refilled after a refused save."""
    t = translator(request)
    if values is None:
        values = form_of_product(product, t.language) if product else ProductForm()
    return render(
        request,
        "loan_products/form.html",
        {
            "product": product,
            "values": values,
            "error": readable(error, t) if error else None,
            # A cap refusal's figures name the loan that failed: shown above the message.
            "cap_refusal": error if isinstance(error, CostCapExceeded) else None,
            "kinds": LoanKind,
            "methods": InterestMethod,
            "rate_periods": RatePeriod,
            "rounding": RoundingMode.HALF_EVEN,  # every product rounds so (LoanTerms)
            "decimal": partial(decimal_text, language=t.language),
            "example_rate": EXAMPLE_RATE,
            "max_tenor": MAX_PRODUCT_TENOR,
        },
        status_code=status_for(error) if error else 200,
    )


@router.get(LIST)
async def product_list(request: Request, staff: Manager, db: DbDep) -> Response:
    products = await loan_products.list_products(db, actor=staff)
    language = translator(request).language
    return render(
        request,
        "loan_products/list.html",
        {"products": products, "decimal": partial(decimal_text, language=language)},
    )


@router.get(LIST + "/new")
async def new_product(request: Request, staff: Manager) -> Response:
    return _form_page(request, product=None)


@router.post(LIST)
async def create_product(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    form: Annotated[ProductForm, form_of(ProductForm)],
) -> Response:
    try:
        terms = product_from_form(form, language=translator(request).language, active=True)
        product = await loan_products.create_product(db, actor=staff, product=terms, ip=ip, now=now)
    except (ValidationError, ConflictError) as error:
        return _form_page(request, product=None, values=form, error=error)
    return redirect(f"{LIST}/{product.id}", flash=lazy_gettext("admin.flash.saved"))


@router.get(LIST + "/{product_id}")
async def product_detail(request: Request, staff: Manager, db: DbDep, product_id: Id) -> Response:
    product = await loan_products.get_product(db, actor=staff, product_id=product_id)
    return _form_page(request, product=product)


@router.post(LIST + "/{product_id}")
async def update_product(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    product_id: Id,
    form: Annotated[ProductForm, form_of(ProductForm)],
) -> Response:
    current = await loan_products.get_product(db, actor=staff, product_id=product_id)
    try:
        # Saving terms never switches a product on or off: that is its own action.
        terms = product_from_form(
            form, language=translator(request).language, active=current.active
        )
        await loan_products.update_product(
            db, actor=staff, product_id=product_id, product=terms, ip=ip, now=now
        )
    except (ValidationError, ConflictError) as error:
        return _form_page(request, product=current, values=form, error=error)
    return redirect(f"{LIST}/{product_id}", flash=lazy_gettext("admin.flash.saved"))


@router.post(LIST + "/{product_id}/active")
async def set_product_active(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    product_id: Id,
    form: Annotated[ActiveIn, form_of(ActiveIn)],
) -> Response:
    try:
        await loan_products.set_product_active(
            db, actor=staff, product_id=product_id, active=form.active, ip=ip, now=now
        )
    except CostCapExceeded as error:  # switching on re-checks today's caps
        product = await loan_products.get_product(db, actor=staff, product_id=product_id)
        return _form_page(request, product=product, error=error)
    return redirect(f"{LIST}/{product_id}", flash=lazy_gettext("admin.flash.saved"))
