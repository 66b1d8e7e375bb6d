"""The member's transfer proof, fetched from Telegram (the sandbox here, over real HTTP)
and served to the treasurer as a download: typed by its content, size-capped, refused for
other branches, and a clear error page when Telegram cannot deliver it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from admin_web import telegram_files
from admin_web.app import create_app
from backend.db.engine import Database
from backend.services import wallet
from backend.services.dto import MemberView
from backend.services.wallet_dto import DepositView
from backend.settings import Settings
from sandbox.testing import SandboxServer
from tests.admin_web.conftest import (
    NOW,
    Clock,
    World,
    free_port,
    log_in,
    message,
    panel_client,
)
from tests.admin_web.wallet_support import deposit, financier

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(300) + b"\xff\xd9"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(120)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
HTML = b"<html><script>alert('kopdana')</script></html>"


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    async with SandboxServer() as server:
        yield server


def panel_settings(database_url: str, api_url: str, token: str) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        database_url=database_url,
        bot_token=SecretStr(token),
        telegram_api_url=api_url,
    )


@pytest.fixture
def app(
    seeded_db: Database, database_url: str, clock: Clock, world: World, sandbox: SandboxServer
) -> FastAPI:
    """The panel talking to the sandbox's Bot API with the sandbox bot's token."""
    settings = panel_settings(database_url, sandbox.api_url, sandbox.bot_token)
    return create_app(settings, seeded_db, clock=clock)


@pytest.fixture
async def treasurer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        await log_in(client, "bendahara.jkt")
        yield client


async def with_proof(
    db: Database,
    sandbox: SandboxServer,
    member: MemberView,
    kind: str,
    data: bytes,
    **file: Any,
) -> DepositView:
    """A deposit whose member sent ``data`` to the bot as a photo or a document."""
    user = await sandbox.create_user(member.telegram_user_id, "Anggota")
    if kind == "photo":
        sent = await user.send_photo(data)
    else:
        sent = await user.send_document(data, **file)
    request = await deposit(db, member, key=f"proof-{len(data)}")
    return await wallet.attach_deposit_proof(
        db,
        member_id=member.id,
        deposit_id=request.id,
        file_id=sent["file_id"],
        kind=kind,
        file_name=file.get("filename"),
        now=NOW,
    )


@pytest.mark.parametrize(
    ("kind", "data", "file", "content_type", "extension"),
    [
        ("photo", JPEG, {}, "image/jpeg", "jpg"),
        (
            "document",
            PDF,
            {"filename": "bukti.pdf", "mime_type": "application/pdf"},
            "application/pdf",
            "pdf",
        ),
        # The type Telegram reports does not count: the content does.
        ("document", PNG, {"filename": "bukti.txt", "mime_type": "text/plain"}, "image/png", "png"),
    ],
)
async def test_the_proof_is_served_as_an_attachment_of_the_type_its_content_shows(
    app: FastAPI,
    treasurer: httpx.AsyncClient,
    sandbox: SandboxServer,
    seeded_db: Database,
    kind: str,
    data: bytes,
    file: dict[str, str],
    content_type: str,
    extension: str,
) -> None:
    member = await financier(seeded_db)
    request = await with_proof(seeded_db, sandbox, member, kind, data, **file)
    page = await treasurer.get(f"/deposits/{request.id}")
    assert f'href="/deposits/{request.id}/proof"' in page.text
    response = await treasurer.get(f"/deposits/{request.id}/proof")
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{request.reference}-proof.{extension}"'
    )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_a_file_that_is_not_an_image_or_pdf_is_never_served(
    app: FastAPI, treasurer: httpx.AsyncClient, sandbox: SandboxServer, seeded_db: Database
) -> None:
    member = await financier(seeded_db)
    request = await with_proof(
        seeded_db,
        sandbox,
        member,
        "document",
        HTML,
        filename="bukti.pdf",
        mime_type="application/pdf",
    )
    response = await treasurer.get(f"/deposits/{request.id}/proof")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert b"<script>alert" not in response.content
    assert message(app, "error.proof.type") in response.text


async def test_a_proof_above_the_size_cap_is_refused(
    app: FastAPI,
    treasurer: httpx.AsyncClient,
    sandbox: SandboxServer,
    seeded_db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(telegram_files, "MAX_PROOF_BYTES", 100)
    member = await financier(seeded_db)
    request = await with_proof(seeded_db, sandbox, member, "photo", JPEG)
    response = await treasurer.get(f"/deposits/{request.id}/proof")
    assert response.status_code == 502
    assert message(app, "error.proof.too_large", max_mb=1) in response.text


async def test_the_download_stops_at_the_cap_even_without_a_declared_size(
    sandbox: SandboxServer,
) -> None:
    user = await sandbox.create_user(6199, "Anggota")
    sent = await user.send_document(PDF * 50, "besar.pdf")
    path = sandbox.world.files[sent["file_id"]].file_path
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    server = TelegramAPIServer.from_base(sandbox.api_url)
    session = AiohttpSession(api=server)
    try:
        url = server.file_url(sandbox.bot_token, path)
        assert await telegram_files._download(session, url, 10_000) == PDF * 50
        with pytest.raises(telegram_files.ProofUnavailable) as refused:
            await telegram_files._download(session, url, 1000)
        assert refused.value.code == "error.proof.too_large"
    finally:
        await session.close()


async def test_proofs_of_other_branches_and_missing_proofs_are_not_found(
    app: FastAPI, treasurer: httpx.AsyncClient, sandbox: SandboxServer, seeded_db: Database
) -> None:
    bandung = await financier(seeded_db, 4, branch="BDG01")
    theirs = await with_proof(seeded_db, sandbox, bandung, "photo", JPEG)
    response = await treasurer.get(f"/deposits/{theirs.id}/proof")
    assert response.status_code == 404
    assert response.content != JPEG
    assert message(app, "error.wallet.request_not_found") in response.text
    async with panel_client(app) as admin:
        await log_in(admin, "superadmin")  # all branches: the same proof is served
        assert (await admin.get(f"/deposits/{theirs.id}/proof")).content == JPEG

    no_proof = await deposit(seeded_db, await financier(seeded_db, 5))
    response = await treasurer.get(f"/deposits/{no_proof.id}/proof")
    assert response.status_code == 404
    assert message(app, "error.proof.missing") in response.text
    assert (await treasurer.get("/deposits/999999/proof")).status_code == 404


async def test_telegram_out_of_reach_or_a_stale_file_id_is_a_clear_error_page(
    app: FastAPI, seeded_db: Database, database_url: str, clock: Clock, sandbox: SandboxServer
) -> None:
    member = await financier(seeded_db)
    request = await with_proof(seeded_db, sandbox, member, "photo", JPEG)
    stale = await deposit(seeded_db, member, key="stale")
    await wallet.attach_deposit_proof(
        db=seeded_db,
        member_id=member.id,
        deposit_id=stale.id,
        file_id="AgADnotthere",
        kind="photo",
        file_name=None,
        now=NOW,
    )
    unreachable = panel_settings(database_url, f"http://127.0.0.1:{free_port()}", sandbox.bot_token)
    cases = ((create_app(unreachable, seeded_db, clock=clock), request.id), (app, stale.id))
    for panel, deposit_id in cases:
        async with panel_client(panel) as client:
            await log_in(client, "bendahara.jkt")
            response = await client.get(f"/deposits/{deposit_id}/proof")
            assert response.status_code == 502
            assert message(panel, "error.proof.unavailable") in response.text
