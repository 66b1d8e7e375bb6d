"""The JSON API: its schema, its error format and statuses, and bad input answered 4xx."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.admin_web.conftest import World, log_in, panel_client


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


def error_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert body["error"]["message"]
    error: dict[str, str] = body["error"]
    return error


async def test_the_schema_describes_every_api_operation_and_the_bearer_scheme(
    panel: httpx.AsyncClient,
) -> None:
    schema = (await panel.get("/openapi.json")).json()
    paths = schema["paths"]
    assert all(path.startswith("/api/v1/") for path in paths)  # pages are not in it
    for path in ["/api/v1/members", "/api/v1/members/{member_id}/verify", "/api/v1/branches",
                 "/api/v1/staff", "/api/v1/roles", "/api/v1/audit", "/api/v1/me"]:
        assert path in paths
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    verify = paths["/api/v1/members/{member_id}/verify"]["post"]
    assert {"200", "401", "403", "404", "409", "422"} <= set(verify["responses"])
    assert (await panel.get("/docs")).status_code == 404  # no CDN-loaded UI


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/members/999999", 404, "error.member_not_found"),
        ("/api/v1/branches/999999", 404, "error.branch_not_found"),
        ("/api/v1/staff/999999", 404, "error.staff_not_found"),
        ("/api/v1/roles/999999", 404, "error.role_not_found"),
        ("/api/v1/members/abc", 422, "error.validation"),
        ("/api/v1/members/0", 422, "error.validation"),
        (f"/api/v1/members/{2**40}", 422, "error.validation"),
        ("/api/v1/members?page=0", 422, "error.validation"),
        ("/api/v1/members?status=happy", 422, "error.validation"),
        ("/api/v1/members?q=%00", 422, "error.validation"),
        ("/api/v1/audit?date_to=9999-12-31", 422, "error.validation"),
        ("/api/v1/nothing-here", 404, "error.not_found"),
    ],
)
async def test_errors_come_as_code_and_message_with_a_4xx_status(
    api: httpx.AsyncClient, world: World, url: str, status: int, code: str
) -> None:
    response = await api.get(url)
    assert response.status_code == status
    assert error_of(response)["code"] == code


async def test_write_errors_have_their_own_statuses(
    api: httpx.AsyncClient, world: World
) -> None:
    member = f"/api/v1/members/{world.jakarta_member}"
    empty_reason = await api.post(f"{member}/reject", json={"reason": ""})
    assert (empty_reason.status_code, error_of(empty_reason)["code"]) == (
        422, "error.reason_required")
    assert (await api.post(f"{member}/verify")).status_code == 200
    twice = await api.post(f"{member}/verify")
    assert (twice.status_code, error_of(twice)["code"]) == (409, "error.invalid_status_transition")
    not_json = await api.post(f"{member}/reject", content=b"{oops",
                              headers={"content-type": "application/json"})
    assert not_json.status_code == 422 and error_of(not_json)["code"] == "error.validation"
    wrong_method = await api.delete(member)
    assert wrong_method.status_code == 405
    assert error_of(wrong_method)["code"] == "error.method_not_allowed"
    duplicate = await api.post("/api/v1/staff", json={
        "username": "auditor", "full_name": "Dua Kali", "role_id": 5})
    assert (duplicate.status_code, error_of(duplicate)["code"]) == (409, "error.duplicate_username")


async def test_messages_follow_the_chosen_language(
    api: httpx.AsyncClient, world: World
) -> None:
    indonesian = error_of(await api.get("/api/v1/members/999999"))["message"]
    api.cookies.set("lang", "en", domain="127.0.0.1")
    english = error_of(await api.get("/api/v1/members/999999"))["message"]
    assert indonesian != english


async def test_a_role_round_trips_through_the_api(api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v1/roles", json={
        "code": "teller", "name_id": "Teller", "name_en": "Teller",
        "permissions": ["members.view", "dashboard.view"]})
    assert created.status_code == 201
    role = created.json()
    assert role["permissions"] == ["dashboard.view", "members.view"]
    updated = await api.put(f"/api/v1/roles/{role['id']}", json={
        "name_id": "Teller Kas", "name_en": "Cash teller", "permissions": []})
    assert updated.json()["permissions"] == [] and updated.json()["name_id"] == "Teller Kas"
    assert (await api.get(f"/api/v1/roles/{role['id']}")).json()["name_en"] == "Cash teller"
    too_long = await api.post("/api/v1/roles", json={
        "code": "long_one", "name_id": "x" * 101, "name_en": "y"})
    assert too_long.status_code == 422


async def test_the_audit_log_filters_by_staff_action_object_and_date(
    api: httpx.AsyncClient, world: World
) -> None:
    await api.post(f"/api/v1/members/{world.jakarta_member}/verify")
    await api.post(f"/api/v1/members/{world.bandung_member}/reject", json={"reason": "Buram"})
    me = world.staff_ids["superadmin"]

    async def actions(**params: str | int) -> list[str]:
        found = (await api.get("/api/v1/audit", params=params)).json()
        return [e["action"] for e in found["entries"]]

    assert await actions(action="member.") == ["member.rejected", "member.verified"]
    assert await actions(object_type="member", object_id=world.jakarta_member) == [
        "member.verified"]
    assert "member.verified" in await actions(staff_id=me)
    assert await actions(staff_id=world.staff_ids["auditor"], action="member.") == []
    assert await actions(date_from="2026-11-25", date_to="2026-11-25", action="member.") == [
        "member.rejected", "member.verified"]
    assert await actions(date_from="2026-11-26", action="member.") == []
    entry = (await api.get("/api/v1/audit", params={"action": "member.rejected"})).json()
    assert entry["entries"][0]["before"] == {"status": "awaiting_verification"}
    assert entry["entries"][0]["after"] == {"status": "rejected"}
    assert entry["entries"][0]["reason"] == "Buram"
