"""The loan review JSON API: the same steps, rules and refusals as the pages, as typed
JSON (both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.domain.nik import mask_nik
from tests.admin_web.conftest import Clock
from tests.admin_web.loan_support import loan_panel, logged_in
from tests.loan_factories import NARRATIVE, set_rules, submit, verified_borrower
from tests.services.test_loan_documents import png_bytes


@pytest.fixture
def app(
    seeded_db: Database, database_url: str, clock: Clock, world: object, tmp_path: Path
) -> FastAPI:
    return loan_panel(seeded_db, database_url, clock, tmp_path / "uploads")


async def test_review_and_two_approvals_through_the_api(app: FastAPI, seeded_db: Database) -> None:
    db = seeded_db
    await set_rules(db, second_approval_threshold=3_000_000)
    loan = (await submit(db, (await verified_borrower(db)).id, "a1")).loan
    async with logged_in(app, "kredit.jkt") as officer:
        found = (await officer.get("/api/v1/loans", params={"status": "submitted"})).json()
        assert [row["reference"] for row in found["loans"]] == [loan.reference]
        assert found["loans"][0]["amount"] == 5_000_000 and found["page"] == 1
        detail = (await officer.get(f"/api/v1/loans/{loan.id}")).json()
        assert detail["borrower"]["nik_masked"] == mask_nik("3174055708900002")
        assert "3174055708900002" not in str(detail)  # the NIK never in full
        assert detail["borrower"]["full_name"] == "Siti Rahayu"
        assert len(detail["installments"]) == 6 and detail["installments"][-1]["balance"] == 0
        assert detail["events"] == ["start_review", "reject"]
        started = await officer.post(f"/api/v1/loans/{loan.id}/start-review")
        assert started.json()["loan"]["status"] == "under_review"
        short = await officer.put(f"/api/v1/loans/{loan.id}/narrative", json={"narrative": "x"})
        assert short.status_code == 422 and short.json()["error"]["code"] == "error.loan.narrative"
        saved = await officer.put(
            f"/api/v1/loans/{loan.id}/narrative", json={"narrative": NARRATIVE}
        )
        assert saved.json()["narrative"] == NARRATIVE
        uploaded = await officer.post(
            f"/api/v1/loans/{loan.id}/documents",
            data={"nonce": "doc-1"},
            files={"file": ("usaha.png", png_bytes(), "image/png")},
        )
        assert uploaded.status_code == 200 and uploaded.json()["content_type"] == "image/png"
        not_theirs = await officer.post(f"/api/v1/loans/{loan.id}/approve", json={"nonce": "n"})
        assert not_theirs.status_code == 403
    async with logged_in(app, "manager.jkt") as manager:
        first = await manager.post(f"/api/v1/loans/{loan.id}/approve", json={"nonce": "m1"})
        assert first.json()["loan"]["status"] == "under_review"
        assert first.json()["loan"]["first_approved_by"] == "manager.jkt"
        same = await manager.post(f"/api/v1/loans/{loan.id}/approve", json={"nonce": "m2"})
        assert same.status_code == 403
        assert same.json()["error"]["code"] == "error.loan.same_officer"
        replay = await manager.post(f"/api/v1/loans/{loan.id}/approve", json={"nonce": "m1"})
        assert replay.json()["replayed"] is True
    async with logged_in(app, "superadmin") as admin:
        opened = await admin.post(f"/api/v1/loans/{loan.id}/approve", json={"nonce": "s1"})
        assert opened.json()["loan"]["status"] == "open_for_funding"
        assert opened.json()["approved_by"] == "superadmin"
        late = await admin.post(
            f"/api/v1/loans/{loan.id}/reject", json={"nonce": "s2", "reason": "Terlambat"}
        )
        assert late.status_code == 409
        error = late.json()["error"]
        assert error["code"] == "error.loan.already_decided"
        assert "Terbuka untuk pendanaan" in error["message"]  # the status as people read it


async def test_roles_and_bad_input_through_the_api(app: FastAPI, seeded_db: Database) -> None:
    db = seeded_db
    loan = (await submit(db, (await verified_borrower(db)).id, "a2")).loan
    async with logged_in(app, "bendahara.jkt") as treasurer:
        refused = await treasurer.get("/api/v1/loans")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "error.permission"
    async with logged_in(app, "auditor") as auditor:
        assert (await auditor.get(f"/api/v1/loans/{loan.id}")).json()["events"] == []
        rejected = await auditor.post(
            f"/api/v1/loans/{loan.id}/reject", json={"nonce": "x", "reason": "Tidak"}
        )
        assert rejected.status_code == 403
    async with logged_in(app, "kredit.jkt") as officer:
        silent = await officer.post(
            f"/api/v1/loans/{loan.id}/reject", json={"nonce": "r1", "reason": ""}
        )
        assert silent.status_code == 422
        assert silent.json()["error"]["code"] == "error.reason_required"
        unknown = await officer.get("/api/v1/loans", params={"status": "approved"})
        assert unknown.status_code == 422
        assert (await officer.get("/api/v1/loans/999999")).status_code == 404
