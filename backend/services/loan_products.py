"""Loan products (data master): list, create, edit, switch on and off; the bot's offer.

A product is saved only if every loan it can make fits the cost caps in force
(``domain.loans.check_product_cost``); the refusal carries the numbers. Every change is
audited with its before and after values in the same transaction. Loans copy the terms
of their product when submitted, so an edit never changes an existing loan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.db.engine import Database
from backend.db.models_loans import LoanProduct
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import DuplicateCode
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import (
    InvalidLoanProduct,
    LoanProductNotFound,
    LoanTerms,
    ProductTerms,
    RatePeriod,
    check_product_cost,
    percent_units,
)
from backend.domain.permissions import Permission
from backend.domain.schedule import InterestMethod
from backend.services import ledger
from backend.services.access import require
from backend.services.admin_dto import StaffView
from backend.services.audit import SYSTEM, AuditActor, record, staff_actor
from backend.services.loan_dto import ProductView
from backend.services.loan_records import load_caps
from backend.services.loan_views import product_terms, product_view

E = TypeVar("E", bound=StrEnum)


def _choice(enum: type[E], value: object, field: str) -> E:
    try:
        return enum(str(value))
    except ValueError:
        raise InvalidLoanProduct(code="error.loan_product.choice", field=field) from None


def build_product(
    *,
    code: str,
    name_id: str,
    name_en: str,
    kind: LoanKind | str,
    method: InterestMethod | str,
    rate_percent: Decimal,
    rate_period: RatePeriod | str,
    min_amount: int,
    max_amount: int,
    min_tenor: int,
    max_tenor: int,
    admin_fee: int,
    late_fee_per_day: int,
    rounding_multiple: int,
    collateral_required: bool,
    active: bool = True,
) -> ProductTerms:
    """Product terms from a form's values, validated (``InvalidLoanProduct``, or the
    schedule engine's ``InvalidScheduleTerms`` for the rate). Caps are checked on save."""
    return ProductTerms(
        code=code,
        name_id=name_id,
        name_en=name_en,
        terms=LoanTerms(
            kind=_choice(LoanKind, kind, "kind"),
            method=_choice(InterestMethod, method, "method"),
            rate_percent=rate_percent,
            rate_period=_choice(RatePeriod, rate_period, "rate_period"),
            admin_fee=admin_fee,
            late_fee_per_day=late_fee_per_day,
            rounding_multiple=rounding_multiple,
        ),
        min_amount=min_amount,
        max_amount=max_amount,
        min_tenor=min_tenor,
        max_tenor=max_tenor,
        collateral_required=collateral_required,
        active=active,
    )


def _columns(product: ProductTerms) -> dict[str, Any]:
    terms = product.terms
    return {
        "code": product.code,
        "name_id": product.name_id,
        "name_en": product.name_en,
        "kind": terms.kind.value,
        "interest_method": terms.method.value,
        "rate_micro_percent": percent_units(terms.rate_percent),
        "rate_period": terms.rate_period.value,
        "min_amount": product.min_amount,
        "max_amount": product.max_amount,
        "min_tenor": product.min_tenor,
        "max_tenor": product.max_tenor,
        "admin_fee": terms.admin_fee,
        "late_fee_per_day": terms.late_fee_per_day,
        "rounding_multiple": terms.rounding_multiple,
        "collateral_required": product.collateral_required,
        "active": product.active,
    }


def _snapshot(row: LoanProduct) -> dict[str, Any]:
    return {name: getattr(row, name) for name in _columns(product_terms(row))}


async def _unique_code(uow: UnitOfWork, code: str, *, except_id: int | None = None) -> None:
    statement = select(LoanProduct.id).where(LoanProduct.code == code)
    if except_id is not None:
        statement = statement.where(LoanProduct.id != except_id)
    if await uow.session.scalar(statement) is not None:
        raise DuplicateCode(value=code)


async def _saving(db: Database, work: Any, code: str) -> ProductView:
    """Run ``work``; a code taken by a concurrent save is the same clear refusal."""
    try:
        result: ProductView = await ledger.in_transaction(db, work)
    except IntegrityError as error:
        if "code" in str(error.orig):
            raise DuplicateCode(value=code) from None
        raise
    return result


async def _fits_caps(uow: UnitOfWork, product: ProductTerms) -> None:
    check_product_cost(product, await load_caps(uow))


async def list_products(db: Database, *, actor: StaffView) -> tuple[ProductView, ...]:
    """Every product, active first, then by code (needs ``loans.products``)."""
    require(actor, Permission.LOANS_PRODUCTS)
    async with UnitOfWork(db, write=False) as uow:
        rows = await uow.session.scalars(
            select(LoanProduct).order_by(LoanProduct.active.desc(), LoanProduct.code)
        )
        return tuple(product_view(row) for row in rows)


async def get_product(db: Database, *, actor: StaffView, product_id: int) -> ProductView:
    require(actor, Permission.LOANS_PRODUCTS)
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.get(LoanProduct, product_id)
        if row is None:
            raise LoanProductNotFound()
        return product_view(row)


async def list_active_products(db: Database) -> tuple[ProductView, ...]:
    """The products a borrower may choose from, by code (the bot's first step)."""
    async with UnitOfWork(db, write=False) as uow:
        rows = await uow.session.scalars(
            select(LoanProduct).where(LoanProduct.active.is_(True)).order_by(LoanProduct.code)
        )
        return tuple(product_view(row) for row in rows)


async def _create(
    uow: UnitOfWork, product: ProductTerms, *, actor: AuditActor, now: dt.datetime
) -> LoanProduct:
    await _unique_code(uow, product.code)
    await _fits_caps(uow, product)
    row = LoanProduct(**_columns(product), created_at=now, updated_at=now, updated_by=actor.label)
    uow.session.add(row)
    await uow.session.flush()
    record(
        uow,
        actor=actor,
        action="loan_product.created",
        object_type="loan_product",
        object_id=row.id,
        now=now,
        after=_snapshot(row),
    )
    return row


async def create_product(
    db: Database, *, actor: StaffView, product: ProductTerms, ip: str, now: dt.datetime
) -> ProductView:
    """Add a product (``build_product`` makes ``product`` from a form); audited.

    Raises ``DuplicateCode`` (``value``), ``CostCapExceeded`` (with the figures of the
    first amount and tenor over its cap), ``InvalidScheduleTerms`` (a rounding multiple too
    coarse for some amount and tenor).
    """
    require(actor, Permission.LOANS_PRODUCTS)

    async def work(uow: UnitOfWork) -> ProductView:
        return product_view(await _create(uow, product, actor=staff_actor(actor, ip), now=now))

    return await _saving(db, work, product.code)


async def update_product(
    db: Database,
    *,
    actor: StaffView,
    product_id: int,
    product: ProductTerms,
    ip: str,
    now: dt.datetime,
) -> ProductView:
    """Save new terms for a product; loans already submitted keep theirs. Audited with the
    changed values only. Raises as ``create_product``, and ``LoanProductNotFound``."""
    require(actor, Permission.LOANS_PRODUCTS)

    async def work(uow: UnitOfWork) -> ProductView:
        row = await uow.session.get(LoanProduct, product_id, with_for_update=True)
        if row is None:
            raise LoanProductNotFound()
        await _unique_code(uow, product.code, except_id=row.id)
        await _fits_caps(uow, product)
        before = _snapshot(row)
        values = _columns(product)
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now
        row.updated_by = actor.username
        changed = {k: v for k, v in values.items() if before[k] != v}
        if changed:
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="loan_product.updated",
                object_type="loan_product",
                object_id=row.id,
                now=now,
                before={k: before[k] for k in changed},
                after=changed,
            )
        await uow.session.flush()
        return product_view(row)

    return await _saving(db, work, product.code)


async def set_product_active(
    db: Database, *, actor: StaffView, product_id: int, active: bool, ip: str, now: dt.datetime
) -> ProductView:
    """Offer a product again, or stop offering it (open loans are not affected). Switching
    one on checks it against today's caps (``CostCapExceeded``)."""
    require(actor, Permission.LOANS_PRODUCTS)

    async def work(uow: UnitOfWork) -> ProductView:
        row = await uow.session.get(LoanProduct, product_id, with_for_update=True)
        if row is None:
            raise LoanProductNotFound()
        if row.active != active:
            if active:
                await _fits_caps(uow, product_terms(row))
            row.active = active
            row.updated_at = now
            row.updated_by = actor.username
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="loan_product." + ("activated" if active else "deactivated"),
                object_type="loan_product",
                object_id=row.id,
                now=now,
                before={"active": not active},
                after={"active": active},
            )
            await uow.session.flush()
        return product_view(row)

    return await ledger.in_transaction(db, work)


DEMO_PRODUCTS: tuple[dict[str, Any], ...] = (
    {
        "code": "MUM",
        "name_id": "Modal Usaha Mikro",
        "name_en": "Micro business capital",
        "kind": LoanKind.PRODUCTIVE,
        "method": InterestMethod.ANNUITY,
        "rate_percent": Decimal("1.5"),
        "rate_period": RatePeriod.MONTH,
        "min_amount": 1_000_000,
        "max_amount": 10_000_000,
        "min_tenor": 3,
        "max_tenor": 12,
        "admin_fee": 25_000,
        "late_fee_per_day": 1_000,
        "rounding_multiple": 100,
        "collateral_required": False,
    },
    {
        "code": "DD",
        "name_id": "Dana Darurat",
        "name_en": "Emergency fund",
        "kind": LoanKind.CONSUMER,
        "method": InterestMethod.FLAT,
        "rate_percent": Decimal("2"),
        "rate_period": RatePeriod.MONTH,
        "min_amount": 500_000,
        "max_amount": 3_000_000,
        "min_tenor": 1,
        "max_tenor": 6,
        "admin_fee": 10_000,
        "late_fee_per_day": 1_000,
        "rounding_multiple": 100,
        "collateral_required": False,
    },
    {
        "code": "MUK",
        "name_id": "Modal Usaha Kecil",
        "name_en": "Small business capital",
        "kind": LoanKind.PRODUCTIVE,
        "method": InterestMethod.EQUAL_PRINCIPAL,
        "rate_percent": Decimal("12"),
        "rate_period": RatePeriod.YEAR,
        "min_amount": 5_000_000,
        "max_amount": 25_000_000,
        "min_tenor": 6,
        "max_tenor": 24,
        "admin_fee": 100_000,
        "late_fee_per_day": 5_000,
        "rounding_multiple": 1_000,
        "collateral_required": True,
    },
)
"""Demo products, within OJK's default caps (checked when seeded, like any product)."""


async def seed_loan_products(db: Database, *, now: dt.datetime) -> int:
    """Create the demo products whose codes do not exist yet; returns how many. Idempotent."""

    async def work(uow: UnitOfWork) -> int:
        existing = set(await uow.session.scalars(select(LoanProduct.code)))
        created = 0
        for fields in DEMO_PRODUCTS:
            if fields["code"] in existing:
                continue
            await _create(uow, build_product(**fields), actor=SYSTEM, now=now)
            created += 1
        return created

    return await ledger.in_transaction(db, work)
