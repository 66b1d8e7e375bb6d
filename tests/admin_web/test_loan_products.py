"""Loan products in the panel: listed with their terms as people read them, created,
edited and switched off with an audit trail; wrong terms refused next to the form with
the reason (for a product over its OJK cap: the loan, its daily cost and the cap); only
holders of ``loans.products`` get in; the JSON API does the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from admin_web import labels
from backend.db.engine import Database
from backend.db.models_loans import LoanProduct
from backend.db.models_staff import AuditEntry
from backend.domain.loan_terms import LoanKind
from backend.domain.loans import RatePeriod
from backend.domain.schedule import InterestMethod, RoundingMode
from backend.services import loan_products
from tests.admin_web.conftest import DEMO_USERS, log_in, message, panel_client
from tests.loan_factories import count

PRODUCT = {
    "code": "tb-01",
    "name_id": "Talangan Biaya Sekolah",
    "name_en": "School fee bridge",
    "kind": "consumer",
    "method": "flat",
    "rate_percent": "1,25",
    "rate_period": "month",
    "min_amount": "1.000.000",
    "max_amount": "5 juta",
    "min_tenor": "2",
    "max_tenor": "6",
    "admin_fee": "20.000",
    "late_fee_per_day": "1.000",
    "rounding_multiple": "100",
}


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


async def product_row(client: httpx.AsyncClient, code: str) -> dict[str, Any]:
    listed = (await client.get("/api/v1/loan-products")).json()
    return next(p for p in listed if p["code"] == code)


async def audit_rows(db: Database, action: str) -> int:
    """Audit entries of ``action`` written for staff (the demo seed's are the system's)."""
    return await count(
        db, AuditEntry, AuditEntry.action == action, AuditEntry.actor_type == "staff"
    )


def table_row(page: str, code: str) -> str:
    """The list's row of the product ``code`` (its cells, as HTML)."""
    start = page.index(f">{code}</a>")
    return page[start : page.index("</tr>", start)]


async def test_the_list_shows_each_product_as_staff_read_it(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    page = await admin.get("/loan-products")
    assert page.status_code == 200
    row = table_row(page.text, "MUM")  # the demo's micro business capital
    for shown in (
        "Modal Usaha Mikro",
        message(app, "admin.loan.kind.productive"),
        message(app, "admin.loan.method.annuity"),
        "1,5 % per bulan",
        "Rp 1.000.000 – Rp 10.000.000",
        "3–12 bulan",
        message(app, "admin.common.active"),
    ):
        assert shown in row
    assert "12 % per tahun" in table_row(page.text, "MUK")  # stated yearly, shown so
    admin.cookies.set("lang", "en", domain="127.0.0.1")
    row = table_row((await admin.get("/loan-products")).text, "MUM")
    assert "Micro business capital" in row and "1,5 % a month" in row and "3–12 months" in row


async def test_a_product_is_created_edited_and_switched_off_with_an_audit_trail(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    form = await admin.get("/loan-products/new")
    assert form.status_code == 200 and 'name="rate_percent"' in form.text
    created = await admin.post("/loan-products", data=PRODUCT)
    assert created.status_code == 303
    page = await admin.get(created.headers["location"])
    assert message(app, "admin.flash.saved") in page.text
    assert 'value="TB-01"' in page.text and 'value="1,25"' in page.text  # as saved
    assert 'value="5.000.000"' in page.text
    product = await product_row(admin, "TB-01")
    assert (product["rate_percent"], product["max_amount"], product["admin_fee"]) == (
        "1.25",
        5_000_000,
        20_000,
    )
    assert product["collateral_required"] is False and product["active"] is True

    edited = await admin.post(
        created.headers["location"],
        data={**PRODUCT, "rate_percent": "1,5", "max_tenor": "5", "collateral_required": "true"},
    )
    assert edited.status_code == 303
    row = table_row((await admin.get("/loan-products")).text, "TB-01")
    assert "1,5 % per bulan" in row and "2–5 bulan" in row

    off = await admin.post(f"/loan-products/{product['id']}/active", data={"active": "false"})
    assert off.status_code == 303
    row = table_row((await admin.get("/loan-products")).text, "TB-01")
    assert message(app, "admin.common.inactive") in row
    assert "TB-01" not in {p.code for p in await loan_products.list_active_products(seeded_db)}
    # Saving terms of a product that is off leaves it off.
    again = await admin.post(created.headers["location"], data=PRODUCT)
    assert again.status_code == 303
    assert (await product_row(admin, "TB-01"))["active"] is False

    audit = (await admin.get("/api/v1/audit", params={"action": "loan_product."})).json()
    audit["entries"] = [e for e in audit["entries"] if e["actor_type"] == "staff"]
    actions = sorted(e["action"] for e in audit["entries"])
    assert actions == [
        "loan_product.created",
        "loan_product.deactivated",
        "loan_product.updated",
        "loan_product.updated",
    ]
    first_edit = next(
        e
        for e in reversed(audit["entries"])
        if e["action"] == "loan_product.updated"  # oldest first after reversing
    )
    assert first_edit["before"]["rate_micro_percent"] == 1_250_000
    assert first_edit["after"]["rate_micro_percent"] == 1_500_000
    assert first_edit["after"]["collateral_required"] is True
    assert {e["actor_label"] for e in audit["entries"]} == {"superadmin"}


async def test_rates_are_typed_with_the_decimal_comma_in_both_languages(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    # English is en_ID, as Indonesians write numbers (docs/DECISIONS.md): 1,25 in both.
    pointed = {**PRODUCT, "rate_percent": "1.25"}  # a thousand and a quarter, or 1¼?
    refused = await admin.post("/loan-products", data=pointed)
    assert refused.status_code == 422
    assert (
        message(app, "error.loan_form.decimal", field="Suku bunga (%)", example="1,5")
        in refused.text
    )
    admin.cookies.set("lang", "en", domain="127.0.0.1")
    refused = await admin.post("/loan-products", data=pointed)
    assert refused.status_code == 422
    assert (
        message(app, "error.loan_form.decimal", "en", field="Interest rate (%)", example="1,5")
        in refused.text
    )
    accepted = await admin.post("/loan-products", data=PRODUCT)
    assert accepted.status_code == 303
    page = await admin.get(accepted.headers["location"])
    assert 'value="1,25"' in page.text and "Interest rate (%)" in page.text
    assert (await product_row(admin, "TB-01"))["rate_percent"] == "1.25"


@pytest.mark.parametrize(
    ("change", "status", "code", "params"),
    [
        ({"code": ""}, 422, "error.loan_product.code", {}),
        ({"code": "mum"}, 409, "error.duplicate_code", {"value": "MUM"}),  # a demo product's
        (
            {"min_amount": "6.000.000"},
            422,
            "error.loan_product.amount_range",
            {"maximum": "Rp 1.000.000.000.000.000"},
        ),
        ({"min_tenor": "7"}, 422, "error.loan_product.tenor_range", {"months": 120}),
        ({"rate_percent": "100,5"}, 422, "error.schedule.rate_range", {"maximum": "100"}),
        ({"rate_percent": "1,5%"}, 303, "", {}),  # a percent sign is fine
        (
            {"max_tenor": "enam"},
            422,
            "error.loan_form.whole_number",
            {"field": "Tenor maksimal (bulan)"},
        ),
        (
            {"admin_fee": "1.000.000"},
            422,
            "error.loan_product.admin_fee",
            {"minimum": "Rp 1.000.000"},
        ),
        ({"kind": "gadai"}, 422, "error.loan_product.choice", {"field": "kind"}),
        (
            {"name_en": "X"},
            422,
            "error.loan_product.name",
            {"field": "Nama (Bahasa Inggris)", "min": 3, "max": 100},
        ),
    ],
)
async def test_wrong_terms_are_refused_with_the_reason_and_save_nothing(
    app: FastAPI,
    admin: httpx.AsyncClient,
    seeded_db: Database,
    change: dict[str, str],
    status: int,
    code: str,
    params: dict[str, object],
) -> None:
    before = await count(seeded_db, LoanProduct)
    response = await admin.post("/loan-products", data={**PRODUCT, **change})
    assert response.status_code == status
    if status == 303:
        return
    if params.get("field") == "kind":
        params = {"field": message(app, "admin.loan.field.kind")}
    assert message(app, code, **params) in response.text
    assert 'value="Talangan Biaya Sekolah"' in response.text  # the form keeps what was typed
    assert await count(seeded_db, LoanProduct) == before
    assert await audit_rows(seeded_db, "loan_product.created") == 0


async def test_a_product_over_its_ojk_cap_is_refused_with_the_loan_its_cost_and_the_cap(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    # 10 % a month flat on Rp 1.000.000 for one month: Rp 100.000 of interest. The month
    # can be as short as 28 days (February), so the cost is 100.000 / 1.000.000 / 28 =
    # 0,35714… % a day (shown rounded up: 0,3572) against the consumer cap of 0,3 % under
    # six months, which allows at most ⌊0,003 × 28 × 1.000.000⌋ = Rp 84.000.
    pricey = {
        **PRODUCT,
        "rate_percent": "10",
        "min_amount": "1.000.000",
        "max_amount": "1.000.000",
        "min_tenor": "1",
        "max_tenor": "1",
        "admin_fee": "0",
        "late_fee_per_day": "0",
        "rounding_multiple": "1",
    }
    response = await admin.post("/loan-products", data=pricey)
    assert response.status_code == 422
    assert (
        message(app, "admin.loan_products.cap_refusal", principal="Rp 1.000.000", tenor=1, days=28)
        in response.text
    )
    assert (
        message(
            app,
            "error.cost_cap.daily",
            total_cost="Rp 100.000",
            days=28,
            daily_percent="0,3572",
            cap_percent="0,3",
            max_total_cost="Rp 84.000",
        )
        in response.text
    )
    assert await audit_rows(seeded_db, "loan_product.created") == 0
    # At 8,4 % it costs exactly the cap and is accepted.
    accepted = await admin.post("/loan-products", data={**pricey, "rate_percent": "8,4"})
    assert accepted.status_code == 303


async def test_switching_a_product_on_rechecks_it_against_todays_caps(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    product = await product_row(admin, "DD")  # consumer, flat 2 %/month, 1–6 months
    url = f"/loan-products/{product['id']}"
    assert (await admin.post(url + "/active", data={"active": "false"})).status_code == 303
    caps = (await admin.get("/api/v1/loan-cost-caps")).json()["caps"]
    lowered = [{**c, "cap_percent": "0.05"} if c["kind"] == "consumer" else c for c in caps]
    saved = await admin.put("/api/v1/loan-cost-caps", json={"caps": lowered})
    assert saved.status_code == 200, saved.text  # DD is off, so it does not hold caps up
    refused = await admin.post(url + "/active", data={"active": "true"})
    assert refused.status_code == 422
    assert (
        message(app, "admin.loan_products.cap_refusal", principal="Rp 500.000", tenor=1, days=28)
        in refused.text
    )
    assert (await product_row(admin, "DD"))["active"] is False


@pytest.mark.parametrize("role", ["credit_officer", "treasurer", "auditor", "branch_manager"])
async def test_only_holders_of_the_products_permission_see_or_change_products(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database, role: str
) -> None:
    product = await product_row(admin, "MUM")
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, DEMO_USERS[role])
        dashboard = await client.get("/")
        assert 'href="/loan-products"' not in dashboard.text
        for url in ("/loan-products", "/loan-products/new", f"/loan-products/{product['id']}"):
            assert (await client.get(url)).status_code == 403
        assert (await client.post("/loan-products", data=PRODUCT)).status_code == 403
        assert (
            await client.post(f"/loan-products/{product['id']}/active", data={"active": "false"})
        ).status_code == 403
        assert (await client.get("/api/v1/loan-products")).status_code == 403
        api = await client.post(
            f"/api/v1/loan-products/{product['id']}/active", json={"active": False}
        )
        assert api.status_code == 403
    assert (await product_row(admin, "MUM"))["active"] is True
    assert await count(seeded_db, LoanProduct, LoanProduct.code == "TB-01") == 0
    assert 'href="/loan-products"' in (await admin.get("/")).text  # superadmin's menu


async def test_a_form_without_the_csrf_token_changes_nothing(
    app: FastAPI, seeded_db: Database
) -> None:
    async with panel_client(app) as client:
        await log_in(client, "superadmin")  # no X-CSRF-Token header, no form token
        refused = await client.post("/loan-products", data=PRODUCT)
        assert refused.status_code == 403
        assert message(app, "error.csrf_rejected") in refused.text
    assert await count(seeded_db, LoanProduct, LoanProduct.code == "TB-01") == 0


async def test_the_api_creates_reads_edits_and_switches_off_a_product(
    admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    body = {
        "code": "TB-02",
        "name_id": "Talangan Biaya Sekolah",
        "name_en": "School fee bridge",
        "kind": "consumer",
        "method": "annuity",
        "rate_percent": "18",
        "rate_period": "year",
        "min_amount": 1_000_000,
        "max_amount": 5_000_000,
        "min_tenor": 2,
        "max_tenor": 6,
        "admin_fee": 20_000,
        "late_fee_per_day": 1_000,
        "rounding_multiple": 100,
        "collateral_required": True,
    }
    created = await admin.post("/api/v1/loan-products", json=body)
    assert created.status_code == 201, created.text
    product = created.json()
    assert (product["rate_percent"], product["rate_period"], product["active"]) == (
        "18",
        "year",
        True,
    )
    url = f"/api/v1/loan-products/{product['id']}"
    assert (await admin.get(url)).json()["name_en"] == "School fee bridge"
    edited = await admin.put(url, json={**body, "rate_percent": "16.5", "max_amount": 8_000_000})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["rate_percent"], edited.json()["max_amount"]) == ("16.5", 8_000_000)
    off = await admin.post(url + "/active", json={"active": False})
    assert off.json()["active"] is False
    assert (await admin.put(url, json=body)).json()["active"] is False  # edits keep it off

    duplicate = await admin.post("/api/v1/loan-products", json=body)
    assert duplicate.status_code == 409
    assert duplicate.json()["error"]["code"] == "error.duplicate_code"
    too_high = await admin.post(
        "/api/v1/loan-products", json={**body, "code": "X-1", "rate_percent": "150"}
    )
    assert too_high.status_code == 422
    assert too_high.json()["error"]["code"] == "error.schedule.rate_range"
    over_cap = await admin.post(
        "/api/v1/loan-products",
        json={
            **body,
            "code": "X-2",
            "rate_percent": "10",
            "rate_period": "month",
            "min_tenor": 1,
            "max_tenor": 1,
            "admin_fee": 0,
        },
    )
    assert over_cap.status_code == 422
    error = over_cap.json()["error"]
    assert error["code"] == "error.cost_cap.daily" and "0,3 %" in error["message"]
    assert (await admin.get("/api/v1/loan-products/999999")).status_code == 404
    assert await audit_rows(seeded_db, "loan_product.created") == 1
    assert await audit_rows(seeded_db, "loan_product.updated") == 2
    assert await audit_rows(seeded_db, "loan_product.deactivated") == 1


def test_every_kind_method_period_and_rounding_mode_has_a_label() -> None:
    assert set(labels.LOAN_KINDS) == set(LoanKind)
    assert set(labels.INTEREST_METHODS) == set(InterestMethod)
    assert set(labels.RATE_PERIODS) == set(RatePeriod)
    assert set(labels.ROUNDING_MODES) == set(RoundingMode)
