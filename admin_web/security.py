"""Cookies, CSRF tokens and security headers for the staff panel.

* The session cookie holds only the opaque session token (the server keeps its hash);
  HttpOnly, SameSite=Lax, and Secure unless the request is to localhost (local
  development) — or as ``KOPDANA_ADMIN_COOKIE_SECURE`` says when that setting exists.
* CSRF: a logged-in browser proves each state change with the session's CSRF token, sent
  as the ``csrf_token`` form field or the ``X-CSRF-Token`` header. Before login (the login
  form, the language switch) a random token in a Strict cookie is echoed by the form
  (double submit). Requests authenticated by an API token (``Authorization: Bearer``)
  carry no cookies' authority and need no CSRF token.
* Every response gets a self-only Content-Security-Policy, frame denial, nosniff, a
  same-origin referrer policy and, outside ``/static``, ``Cache-Control: no-store``.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "kd_session"
FORM_COOKIE = "kd_form"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SESSION_MAX_AGE = 12 * 60 * 60  # the server ends sessions after 12 h anyway
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        b"form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def cookie_is_secure(request: Request) -> bool:
    """Secure cookies everywhere but on localhost, unless the app says otherwise."""
    configured: bool | None = request.app.state.cookie_secure
    if configured is not None:
        return configured
    return (request.url.hostname or "") not in LOCAL_HOSTS


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=cookie_is_secure(request)
    )


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


def set_form_cookie(response: Response, request: Request, token: str) -> None:
    """The pre-login CSRF token (double submit); useless to another site (Strict)."""
    response.set_cookie(
        FORM_COOKIE, token, path="/", httponly=True, samesite="strict",
        secure=cookie_is_secure(request),
    )


async def submitted_csrf_token(request: Request) -> str:
    """The CSRF token the request carries: the header, else the form field."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(FORM_CONTENT_TYPES):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


def tokens_match(expected: str | None, submitted: str) -> bool:
    """Constant-time comparison; an absent expected token never matches."""
    if not expected or not submitted:
        return False
    return secrets.compare_digest(expected.encode(), submitted.encode())


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after login; anything else (other hosts) → ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target


class SecurityHeadersMiddleware:
    """Adds the security headers (and no-store caching outside /static) to responses."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = str(scope.get("path", "")).startswith("/static/")
        is_https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[Any] = list(message.get("headers", []))
                present = {name.lower() for name, _value in headers}
                headers.extend(h for h in SECURITY_HEADERS if h[0] not in present)
                if b"cache-control" not in present:
                    cache = b"public, max-age=3600" if is_static else b"no-store"
                    headers.append((b"cache-control", cache))
                if is_https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

