"""The staff panel's FastAPI application (the admin issue fills it with pages).

For now it serves a health check that really asks the database, so the composed
``kopdana run`` can show staff and operators that everything is up.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from backend.services import Database
from backend.services.health import check_database
from backend.settings import Settings


def create_app(settings: Settings, db: Database | None = None) -> FastAPI:
    """Build the admin web app; ``db`` is shared when composed with the bot."""
    owns_db = db is None
    database = db or Database.from_url(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_db:
            await database.dispose()

    app = FastAPI(title="kopdana admin", version="0.1.0", lifespan=lifespan)
    app.state.db = database

    @app.get("/healthz")
    async def healthz(request: Request) -> dict[str, str]:
        await check_database(request.app.state.db)
        return {"status": "ok"}

    return app
