"""Logging in and out: cookies, session rotation and expiry, the same answer for every
failure, throttling with back-off, the forced password change, security headers."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from admin_web.security import SESSION_COOKIE
from tests.admin_web.conftest import (
    Clock,
    World,
    demo_password,
    form_token,
    log_in,
    message,
    panel_client,
    post_form,
)


def session_cookie_header(response: httpx.Response) -> str:
    headers = [h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)]
    assert len(headers) == 1, response.headers
    return headers[0]


async def attempt(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    page = await client.get("/login")
    return await client.post(
        "/login", data={"username": username, "password": password, "csrf_token": form_token(page)}
    )


async def test_login_sets_an_httponly_samesite_session_cookie_holding_only_a_token(
    panel: httpx.AsyncClient,
) -> None:
    response = await attempt(panel, "superadmin", demo_password("superadmin"))
    assert response.status_code == 303
    cookie = session_cookie_header(response).lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # plain http on localhost: local development
    value = panel.cookies[SESSION_COOKIE]
    assert "superadmin" not in value and len(value) >= 40


async def test_the_session_cookie_is_secure_outside_localhost(app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://admin.kopdana.test") as c:
        page = await c.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()  # the pre-login form cookie
        response = await c.post("/login", data={
            "username": "superadmin", "password": demo_password("superadmin"),
            "csrf_token": form_token(page)})
        assert "; secure" in session_cookie_header(response).lower()
        assert "max-age" in response.headers["strict-transport-security"]


async def test_every_login_opens_a_new_session_and_ignores_a_planted_one(
    panel: httpx.AsyncClient,
) -> None:
    panel.cookies.set(SESSION_COOKIE, "planted-by-an-attacker", domain="127.0.0.1")
    csrf = await log_in(panel, "superadmin")
    first = panel.cookies[SESSION_COOKIE]
    assert first != "planted-by-an-attacker"
    again = await post_form(panel, "/login", csrf, username="superadmin",
                            password=demo_password("superadmin"))
    assert again.status_code == 303
    assert panel.cookies[SESSION_COOKIE] != first


async def test_after_logout_the_old_cookie_is_dead(panel: httpx.AsyncClient) -> None:
    csrf = await log_in(panel, "superadmin")
    old = panel.cookies[SESSION_COOKIE]
    response = await post_form(panel, "/logout", csrf)
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert SESSION_COOKIE not in panel.cookies
    panel.cookies.set(SESSION_COOKIE, old, domain="127.0.0.1")  # replaying the cookie does not help
    assert (await panel.get("/members")).headers["location"].startswith("/login")
    assert (await panel.get("/api/v1/me")).status_code == 401


async def test_logout_needs_the_csrf_token(panel: httpx.AsyncClient) -> None:
    await log_in(panel, "superadmin")
    assert (await panel.post("/logout")).status_code == 403
    assert (await panel.get("/members")).status_code == 200


async def test_unknown_user_wrong_password_and_inactive_account_read_the_same(
    app: FastAPI, panel: httpx.AsyncClient, world: World
) -> None:
    csrf = await log_in(panel, "superadmin")
    await panel.post(f"/api/v1/staff/{world.staff_ids['auditor']}/active",
                     json={"active": False}, headers={"X-CSRF-Token": csrf})
    answers: list[tuple[int, str]] = []
    for username, password in [("nobody.here", "whatever-123"),
                               ("kredit.jkt", "wrong-password-1"),
                               ("auditor", demo_password("auditor"))]:
        async with panel_client(app, ip=f"10.0.0.{len(answers) + 1}") as client:
            response = await attempt(client, username, password)
            body = response.text.replace(f'value="{username}"', 'value="?"')
            body = body.replace(form_token(response), "?")
            answers.append((response.status_code, body))
    assert answers[0][0] == 401
    assert answers[0] == answers[1] == answers[2]
    assert message(app, "admin.auth.invalid") in answers[0][1]


async def test_the_login_returns_to_the_page_asked_for_but_never_to_another_site(
    app: FastAPI,
) -> None:
    for asked, landing in [("/audit?page=1", "/audit?page=1"), ("//evil.example/x", "/"),
                           ("https://evil.example/", "/"), ("/\\evil.example", "/")]:
        async with panel_client(app) as client:
            page = await client.get("/login")
            response = await client.post("/login", data={
                "username": "superadmin", "password": demo_password("superadmin"),
                "csrf_token": form_token(page), "next": asked})
            assert response.headers["location"] == landing, asked


async def test_login_page_when_already_logged_in_goes_home(panel: httpx.AsyncClient) -> None:
    await log_in(panel, "auditor")
    response = await panel.get("/login")
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_wrong_passwords_are_slowed_then_refused_per_account_until_the_window_passes(
    app: FastAPI, clock: Clock
) -> None:
    async with panel_client(app, ip="10.1.0.1") as client:
        for _ in range(5):  # free attempts
            assert (await attempt(client, "kredit.jkt", "wrong-password-1")).status_code == 401
        throttled = await attempt(client, "kredit.jkt", "wrong-password-1")
        assert throttled.status_code == 429
        wait = int(throttled.headers["retry-after"])
        assert wait > 0
        assert message(app, "admin.auth.throttled", seconds=wait) in throttled.text
        # While throttled even the right password is refused, with the same answer.
        right = await attempt(client, "kredit.jkt", demo_password("kredit.jkt"))
        assert right.status_code == 429
    async with panel_client(app, ip="10.1.0.2") as elsewhere:  # per account, not per IP
        assert (await attempt(elsewhere, "kredit.jkt", "wrong")).status_code == 429
        # Other accounts are not affected.
        assert (await attempt(elsewhere, "auditor", demo_password("auditor"))).status_code == 303
    clock.advance(seconds=wait)
    async with panel_client(app, ip="10.1.0.1") as client:
        # Each further failure doubles the wait...
        assert (await attempt(client, "kredit.jkt", "wrong")).status_code == 401
        second = await attempt(client, "kredit.jkt", "wrong")
        assert second.status_code == 429 and int(second.headers["retry-after"]) > wait
        # ...but there is no permanent lock-out: once the window passes, it works.
        clock.advance(minutes=16)
        response = await attempt(client, "kredit.jkt", demo_password("kredit.jkt"))
        assert response.status_code == 303


async def test_one_ip_trying_many_accounts_is_throttled_per_ip(
    app: FastAPI, clock: Clock
) -> None:
    async with panel_client(app, ip="10.2.0.1") as client:
        for n in range(20):  # 20 free failures per IP, spread over accounts
            assert (await attempt(client, f"guess{n}", "wrong-password")).status_code == 401
        refused = await attempt(client, "auditor", demo_password("auditor"))
        assert refused.status_code == 429
    async with panel_client(app, ip="10.2.0.2") as other_ip:
        assert (await attempt(other_ip, "auditor", demo_password("auditor"))).status_code == 303
    clock.advance(hours=1, seconds=1)
    async with panel_client(app, ip="10.2.0.1") as client:
        assert (await attempt(client, "auditor", demo_password("auditor"))).status_code == 303


async def test_a_session_ends_after_30_idle_minutes(
    panel: httpx.AsyncClient, clock: Clock
) -> None:
    await log_in(panel, "auditor")
    clock.advance(minutes=29)
    assert (await panel.get("/audit")).status_code == 200
    clock.advance(minutes=31)
    response = await panel.get("/audit")
    assert response.headers["location"].startswith("/login")
    assert SESSION_COOKIE not in panel.cookies  # the stale cookie is cleared


async def test_a_session_ends_after_12_hours_even_when_busy(
    panel: httpx.AsyncClient, clock: Clock
) -> None:
    await log_in(panel, "auditor")
    for _ in range(35):  # active every 20 minutes for 11 h 40 min
        clock.advance(minutes=20)
        assert (await panel.get("/audit")).status_code == 200
    clock.advance(minutes=21)
    assert (await panel.get("/audit")).headers["location"].startswith("/login")


async def test_a_created_account_must_change_its_password_first(
    app: FastAPI, panel: httpx.AsyncClient, world: World
) -> None:
    csrf = await log_in(panel, "superadmin")
    created = await panel.post("/api/v1/staff", headers={"X-CSRF-Token": csrf}, json={
        "username": "dewi.jkt", "full_name": "Dewi Lestari", "role_id": 3,
        "branch_id": world.jakarta_branch})
    temporary = created.json()["temporary_password"]
    async with panel_client(app, ip="10.3.0.1") as dewi:
        response = await attempt(dewi, "dewi.jkt", temporary)
        assert response.headers["location"] == "/password"
        assert (await dewi.get("/members")).headers["location"] == "/password"
        api = await dewi.get("/api/v1/members")
        assert api.status_code == 403
        assert api.json()["error"]["code"] == "error.password_change_required"
        page = await dewi.get("/password")
        assert page.status_code == 200
        csrf_dewi = form_token(page)
        weak = await post_form(dewi, "/password", csrf_dewi, current_password=temporary,
                               new_password="short", confirm_password="short")
        assert weak.status_code == 422
        old_cookie = dewi.cookies[SESSION_COOKIE]
        done = await post_form(dewi, "/password", csrf_dewi, current_password=temporary,
                               new_password="Kopi-Tubruk-2026", confirm_password="Kopi-Tubruk-2026")
        assert done.status_code == 303 and done.headers["location"] == "/"
        assert dewi.cookies[SESSION_COOKIE] != old_cookie  # rotated
        assert (await dewi.get("/members")).status_code == 200
    async with panel_client(app, ip="10.3.0.2") as replay:
        replay.cookies.set(SESSION_COOKIE, old_cookie, domain="127.0.0.1")
        assert (await replay.get("/api/v1/me")).status_code == 401


async def test_a_password_change_with_a_wrong_current_password_is_refused(
    panel: httpx.AsyncClient,
) -> None:
    csrf = await log_in(panel, "auditor")
    response = await post_form(panel, "/password", csrf, current_password="not-it-at-all",
                               new_password="Kopi-Tubruk-2026",
                               confirm_password="Kopi-Tubruk-2026")
    assert response.status_code == 401
    assert (await panel.get("/audit")).status_code == 200  # still logged in


@pytest.mark.parametrize("url", ["/login", "/api/v1/me", "/openapi.json", "/static/admin.css"])
async def test_every_answer_carries_the_security_headers(
    panel: httpx.AsyncClient, url: str
) -> None:
    response = await panel.get(url)
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_are_not_cached_but_the_stylesheet_is(panel: httpx.AsyncClient) -> None:
    await log_in(panel, "auditor")
    assert (await panel.get("/audit")).headers["cache-control"] == "no-store"
    assert "max-age" in (await panel.get("/static/admin.css")).headers["cache-control"]


async def test_indonesian_by_default_and_english_on_request(
    app: FastAPI, panel: httpx.AsyncClient
) -> None:
    page = await panel.get("/login")
    assert '<html lang="id">' in page.text
    response = await post_form(panel, "/lang", form_token(page), lang="en", next="/login")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    english = await panel.get("/login")
    assert '<html lang="en">' in english.text
    assert message(app, "admin.auth.login_title", "en") in english.text
    refused = await panel.post("/lang", data={"lang": "id", "next": "/login"})
    assert refused.status_code == 403
