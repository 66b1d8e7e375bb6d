"""API: the loan data master — products, cost caps and borrower limits (``loans.products``).

Mirrors the pages: the services validate, check products against their caps and audit
every change; refusals are ``{"error": {"code", "message"}}`` with the figures.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.loan_product_forms import readable_errors
from admin_web.routes.api_v1.loan_product_models import (
    CostCapsIn,
    CostCapsOut,
    LoanRulesIn,
    LoanSettingsOut,
    ProductIn,
    ProductOut,
)
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.schemas import ActiveIn, Id
from backend.domain.loans import ProductTerms
from backend.domain.permissions import Permission
from backend.services import loan_products, loan_settings
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["loan data master"])
Manager = Annotated[StaffView, require(Permission.LOANS_PRODUCTS)]
NOT_FOUND: Responses = documented(404, "No such product")
CONFLICT: Responses = documented(409, "The code is taken by another product")


def _terms(body: ProductIn, *, active: bool) -> ProductTerms:
    return loan_products.build_product(**body.model_dump(), active=active)


@router.get("/loan-products", response_model=list[ProductOut])
async def list_products(staff: Manager, db: DbDep) -> list[ProductOut]:
    """Every product, active first, then by code."""
    products = await loan_products.list_products(db, actor=staff)
    return [ProductOut.model_validate(p) for p in products]


@router.post("/loan-products", response_model=ProductOut, status_code=201, responses=CONFLICT)
async def create_product(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: ProductIn
) -> ProductOut:
    """A new product, offered at once; refused when any loan it can make exceeds its cap."""
    with readable_errors(request):
        product = await loan_products.create_product(
            db, actor=staff, product=_terms(body, active=True), ip=ip, now=now
        )
    return ProductOut.model_validate(product)


@router.get("/loan-products/{product_id}", response_model=ProductOut, responses=NOT_FOUND)
async def get_product(staff: Manager, db: DbDep, product_id: Id) -> ProductOut:
    product = await loan_products.get_product(db, actor=staff, product_id=product_id)
    return ProductOut.model_validate(product)


@router.put(
    "/loan-products/{product_id}",
    response_model=ProductOut,
    responses={**NOT_FOUND, **CONFLICT},
)
async def update_product(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    product_id: Id,
    body: ProductIn,
) -> ProductOut:
    """Replace a product's terms (all fields); loans already submitted keep theirs. Whether
    it is offered does not change here (``/active``)."""
    current = await loan_products.get_product(db, actor=staff, product_id=product_id)
    with readable_errors(request):
        product = await loan_products.update_product(
            db,
            actor=staff,
            product_id=product_id,
            product=_terms(body, active=current.active),
            ip=ip,
            now=now,
        )
    return ProductOut.model_validate(product)


@router.post("/loan-products/{product_id}/active", response_model=ProductOut, responses=NOT_FOUND)
async def set_product_active(
    request: Request,
    staff: Manager,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    product_id: Id,
    body: ActiveIn,
) -> ProductOut:
    """Stop offering a product (open loans keep their terms) or offer it again (checked
    against today's caps)."""
    with readable_errors(request):
        product = await loan_products.set_product_active(
            db, actor=staff, product_id=product_id, active=body.active, ip=ip, now=now
        )
    return ProductOut.model_validate(product)


@router.get("/loan-cost-caps", response_model=CostCapsOut)
async def get_cost_caps(staff: Manager, db: DbDep) -> CostCapsOut:
    """The cost caps in force by loan kind and tenor band (OJK's P2P caps by default)."""
    return CostCapsOut.of(await loan_settings.get_cost_caps(db, actor=staff))


@router.put("/loan-cost-caps", response_model=CostCapsOut)
async def replace_cost_caps(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: CostCapsIn
) -> CostCapsOut:
    """Replace the whole table; refused while an active product would exceed a new cap."""
    with readable_errors(request):
        caps = [cap.as_cap() for cap in body.caps]
        saved = await loan_settings.replace_cost_caps(db, actor=staff, caps=caps, ip=ip, now=now)
    return CostCapsOut.of(saved)


@router.get("/loan-settings", response_model=LoanSettingsOut)
async def get_loan_settings(staff: Manager, db: DbDep) -> LoanSettingsOut:
    """Borrower limits and the second-approval threshold, and who changed them last."""
    return LoanSettingsOut.of(await loan_settings.get_loan_settings(db, actor=staff))


@router.put("/loan-settings", response_model=LoanSettingsOut)
async def update_loan_settings(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: LoanRulesIn
) -> LoanSettingsOut:
    """Replace the limits (all fields)."""
    with readable_errors(request):
        saved = await loan_settings.update_loan_settings(
            db, actor=staff, rules=body.as_rules(), ip=ip, now=now
        )
    return LoanSettingsOut.of(saved)
