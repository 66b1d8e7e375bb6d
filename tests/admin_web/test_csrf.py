"""Every state-changing route refuses a request without the CSRF token or with a wrong
one (routes enumerated from the app itself). API tokens need no CSRF token and carry no
ambient authority: with an ``Authorization`` header, cookies are ignored."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from admin_web.access import app_routes
from admin_web.app import create_app
from tests.admin_web.conftest import World, log_in, panel_client, settings_for

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def unsafe_routes() -> list[tuple[str, str]]:
    app = create_app(settings_for("sqlite+aiosqlite:///:memory:"))
    return sorted(
        (method, str(route.path))
        for route in app_routes(app)
        for method in (route.methods or ())
        if method in UNSAFE
    )


def concrete(path: str, world: World) -> str:
    return (path.replace("{member_id}", str(world.jakarta_member))
            .replace("{branch_id}", str(world.jakarta_branch))
            .replace("{staff_id}", str(world.staff_ids["auditor"]))
            .replace("{role_id}", "2")
            .replace("{deposit_id}", "1").replace("{withdrawal_id}", "1")
            .replace("{account_id}", "1"))


def test_the_app_has_state_changing_routes_to_check() -> None:
    assert len(unsafe_routes()) >= 30


@pytest.mark.parametrize(("method", "path"), unsafe_routes())
async def test_a_state_change_without_the_right_csrf_token_is_refused(
    app: FastAPI, world: World, method: str, path: str
) -> None:
    async with panel_client(app) as client:
        await log_in(client, "superadmin")
        url = concrete(path, world)
        body = {"reason": "x", "active": "false", "name": "X"}
        for headers, data in [
            ({}, body),  # no token at all
            ({"X-CSRF-Token": "forged"}, body),  # a wrong header
            ({}, {**body, "csrf_token": "forged"}),  # a wrong form field
        ]:
            response = await client.request(method, url, headers=headers, data=data)
            assert response.status_code == 403, (method, path, headers, data)
            if path.startswith("/api/"):
                assert response.json()["error"]["code"] == "error.csrf_rejected"
        # Nothing happened: the session is still alive and nobody was changed.
        me = await client.get("/api/v1/me")
        assert me.status_code == 200
        auditor = await client.get(f"/api/v1/staff/{world.staff_ids['auditor']}")
        assert auditor.json()["active"] is True


async def test_the_token_of_another_session_does_not_count(app: FastAPI, world: World) -> None:
    async with panel_client(app) as attacker, panel_client(app) as victim:
        attacker_csrf = await log_in(attacker, "auditor")
        await log_in(victim, "superadmin")
        response = await victim.post(
            f"/members/{world.jakarta_member}/verify", data={"csrf_token": attacker_csrf}
        )
        assert response.status_code == 403


async def test_api_token_requests_need_no_csrf_token_and_ignore_cookies(
    app: FastAPI, world: World
) -> None:
    async with panel_client(app) as client:
        await log_in(client, "superadmin")
        issued = await client.post("/account/api-token",
                                   headers={"X-CSRF-Token": (await client.get("/api/v1/me"))
                                            .json()["csrf_token"]})
        token = issued.text.split('id="api-token">', 1)[1].split("<", 1)[0]
        assert token.startswith("kpd_")
    async with panel_client(app) as api:
        bearer = {"Authorization": f"Bearer {token}"}
        response = await api.post(f"/api/v1/members/{world.jakarta_member}/verify",
                                  headers=bearer)
        assert response.status_code == 200
        assert response.json()["summary"]["status"] == "verified"
        assert (await api.get("/api/v1/me", headers=bearer)).json()["csrf_token"] is None
    async with panel_client(app) as mixed:
        await log_in(mixed, "superadmin")  # a valid session cookie...
        bogus = {"Authorization": "Bearer not-a-token"}
        assert (await mixed.get("/api/v1/me", headers=bogus)).status_code == 401
        # ...and a bearer token is not accepted by pages (API only).
        page = await mixed.get("/members", headers={"Authorization": f"Bearer {token}"})
        assert page.headers["location"].startswith("/login")
