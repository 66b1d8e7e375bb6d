"""Test data for loans: verified borrowers, the demo products, submitted loans, staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select, update

from backend.db.engine import Database
from backend.db.models_loans import Loan
from backend.db.unit_of_work import UnitOfWork
from backend.domain.loan_application import LoanRules
from backend.domain.members import Role
from backend.services import (
    loan_applications,
    loan_products,
    loan_review,
    loan_settings,
    member_admin,
)
from backend.services.dto import MemberView
from backend.services.loan_dto import LoanDetail
from tests.factories import branch_id, registered_member
from tests.wallet_factories import NOW, as_staff

__all__ = ["NOW", "as_staff"]

NARRATIVE = "Ibu Siti berjualan sembako sejak 2015 dan ingin menambah stok menjelang Lebaran."
BORROWERS: dict[str, dict[str, Any]] = {
    # Valid NIKs for the birth date 17 Aug 1990: women add 40 to the day.
    "siti": {},
    "budi": {
        "telegram_user_id": 5002,
        "telegram_username": "budi_s",
        "full_name": "Budi Santoso",
        "nik": "3174051708900003",
        "bank_account_number": "002101234568",
        "bank_account_holder": "Budi Santoso",
    },
    "dewi": {
        "telegram_user_id": 5003,
        "telegram_username": "dewi_l",
        "full_name": "Dewi Lestari",
        "nik": "3174055708900004",
        "bank_account_number": "002101234569",
        "bank_account_holder": "Dewi Lestari",
    },
}


async def verified_borrower(
    db: Database, who: str = "siti", *, branch_code: str = "JKT01", **overrides: Any
) -> MemberView:
    """A registered, KYC-verified borrower (Siti Rahayu of JKT01 unless told otherwise)."""
    fields = {**BORROWERS[who], "roles": [Role.BORROWER], **overrides}
    member = await registered_member(db, branch_id=await branch_id(db, branch_code), **fields)
    admin = await as_staff(db, "superadmin")
    await member_admin.verify_member(db, actor=admin, member_id=member.id, ip="10.0.0.1", now=NOW)
    return member


async def product_id(db: Database, code: str) -> int:
    """The id of an active product (the demo products: MUM, DD, MUK)."""
    for product in await loan_products.list_active_products(db):
        if product.code == code:
            return product.id
    raise AssertionError(f"no active product {code}")


def application(**overrides: Any) -> dict[str, Any]:
    """A valid application for the demo product MUM (productive annuity, 1–10 juta)."""
    fields: dict[str, Any] = {
        "amount": 5_000_000,
        "tenor_months": 6,
        "purpose": "Tambah stok dagangan warung",
        "business_type": "Warung sembako",
        "collateral_description": None,
        "collateral_file_id": None,
        "now": NOW,
    }
    fields.update(overrides)
    return fields


async def submit(
    db: Database, member_id: int, key: str, *, code: str = "MUM", **overrides: Any
) -> LoanDetail:
    return await loan_applications.submit_loan(
        db,
        member_id=member_id,
        product_id=await product_id(db, code),
        request_key=key,
        **application(**overrides),
    )


async def reviewed_loan(db: Database, member_id: int, key: str, **overrides: Any) -> LoanDetail:
    """A loan under review with its narrative written by the JKT01 credit officer."""
    loan = await submit(db, member_id, key, **overrides)
    officer = await as_staff(db, "kredit.jkt")
    await loan_review.start_review(db, actor=officer, loan_id=loan.loan.id, ip="10.0.0.2", now=NOW)
    return await loan_review.save_narrative(
        db, actor=officer, loan_id=loan.loan.id, narrative=NARRATIVE, ip="10.0.0.2", now=NOW
    )


async def set_rules(db: Database, **values: int) -> LoanRules:
    admin = await as_staff(db, "superadmin")
    rules = LoanRules(**values)
    await loan_settings.update_loan_settings(db, actor=admin, rules=rules, ip="x", now=NOW)
    return rules


async def force_status(db: Database, loan_id: int, status: str) -> None:
    """Put a loan in a status the application services cannot reach yet (funding)."""
    async with UnitOfWork(db) as uow:
        await uow.session.execute(update(Loan).where(Loan.id == loan_id).values(status=status))
        await uow.commit()


async def count(db: Database, model: type, *conditions: Any) -> int:
    async with UnitOfWork(db, write=False) as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(model).where(*conditions))
            or 0
        )


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)
