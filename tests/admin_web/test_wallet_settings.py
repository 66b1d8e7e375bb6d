"""Wallet data master in the panel: the rules of cash-in and cash-out (amounts typed as
people write them) and the receiving accounts per branch; every change audited, every
refusal naming the field in the reader's language."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.services import wallet
from tests.admin_web.conftest import World, log_in, message, panel_client
from tests.admin_web.wallet_support import audit_rows

RULES = {
    "deposit_minimum": "200.000",
    "deposit_step": "Rp 100.000",
    "deposit_deadline_hours": "12",
    "withdrawal_minimum": "100000",
    "withdrawal_step": "50.000",
    "withdrawal_daily_limit": "0",
    "checker_threshold": "5 juta",
}


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


async def test_changing_the_rules_is_audited_and_applies_to_members(
    app: FastAPI, admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    page = await admin.get("/wallet/settings")
    assert page.status_code == 200
    assert message(app, "admin.wallet.settings.defaults") in page.text
    assert 'value="100.000"' in page.text  # the default minimum, as people write it
    data = {**RULES, "quick_picks": ["500.000", "", "1 juta"]}
    response = await admin.post("/wallet/settings", data=data)
    assert response.status_code == 303
    page = await admin.get(response.headers["location"])
    assert message(app, "admin.flash.saved") in page.text
    assert 'value="200.000"' in page.text and 'value="1.000.000"' in page.text
    assert "superadmin" in page.text  # who changed them last

    rules = await wallet.get_rules(seeded_db)
    assert (rules.deposit_minimum, rules.deposit_step, rules.deposit_deadline_hours) == (
        200_000,
        100_000,
        12,
    )
    assert rules.checker_threshold == 5_000_000 and rules.withdrawal_daily_limit == 0
    assert rules.quick_picks == (500_000, 1_000_000)
    audit = (await admin.get("/api/v1/audit", params={"action": "wallet.settings_changed"})).json()
    assert audit["total"] == 1
    entry = audit["entries"][0]
    assert entry["before"]["deposit_minimum"] == 100_000
    assert entry["after"]["deposit_minimum"] == 200_000
    assert entry["actor_label"] == "superadmin"


@pytest.mark.parametrize(
    ("change", "code", "params"),
    [
        ({"deposit_minimum": "250.000"}, "error.wallet.settings.minimum_step", {"kind": "setoran"}),
        (
            {"withdrawal_step": "lima"},
            "error.wallet.settings.amount",
            {"field": "Kelipatan penarikan"},
        ),
        ({"deposit_step": ""}, "error.wallet.settings.amount", {"field": "Kelipatan setoran"}),
        ({"deposit_deadline_hours": "0"}, "error.wallet.settings.deadline", {"max": 336}),
        ({"withdrawal_daily_limit": "60.000"}, "error.wallet.settings.daily_limit", {}),
    ],
)
async def test_wrong_rules_are_refused_naming_the_field_and_change_nothing(
    app: FastAPI,
    admin: httpx.AsyncClient,
    seeded_db: Database,
    change: dict[str, str],
    code: str,
    params: dict[str, object],
) -> None:
    response = await admin.post("/wallet/settings", data={**RULES, **change})
    assert response.status_code == 422
    assert message(app, code, **params) in response.text
    for value in change.values():
        if value:
            assert f'value="{value}"' in response.text  # kept as typed
    assert await audit_rows(seeded_db, "wallet.settings_changed") == 0
    assert (await wallet.get_rules(seeded_db)).deposit_minimum == 100_000


async def test_receiving_accounts_are_added_and_switched_off_with_an_audit_trail(
    app: FastAPI, admin: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    async def bandung_accounts() -> list[dict[str, object]]:
        listed = (await admin.get("/api/v1/wallet/receiving-accounts")).json()
        return [a for a in listed if a["branch_id"] == world.bandung_branch]

    seeded = await bandung_accounts()  # the demo seed gives each branch a BRI account
    account = {
        "branch_id": str(world.bandung_branch),
        "bank_name": "Bank Mandiri",
        "account_number": "1310012345678",
        "account_holder": "Koperasi Kopdana",
    }
    added = await admin.post("/wallet/settings/accounts", data=account)
    assert added.status_code == 303
    page = await admin.get("/wallet/settings")
    assert message(app, "admin.flash.receiving_account_added") in page.text
    assert "1310012345678" in page.text and "Cabang Bandung Kota" in page.text
    listed = await bandung_accounts()
    assert len(listed) == len(seeded) + 1
    newest = listed[0]  # newest first: the one members of the branch now see
    assert (newest["account_number"], newest["active"]) == ("1310012345678", True)
    off = await admin.post(
        f"/wallet/settings/accounts/{newest['id']}/active", data={"active": "false"}
    )
    assert off.status_code == 303
    assert (await bandung_accounts())[0]["active"] is False
    assert await audit_rows(seeded_db, "wallet.receiving_account_added") == 1
    assert await audit_rows(seeded_db, "wallet.receiving_account_deactivated") == 1

    wrong = await admin.post(
        "/wallet/settings/accounts", data={**account, "account_number": "12ab"}
    )
    assert wrong.status_code == 422
    assert 'value="Bank Mandiri"' in wrong.text  # the form keeps what was typed
    assert len(await bandung_accounts()) == len(seeded) + 1
    assert (
        await admin.post("/wallet/settings/accounts/999999/active", data={"active": "true"})
    ).status_code == 404


async def test_the_api_reads_and_replaces_the_rules(
    admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    current = (await admin.get("/api/v1/wallet/settings")).json()
    assert current["rules"]["deposit_minimum"] == 100_000 and current["updated_at"] is None
    rules = {**current["rules"], "checker_threshold": 20_000_000, "quick_picks": [1_000_000]}
    saved = await admin.put("/api/v1/wallet/settings", json=rules)
    assert saved.status_code == 200, saved.text
    assert saved.json()["rules"]["checker_threshold"] == 20_000_000
    assert saved.json()["updated_by"] == "superadmin"
    wrong = await admin.put("/api/v1/wallet/settings", json={**rules, "deposit_minimum": 75_000})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["code"] == "error.wallet.settings.minimum_step"
    assert "setoran" in wrong.json()["error"]["message"]  # the kind, in the reader's language
    assert await audit_rows(seeded_db, "wallet.settings_changed") == 1


async def test_a_branch_scoped_manager_of_settings_sees_and_adds_for_their_branch_only(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    roles = (await admin.get("/api/v1/roles")).json()
    treasurer_role = next(r for r in roles if r["code"] == "treasurer")
    granted = await admin.put(
        f"/api/v1/roles/{treasurer_role['id']}",
        json={
            "name_id": treasurer_role["name_id"],
            "name_en": treasurer_role["name_en"],
            "permissions": [*treasurer_role["permissions"], "wallet.settings"],
        },
    )
    assert granted.status_code == 200, granted.text
    bandung = [
        a
        for a in (await admin.get("/api/v1/wallet/receiving-accounts")).json()
        if a["branch_id"] == world.bandung_branch
    ]
    async with panel_client(app) as treasurer:
        treasurer.headers["X-CSRF-Token"] = await log_in(treasurer, "bendahara.jkt")
        listed = (await treasurer.get("/api/v1/wallet/receiving-accounts")).json()
        assert {a["branch_id"] for a in listed} == {world.jakarta_branch}
        page = await treasurer.get("/wallet/settings")
        assert "Cabang Bandung Kota" not in page.text
        account = {
            "branch_id": str(world.bandung_branch),
            "bank_name": "BNI",
            "account_number": "0987654321",
            "account_holder": "Koperasi",
        }
        refused = await treasurer.post("/wallet/settings/accounts", data=account)
        assert refused.status_code == 404
        switched = await treasurer.post(
            f"/wallet/settings/accounts/{bandung[0]['id']}/active", data={"active": "false"}
        )
        assert switched.status_code == 404
        api = await treasurer.post(
            f"/api/v1/wallet/receiving-accounts/{bandung[0]['id']}/active", json={"active": False}
        )
        assert api.status_code == 404
    still = (await admin.get("/api/v1/wallet/receiving-accounts")).json()
    assert [a for a in still if a["branch_id"] == world.bandung_branch] == bandung
