"""Credit officers review loans in the panel: the queue, an application's page, the
narrative, approve (→ open for funding) or reject with a reason; above the threshold a
second, different officer approves; each role sees and may do only what it should, within
its branch; illegal steps are refused with a message (both databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.domain.loan_lifecycle import LoanStatus
from tests.admin_web.conftest import Clock, message
from tests.admin_web.loan_support import forms_on, loan_panel, logged_in, nonce_of
from tests.loan_factories import (
    NARRATIVE,
    count,
    force_status,
    product_id,
    reviewed_loan,
    set_rules,
    submit,
    verified_borrower,
)


@pytest.fixture
def app(
    seeded_db: Database, database_url: str, clock: Clock, world: object, tmp_path: Path
) -> FastAPI:
    return loan_panel(seeded_db, database_url, clock, tmp_path / "uploads")


@pytest.fixture
async def officer(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """kredit.jkt: credit officer of JKT01 (loans.review)."""
    async with logged_in(app, "kredit.jkt") as client:
        yield client


@pytest.fixture
async def manager(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """manager.jkt: approver of JKT01 (loans.approve)."""
    async with logged_in(app, "manager.jkt") as client:
        yield client


async def audit_rows(db: Database, action: str) -> int:
    return await count(db, AuditEntry, AuditEntry.action == action)


async def test_an_officer_reviews_and_an_approver_opens_the_loan_for_funding(
    app: FastAPI, officer: httpx.AsyncClient, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    siti = await verified_borrower(db)
    loan = (await submit(db, siti.id, "k1")).loan
    queue = await officer.get("/loans", params={"status": "submitted"})
    assert loan.reference in queue.text and "Rp 5.000.000" in queue.text
    assert "Siti" in queue.text and "Rahayu" not in queue.text  # first name only
    assert message(app, "admin.loans.months", months=6) in queue.text

    page = await officer.get(f"/loans/{loan.id}")
    assert "Siti Rahayu" in page.text and "Tambah stok dagangan warung" in page.text
    assert page.text.count('<td class="num">6</td>') == 1  # the schedule's last row
    assert forms_on(page) == {"start-review", "reject", "narrative", "documents"}
    started = await officer.post(f"/loans/{loan.id}/start-review")
    assert started.status_code == 303
    page = await officer.get(started.headers["location"])
    assert message(app, "admin.flash.loan_review_started") in page.text
    assert message(app, "admin.loan.status.under_review") in page.text
    assert forms_on(page) == {"reject", "narrative", "documents"}  # approving is not theirs

    short = await officer.post(f"/loans/{loan.id}/narrative", data={"narrative": "Bagus."})
    assert short.status_code == 422
    assert message(app, "error.loan.narrative", min=20, max=4000) in short.text
    assert "Bagus." in short.text  # what was typed is kept
    story = NARRATIVE + "\nUsaha berjalan lancar."
    saved = await officer.post(f"/loans/{loan.id}/narrative", data={"narrative": story})
    assert saved.status_code == 303
    assert await audit_rows(db, "loan.narrative_saved") == 1

    page = await manager.get(f"/loans/{loan.id}")
    assert forms_on(page) == {"approve", "reject"}
    assert "Usaha berjalan lancar." in page.text and "kredit.jkt" in page.text
    nonce = nonce_of(page, "approve")
    approved = await manager.post(f"/loans/{loan.id}/approve", data={"nonce": nonce})
    assert approved.status_code == 303
    page = await manager.get(approved.headers["location"])
    assert message(app, "admin.flash.loan_approved") in page.text
    assert message(app, "admin.loan.status.open_for_funding") in page.text
    assert forms_on(page) == set()
    history = page.text.split(message(app, "admin.loans.history"), 1)[1]
    assert "Siti Rahayu" in history  # submitted by the borrower
    assert "kredit.jkt" in history and "manager.jkt" in history
    assert message(app, "admin.loan.status.open_for_funding") in history
    again = await manager.post(f"/loans/{loan.id}/approve", data={"nonce": nonce})
    assert again.status_code == 303  # the same form again: the same success, once
    listed = await officer.get("/loans", params={"status": "open_for_funding"})
    assert loan.reference in listed.text
    assert await audit_rows(db, "loan.approved") == 1
    audit = await manager.get("/audit", params={"action": "loan.approved"})
    row = audit.text.split('<td class="mono">loan.approved</td>', 1)
    assert len(row) == 2 and "manager.jkt" in row[0].rsplit("<tr>", 1)[1]


async def test_a_rejection_needs_a_reason_and_a_second_one_is_refused(
    app: FastAPI, officer: httpx.AsyncClient, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    loan = (await reviewed_loan(db, (await verified_borrower(db)).id, "r1")).loan
    page = await officer.get(f"/loans/{loan.id}")
    silent = await officer.post(
        f"/loans/{loan.id}/reject", data={"nonce": nonce_of(page, "reject"), "reason": "  "}
    )
    assert silent.status_code == 422
    assert message(app, "error.reason_required") in silent.text
    assert await audit_rows(db, "loan.rejected") == 0

    reason = "Usaha belum berjalan enam bulan"
    rejected = await officer.post(
        f"/loans/{loan.id}/reject", data={"nonce": nonce_of(page, "reject"), "reason": reason}
    )
    assert rejected.status_code == 303
    page = await officer.get(f"/loans/{loan.id}")
    assert message(app, "admin.flash.loan_rejected") in page.text
    assert message(app, "admin.loan.status.rejected") in page.text and reason in page.text
    assert forms_on(page) == set()

    twice = await manager.post(
        f"/loans/{loan.id}/reject", data={"nonce": "another-form", "reason": "Dobel"}
    )
    assert twice.status_code == 409
    status = message(app, "admin.loan.status.rejected")
    assert (
        message(
            app,
            "error.loan.already_decided",
            reference=loan.reference,
            status=status,
            decided_by="kredit.jkt",
        )
        in twice.text
    )
    assert await audit_rows(db, "loan.rejected") == 1


async def test_a_withdrawn_loan_cannot_be_approved(
    app: FastAPI, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    loan = (await reviewed_loan(db, (await verified_borrower(db)).id, "w1")).loan
    await force_status(db, loan.id, LoanStatus.WITHDRAWN.value)
    page = await manager.get(f"/loans/{loan.id}")
    assert forms_on(page) == set()  # nothing offered on a withdrawn loan
    refused = await manager.post(f"/loans/{loan.id}/approve", data={"nonce": "stale-form"})
    assert refused.status_code == 409
    assert message(app, "admin.loan.status.withdrawn") in refused.text
    assert "alert" in refused.text
    assert await audit_rows(db, "loan.approved") == 0


async def test_above_the_threshold_two_different_officers_approve(
    app: FastAPI, manager: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    await set_rules(db, second_approval_threshold=3_000_000)
    loan = (await reviewed_loan(db, (await verified_borrower(db)).id, "b1")).loan
    page = await manager.get(f"/loans/{loan.id}")
    assert message(app, "admin.loans.two_approvals") in page.text
    first = await manager.post(
        f"/loans/{loan.id}/approve", data={"nonce": nonce_of(page, "approve")}
    )
    assert first.status_code == 303
    page = await manager.get(f"/loans/{loan.id}")
    assert message(app, "admin.flash.loan_first_approved") in page.text
    assert message(app, "admin.loans.waiting_second") in page.text
    assert message(app, "admin.loans.first_approved_by", who="manager.jkt") in page.text
    assert message(app, "admin.loans.you_approved_note") in page.text
    assert forms_on(page) == {"reject"}  # the first approver is not offered the second
    same = await manager.post(f"/loans/{loan.id}/approve", data={"nonce": "second-try"})
    assert same.status_code == 403
    assert message(app, "error.loan.same_officer", first_approved_by="manager.jkt") in same.text
    assert message(app, "admin.loan.status.under_review") in same.text

    async with logged_in(app, "superadmin") as second:
        page = await second.get(f"/loans/{loan.id}")
        assert "approve" in forms_on(page)
        assert message(app, "admin.loans.first_approved_by", who="manager.jkt") in page.text
        done = await second.post(
            f"/loans/{loan.id}/approve", data={"nonce": nonce_of(page, "approve")}
        )
        assert done.status_code == 303
        page = await second.get(f"/loans/{loan.id}")
        assert message(app, "admin.loan.status.open_for_funding") in page.text
    assert await audit_rows(db, "loan.first_approved") == 1
    assert await audit_rows(db, "loan.approved") == 1


async def test_treasurers_cannot_open_loans_and_auditors_only_read(
    app: FastAPI, seeded_db: Database
) -> None:
    db = seeded_db
    loan = (await reviewed_loan(db, (await verified_borrower(db)).id, "p1")).loan
    async with logged_in(app, "bendahara.jkt") as treasurer:
        assert (await treasurer.get("/loans")).status_code == 403
        assert (await treasurer.get(f"/loans/{loan.id}")).status_code == 403
        refused = await treasurer.post(
            f"/loans/{loan.id}/reject", data={"nonce": "t1", "reason": "Tidak"}
        )
        assert refused.status_code == 403
        menu = (await treasurer.get("/account")).text.split("</nav>", 1)[0]
        assert 'href="/loans"' not in menu
    async with logged_in(app, "auditor") as auditor:
        listed = await auditor.get("/loans")
        assert listed.status_code == 200 and loan.reference in listed.text
        page = await auditor.get(f"/loans/{loan.id}")
        assert page.status_code == 200 and NARRATIVE in page.text
        assert forms_on(page) == set()  # reads, decides nothing
        for action in ("approve", "reject", "start-review", "narrative"):
            response = await auditor.post(
                f"/loans/{loan.id}/{action}",
                data={"nonce": "a1", "reason": "Tidak", "narrative": NARRATIVE},
            )
            assert response.status_code == 403, action
    assert await audit_rows(db, "loan.rejected") == 0
    assert await audit_rows(db, "loan.approved") == 0


async def test_branch_staff_see_only_their_branchs_loans(
    app: FastAPI, officer: httpx.AsyncClient, seeded_db: Database
) -> None:
    db = seeded_db
    jakarta = (await submit(db, (await verified_borrower(db)).id, "j1")).loan
    bandung_borrower = await verified_borrower(db, "budi", branch_code="BDG01")
    bandung = (await submit(db, bandung_borrower.id, "d1", amount=2_000_000)).loan
    listed = await officer.get("/loans")
    assert jakarta.reference in listed.text and bandung.reference not in listed.text
    assert (await officer.get(f"/loans/{bandung.id}")).status_code == 404
    refused = await officer.post(f"/loans/{bandung.id}/start-review")
    assert refused.status_code == 404
    async with logged_in(app, "superadmin") as admin:
        everything = await admin.get("/loans")
        assert jakarta.reference in everything.text and bandung.reference in everything.text
        small = await admin.get("/loans", params={"amount_max": "3.000.000"})
        assert bandung.reference in small.text and jakarta.reference not in small.text
        later_on = await admin.get("/loans", params={"date_from": "2026-11-26"})
        assert message(app, "admin.loans.none_found") in later_on.text
        other = await admin.get("/loans", params={"product_id": await product_id(db, "DD")})
        assert message(app, "admin.loans.none_found") in other.text
        mum = await admin.get("/loans", params={"product_id": await product_id(db, "MUM")})
        assert jakarta.reference in mum.text and bandung.reference in mum.text
