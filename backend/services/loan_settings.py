"""Loan data master besides products: the cost caps table and the borrower limits.

The caps table is saved whole (``validate_cost_caps``: every tenor of each kind in exactly
one band) and only if every *active* product still fits it; an inactive one is checked
again when switched on. Every change is audited with before and after values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from backend.db.engine import Database
from backend.db.models_loans import LoanCostCap, LoanProduct, LoanSettingsRow
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import CostCap, CostCapExceeded, InvalidCostCaps, validate_cost_caps
from backend.domain.loan_application import LoanRules
from backend.domain.loans import check_product_cost
from backend.domain.permissions import Permission
from backend.services import ledger
from backend.services.access import require
from backend.services.admin_dto import StaffView
from backend.services.audit import record, staff_actor
from backend.services.clock import as_utc
from backend.services.loan_dto import CostCapsView, LoanSettingsView
from backend.services.loan_records import SETTINGS_ROW_ID, cap_units, load_caps, rules_of
from backend.services.loan_views import product_terms

# ------------------------------------------------------------------------- cost caps


def _cap_dict(cap: CostCap) -> dict[str, Any]:
    return {
        "kind": cap.kind.value,
        "min_months": cap.min_months,
        "max_months": cap.max_months,
        "daily_cap": str(cap.daily_cap),
        "source": cap.source,
    }


async def get_cost_caps(db: Database, *, actor: StaffView) -> CostCapsView:
    """The caps in force, by kind and band, with the last change (needs ``loans.products``)."""
    require(actor, Permission.LOANS_PRODUCTS)
    async with UnitOfWork(db, write=False) as uow:
        caps = validate_cost_caps(await load_caps(uow))
        last = await uow.session.scalar(
            select(LoanCostCap).order_by(LoanCostCap.updated_at.desc(), LoanCostCap.id).limit(1)
        )
        return CostCapsView(
            caps=caps,
            updated_at=as_utc(last.updated_at) if last else None,
            updated_by=last.updated_by if last else "",
        )


async def replace_cost_caps(
    db: Database, *, actor: StaffView, caps: Sequence[CostCap], ip: str, now: dt.datetime
) -> CostCapsView:
    """Save a new caps table (``CostCap`` rows, each valid by construction); audited.

    Raises ``InvalidCostCaps``: ``error.cost_cap.overlap``/``gap`` for a table that does
    not cover each tenor exactly once, ``error.cost_cap.product_over_cap`` (``product``,
    ``tenor``, ``daily_percent``, ``cap_percent``) when an active product would cost more
    than the new cap: lower its price or switch it off first.
    """
    require(actor, Permission.LOANS_PRODUCTS)
    table = validate_cost_caps(caps)

    async def work(uow: UnitOfWork) -> CostCapsView:
        before = [_cap_dict(c) for c in validate_cost_caps(await load_caps(uow))]
        products = await uow.session.scalars(
            select(LoanProduct).where(LoanProduct.active.is_(True)).order_by(LoanProduct.code)
        )
        for row in products:
            try:
                check_product_cost(product_terms(row), table)
            except CostCapExceeded as refused:
                figures = refused.params
                raise InvalidCostCaps(
                    code="error.cost_cap.product_over_cap",
                    product=row.code,
                    tenor=figures.get("tenor", ""),
                    # A late fee over the cap has no daily cost of the loan: its own
                    # percentage a day is the figure that breaks the cap.
                    daily_percent=figures.get("daily_percent", figures.get("late_fee_percent", "")),
                    cap_percent=figures.get("cap_percent", ""),
                ) from None
        await uow.session.execute(delete(LoanCostCap))
        for cap in table:
            uow.session.add(
                LoanCostCap(
                    kind=cap.kind.value,
                    min_months=cap.min_months,
                    max_months=cap.max_months,
                    daily_cap_millionths=cap_units(cap.daily_cap),
                    source=cap.source,
                    updated_at=now,
                    updated_by=actor.username,
                )
            )
        after = [_cap_dict(c) for c in table]
        if after != before:
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="loan.cost_caps_changed",
                object_type="loan_cost_caps",
                object_id=None,
                now=now,
                before={"caps": before},
                after={"caps": after},
            )
        return CostCapsView(caps=table, updated_at=now, updated_by=actor.username)

    return await ledger.in_transaction(db, work)


# ------------------------------------------------------------------------- limits


async def get_loan_rules(db: Database) -> LoanRules:
    """The borrower limits in force (for the bot to explain them)."""
    async with UnitOfWork(db, write=False) as uow:
        return rules_of(await uow.session.get(LoanSettingsRow, SETTINGS_ROW_ID))


async def get_loan_settings(db: Database, *, actor: StaffView) -> LoanSettingsView:
    require(actor, Permission.LOANS_PRODUCTS)
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.get(LoanSettingsRow, SETTINGS_ROW_ID)
        return LoanSettingsView(
            rules=rules_of(row),
            updated_at=as_utc(row.updated_at) if row else None,
            updated_by=row.updated_by if row else "",
        )


async def update_loan_settings(
    db: Database, *, actor: StaffView, rules: LoanRules, ip: str, now: dt.datetime
) -> LoanSettingsView:
    """Save the borrower limits and the second-approval threshold (``LoanRules`` validates
    itself: ``InvalidLoanSettings``); audited with the changed values."""
    require(actor, Permission.LOANS_PRODUCTS)

    async def work(uow: UnitOfWork) -> LoanSettingsView:
        row = await uow.session.get(LoanSettingsRow, SETTINGS_ROW_ID, with_for_update=True)
        before = dataclasses.asdict(rules_of(row))
        values = dataclasses.asdict(rules)
        if row is None:
            row = LoanSettingsRow(id=SETTINGS_ROW_ID, updated_at=now, **values)
            uow.session.add(row)
        else:
            for name, value in values.items():
                setattr(row, name, value)
        row.updated_at = now
        row.updated_by = actor.username
        changed = {k: v for k, v in values.items() if before[k] != v}
        if changed:
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="loan.settings_changed",
                object_type="loan_settings",
                object_id=SETTINGS_ROW_ID,
                now=now,
                before={k: before[k] for k in changed},
                after=changed,
            )
        return LoanSettingsView(rules=rules, updated_at=now, updated_by=actor.username)

    return await ledger.in_transaction(db, work)
