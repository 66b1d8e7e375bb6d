"""The cost caps (OJK's P2P caps by default, with their source) and the borrower limits in
the panel: edited as people type numbers, refused with the reason (the row, the gap, the
product a lower cap would break), audited, for holders of ``loans.products`` only; the
JSON API does the same."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.domain.cost_caps import OJK_SOURCE
from backend.domain.loan_application import LoanRules
from backend.domain.loan_terms import LoanKind
from backend.services import loan_settings
from tests.admin_web.conftest import DEMO_USERS, log_in, message, panel_client
from tests.loan_factories import as_staff, count

# The seeded table as the page posts it: consumer, consumer, productive, productive, and
# the two blank rows for new bands.
OJK_TABLE = {
    "kind": ["consumer", "consumer", "productive", "productive", "", ""],
    "min_months": ["1", "6", "1", "6", "", ""],
    "max_months": ["6", "", "6", "", "", ""],
    "cap_percent": ["0,3", "0,2", "0,275", "0,1", "", ""],
    "source": ["OJK", "OJK", "OJK", "OJK", "", ""],
}


def table(**columns: list[str]) -> dict[str, list[str]]:
    return {**OJK_TABLE, **columns}


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


async def staff_audits(db: Database, action: str) -> int:
    return await count(db, AuditEntry, AuditEntry.action == action)


async def test_the_caps_page_shows_ojks_defaults_and_where_they_come_from(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    page = await admin.get("/loan-cost-caps")
    assert page.status_code == 200
    assert OJK_SOURCE in page.text  # "SEOJK 19/SEOJK.06/2023, revised from 1 Jan 2025"
    for percent in ("0,3", "0,2", "0,275", "0,1"):
        assert f'value="{percent}"' in page.text  # editable, with the decimal comma
    assert message(app, "admin.loan_caps.band_under", months=6) in page.text
    assert message(app, "admin.loan_caps.band_from", months=6) in page.text
    assert page.text.count('name="cap_percent"') == 4 + 2  # the bands and two blank rows


async def test_lowering_a_cap_is_saved_audited_and_applies(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    saved = await admin.post(
        "/loan-cost-caps", data=table(cap_percent=["0,25", "0,2", "0,275", "0,1", "", ""])
    )
    assert saved.status_code == 303
    page = await admin.get("/loan-cost-caps")
    assert message(app, "admin.flash.saved") in page.text
    assert 'value="0,25"' in page.text and "superadmin" in page.text
    superadmin = await as_staff(seeded_db, "superadmin")
    caps = (await loan_settings.get_cost_caps(seeded_db, actor=superadmin)).caps
    consumer_short = next(c for c in caps if c.kind is LoanKind.CONSUMER and c.min_months == 1)
    assert consumer_short.daily_cap == Decimal("0.0025")
    assert await staff_audits(seeded_db, "loan.cost_caps_changed") == 1
    entry = (await admin.get("/api/v1/audit", params={"action": "loan.cost_caps_changed"})).json()
    after = entry["entries"][0]["after"]["caps"]
    assert {
        "kind": "consumer",
        "min_months": 1,
        "max_months": 6,
        "daily_cap": "0.0025",
    }.items() <= next(c for c in after if c["kind"] == "consumer" and c["min_months"] == 1).items()


async def test_a_new_band_can_be_added_in_a_blank_row(
    admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    # Consumer loans from 12 months get a cap of their own: 6–12 at 0,2 and 12+ at 0,15.
    saved = await admin.post(
        "/loan-cost-caps",
        data=table(
            kind=["consumer", "consumer", "productive", "productive", "consumer", ""],
            max_months=["6", "12", "6", "", "", ""],
            min_months=["1", "6", "1", "6", "12", ""],
            cap_percent=["0,3", "0,2", "0,275", "0,1", "0,15", ""],
            source=["OJK", "OJK", "OJK", "OJK", "Keputusan pengurus 2026", ""],
        ),
    )
    assert saved.status_code == 303, saved.text
    caps = (await admin.get("/api/v1/loan-cost-caps")).json()["caps"]
    assert {
        "kind": "consumer",
        "min_months": 12,
        "max_months": None,
        "cap_percent": "0.15",
        "source": "Keputusan pengurus 2026",
    } in caps


@pytest.mark.parametrize(
    ("columns", "code", "params", "row"),
    [
        (  # the consumer band from 6 months removed: nothing covers 6 months and longer
            {
                "min_months": ["1", "", "1", "6", "", ""],
                "max_months": ["6", "", "6", "", "", ""],
                "cap_percent": ["0,3", "", "0,275", "0,1", "", ""],
            },
            "error.cost_cap.gap",
            {"kind": "Konsumtif", "tenor": 6, "maximum": 600},
            None,
        ),
        (
            {"max_months": ["7", "", "6", "", "", ""]},
            "error.cost_cap.overlap",
            {"kind": "Konsumtif", "tenor": 6},
            None,
        ),
        (
            {"cap_percent": ["0.3", "0,2", "0,275", "0,1", "", ""]},
            "error.loan_form.decimal",
            {"field": "Batas (% per hari)", "example": "1,5"},
            1,
        ),
        (
            {"cap_percent": ["0,3", "0,2", "0,275", "1,5", "", ""]},
            "error.cost_cap.rate_range",
            {"maximum": "1"},
            4,
        ),
        (
            {"min_months": ["1", "enam", "1", "6", "", ""]},
            "error.loan_form.whole_number",
            {"field": "Tenor dari (bulan)"},
            2,
        ),
        (  # DD, the demo's emergency fund: for one month (28 days at the shortest), 2 %
            # flat and the Rp 10.000 fee on Rp 500.000 cost 20.000 / 500.000 / 28 = 0,1429 % a day
            {"cap_percent": ["0,05", "0,2", "0,275", "0,1", "", ""]},
            "error.cost_cap.product_over_cap",
            {"product": "DD", "tenor": 1, "daily_percent": "0,1429", "cap_percent": "0,05"},
            None,
        ),
        (  # MUK charges a late fee of Rp 5.000 a day from Rp 5.000.000: 0,1 % a day
            {"cap_percent": ["0,3", "0,2", "0,275", "0,09", "", ""]},
            "error.cost_cap.product_over_cap",
            {"product": "MUK", "tenor": 6, "daily_percent": "0,1", "cap_percent": "0,09"},
            None,
        ),
    ],
)
async def test_a_wrong_caps_table_is_refused_with_the_reason_and_saves_nothing(
    app: FastAPI,
    admin: httpx.AsyncClient,
    seeded_db: Database,
    columns: dict[str, list[str]],
    code: str,
    params: dict[str, object],
    row: int | None,
) -> None:
    response = await admin.post("/loan-cost-caps", data=table(**columns))
    assert response.status_code == 422
    assert message(app, code, **params) in response.text
    if row is not None:
        assert message(app, "admin.loan_caps.row", row=row) in response.text
    for value in columns.get("cap_percent", ()):
        if value:
            assert f'value="{value}"' in response.text  # the table keeps what was typed
    assert await staff_audits(seeded_db, "loan.cost_caps_changed") == 0


async def test_borrower_limits_are_saved_audited_and_applied(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    page = await admin.get("/loan-settings")
    assert 'value="2"' in page.text and 'value="50.000.000"' in page.text  # the defaults
    assert 'value="10.000.000"' in page.text
    saved = await admin.post(
        "/loan-settings",
        data={
            "max_open_applications": "3",
            "max_exposure": "Rp 100.000.000",
            "second_approval_threshold": "20 juta",
        },
    )
    assert saved.status_code == 303
    page = await admin.get("/loan-settings")
    assert message(app, "admin.flash.saved") in page.text
    assert 'value="100.000.000"' in page.text and 'value="20.000.000"' in page.text
    assert await loan_settings.get_loan_rules(seeded_db) == LoanRules(
        max_open_applications=3, max_exposure=100_000_000, second_approval_threshold=20_000_000
    )
    audit = (await admin.get("/api/v1/audit", params={"action": "loan.settings_changed"})).json()
    assert audit["total"] == 1
    entry = audit["entries"][0]
    assert entry["before"] == {
        "max_open_applications": 2,
        "max_exposure": 50_000_000,
        "second_approval_threshold": 10_000_000,
    }
    assert entry["after"]["second_approval_threshold"] == 20_000_000
    # 0 (or an empty box) means "no limit".
    unlimited = await admin.post(
        "/loan-settings",
        data={"max_open_applications": "0", "max_exposure": "", "second_approval_threshold": "0"},
    )
    assert unlimited.status_code == 303
    rules = await loan_settings.get_loan_rules(seeded_db)
    assert not rules.needs_second_approval(10**12) and rules.max_exposure == 0


@pytest.mark.parametrize(
    ("change", "code", "params"),
    [
        (
            {"max_open_applications": "dua"},
            "error.loan_form.whole_number",
            {"field": "Pengajuan terbuka maksimal per peminjam"},
        ),
        (
            {"max_open_applications": "101"},
            "error.loan_settings.range",
            {"field": "Pengajuan terbuka maksimal per peminjam", "max": 100},
        ),
        (
            {"max_exposure": "50 jt lebih"},
            "error.wallet.settings.amount",
            {"field": "Total pinjaman maksimal per peminjam"},
        ),
    ],
)
async def test_wrong_limits_are_refused_naming_the_field(
    app: FastAPI,
    admin: httpx.AsyncClient,
    seeded_db: Database,
    change: dict[str, str],
    code: str,
    params: dict[str, object],
) -> None:
    data = {
        "max_open_applications": "3",
        "max_exposure": "100.000.000",
        "second_approval_threshold": "20.000.000",
        **change,
    }
    response = await admin.post("/loan-settings", data=data)
    assert response.status_code == 422
    assert message(app, code, **params) in response.text
    assert f'value="{next(iter(change.values()))}"' in response.text
    assert await staff_audits(seeded_db, "loan.settings_changed") == 0
    assert await loan_settings.get_loan_rules(seeded_db) == LoanRules()


@pytest.mark.parametrize("role", ["credit_officer", "treasurer", "auditor", "branch_manager"])
async def test_only_holders_of_the_products_permission_see_or_change_caps_and_limits(
    app: FastAPI, seeded_db: Database, role: str
) -> None:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, DEMO_USERS[role])
        menu = (await client.get("/")).text
        assert 'href="/loan-cost-caps"' not in menu and 'href="/loan-settings"' not in menu
        for url in ("/loan-cost-caps", "/loan-settings"):
            assert (await client.get(url)).status_code == 403
            assert (await client.get("/api/v1" + url)).status_code == 403
        assert (await client.post("/loan-cost-caps", data=OJK_TABLE)).status_code == 403
        limits = {
            "max_open_applications": "9",
            "max_exposure": "0",
            "second_approval_threshold": "0",
        }
        assert (await client.post("/loan-settings", data=limits)).status_code == 403
        api = await client.put(
            "/api/v1/loan-settings",
            json={"max_open_applications": 9, "max_exposure": 0, "second_approval_threshold": 0},
        )
        assert api.status_code == 403
    assert await loan_settings.get_loan_rules(seeded_db) == LoanRules()
    assert await staff_audits(seeded_db, "loan.cost_caps_changed") == 0


async def test_forms_without_the_csrf_token_change_nothing(
    app: FastAPI, seeded_db: Database
) -> None:
    async with panel_client(app) as client:
        await log_in(client, "superadmin")
        limits = {
            "max_open_applications": "9",
            "max_exposure": "0",
            "second_approval_threshold": "0",
        }
        assert (await client.post("/loan-settings", data=limits)).status_code == 403
        assert (await client.post("/loan-cost-caps", data=OJK_TABLE)).status_code == 403
    assert await loan_settings.get_loan_rules(seeded_db) == LoanRules()


async def test_the_api_reads_and_replaces_caps_and_limits(
    admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    current = (await admin.get("/api/v1/loan-cost-caps")).json()
    assert [
        (c["kind"], c["min_months"], c["max_months"], c["cap_percent"]) for c in current["caps"]
    ] == [
        ("productive", 1, 6, "0.275"),
        ("productive", 6, None, "0.1"),
        ("consumer", 1, 6, "0.3"),
        ("consumer", 6, None, "0.2"),
    ]
    assert all(c["source"].startswith(OJK_SOURCE) for c in current["caps"])
    lowered = [
        {**c, "cap_percent": "0.25"} if c["cap_percent"] == "0.3" else c for c in current["caps"]
    ]
    saved = await admin.put("/api/v1/loan-cost-caps", json={"caps": lowered})
    assert saved.status_code == 200, saved.text
    assert saved.json()["updated_by"] == "superadmin"
    assert "0.25" in {c["cap_percent"] for c in saved.json()["caps"]}
    gap = await admin.put("/api/v1/loan-cost-caps", json={"caps": lowered[:1] + lowered[2:]})
    assert gap.status_code == 422
    assert gap.json()["error"]["code"] == "error.cost_cap.gap"
    assert "Produktif" in gap.json()["error"]["message"]  # the kind in the reader's language

    limits = (await admin.get("/api/v1/loan-settings")).json()
    assert limits["rules"] == {
        "max_open_applications": 2,
        "max_exposure": 50_000_000,
        "second_approval_threshold": 10_000_000,
    }
    changed = await admin.put(
        "/api/v1/loan-settings", json={**limits["rules"], "second_approval_threshold": 0}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["rules"]["second_approval_threshold"] == 0
    assert (await loan_settings.get_loan_rules(seeded_db)).second_approval_threshold == 0
    assert await staff_audits(seeded_db, "loan.cost_caps_changed") == 1
    assert await staff_audits(seeded_db, "loan.settings_changed") == 1
