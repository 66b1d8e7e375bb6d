"""Review documents in the panel: a real PNG is accepted and downloaded as an attachment
with its type, a safe name and ``nosniff``; a ``.pdf`` that is really text and a file over
the size cap are refused with the reason shown, and nothing is stored (both databases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from backend.db.engine import Database
from backend.db.models_loans import LoanDocument
from tests.admin_web.conftest import Clock, message
from tests.admin_web.loan_support import (
    UPLOAD_MAX_BYTES,
    forms_on,
    loan_panel,
    logged_in,
    nonce_of,
)
from tests.loan_factories import count, submit, verified_borrower
from tests.services.test_loan_documents import png_bytes


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(
    seeded_db: Database, database_url: str, clock: Clock, world: object, uploads: Path
) -> FastAPI:
    return loan_panel(seeded_db, database_url, clock, uploads)


def stored(uploads: Path) -> list[Path]:
    return sorted(uploads.iterdir()) if uploads.exists() else []


async def test_a_real_png_is_kept_and_served_back_as_an_attachment(
    app: FastAPI, seeded_db: Database, uploads: Path
) -> None:
    db = seeded_db
    loan = (await submit(db, (await verified_borrower(db)).id, "d1")).loan
    image = png_bytes()
    async with logged_in(app, "kredit.jkt") as officer:
        page = await officer.get(f"/loans/{loan.id}")
        assert "documents" in forms_on(page)
        csrf = officer.headers.pop("X-CSRF-Token")  # as a browser sends it: a form field
        sent = await officer.post(
            f"/loans/{loan.id}/documents",
            data={"nonce": nonce_of(page, "documents"), "csrf_token": csrf},
            files={"file": ("../../etc/KTP Siti.pdf", image, "application/pdf")},
        )
        assert sent.status_code == 303
        page = await officer.get(f"/loans/{loan.id}")
        assert message(app, "admin.flash.loan_document_uploaded") in page.text
        assert "KTP Siti.png" in page.text and "image/png" in page.text
        [document_id] = [
            int(part.split('"', 1)[0]) for part in page.text.split('href="/loans/documents/')[1:]
        ]
    async with logged_in(app, "auditor") as auditor:  # readers download too
        served = await auditor.get(f"/loans/documents/{document_id}")
    assert served.status_code == 200 and served.content == image
    assert served.headers["content-type"] == "image/png"
    assert served.headers["content-disposition"] == 'attachment; filename="KTP Siti.png"'
    assert served.headers["x-content-type-options"] == "nosniff"
    [kept] = stored(uploads)
    assert kept.read_bytes() == image and "KTP" not in kept.name
    async with logged_in(app, "bendahara.jkt") as treasurer:
        assert (await treasurer.get(f"/loans/documents/{document_id}")).status_code == 403


async def test_text_named_pdf_and_oversized_files_are_refused_with_the_reason(
    app: FastAPI, seeded_db: Database, uploads: Path
) -> None:
    db = seeded_db
    loan = (await submit(db, (await verified_borrower(db)).id, "d2")).loan
    async with logged_in(app, "kredit.jkt") as officer:
        page = await officer.get(f"/loans/{loan.id}")
        fake = await officer.post(
            f"/loans/{loan.id}/documents",
            data={"nonce": nonce_of(page, "documents")},
            files={"file": ("slip gaji.pdf", b"Slip gaji: Rp 5.000.000\n" * 10, "application/pdf")},
        )
        assert fake.status_code == 422
        assert message(app, "error.document.type") in fake.text
        assert 'role="alert"' in fake.text
        big = png_bytes() + b"\x00" * UPLOAD_MAX_BYTES
        oversized = await officer.post(
            f"/loans/{loan.id}/documents",
            data={"nonce": nonce_of(page, "documents")},
            files={"file": ("besar.png", big, "image/png")},
        )
        assert oversized.status_code == 422
        cap = message(app, "error.document.too_large", max_mb=0.1)  # 64 KiB
        assert cap in oversized.text.split('role="alert">', 1)[1].split("</p>", 1)[0]
        assert message(app, "admin.loans.no_documents") in oversized.text
        api = await officer.post(
            f"/api/v1/loans/{loan.id}/documents",
            data={"nonce": "api-1"},
            files={"file": ("scan.jpg", b"%PDF-1.4 but not really", "image/jpeg")},
        )
        assert api.status_code == 422
        assert api.json()["error"]["code"] == "error.document.type"
    assert await count(db, LoanDocument) == 0
    assert stored(uploads) == []
