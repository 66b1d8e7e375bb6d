"""The staff panel's FastAPI application: pages, the JSON API, security and errors.

``create_app`` is the only entry point (no app is built at import time). The pieces:
``pages.FEATURES`` lists the routers and menu entries, ``deps`` the per-route access
rules, ``security`` the cookies, CSRF and headers, ``errors`` the one mapping from
errors to responses, ``i18n`` the language of each request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles

from admin_web.deps import PUBLIC, utc_now
from admin_web.errors import install_error_handlers
from admin_web.i18n import Translations
from admin_web.pages import FEATURES, MENU
from admin_web.rendering import create_templates
from admin_web.security import SecurityHeadersMiddleware
from backend.i18n import load_translations
from backend.services import Database
from backend.services.health import check_database
from backend.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(
    settings: Settings,
    db: Database | None = None,
    *,
    clock: Callable[[], dt.datetime] = utc_now,
) -> FastAPI:
    """Build the admin web app; ``db`` is shared when composed with the bot.

    ``clock`` gives "now" (UTC) to every service call; tests pass one they can move.
    Cookies are Secure unless the request is to localhost, or as the optional setting
    ``admin_cookie_secure`` says.
    """
    owns_db = db is None
    database = db or Database.from_url(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_db:
            await database.dispose()

    app = FastAPI(
        title="kopdana admin API",
        version="1.0.0",
        description="The staff panel's operations. See admin_web/README.md.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN; the schema suffices
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.db = database
    app.state.settings = settings
    app.state.clock = clock
    app.state.cookie_secure = settings.admin_cookie_secure
    app.state.translations = Translations(
        load_translations(settings.locales_dir),
        default=settings.default_locale,
        timezone=settings.default_timezone,
    )
    app.state.templates = create_templates()
    app.state.menu = MENU
    app.add_middleware(SecurityHeadersMiddleware)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for feature in FEATURES:
        app.include_router(feature.router)

    @app.get("/healthz", dependencies=[PUBLIC], include_in_schema=False)
    async def healthz(request: Request) -> dict[str, str]:
        await check_database(request.app.state.db)
        return {"status": "ok"}

    return app
