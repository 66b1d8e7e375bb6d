"""The sandbox ASGI app: Bot API, user-side API, web chat page and webhook deliverer.

`create_app` builds everything fresh (no module-level state); the world lives on
``app.state.world``. The lifespan runs the webhook deliverer and, on shutdown, wakes every
long poll so the server can stop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from sandbox import botapi, userapi
from sandbox.config import SandboxConfig
from sandbox.state import World
from sandbox.webhook import WebhookDeliverer

WEB_DIR = Path(__file__).parent / "web"


def create_app(config: SandboxConfig | None = None) -> FastAPI:
    """A new sandbox app with its own in-memory world."""
    world = World(config or SandboxConfig())

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        deliverer = WebhookDeliverer(world)
        task = asyncio.create_task(deliverer.run(), name="sandbox-webhook-deliverer")
        try:
            yield
        finally:
            world.close()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await deliverer.aclose()

    app = FastAPI(
        title="kopdana sandbox",
        description="Local Telegram Bot API emulator with a user-side API and web chat.",
        lifespan=lifespan,
    )
    app.state.world = world
    app.include_router(botapi.router)
    app.include_router(userapi.router)
    app.mount("/sandbox/static", StaticFiles(directory=WEB_DIR), name="sandbox-static")

    @app.get("/", include_in_schema=False)
    async def chat_page() -> FileResponse:
        return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-store"})

    return app
