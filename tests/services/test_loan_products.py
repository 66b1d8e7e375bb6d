"""The loan data master: products, cost caps and limits are audited, and a product that
would cost more than its cap is refused with the numbers (both databases)."""

from __future__ import annotations

import dataclasses
import importlib.util
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from backend.db.engine import Database
from backend.db.migrate import upgrade_database
from backend.db.models_loans import LoanProduct
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import OJK_DEFAULT_CAPS, CostCap, CostCapExceeded, InvalidCostCaps
from backend.domain.errors import DuplicateCode, NotAllowedError
from backend.domain.loan_application import LoanRules
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import InvalidLoanProduct, InvalidLoanSettings, LoanProductNotFound
from backend.domain.schedule import InterestMethod
from backend.services import loan_applications, loan_products, loan_settings
from tests.loan_factories import NOW, as_staff, count, product_id, submit, verified_borrower

MIGRATION = Path(__file__).resolve().parents[2] / "backend/db/migrations/versions/0005_loans.py"


def fields(**overrides: Any) -> dict[str, Any]:
    """A consumer product well within its caps: flat 1 %/month, 1–5 juta, 2–6 months."""
    values: dict[str, Any] = {
        "code": "tb-01",
        "name_id": "Talangan Biaya Sekolah",
        "name_en": "School fee bridge",
        "kind": "consumer",
        "method": "flat",
        "rate_percent": Decimal("1"),
        "rate_period": "month",
        "min_amount": 1_000_000,
        "max_amount": 5_000_000,
        "min_tenor": 2,
        "max_tenor": 6,
        "admin_fee": 20_000,
        "late_fee_per_day": 1_000,
        "rounding_multiple": 100,
        "collateral_required": False,
    }
    values.update(overrides)
    return values


async def test_product_is_created_edited_and_switched_off_with_audit(seeded_db: Database) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    created = await loan_products.create_product(
        db, actor=admin, product=loan_products.build_product(**fields()), ip="10.0.0.1", now=NOW
    )
    assert created.code == "TB-01" and created.kind is LoanKind.CONSUMER
    assert created.rate_percent == Decimal("1") and created.method is InterestMethod.FLAT
    edited = await loan_products.update_product(
        db,
        actor=admin,
        product_id=created.id,
        product=loan_products.build_product(**fields(rate_percent=Decimal("1.25"))),
        ip="10.0.0.1",
        now=NOW,
    )
    assert edited.rate_percent == Decimal("1.25")
    off = await loan_products.set_product_active(
        db, actor=admin, product_id=created.id, active=False, ip="10.0.0.1", now=NOW
    )
    assert not off.active
    assert "TB-01" not in {p.code for p in await loan_products.list_active_products(db)}
    async with UnitOfWork(db, write=False) as uow:
        entries = (
            await uow.session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.object_type == "loan_product",
                    AuditEntry.object_id == str(created.id),
                )
                .order_by(AuditEntry.id)
            )
        ).all()
    assert [e.action for e in entries] == [
        "loan_product.created",
        "loan_product.updated",
        "loan_product.deactivated",
    ]
    assert entries[1].before == {"rate_micro_percent": 1_000_000}
    assert entries[1].after == {"rate_micro_percent": 1_250_000}
    assert entries[0].actor_label == "superadmin"


async def test_product_over_its_cap_is_refused_with_the_numbers(seeded_db: Database) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    before = await count(db, LoanProduct)
    # 9 % a month flat on a one-month loan: 9 % over 28 days = 0.3215 %/day > 0.3 %.
    pricey = fields(code="MAHAL", rate_percent=Decimal("9"), min_tenor=1, max_tenor=3, admin_fee=0)
    with pytest.raises(CostCapExceeded) as refused:
        await loan_products.create_product(
            db, actor=admin, product=loan_products.build_product(**pricey), ip="x", now=NOW
        )
    error = refused.value
    assert error.code == "error.cost_cap.daily"
    assert error.params["tenor"] == 1 and error.params["days"] == 28
    assert error.params["principal"] == 1_000_000
    assert error.params["total_cost"] == 90_000 and error.params["max_total_cost"] == 84_000
    assert error.params["daily_percent"] == Decimal("0.3215")
    assert error.params["cap_percent"] == Decimal("0.3")
    # A late fee above the cap on the smallest amount: 0.2 % of 1 juta is Rp 2.000 a day.
    with pytest.raises(CostCapExceeded) as late:
        await loan_products.create_product(
            db,
            actor=admin,
            product=loan_products.build_product(**fields(late_fee_per_day=2_001)),
            ip="x",
            now=NOW,
        )
    assert late.value.code == "error.cost_cap.late_fee"
    assert late.value.params["max_late_fee_per_day"] == 2_000
    assert await count(db, LoanProduct) == before


async def test_bad_product_terms_duplicate_codes_and_staff_without_permission_are_refused(
    seeded_db: Database,
) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    with pytest.raises(InvalidLoanProduct) as fee:
        loan_products.build_product(**fields(admin_fee=1_000_000))
    assert fee.value.code == "error.loan_product.admin_fee"
    with pytest.raises(InvalidLoanProduct) as kind:
        loan_products.build_product(**fields(kind="charity"))
    assert kind.value.params == {"field": "kind"}
    with pytest.raises(InvalidLoanProduct):
        loan_products.build_product(**fields(min_amount=6_000_000))
    with pytest.raises(DuplicateCode):
        await loan_products.create_product(
            db,
            actor=admin,
            product=loan_products.build_product(**fields(code="mum")),
            ip="x",
            now=NOW,
        )
    officer = await as_staff(db, "kredit.jkt")
    with pytest.raises(NotAllowedError):
        await loan_products.list_products(db, actor=officer)
    with pytest.raises(LoanProductNotFound):
        await loan_products.get_product(db, actor=admin, product_id=99_999)


async def test_a_loan_keeps_the_terms_it_was_submitted_with(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "k1", code="DD", amount=1_000_000, tenor_months=3)
    admin = await as_staff(db, "superadmin")
    dd = await loan_products.get_product(db, actor=admin, product_id=await product_id(db, "DD"))
    changed = {
        **{f.name: getattr(dd, f.name) for f in dataclasses.fields(dd) if f.name in fields()},
        "method": dd.method,
        "rate_percent": Decimal("1"),
        "admin_fee": 0,
        "name_en": "Emergency fund (new)",
    }
    await loan_products.update_product(
        db,
        actor=admin,
        product_id=dd.id,
        product=loan_products.build_product(**changed),
        ip="x",
        now=NOW,
    )
    again = await loan_applications.get_my_loan(db, member_id=borrower.id, loan_id=loan.loan.id)
    assert again.terms.rate_percent == Decimal("2") and again.terms.admin_fee == 10_000
    assert again.installments == loan.installments and again.cost == loan.cost
    assert again.terms.product_name_en == "Emergency fund (new)"  # names are not terms


async def test_cost_caps_start_as_ojk_defaults_and_changes_are_audited(
    seeded_db: Database,
) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    assert (await loan_settings.get_cost_caps(db, actor=admin)).caps == tuple(
        sorted(OJK_DEFAULT_CAPS, key=lambda c: (c.kind != LoanKind.PRODUCTIVE, c.min_months))
    )
    lower = [
        dataclasses.replace(c, daily_cap=Decimal("0.0025"), source="Keputusan rapat 2026")
        if c.kind is LoanKind.CONSUMER and c.min_months == 1
        else c
        for c in OJK_DEFAULT_CAPS
    ]
    saved = await loan_settings.replace_cost_caps(db, actor=admin, caps=lower, ip="x", now=NOW)
    assert Decimal("0.0025") in {c.daily_cap for c in saved.caps}
    reread = await loan_settings.get_cost_caps(db, actor=admin)
    assert set(reread.caps) == set(lower) and reread.updated_by == "superadmin"
    assert await count(db, AuditEntry, AuditEntry.action == "loan.cost_caps_changed") == 1

    with pytest.raises(InvalidCostCaps) as gap:
        await loan_settings.replace_cost_caps(db, actor=admin, caps=lower[1:], ip="x", now=NOW)
    assert gap.value.code == "error.cost_cap.gap"
    # The demo product DD (2 %/month flat, 1 month) costs 0.1429 %/day at 500rb for 28 days.
    tight = [
        CostCap(LoanKind.CONSUMER, 1, 6, Decimal("0.001"))
        if c.kind is LoanKind.CONSUMER and c.min_months == 1
        else c
        for c in lower
    ]
    with pytest.raises(InvalidCostCaps) as product:
        await loan_settings.replace_cost_caps(db, actor=admin, caps=tight, ip="x", now=NOW)
    assert product.value.code == "error.cost_cap.product_over_cap"
    assert product.value.params["product"] == "DD" and product.value.params["tenor"] == 1
    assert set((await loan_settings.get_cost_caps(db, actor=admin)).caps) == set(lower)


async def test_switching_a_product_on_checks_it_against_todays_caps(seeded_db: Database) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    dd = await product_id(db, "DD")
    await loan_products.set_product_active(
        db, actor=admin, product_id=dd, active=False, ip="x", now=NOW
    )
    tight = [
        CostCap(c.kind, c.min_months, c.max_months, Decimal("0.001"))
        if c.kind is LoanKind.CONSUMER
        else c
        for c in OJK_DEFAULT_CAPS
    ]
    await loan_settings.replace_cost_caps(db, actor=admin, caps=tight, ip="x", now=NOW)
    with pytest.raises(CostCapExceeded):
        await loan_products.set_product_active(
            db, actor=admin, product_id=dd, active=True, ip="x", now=NOW
        )


async def test_loan_settings_are_validated_and_audited(seeded_db: Database) -> None:
    db = seeded_db
    admin = await as_staff(db, "superadmin")
    assert (await loan_settings.get_loan_settings(db, actor=admin)).rules == LoanRules()
    rules = LoanRules(max_open_applications=1, max_exposure=0, second_approval_threshold=5_000_000)
    saved = await loan_settings.update_loan_settings(db, actor=admin, rules=rules, ip="x", now=NOW)
    assert saved.rules == rules == await loan_settings.get_loan_rules(db)
    async with UnitOfWork(db, write=False) as uow:
        entry = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "loan.settings_changed")
        )
    assert entry is not None
    assert entry.before == {
        "max_open_applications": 2,
        "max_exposure": 50_000_000,
        "second_approval_threshold": 10_000_000,
    }
    with pytest.raises(InvalidLoanSettings) as bad:
        LoanRules(max_open_applications=-1)
    assert bad.value.params["field"] == "max_open_applications"
    with pytest.raises(NotAllowedError):
        await loan_settings.get_loan_settings(db, actor=await as_staff(db, "manager.jkt"))


async def test_demo_products_are_seeded_once(seeded_db: Database) -> None:
    assert await loan_products.seed_loan_products(seeded_db, now=NOW) == 0
    codes = {p.code for p in await loan_products.list_active_products(seeded_db)}
    assert codes == {"MUM", "DD", "MUK"}


def test_the_migration_seeds_exactly_the_domains_ojk_caps() -> None:
    spec = importlib.util.spec_from_file_location("migration_0005", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    seeded = {
        CostCap(LoanKind(kind), low, high, Decimal(cap).scaleb(-6), f"{module._SOURCE}: {what}")
        for kind, low, high, cap, what in module._OJK_CAPS
    }
    assert seeded == set(OJK_DEFAULT_CAPS)


async def test_the_migration_grants_the_new_permission_to_an_existing_superadmin(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}"
    await upgrade_database(url, "0004")
    database = Database.from_url(url)
    try:
        async with UnitOfWork(database) as uow:
            await uow.session.execute(
                text(
                    "INSERT INTO staff_roles (id, code, name_id, name_en, active) "
                    "VALUES (1, 'superadmin', 'Superadmin', 'Superadmin', 1)"
                )
            )
            await uow.commit()
        await upgrade_database(url)
        async with UnitOfWork(database, write=False) as uow:
            granted = await uow.session.scalar(
                text(
                    "SELECT count(*) FROM staff_role_permissions "
                    "WHERE permission = 'loans.products'"
                )
            )
            caps = await uow.session.scalar(text("SELECT count(*) FROM loan_cost_caps"))
    finally:
        await database.dispose()
    assert granted == 1 and caps == 4
