"""Request dependencies, as ``Annotated`` aliases routes declare in their signatures.

Who may call a route is declared once, in its signature, with exactly one of:

* ``Annotated[StaffView, require(Permission.X)]`` — a logged-in staff user holding X;
* ``Annotated[StaffView, require_any(Permission.X, Permission.Y)]`` — … holding X or Y;
* ``CurrentStaff`` — any logged-in staff user (their own account pages);
* ``PendingStaff`` — any logged-in staff user, even before the forced password change;
* ``dependencies=[PUBLIC]`` — no login (the login page itself, the language switch).

``admin_web.access.route_access`` reads these back, so tests and the menu know every
route's rule. A logged-in request that changes state must carry the CSRF token; the
check happens here too, before any permission is looked at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from admin_web.errors import CsrfRejected, LoginRequired, PasswordChangeRequired
from admin_web.security import (
    FORM_COOKIE,
    SESSION_COOKIE,
    submitted_csrf_token,
    tokens_match,
)
from backend.domain.errors import NotAllowedError
from backend.domain.permissions import Permission
from backend.services import Database
from backend.services import staff as staff_service
from backend.services.admin_dto import StaffView

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def get_db(request: Request) -> Database:
    database: Database = request.app.state.db
    return database


def get_now(request: Request) -> dt.datetime:
    """The current moment (UTC); tests move time with ``app.state.clock``."""
    clock: Callable[[], dt.datetime] = request.app.state.clock
    return clock()


def client_ip(request: Request) -> str:
    """The client's address (behind a proxy, run uvicorn with ``--proxy-headers``)."""
    return request.client.host if request.client else ""


DbDep = Annotated[Database, Depends(get_db)]
NowDep = Annotated[dt.datetime, Depends(get_now)]
IpDep = Annotated[str, Depends(client_ip)]


@dataclass(frozen=True)
class Auth:
    """Who is calling: a staff user, and how they proved it."""

    staff: StaffView
    session_token: str | None  # None when authenticated by an API token
    csrf_token: str | None  # the session's token; None for API tokens (no CSRF)

    @property
    def by_api_token(self) -> bool:
        return self.session_token is None


def _bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def load_auth(request: Request, db: DbDep, now: NowDep) -> Auth | None:
    """The caller's identity from an API token (API only) or the session cookie."""
    auth: Auth | None = None
    bearer = _bearer_token(request)
    if bearer is not None:
        # An Authorization header replaces cookies entirely: no ambient authority.
        staff = None
        if bearer and request.url.path.startswith("/api/"):
            staff = await staff_service.authenticate_api_token(db, token=bearer, now=now)
        auth = Auth(staff, None, None) if staff else None
    elif token := request.cookies.get(SESSION_COOKIE):
        session = await staff_service.load_session(db, session_token=token, now=now)
        if session is None:
            request.state.stale_session = True
        else:
            auth = Auth(session.staff, token, session.csrf_token)
    request.state.auth = auth
    return auth


OptionalAuth = Annotated[Auth | None, Depends(load_auth)]


async def check_csrf(request: Request, auth: Auth | None) -> None:
    """Refuse a state change that does not carry the expected CSRF token."""
    if request.method in SAFE_METHODS or (auth is not None and auth.by_api_token):
        return
    expected = auth.csrf_token if auth is not None else request.cookies.get(FORM_COOKIE)
    if not tokens_match(expected, await submitted_csrf_token(request)):
        raise CsrfRejected()


async def authenticated(request: Request, auth: OptionalAuth) -> Auth:
    """A logged-in caller whose state-changing request carries the CSRF token."""
    if auth is None:
        raise LoginRequired()
    await check_csrf(request, auth)
    return auth


AuthDep = Annotated[Auth, Depends(authenticated)]


def current_staff_any(auth: AuthDep) -> StaffView:
    """Any logged-in staff user, even one who must still change their password."""
    return auth.staff


def current_staff(auth: AuthDep) -> StaffView:
    """A logged-in staff user who has set their own password."""
    if auth.staff.must_change_password:
        raise PasswordChangeRequired()
    return auth.staff


PendingStaff = Annotated[StaffView, Depends(current_staff_any)]
CurrentStaff = Annotated[StaffView, Depends(current_staff)]


@dataclass(frozen=True)
class RequirePermission:
    """Dependency: the current staff user, who must hold ``permission`` (else 403)."""

    permission: Permission

    def __call__(self, staff: CurrentStaff) -> StaffView:
        if not staff.can(self.permission):
            raise NotAllowedError(permission=self.permission.value)
        return staff


def require(permission: Permission) -> Any:
    """``Annotated[StaffView, require(Permission.X)]``: the route needs X."""
    return Depends(RequirePermission(permission))


@dataclass(frozen=True)
class RequireAnyPermission:
    """Dependency: the current staff user, who must hold one of ``permissions`` (else 403);
    for pages several roles read while each acts on them with its own permission."""

    permissions: frozenset[Permission]

    def __call__(self, staff: CurrentStaff) -> StaffView:
        if not any(staff.can(permission) for permission in self.permissions):
            raise NotAllowedError(permission=min(self.permissions).value)
        return staff


def require_any(*permissions: Permission) -> Any:
    """``Annotated[StaffView, require_any(Permission.X, Permission.Y)]``: X or Y."""
    return Depends(RequireAnyPermission(frozenset(permissions)))


async def public_form(request: Request, auth: OptionalAuth) -> None:
    """A route anyone may call; its state changes still need the CSRF token."""
    await check_csrf(request, auth)


PUBLIC = Depends(public_form)
