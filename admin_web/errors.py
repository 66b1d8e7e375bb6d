"""The panel's own errors, and the one place where every error becomes a response.

Errors raised by services (``backend.domain.errors``) and by the panel's guards end
here, once: pages get an HTML page in the reader's language (a redirect to the login
page when no one is logged in), the JSON API gets ``{"error": {"code", "message"}}``.

    KopdanaError (backend)
    ├── AuthenticationError → 401 (LoginThrottled → 429 with Retry-After)
    │   └── LoginRequired            no valid session or API token (pages: → /login)
    ├── NotAllowedError → 403
    │   ├── CsrfRejected             state change without the right CSRF token
    │   └── PasswordChangeRequired   first login: change the password first (pages: → /password)
    ├── ValidationError → 422, ConflictError → 409, NotFoundError → 404
    └── anything else → 400
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from admin_web.i18n import lazy_gettext, translator
from admin_web.rendering import render
from admin_web.security import clear_session_cookie
from backend.domain.errors import (
    AuthenticationError,
    ConflictError,
    KopdanaError,
    LoginThrottled,
    NotAllowedError,
    NotFoundError,
    ValidationError,
)

log = logging.getLogger("kopdana.admin_web")


class LoginRequired(AuthenticationError):
    default_code: ClassVar[str] = lazy_gettext("error.login_required")


class CsrfRejected(NotAllowedError):
    default_code: ClassVar[str] = lazy_gettext("error.csrf_rejected")


class PasswordChangeRequired(NotAllowedError):
    default_code: ClassVar[str] = lazy_gettext("error.password_change_required")


_STATUS_BY_KIND: tuple[tuple[type[KopdanaError], int], ...] = (
    (LoginThrottled, 429),
    (AuthenticationError, 401),
    (NotAllowedError, 403),
    (ValidationError, 422),
    (ConflictError, 409),
    (NotFoundError, 404),
)
_HTTP_CODES = {
    404: lazy_gettext("error.not_found"),
    405: lazy_gettext("error.method_not_allowed"),
}


def status_for(error: KopdanaError) -> int:
    """The HTTP status that says what kind of error this is."""
    for kind, status in _STATUS_BY_KIND:
        if isinstance(error, kind):
            return status
    return 400


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(
    request: Request,
    *,
    code: str,
    message: str,
    status: int,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The error as JSON (API) or as a page (browser)."""
    if is_api(request):
        body: dict[str, Any] = {"code": code, "message": message, **(extra or {})}
        return JSONResponse({"error": body}, status_code=status, headers=headers)
    return render(
        request, "error.html", {"message": message, "status": status},
        status_code=status, headers=headers,
    )


async def kopdana_error(request: Request, exc: Exception) -> Response:
    """Every typed error, handled once."""
    assert isinstance(exc, KopdanaError)
    if not is_api(request):
        if isinstance(exc, LoginRequired):
            target = "/login"
            if request.method == "GET" and request.url.path != "/":
                target += "?next=" + quote(request.url.path + _query(request), safe="")
            response = RedirectResponse(target, status_code=303)
            if getattr(request.state, "stale_session", False):
                clear_session_cookie(response, request)
            return response
        if isinstance(exc, PasswordChangeRequired):
            return RedirectResponse("/password", status_code=303)
    headers: dict[str, str] = {}
    if isinstance(exc, LoginThrottled):
        headers["Retry-After"] = str(exc.params.get("retry_after", 1))
    elif isinstance(exc, LoginRequired):
        headers["WWW-Authenticate"] = "Bearer"
    return error_response(
        request, code=exc.code, message=translator(request).error(exc),
        status=status_for(exc), headers=headers,
    )


def _query(request: Request) -> str:
    return f"?{request.url.query}" if request.url.query else ""


async def invalid_request(request: Request, exc: Exception) -> Response:
    """Input FastAPI could not parse (wrong types, missing fields, values out of range)."""
    assert isinstance(exc, RequestValidationError)
    fields = [".".join(str(part) for part in e.get("loc", ())) for e in exc.errors()]
    code = "error.validation"
    return error_response(
        request, code=code, message=translator(request)(code), status=422,
        extra={"fields": fields} if is_api(request) else None,
    )


async def http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths (404) and wrong methods (405), in the panel's own format."""
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error.validation")
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return error_response(
        request, code=code, message=translator(request)(code), status=exc.status_code,
        headers=headers,
    )


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path (routes are one per method)."""
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        regex = getattr(route, "path_regex", None)
        if regex is not None and route.methods and regex.match(request.url.path):
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


async def unexpected_error(request: Request, exc: Exception) -> Response:
    """A bug: logged once with the request, shown as a generic apology (never details)."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    code = "error.unexpected"
    return error_response(request, code=code, message=translator(request)(code), status=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(KopdanaError, kopdana_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected_error)
