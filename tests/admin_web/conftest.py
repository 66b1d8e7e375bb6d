"""The staff panel over HTTP: the real app on a real, migrated and seeded database.

``panel`` is an httpx client bound to the app through ASGI (same event loop, fast);
``live_panel`` runs the app on uvicorn on a free port, for the browser and for
schemathesis. Time is the ``clock`` fixture: move it to age sessions and throttling.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from admin_web.app import create_app
from backend.db.engine import Database
from backend.domain.permissions import SEEDED_ROLES, Permission
from backend.services import staff as staff_service
from backend.services.staff import DEMO_PASSWORD_SUFFIX
from backend.settings import Settings
from tests.factories import branch_id, registered_member

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
BASE_URL = "http://127.0.0.1"
# One demo account per seeded role (backend.services.staff.DEMO_STAFF).
DEMO_USERS = {
    "superadmin": "superadmin",
    "branch_manager": "manager.jkt",
    "credit_officer": "kredit.jkt",
    "treasurer": "bendahara.jkt",
    "auditor": "auditor",
}
assert set(DEMO_USERS) == set(SEEDED_ROLES)
CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def settings_for(database_url: str) -> Settings:
    """Settings for tests: nothing from a developer's ``.env``."""
    return Settings(_env_file=None, database_url=database_url)  # type: ignore[call-arg]


def demo_password(username: str) -> str:
    return username + DEMO_PASSWORD_SUFFIX


def permissions_of(role: str) -> frozenset[Permission]:
    return SEEDED_ROLES[role][2]


class Clock:
    """A clock tests move by hand; the app asks it for "now"."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@dataclass
class World:
    """Ids of the seeded data tests talk about."""

    jakarta_branch: int  # JKT01, the branch-scoped demo staff's branch
    bandung_branch: int  # BDG01
    jakarta_member: int  # Rina Wulandari, awaiting verification, JKT01
    bandung_member: int  # Joko Susilo, awaiting verification, BDG01
    staff_ids: dict[str, int] = field(default_factory=dict)  # username -> id


@pytest.fixture
async def world(seeded_db: Database) -> World:
    """Demo branches and members, one demo staff account per seeded role."""
    await staff_service.seed_demo_staff(seeded_db, now=NOW)
    superadmin = await staff_service.authenticate(
        seeded_db, username="superadmin", password=demo_password("superadmin"), ip="seed",
        user_agent="", now=NOW - dt.timedelta(days=1),
    )
    users = await staff_service.list_staff(seeded_db, actor=superadmin.staff)
    jakarta, bandung = await branch_id(seeded_db, "JKT01"), await branch_id(seeded_db, "BDG01")
    from backend.services import member_admin

    found = await member_admin.search_members(
        seeded_db, actor=superadmin.staff, query=None, branch_id=None, role=None, status=None,
        page=0,
    )
    by_branch = {m.branch_id: m.id for m in found.members}
    return World(
        jakarta_branch=jakarta, bandung_branch=bandung,
        jakarta_member=by_branch[jakarta], bandung_member=by_branch[bandung],
        staff_ids={u.username: u.id for u in users},
    )


@pytest.fixture
def app(seeded_db: Database, database_url: str, clock: Clock, world: World) -> FastAPI:
    return create_app(settings_for(database_url), seeded_db, clock=clock)


def panel_client(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@pytest.fixture
async def panel(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        yield client


def form_token(page: httpx.Response) -> str:
    """The CSRF token a page's forms carry."""
    found = CSRF_INPUT.search(page.text)
    assert found, "no csrf_token in the page"
    return unescape(found.group(1))


async def log_in(client: httpx.AsyncClient, username: str, password: str | None = None) -> str:
    """Log in through the login form; returns the session's CSRF token."""
    page = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": password or demo_password(username),
              "csrf_token": form_token(page)},
    )
    assert response.status_code == 303, response.text
    me = await client.get("/api/v1/me")
    token: str = me.json()["csrf_token"]
    return token


async def post_form(
    client: httpx.AsyncClient, url: str, csrf: str, **data: Any
) -> httpx.Response:
    return await client.post(url, data={**data, "csrf_token": csrf})


def message(app: FastAPI, message_id: str, language: str = "id", **params: Any) -> str:
    """A catalog text as the panel shows it (HTML-escaped like the templates do)."""
    from html import escape

    return escape(app.state.translations.get(language)(message_id, **params))


async def another_member(db: Database, *, branch: str = "JKT01", **overrides: Any) -> int:
    """A freshly registered member (awaiting verification) in ``branch``."""
    fields = {"branch_id": await branch_id(db, branch), **overrides}
    return (await registered_member(db, **fields)).id


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """The panel on uvicorn in a thread of its own (own event loop, own engine)."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        app = create_app(settings_for(database_url))
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=asyncio.run, args=(self.server.serve(),),
                                       daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            threading.Event().wait(0.05)
        raise RuntimeError("admin web did not start")

    def __exit__(self, *_exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_panel(world: World, database_url: str) -> Iterator[LiveServer]:
    with LiveServer(database_url) as server:
        yield server
