"""A branch-scoped staff user sees and acts on their branch's members only — in lists,
details, actions and the dashboard, pages and API alike, whatever ids they guess."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from tests.admin_web.conftest import World, another_member, log_in, panel_client


@pytest.fixture
async def manager(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "manager.jkt")  # JKT01 only
        yield client


async def test_lists_show_only_the_users_branch(
    manager: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    extra = await another_member(seeded_db, branch="BDG01", telegram_user_id=5101,
                                 nik="3273015708900003", full_name="Sari Bandung")
    page = await manager.get("/members")
    assert "Rina Wulandari" in page.text
    assert "Joko Susilo" not in page.text and "Sari Bandung" not in page.text
    api = (await manager.get("/api/v1/members")).json()
    assert [m["id"] for m in api["members"]] == [world.jakarta_member]
    # Searching or filtering for another branch finds nothing.
    searches: list[dict[str, str | int]] = [
        {"q": "Joko"}, {"q": "Sari"}, {"branch_id": world.bandung_branch}, {"q": "3273"}]
    for params in searches:
        assert (await manager.get("/api/v1/members", params=params)).json()["total"] == 0
    assert extra not in {m["id"] for m in api["members"]}


async def test_another_branchs_member_is_indistinguishable_from_none(
    manager: httpx.AsyncClient, world: World
) -> None:
    missing = await manager.get("/api/v1/members/999999")
    for member_id in (world.bandung_member, 999999):
        response = await manager.get(f"/api/v1/members/{member_id}")
        assert response.status_code == 404
        assert response.json() == missing.json()
        assert (await manager.get(f"/members/{member_id}")).status_code == 404
    assert (await manager.get(f"/members/{world.jakarta_member}")).status_code == 200


@pytest.mark.parametrize("action", ["verify", "reject", "deactivate", "reactivate"])
async def test_actions_on_another_branchs_member_are_refused_and_change_nothing(
    app: FastAPI, manager: httpx.AsyncClient, world: World, action: str
) -> None:
    body = {"reason": "Data tidak sesuai"}
    api = await manager.post(f"/api/v1/members/{world.bandung_member}/{action}", json=body)
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "error.member_not_found"
    page = await manager.post(f"/members/{world.bandung_member}/{action}", data=body)
    assert page.status_code == 404
    async with panel_client(app) as admin:
        await log_in(admin, "superadmin")
        joko = (await admin.get(f"/api/v1/members/{world.bandung_member}")).json()
        assert joko["summary"]["status"] == "awaiting_verification"
        audit = (await admin.get("/api/v1/audit", params={"object_type": "member"})).json()
        assert audit["total"] == 0


async def test_guessing_every_id_reveals_only_the_users_branch(
    manager: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    for n in range(4):
        await another_member(seeded_db, branch="BDG01" if n % 2 else "JKT01",
                             telegram_user_id=5200 + n, nik=f"327301570890{n + 10:04d}",
                             phone=f"08123456700{n}")
    visible = set()
    for member_id in range(1, 12):
        response = await manager.get(f"/api/v1/members/{member_id}")
        if response.status_code == 200:
            assert response.json()["summary"]["branch_id"] == world.jakarta_branch
            visible.add(member_id)
        else:
            assert response.status_code == 404
    listed = {m["id"] for m in (await manager.get("/api/v1/members")).json()["members"]}
    assert visible == listed and len(visible) == 3


async def test_the_dashboard_counts_only_the_users_branch(
    app: FastAPI, manager: httpx.AsyncClient
) -> None:
    scoped = (await manager.get("/api/v1/dashboard")).json()
    assert scoped["total"] == 1
    assert [b["branch"] for b in scoped["by_branch"]] == ["Cabang Jakarta Selatan"]
    async with panel_client(app) as admin:
        await log_in(admin, "superadmin")
        assert (await admin.get("/api/v1/dashboard")).json()["total"] == 2
    page = await manager.get("/")
    assert "Cabang Jakarta Selatan" in page.text and "Cabang Bandung Kota" not in page.text


async def test_branches_of_other_cities_are_out_of_sight(
    manager: httpx.AsyncClient, world: World
) -> None:
    branches = (await manager.get("/api/v1/branches")).json()
    assert [b["code"] for b in branches] == ["JKT01"]
    assert (await manager.get(f"/api/v1/branches/{world.bandung_branch}")).status_code == 404
    assert (await manager.get(f"/branches/{world.bandung_branch}")).status_code == 404
