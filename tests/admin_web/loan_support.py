"""Helpers for the loan review tests over HTTP: a panel whose uploads go to a temporary
directory (with a small size cap), logged-in clients per demo user, the page's forms."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import unescape
from pathlib import Path

import httpx
from fastapi import FastAPI

from admin_web.app import create_app
from backend.db.engine import Database
from tests.admin_web.conftest import Clock, log_in, panel_client, settings_for

UPLOAD_MAX_BYTES = 64 * 1024
_FORM_ACTION = re.compile(r'action="/loans/\d+/([a-z-]+)"')
_NONCE = re.compile(r'name="nonce" value="([^"]+)"')


def loan_panel(db: Database, database_url: str, clock: Clock, uploads: Path) -> FastAPI:
    """The panel with uploads stored in ``uploads`` and capped at ``UPLOAD_MAX_BYTES``."""
    settings = settings_for(database_url).model_copy(
        update={"uploads_dir": uploads, "upload_max_bytes": UPLOAD_MAX_BYTES}
    )
    return create_app(settings, db, clock=clock)


@asynccontextmanager
async def logged_in(app: FastAPI, username: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client logged in as ``username`` whose writes carry the CSRF header."""
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, username)
        yield client


def forms_on(page: httpx.Response) -> set[str]:
    """The loan forms a page offers, by their action's last part (``approve``, …)."""
    return set(_FORM_ACTION.findall(page.text))


def nonce_of(page: httpx.Response, action: str) -> str:
    """The nonce of the form posting to ``…/<action>`` on the page."""
    form = page.text.split(f'/{action}"', 1)[1].split("</form>", 1)[0]
    found = _NONCE.search(form)
    assert found, f"no nonce in the {action} form"
    return unescape(found.group(1))
