"""Who may call what: every route declares its rule, and the server enforces it for each
seeded role exactly as ``SEEDED_ROLES`` says. Anonymous callers go to the login page
(pages) or get 401 (API).

The table below is the permission table in one place. A new route that is not in it, or
that declares another rule than the table says, fails ``test_every_route_declares...``.
"""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI

from admin_web.access import RouteAccess, app_routes, route_access
from admin_web.pages import MENU
from backend.domain.permissions import SEEDED_ROLES, Permission
from tests.admin_web.conftest import (
    DEMO_USERS,
    World,
    demo_password,
    log_in,
    panel_client,
    permissions_of,
)

P = Permission
PUBLIC = "public"
STAFF = "staff"  # any logged-in staff user
LOAN_READERS = frozenset({P.LOANS_REVIEW, P.LOANS_APPROVE, P.AUDIT_VIEW})  # any one of them
LOAN_DECIDERS = frozenset({P.LOANS_REVIEW, P.LOANS_APPROVE})

EXPECTED: dict[tuple[str, str], Permission | frozenset[Permission] | str] = {
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/lang"): PUBLIC,
    ("POST", "/logout"): STAFF,
    ("GET", "/password"): STAFF,
    ("POST", "/password"): STAFF,
    ("GET", "/account"): STAFF,
    ("POST", "/account/api-token"): STAFF,
    ("GET", "/"): P.DASHBOARD_VIEW,
    ("GET", "/members"): P.MEMBERS_VIEW,
    ("GET", "/members/{member_id}"): P.MEMBERS_VIEW,
    ("POST", "/members/{member_id}/verify"): P.MEMBERS_VERIFY,
    ("POST", "/members/{member_id}/reject"): P.MEMBERS_VERIFY,
    ("POST", "/members/{member_id}/deactivate"): P.MEMBERS_DEACTIVATE,
    ("POST", "/members/{member_id}/reactivate"): P.MEMBERS_DEACTIVATE,
    ("GET", "/branches"): P.BRANCHES_VIEW,
    ("GET", "/branches/new"): P.BRANCHES_MANAGE,
    ("POST", "/branches"): P.BRANCHES_MANAGE,
    ("GET", "/branches/{branch_id}"): P.BRANCHES_VIEW,
    ("POST", "/branches/{branch_id}"): P.BRANCHES_MANAGE,
    ("POST", "/branches/{branch_id}/active"): P.BRANCHES_MANAGE,
    ("GET", "/staff"): P.STAFF_VIEW,
    ("GET", "/staff/new"): P.STAFF_MANAGE,
    ("POST", "/staff"): P.STAFF_MANAGE,
    ("GET", "/staff/{staff_id}"): P.STAFF_VIEW,
    ("POST", "/staff/{staff_id}"): P.STAFF_MANAGE,
    ("POST", "/staff/{staff_id}/active"): P.STAFF_MANAGE,
    ("POST", "/staff/{staff_id}/reset-password"): P.STAFF_MANAGE,
    ("GET", "/roles"): P.STAFF_VIEW,
    ("GET", "/roles/new"): P.ROLES_MANAGE,
    ("POST", "/roles"): P.ROLES_MANAGE,
    ("GET", "/roles/{role_id}"): P.STAFF_VIEW,
    ("POST", "/roles/{role_id}"): P.ROLES_MANAGE,
    ("GET", "/audit"): P.AUDIT_VIEW,
    ("GET", "/deposits"): P.DEPOSITS_CONFIRM,
    ("GET", "/deposits/{deposit_id}"): P.DEPOSITS_CONFIRM,
    ("GET", "/deposits/{deposit_id}/proof"): P.DEPOSITS_CONFIRM,
    ("POST", "/deposits/{deposit_id}/confirm"): P.DEPOSITS_CONFIRM,
    ("POST", "/deposits/{deposit_id}/reject"): P.DEPOSITS_CONFIRM,
    ("GET", "/withdrawals"): P.WITHDRAWALS_CONFIRM,
    ("GET", "/withdrawals/{withdrawal_id}"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/withdrawals/{withdrawal_id}/approve"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/withdrawals/{withdrawal_id}/paid"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/withdrawals/{withdrawal_id}/reject"): P.WITHDRAWALS_CONFIRM,
    ("GET", "/wallet/settings"): P.WALLET_SETTINGS,
    ("POST", "/wallet/settings"): P.WALLET_SETTINGS,
    ("POST", "/wallet/settings/accounts"): P.WALLET_SETTINGS,
    ("POST", "/wallet/settings/accounts/{account_id}/active"): P.WALLET_SETTINGS,
    ("GET", "/reconciliation"): P.REPORTS_VIEW,
    ("GET", "/loan-products"): P.LOANS_PRODUCTS,
    ("POST", "/loan-products"): P.LOANS_PRODUCTS,
    ("GET", "/loan-products/new"): P.LOANS_PRODUCTS,
    ("GET", "/loan-products/{product_id}"): P.LOANS_PRODUCTS,
    ("POST", "/loan-products/{product_id}"): P.LOANS_PRODUCTS,
    ("POST", "/loan-products/{product_id}/active"): P.LOANS_PRODUCTS,
    ("GET", "/loan-cost-caps"): P.LOANS_PRODUCTS,
    ("POST", "/loan-cost-caps"): P.LOANS_PRODUCTS,
    ("GET", "/loan-settings"): P.LOANS_PRODUCTS,
    ("POST", "/loan-settings"): P.LOANS_PRODUCTS,
    ("GET", "/api/v1/loan-products"): P.LOANS_PRODUCTS,
    ("POST", "/api/v1/loan-products"): P.LOANS_PRODUCTS,
    ("GET", "/api/v1/loan-products/{product_id}"): P.LOANS_PRODUCTS,
    ("PUT", "/api/v1/loan-products/{product_id}"): P.LOANS_PRODUCTS,
    ("POST", "/api/v1/loan-products/{product_id}/active"): P.LOANS_PRODUCTS,
    ("GET", "/api/v1/loan-cost-caps"): P.LOANS_PRODUCTS,
    ("PUT", "/api/v1/loan-cost-caps"): P.LOANS_PRODUCTS,
    ("GET", "/api/v1/loan-settings"): P.LOANS_PRODUCTS,
    ("PUT", "/api/v1/loan-settings"): P.LOANS_PRODUCTS,
    ("GET", "/connect/weights"): P.LOANS_PRODUCTS,
    ("POST", "/connect/weights"): P.LOANS_PRODUCTS,
    ("GET", "/members/{member_id}/connect"): P.CONNECT_PROFILES,
    ("GET", "/connect/pair"): P.CONNECT_PROFILES,
    ("GET", "/api/v1/connect/weights"): P.LOANS_PRODUCTS,
    ("PUT", "/api/v1/connect/weights"): P.LOANS_PRODUCTS,
    ("GET", "/api/v1/members/{member_id}/connect-profile"): P.CONNECT_PROFILES,
    ("GET", "/api/v1/connect/pair"): P.CONNECT_PROFILES,
    ("GET", "/loans"): LOAN_READERS,
    ("GET", "/loans/{loan_id}"): LOAN_READERS,
    ("GET", "/loans/documents/{document_id}"): LOAN_READERS,
    ("POST", "/loans/{loan_id}/start-review"): P.LOANS_REVIEW,
    ("POST", "/loans/{loan_id}/narrative"): P.LOANS_REVIEW,
    ("POST", "/loans/{loan_id}/documents"): P.LOANS_REVIEW,
    ("POST", "/loans/{loan_id}/approve"): P.LOANS_APPROVE,
    ("POST", "/loans/{loan_id}/reject"): LOAN_DECIDERS,
    ("GET", "/api/v1/loans"): LOAN_READERS,
    ("GET", "/api/v1/loans/{loan_id}"): LOAN_READERS,
    ("POST", "/api/v1/loans/{loan_id}/start-review"): P.LOANS_REVIEW,
    ("PUT", "/api/v1/loans/{loan_id}/narrative"): P.LOANS_REVIEW,
    ("POST", "/api/v1/loans/{loan_id}/documents"): P.LOANS_REVIEW,
    ("POST", "/api/v1/loans/{loan_id}/approve"): P.LOANS_APPROVE,
    ("POST", "/api/v1/loans/{loan_id}/reject"): LOAN_DECIDERS,
    ("GET", "/api/v1/me"): STAFF,
    ("GET", "/api/v1/dashboard"): P.DASHBOARD_VIEW,
    ("GET", "/api/v1/members"): P.MEMBERS_VIEW,
    ("GET", "/api/v1/members/{member_id}"): P.MEMBERS_VIEW,
    ("POST", "/api/v1/members/{member_id}/verify"): P.MEMBERS_VERIFY,
    ("POST", "/api/v1/members/{member_id}/reject"): P.MEMBERS_VERIFY,
    ("POST", "/api/v1/members/{member_id}/deactivate"): P.MEMBERS_DEACTIVATE,
    ("POST", "/api/v1/members/{member_id}/reactivate"): P.MEMBERS_DEACTIVATE,
    ("GET", "/api/v1/branches"): P.BRANCHES_VIEW,
    ("GET", "/api/v1/branches/{branch_id}"): P.BRANCHES_VIEW,
    ("POST", "/api/v1/branches"): P.BRANCHES_MANAGE,
    ("PUT", "/api/v1/branches/{branch_id}"): P.BRANCHES_MANAGE,
    ("POST", "/api/v1/branches/{branch_id}/active"): P.BRANCHES_MANAGE,
    ("GET", "/api/v1/staff"): P.STAFF_VIEW,
    ("GET", "/api/v1/staff/{staff_id}"): P.STAFF_VIEW,
    ("POST", "/api/v1/staff"): P.STAFF_MANAGE,
    ("PUT", "/api/v1/staff/{staff_id}"): P.STAFF_MANAGE,
    ("POST", "/api/v1/staff/{staff_id}/active"): P.STAFF_MANAGE,
    ("POST", "/api/v1/staff/{staff_id}/reset-password"): P.STAFF_MANAGE,
    ("GET", "/api/v1/roles"): P.STAFF_VIEW,
    ("GET", "/api/v1/roles/{role_id}"): P.STAFF_VIEW,
    ("POST", "/api/v1/roles"): P.ROLES_MANAGE,
    ("PUT", "/api/v1/roles/{role_id}"): P.ROLES_MANAGE,
    ("GET", "/api/v1/audit"): P.AUDIT_VIEW,
    ("GET", "/api/v1/deposits"): P.DEPOSITS_CONFIRM,
    ("GET", "/api/v1/deposits/{deposit_id}"): P.DEPOSITS_CONFIRM,
    ("POST", "/api/v1/deposits/{deposit_id}/confirm"): P.DEPOSITS_CONFIRM,
    ("POST", "/api/v1/deposits/{deposit_id}/reject"): P.DEPOSITS_CONFIRM,
    ("GET", "/api/v1/withdrawals"): P.WITHDRAWALS_CONFIRM,
    ("GET", "/api/v1/withdrawals/{withdrawal_id}"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/api/v1/withdrawals/{withdrawal_id}/approve"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/api/v1/withdrawals/{withdrawal_id}/paid"): P.WITHDRAWALS_CONFIRM,
    ("POST", "/api/v1/withdrawals/{withdrawal_id}/reject"): P.WITHDRAWALS_CONFIRM,
    ("GET", "/api/v1/wallet/settings"): P.WALLET_SETTINGS,
    ("PUT", "/api/v1/wallet/settings"): P.WALLET_SETTINGS,
    ("GET", "/api/v1/wallet/receiving-accounts"): P.WALLET_SETTINGS,
    ("POST", "/api/v1/wallet/receiving-accounts"): P.WALLET_SETTINGS,
    ("POST", "/api/v1/wallet/receiving-accounts/{account_id}/active"): P.WALLET_SETTINGS,
    ("GET", "/api/v1/reconciliation"): P.REPORTS_VIEW,
}


def served_routes(app: FastAPI) -> dict[tuple[str, str], RouteAccess | None]:
    """(method, path) → declared rule, for every route the app serves (HEAD aside)."""
    table: dict[tuple[str, str], RouteAccess | None] = {}
    for route in app_routes(app):
        for method in sorted(route.methods or {"GET"}):
            if method != "HEAD":
                table[(method, str(route.path))] = route_access(route)
    return table


def as_rule(expected: Permission | frozenset[Permission] | str) -> RouteAccess:
    if isinstance(expected, frozenset):
        return RouteAccess("any_permission", expected)
    if isinstance(expected, Permission):
        return RouteAccess("permission", frozenset({expected}))
    return RouteAccess("public" if expected == PUBLIC else "staff")


def test_every_route_declares_the_rule_of_the_permission_table(app: FastAPI) -> None:
    served = served_routes(app)
    undeclared = sorted(key for key, rule in served.items() if rule is None)
    assert undeclared == [], "routes without a declared permission"
    assert set(served) == set(EXPECTED), "routes missing from (or extra in) the table"
    wrong = {k: served[k] for k in served if served[k] != as_rule(EXPECTED[k])}
    assert wrong == {}


def test_each_menu_entry_needs_what_its_page_needs(app: FastAPI) -> None:
    served = served_routes(app)
    for entry in MENU:
        rule = (
            as_rule(entry.or_permissions | {entry.permission})
            if entry.or_permissions
            else as_rule(entry.permission)
        )
        assert served[("GET", entry.path)] == rule, entry.path


def concrete(path: str, world: World, target_staff: int, target_role: int) -> str:
    return (
        path.replace("{member_id}", str(world.jakarta_member))
        .replace("{branch_id}", str(world.jakarta_branch))
        .replace("{staff_id}", str(target_staff))
        .replace("{role_id}", str(target_role))
        # Wallet requests and accounts: ids nobody has (404 when allowed, 403 when not).
        .replace("{deposit_id}", "999999")
        .replace("{withdrawal_id}", "999999")
        .replace("{account_id}", "999999")
        .replace("{loan_id}", "999999")
        .replace("{product_id}", "999999")
        .replace("{document_id}", "999999")
    )


def is_login_redirect(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(SEEDED_ROLES))
async def test_each_role_is_allowed_or_refused_exactly_as_its_permissions_say(
    app: FastAPI, world: World, role: str
) -> None:
    async with panel_client(app) as admin:
        admin_csrf = await log_in(admin, "superadmin")
        # Targets for the write routes: a spare staff user and a spare role.
        created = await admin.post("/api/v1/staff", headers={"X-CSRF-Token": admin_csrf},
                                   json={"username": "target.user", "full_name": "Tari Get",
                                         "role_id": 1, "branch_id": world.jakarta_branch})
        custom = await admin.post("/api/v1/roles", headers={"X-CSRF-Token": admin_csrf},
                                  json={"code": "target_role", "name_id": "Target",
                                        "name_en": "Target", "permissions": []})
        target_staff, target_role = created.json()["staff"]["id"], custom.json()["id"]

    username = DEMO_USERS[role]
    granted = permissions_of(role)
    samples = {
        "/password": {"current_password": demo_password(username), "new_password": "a",
                      "confirm_password": "b"},  # refused as a mismatch (422), not run
    }
    outcomes: dict[tuple[str, str], int] = {}
    async with panel_client(app) as client:
        csrf = await log_in(client, username)
        # /logout last: it ends the session the sweep runs on.
        for method, path in sorted(EXPECTED, key=lambda k: k[1] == "/logout"):
            if path == "/static":
                continue
            url = concrete(path, world, target_staff, target_role)
            body = samples.get(path, {})
            kwargs: dict[str, object] = (
                {"json": body} if path.startswith("/api/") else {"data": body}
            ) if method != "GET" else {}
            response = await client.request(method, url, headers={"X-CSRF-Token": csrf},
                                            **kwargs)  # type: ignore[arg-type]
            outcomes[(method, path)] = response.status_code
            expected = as_rule(EXPECTED[(method, path)])
            if expected.kind == "public":  # e.g. an empty login form: 401, but not refused
                assert response.status_code != 403, (method, path)
            elif expected.allows(granted):
                assert response.status_code not in (401, 403), (method, path, response.text)
                if path != "/logout":  # which rightly sends the user to the login page
                    assert not is_login_redirect(response), (method, path)
                assert response.status_code < 500
            else:
                assert response.status_code == 403, (method, path, response.status_code)
                if path.startswith("/api/"):
                    assert response.json()["error"]["code"] == "error.permission"
    assert len(outcomes) == len(EXPECTED) - 1


def anonymous_cases() -> list[tuple[str, str]]:
    return sorted(k for k, v in EXPECTED.items() if v != PUBLIC)


@pytest.mark.parametrize(("method", "path"), anonymous_cases())
async def test_anonymous_callers_go_to_the_login_page_or_get_401(
    panel: httpx.AsyncClient, world: World, method: str, path: str
) -> None:
    url = concrete(path, world, 1, 1)
    response = await panel.request(method, url)
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "error.login_required"
        assert response.headers["www-authenticate"] == "Bearer"
    else:
        assert is_login_redirect(response)


async def test_after_login_the_user_returns_to_the_page_they_asked_for(
    panel: httpx.AsyncClient, world: World
) -> None:
    asked = "/members?status=verified&page=1"
    response = await panel.get(asked)
    assert is_login_redirect(response)
    login_page = await panel.get(response.headers["location"])
    form = login_page.text.split('action="/login"', 1)[1]
    next_field = re.search(r'name="next" value="([^"]+)"', form)
    assert next_field and next_field.group(1).replace("&amp;", "&") == asked


async def test_the_menu_shows_only_what_the_user_may_open(app: FastAPI, world: World) -> None:
    for role, username in DEMO_USERS.items():
        async with panel_client(app) as client:
            await log_in(client, username)
            page = (await client.get("/account")).text
            menu = page.split('<nav class="menu"', 1)[1].split("</nav>", 1)[0]
            shown = set(re.findall(r'href="([^"]+)"', menu))
            expected = {
                e.path
                for e in MENU
                if ({e.permission} | e.or_permissions) & permissions_of(role)
            }
            assert shown == expected, role
