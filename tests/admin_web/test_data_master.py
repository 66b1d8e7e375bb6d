"""Data master in the panel: branches, staff users, roles and permissions, API tokens."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.admin_web.conftest import World, demo_password, form_token, log_in, message, panel_client

pytestmark = pytest.mark.usefixtures("world")


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


def shown_password(page: httpx.Response) -> str:
    found = re.search(r'id="temporary-password">([^<]+)<', page.text)
    assert found, page.text
    return found.group(1)


async def login_status(app: FastAPI, username: str, password: str) -> int:
    async with panel_client(app, ip="10.9.9.9") as client:
        page = await client.get("/login")
        response = await client.post("/login", data={
            "username": username, "password": password, "csrf_token": form_token(page)})
        return response.status_code


BRANCH = {"code": "sby02", "name": "Cabang Surabaya Timur", "city": "Surabaya",
          "address": "Jl. Kertajaya 10", "timezone": "Asia/Jakarta"}


async def test_a_branch_is_created_edited_and_deactivated(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    created = await admin.post("/branches", data=BRANCH)
    assert created.status_code == 303
    url = created.headers["location"]
    page = await admin.get(url)
    assert "Cabang Surabaya Timur" in page.text and "SBY02" in page.text
    assert message(app, "admin.flash.saved") in page.text
    edited = await admin.post(url, data={**BRANCH, "name": "Cabang Surabaya Gubeng"})
    assert edited.status_code == 303
    assert (await admin.post(f"{url}/active", data={"active": "false"})).status_code == 303
    listing = await admin.get("/branches")
    assert "Cabang Surabaya Gubeng" in listing.text
    branch = (await admin.get(f"/api/v1{url}")).json()
    assert (branch["name"], branch["active"]) == ("Cabang Surabaya Gubeng", False)
    audit = (await admin.get("/api/v1/audit", params={"object_type": "branch"})).json()
    assert [e["action"] for e in audit["entries"]] == [
        "branch.deactivated", "branch.updated", "branch.created"]
    assert audit["entries"][1]["before"]["name"] == "Cabang Surabaya Timur"


async def test_a_refused_branch_form_comes_back_filled_with_the_reason(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    duplicate = await admin.post("/branches", data={**BRANCH, "code": "JKT01"})
    assert duplicate.status_code == 409
    assert 'class="alert"' in duplicate.text
    assert 'value="Cabang Surabaya Timur"' in duplicate.text
    wrong_zone = await admin.post("/branches", data={**BRANCH, "timezone": "Europe/Paris"})
    assert wrong_zone.status_code == 422
    assert message(app, "error.branch.timezone") in wrong_zone.text


async def test_a_duplicate_code_is_explained(app: FastAPI, admin: httpx.AsyncClient) -> None:
    api = await admin.post("/api/v1/branches", json={**BRANCH, "code": "JKT01"})
    assert api.status_code == 409
    assert api.json()["error"]["code"] == "error.duplicate_code"
    page = await admin.post("/branches", data={**BRANCH, "code": "JKT01"})
    assert "JKT01" in page.text.split('class="alert"', 1)[1].split("</p>", 1)[0]


async def test_a_new_staff_account_gets_a_temporary_password_shown_once(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    created = await admin.post("/staff", data={
        "username": "Putri.JKT", "full_name": "Putri Ayu", "role_id": "3",
        "branch_id": str(world.jakarta_branch)})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    password = shown_password(created)
    assert message(app, "admin.staff.shown_once") in created.text
    users = (await admin.get("/api/v1/staff")).json()
    putri = next(u for u in users if u["username"] == "putri.jkt")
    assert (putri["role_code"], putri["branch_id"], putri["must_change_password"]) == (
        "credit_officer", world.jakarta_branch, True)
    detail = await admin.get(f"/staff/{putri['id']}")
    assert password not in detail.text
    assert await login_status(app, "putri.jkt", password) == 303
    duplicate = await admin.post("/staff", data={
        "username": "putri.jkt", "full_name": "Putri Lain", "role_id": "3", "branch_id": ""})
    assert duplicate.status_code == 409


async def test_staff_role_and_branch_are_edited_and_take_effect(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    treasurer = world.staff_ids["bendahara.jkt"]
    async with panel_client(app) as lina:
        await log_in(lina, "bendahara.jkt")
        assert (await lina.get("/audit")).status_code == 403
        edited = await admin.post(f"/staff/{treasurer}", data={
            "full_name": "Lina Marlina", "role_id": "5", "branch_id": ""})  # auditor, all
        assert edited.status_code == 303
        assert (await lina.get("/audit")).status_code == 200  # at the next request
        assert (await lina.get("/api/v1/members")).json()["total"] == 2  # all branches


async def test_deactivating_a_staff_user_ends_their_sessions(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    async with panel_client(app) as maya:
        await log_in(maya, "manager.jkt")
        response = await admin.post(f"/staff/{world.staff_ids['manager.jkt']}/active",
                                    data={"active": "false"})
        assert response.status_code == 303
        assert (await maya.get("/members")).headers["location"].startswith("/login")
    assert await login_status(app, "manager.jkt", demo_password("manager.jkt")) == 401
    yourself = await admin.post(f"/staff/{world.staff_ids['superadmin']}/active",
                                data={"active": "false"})
    assert yourself.status_code == 422
    assert message(app, "error.staff.cannot_deactivate_self") in yourself.text


async def test_a_password_reset_shows_a_new_temporary_password_once(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    reset = await admin.post(f"/staff/{world.staff_ids['auditor']}/reset-password")
    assert reset.status_code == 200
    password = shown_password(reset)
    assert await login_status(app, "auditor", demo_password("auditor")) == 401
    assert await login_status(app, "auditor", password) == 303


async def test_a_role_is_created_with_its_permissions_and_edited(
    app: FastAPI, admin: httpx.AsyncClient, world: World
) -> None:
    created = await admin.post("/roles", data={
        "code": "kasir", "name_id": "Kasir", "name_en": "Cashier",
        "permissions": ["members.view", "dashboard.view"]})
    assert created.status_code == 303
    url = created.headers["location"]
    role_id = int(url.rsplit("/", 1)[1])
    page = await admin.get(url)
    assert re.search(r'value="members.view" checked', page.text)
    assert not re.search(r'value="audit.view" checked', page.text)
    await admin.post(f"/staff/{world.staff_ids['auditor']}", data={
        "full_name": "Bambang Prasetyo", "role_id": str(role_id), "branch_id": ""})
    async with panel_client(app) as bambang:
        await log_in(bambang, "auditor")
        assert (await bambang.get("/members")).status_code == 200
        assert (await bambang.get("/audit")).status_code == 403
        edited = await admin.post(url, data={"name_id": "Kasir", "name_en": "Cashier",
                                             "permissions": ["audit.view"]})
        assert edited.status_code == 303
        assert (await bambang.get("/members")).status_code == 403
        assert (await bambang.get("/audit")).status_code == 200
    matrix = await admin.get("/roles")
    assert "Kasir" in matrix.text
    bad = await admin.post("/roles", data={"code": "Bad Code!", "name_id": "x", "name_en": "y"})
    assert bad.status_code == 422
    unknown = await admin.post("/roles", data={"code": "x_role", "name_id": "x", "name_en": "y",
                                               "permissions": ["money.print"]})
    assert unknown.status_code == 422


async def test_an_api_token_is_shown_once_and_replaces_the_previous_one(
    app: FastAPI, admin: httpx.AsyncClient
) -> None:
    async def issue() -> str:
        page = await admin.post("/account/api-token")
        found = re.search(r'id="api-token">([^<]+)<', page.text)
        assert found
        return found.group(1)

    first = await issue()
    assert first not in (await admin.get("/account")).text
    async with panel_client(app) as script:
        me = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
        assert me.json()["username"] == "superadmin"
        second = await issue()
        old = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})
        assert old.status_code == 401
        new = await script.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})
        assert new.status_code == 200
