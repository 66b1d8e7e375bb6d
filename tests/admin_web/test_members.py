"""Staff work on members in the panel: search, detail, KYC verification with the
member told in Telegram (outbox), deactivation and reactivation with a reason, each
audited and shown only to staff holding the permission."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models_staff import OutboxMessage
from backend.db.unit_of_work import UnitOfWork
from tests.admin_web.conftest import World, another_member, log_in, message, panel_client


@pytest.fixture
async def officer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The credit officer of JKT01: may verify, may not deactivate."""
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "kredit.jkt")
        yield client


@pytest.fixture
async def admin(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with panel_client(app) as client:
        client.headers["X-CSRF-Token"] = await log_in(client, "superadmin")
        yield client


async def outbox(db: Database) -> list[OutboxMessage]:
    async with UnitOfWork(db, write=False) as uow:
        return list(await uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_verifying_a_member_tells_them_and_is_audited(
    app: FastAPI, officer: httpx.AsyncClient, admin: httpx.AsyncClient, world: World,
    seeded_db: Database,
) -> None:
    detail = await officer.get(f"/members/{world.jakarta_member}")
    assert f'action="/members/{world.jakarta_member}/verify"' in detail.text
    assert f'action="/members/{world.jakarta_member}/deactivate"' not in detail.text
    response = await officer.post(f"/members/{world.jakarta_member}/verify")
    assert response.status_code == 303
    page = await officer.get(response.headers["location"])
    assert message(app, "admin.flash.member_verified") in page.text
    assert message(app, "member.status.verified") in page.text
    assert "staff:kredit.jkt" in page.text  # the status history
    sent = await outbox(seeded_db)
    assert [m.message_key for m in sent] == ["member.notice.verified"]
    assert sent[0].chat_id == 700000101
    audit = await admin.get("/audit", params={"action": "member."})
    assert "member.verified" in audit.text and "kredit.jkt" in audit.text
    again = await officer.post(f"/api/v1/members/{world.jakarta_member}/verify")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "error.invalid_status_transition"


async def test_rejecting_needs_a_reason_which_the_member_reads(
    app: FastAPI, officer: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    url = f"/members/{world.jakarta_member}/reject"
    empty = await officer.post(url, data={"reason": "   "})
    assert empty.status_code == 422
    assert message(app, "error.reason_required") in empty.text
    assert "<details open>\n      <summary>" + message(app, "admin.members.reject") in empty.text
    assert (await outbox(seeded_db)) == []
    done = await officer.post(url, data={"reason": "Foto KTP buram, mohon kirim ulang"})
    assert done.status_code == 303
    page = await officer.get(f"/members/{world.jakarta_member}")
    assert "Foto KTP buram, mohon kirim ulang" in page.text
    sent = await outbox(seeded_db)
    assert sent[0].message_key == "member.notice.rejected"
    assert sent[0].params["reason"] == "Foto KTP buram, mohon kirim ulang"


async def test_deactivating_and_reactivating_returns_the_member_to_their_status(
    app: FastAPI, officer: httpx.AsyncClient, admin: httpx.AsyncClient, world: World
) -> None:
    member = f"/members/{world.jakarta_member}"
    assert (await officer.post(f"{member}/verify")).status_code == 303
    refused = await officer.post(f"{member}/deactivate", data={"reason": "Permintaan anggota"})
    assert refused.status_code == 403  # a credit officer may not deactivate
    done = await admin.post(f"{member}/deactivate", data={"reason": "Permintaan anggota"})
    assert done.status_code == 303
    page = await admin.get(member)
    assert message(app, "member.status.deactivated") in page.text
    assert f'action="{member}/reactivate"' in page.text
    assert f'action="{member}/verify"' not in page.text
    back = await admin.post(f"/api/v1{member}/reactivate", json={"reason": "Sudah jelas"})
    assert back.status_code == 200
    assert back.json()["summary"]["status"] == "verified"
    history = [(h["from_status"], h["to_status"]) for h in back.json()["history"]]
    assert history[-2:] == [("verified", "deactivated"), ("deactivated", "verified")]


async def test_members_are_found_by_name_nik_phone_and_telegram_username(
    admin: httpx.AsyncClient, world: World, seeded_db: Database
) -> None:
    siti = await another_member(seeded_db, telegram_user_id=5301, telegram_username="siti_r")
    for q in ["siti", "Rahayu", "3174055708900002", "0812 3456 7890", "@siti_r", "siti_r"]:
        found = (await admin.get("/api/v1/members", params={"q": q})).json()
        assert [m["id"] for m in found["members"]] == [siti], q
    page = await admin.get("/members", params={"q": "siti"})
    assert "Siti Rahayu" in page.text and "Rina Wulandari" not in page.text
    assert "3174055708900002" not in page.text  # the NIK is masked


async def test_members_are_filtered_by_branch_role_and_status(
    admin: httpx.AsyncClient, world: World
) -> None:
    async def ids(**params: str | int) -> list[int]:
        found = (await admin.get("/api/v1/members", params=params)).json()
        return sorted(m["id"] for m in found["members"])

    both = sorted([world.jakarta_member, world.bandung_member])
    assert await ids() == both
    assert await ids(branch_id=world.bandung_branch) == [world.bandung_member]
    assert await ids(role="financier") == [world.jakarta_member]
    assert await ids(role="borrower") == [world.bandung_member]
    assert await ids(status="verified") == []
    await admin.post(f"/api/v1/members/{world.bandung_member}/verify")
    assert await ids(status="verified") == [world.bandung_member]
    page = await admin.get("/members", params={"status": "verified", "role": "", "q": ""})
    assert page.status_code == 200 and "Joko Susilo" in page.text


async def test_the_member_list_is_paginated(
    admin: httpx.AsyncClient, seeded_db: Database
) -> None:
    for n in range(21):
        await another_member(seeded_db, telegram_user_id=5400 + n, full_name="Ani Pagina",
                             nik=f"317405570890{n + 20:04d}", phone=f"0812555500{n:02d}")
    first = (await admin.get("/api/v1/members", params={"q": "pagina"})).json()
    assert (first["total"], first["page"], first["page_count"]) == (21, 1, 2)
    assert len(first["members"]) == 20
    second = (await admin.get("/api/v1/members", params={"q": "pagina", "page": 2})).json()
    assert len(second["members"]) == 1
    assert not {m["id"] for m in first["members"]} & {m["id"] for m in second["members"]}
    page = await admin.get("/members", params={"q": "pagina"})
    assert "/members?q=pagina&amp;page=2" in page.text


async def test_the_detail_masks_nik_and_account_number(
    admin: httpx.AsyncClient, world: World
) -> None:
    page = await admin.get(f"/members/{world.jakarta_member}")
    assert "Rina Wulandari" in page.text
    assert "3174055708900001" not in page.text
    assert "0021700000101" not in page.text
    detail = (await admin.get(f"/api/v1/members/{world.jakarta_member}")).json()
    assert detail["summary"]["nik_masked"] in page.text
    assert detail["bank_account_masked"] in page.text


async def test_a_treasurer_sees_members_but_no_status_forms(
    app: FastAPI, world: World
) -> None:
    async with panel_client(app) as treasurer:
        await log_in(treasurer, "bendahara.jkt")
        page = await treasurer.get(f"/members/{world.jakarta_member}")
        assert page.status_code == 200
        assert f"/members/{world.jakarta_member}/" not in page.text
