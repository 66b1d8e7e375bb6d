"""Logging in and out, the forced password change, and the language switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import PUBLIC, AuthDep, DbDep, IpDep, NowDep, OptionalAuth, PendingStaff
from admin_web.forms import form_of
from admin_web.i18n import LANG_COOKIE, lazy_gettext
from admin_web.rendering import redirect, render
from admin_web.schemas import LanguageIn, LocalPath, LoginIn, PasswordChangeIn
from admin_web.security import (
    FORM_COOKIE,
    clear_session_cookie,
    cookie_is_secure,
    safe_next,
    set_session_cookie,
)
from backend.domain.errors import InvalidCredentials, LoginThrottled, ValidationError
from backend.i18n import LANGUAGES
from backend.services import staff as staff_service
from backend.services.admin_dto import StaffView

router = APIRouter(include_in_schema=False)
LANG_COOKIE_MAX_AGE = 365 * 24 * 60 * 60


def home_for(request: Request, staff: StaffView) -> str:
    """Where a staff user lands: the password change, else their first menu entry."""
    if staff.must_change_password:
        return "/password"
    for entry in request.app.state.menu:
        if entry.visible_to(staff):
            return str(entry.path)
    return "/account"


@router.get("/login", dependencies=[PUBLIC])
async def login_page(request: Request, auth: OptionalAuth, next: LocalPath = "/") -> Response:
    if auth is not None and not auth.by_api_token:
        return redirect(home_for(request, auth.staff))
    return render(request, "login.html", {"next": safe_next(next), "username": ""})


@router.post("/login", dependencies=[PUBLIC])
async def login(
    request: Request, form: Annotated[LoginIn, form_of(LoginIn)], db: DbDep, now: NowDep, ip: IpDep
) -> Response:
    """Open a new session (a new token at every login). Every failure reads the same."""
    try:
        result = await staff_service.authenticate(
            db, username=form.username, password=form.password, ip=ip,
            user_agent=request.headers.get("user-agent", "")[:300], now=now,
        )
    except (InvalidCredentials, LoginThrottled) as error:
        retry_after = error.params.get("retry_after")
        return render(
            request, "login.html",
            {"next": safe_next(form.next), "username": form.username, "error": error},
            status_code=429 if retry_after else 401,
            headers={"Retry-After": str(retry_after)} if retry_after else None,
        )
    target = "/password" if result.staff.must_change_password else safe_next(form.next, "")
    response = redirect(target or home_for(request, result.staff))
    set_session_cookie(response, request, result.session_token)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


@router.post("/logout")
async def logout(
    request: Request, staff: PendingStaff, auth: AuthDep, db: DbDep, now: NowDep, ip: IpDep
) -> Response:
    """End the session on the server; the cookie is worthless from now on."""
    await staff_service.logout(db, session_token=auth.session_token or "", ip=ip, now=now)
    response = redirect("/login", flash=lazy_gettext("admin.flash.logged_out"))
    clear_session_cookie(response, request)
    return response


@router.get("/password")
async def password_page(request: Request, staff: PendingStaff) -> Response:
    return render(request, "password.html", {})


@router.post("/password")
async def change_password(
    request: Request,
    staff: PendingStaff,
    auth: AuthDep,
    form: Annotated[PasswordChangeIn, form_of(PasswordChangeIn)],
    db: DbDep,
    now: NowDep,
    ip: IpDep,
) -> Response:
    """Set a new password; every session ends and this browser gets a fresh one."""
    try:
        if form.new_password != form.confirm_password:
            raise ValidationError(code="error.password_mismatch")
        result = await staff_service.change_password(
            db, session_token=auth.session_token or "",
            current_password=form.current_password, new_password=form.new_password,
            ip=ip, now=now,
        )
    except (InvalidCredentials, ValidationError) as error:
        status = 422 if isinstance(error, ValidationError) else 401
        return render(request, "password.html", {"error": error}, status_code=status)
    flash = lazy_gettext("admin.flash.password_changed")
    response = redirect(home_for(request, result.staff), flash=flash)
    set_session_cookie(response, request, result.session_token)
    return response


@router.post("/lang", dependencies=[PUBLIC])
async def switch_language(
    request: Request, form: Annotated[LanguageIn, form_of(LanguageIn)]
) -> Response:
    """Remember the chosen language in a cookie and go back to the page."""
    response = redirect(safe_next(form.next))
    if form.lang in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, form.lang, max_age=LANG_COOKIE_MAX_AGE, path="/", httponly=True,
            samesite="lax", secure=cookie_is_secure(request),
        )
    return response
