"""Rendering pages: one Jinja2 environment, and the context every page shares.

Every template gets ``_`` (translate then format), ``t`` (the same translator, with
``t.money``/``t.date``/``t.datetime``), the logged-in ``staff`` (or None), the ``menu``
entries that user may open, the ``csrf_token`` to put in forms, a one-time ``flash``
message, and the label tables of ``admin_web.labels``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from admin_web import labels
from admin_web.i18n import translator
from admin_web.security import FORM_COOKIE, new_form_token, set_form_cookie
from backend.domain.permissions import Permission
from backend.i18n import LANGUAGES

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
FLASH_COOKIE = "kd_flash"
FLASH_PREFIX = "admin.flash."


def create_templates() -> Jinja2Templates:
    """The panel's template set: autoescaped, strict about undefined names."""
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return Jinja2Templates(env=environment)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``name`` with the shared page context plus ``context``."""
    t = translator(request)
    auth = getattr(request.state, "auth", None)
    staff = auth.staff if auth is not None else None
    new_token: str | None = None
    if auth is not None and auth.csrf_token:
        csrf_token = auth.csrf_token
    else:
        csrf_token = request.cookies.get(FORM_COOKIE) or ""
        if not csrf_token:
            csrf_token = new_token = new_form_token()
    flash = request.cookies.get(FLASH_COOKIE, "")
    shared: dict[str, Any] = {
        "_": t,
        "t": t,
        "lang": t.language,
        "languages": LANGUAGES,
        "staff": staff,
        "menu": [e for e in request.app.state.menu if staff and e.visible_to(staff)],
        "csrf_token": csrf_token,
        "flash": t(flash) if flash.startswith(FLASH_PREFIX) else "",
        "path": request.url.path,
        "full_path": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "page_url": lambda number: _page_url(request, number),
        "error": None,
        "P": Permission,
        "labels": labels,
    }
    templates: Jinja2Templates = request.app.state.templates
    response = templates.TemplateResponse(
        request, name, {**shared, **(context or {})}, status_code=status_code, headers=headers
    )
    if new_token:
        set_form_cookie(response, request, new_token)
    if flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _page_url(request: Request, number: int) -> str:
    """This page's URL with the same filters and another page number."""
    params = dict(request.query_params)
    params["page"] = str(number)
    return f"{request.url.path}?{urlencode(params)}"


def redirect(url: str, *, flash: str | None = None) -> RedirectResponse:
    """See Other (after a form post), optionally with a one-time message id to show."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, flash, path="/", httponly=True, samesite="lax")
    return response
