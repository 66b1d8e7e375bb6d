"""Review documents: typed by content, size-capped, stored under random names, served back
with their detected type; a replayed upload form stores one file (both databases)."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import pytest

from backend.db.engine import Database
from backend.db.models_loans import LoanDocument
from backend.db.models_staff import AuditEntry
from backend.domain.documents import (
    DocumentNotFound,
    DocumentType,
    InvalidDocument,
    check_document,
    display_name,
)
from backend.domain.errors import NotAllowedError
from backend.domain.loan_lifecycle import LoanStatus
from backend.domain.loans import LoanAlreadyDecided, LoanNotFound
from backend.services import loan_documents, loan_review
from backend.services.admin_dto import StaffView
from backend.services.loan_dto import DocumentView
from tests.loan_factories import NOW, as_staff, count, force_status, submit, verified_borrower


def png_bytes() -> bytes:
    """A real 1×1 white PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\x00" * 64
    + (b"\xff\xd9")
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def _upload(
    db: Database,
    actor: StaffView,
    loan_id: int,
    content: bytes,
    name: str,
    nonce: str,
    directory: Path,
    **extra: int,
) -> DocumentView:
    return await loan_documents.upload_document(
        db,
        actor=actor,
        loan_id=loan_id,
        content=content,
        file_name=name,
        nonce=nonce,
        storage_dir=directory,
        ip="10.0.0.2",
        now=NOW,
        **extra,
    )


async def test_a_png_named_pdf_is_stored_as_png_under_a_random_name(
    seeded_db: Database, tmp_path: Path
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "a")
    officer = await as_staff(db, "kredit.jkt")
    uploads = tmp_path / "uploads"
    image = png_bytes()
    ktp = await _upload(db, officer, loan.loan.id, image, "C:\\scan\\KTP Siti.pdf", "u1", uploads)
    assert ktp.content_type == "image/png" and ktp.display_name == "KTP Siti.png"
    assert ktp.size_bytes == len(image) and ktp.uploaded_by == "kredit.jkt"
    second = await _upload(db, officer, loan.loan.id, PDF, "surat.pdf", "u2", uploads)
    third = await _upload(db, officer, loan.loan.id, JPEG, "foto usaha.jpeg", "u3", uploads)
    assert (second.content_type, third.content_type) == ("application/pdf", "image/jpeg")
    stored = sorted(p.name for p in uploads.iterdir())
    assert len(stored) == 3
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(png|pdf|jpg)", name) for name in stored)
    assert not any("KTP" in name or "surat" in name for name in stored)

    served = await loan_documents.read_document(
        db, actor=officer, document_id=ktp.id, storage_dir=uploads
    )
    assert served.content == image and served.content_type == "image/png"
    assert served.download_name == "KTP Siti.png"
    manager = await as_staff(db, "manager.jkt")  # approvers read documents too
    review = await loan_review.get_loan_for_staff(db, actor=manager, loan_id=loan.loan.id)
    assert [d.display_name for d in review.detail.documents] == [
        "KTP Siti.png",
        "surat.pdf",
        "foto usaha.jpg",
    ]
    assert await count(db, AuditEntry, AuditEntry.action == "loan.document_uploaded") == 3


async def test_text_empty_and_oversized_files_are_refused_and_nothing_is_kept(
    seeded_db: Database, tmp_path: Path
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "a")
    officer = await as_staff(db, "kredit.jkt")
    uploads = tmp_path / "uploads"
    with pytest.raises(InvalidDocument) as text:
        await _upload(
            db, officer, loan.loan.id, b"<script>alert(1)</script>", "a.png", "t", uploads
        )
    assert text.value.code == "error.document.type"
    with pytest.raises(InvalidDocument) as empty:
        await _upload(db, officer, loan.loan.id, b"", "a.pdf", "e", uploads)
    assert empty.value.code == "error.document.empty"
    big = png_bytes() + b"\x00" * (5 * 1024 * 1024)
    with pytest.raises(InvalidDocument) as oversized:
        await _upload(db, officer, loan.loan.id, big, "big.png", "b", uploads)
    assert oversized.value.code == "error.document.too_large"
    assert oversized.value.params == {"max_mb": 5.0}
    with pytest.raises(InvalidDocument):
        await _upload(db, officer, loan.loan.id, PDF, "x.pdf", "s", uploads, max_bytes=10)
    truncated_pdf = PDF.replace(b"%%EOF", b"")
    with pytest.raises(InvalidDocument):
        await _upload(db, officer, loan.loan.id, truncated_pdf, "x.pdf", "p", uploads)
    assert await count(db, LoanDocument) == 0
    assert not uploads.exists() or list(uploads.iterdir()) == []


async def test_the_same_upload_form_twice_keeps_one_document_and_one_file(
    seeded_db: Database, tmp_path: Path
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "a")
    officer = await as_staff(db, "kredit.jkt")
    uploads = tmp_path / "uploads"
    first = await _upload(db, officer, loan.loan.id, PDF, "a.pdf", "same", uploads)
    again = await _upload(db, officer, loan.loan.id, PDF, "a.pdf", "same", uploads)
    assert again.replayed and again.id == first.id
    assert await count(db, LoanDocument) == 1 and len(list(uploads.iterdir())) == 1


async def test_documents_respect_permission_branch_and_the_loans_end(
    seeded_db: Database, tmp_path: Path
) -> None:
    db = seeded_db
    bandung = await verified_borrower(db, "budi", branch_code="BDG01")
    loan = await submit(db, bandung.id, "a")
    uploads = tmp_path / "uploads"
    officer = await as_staff(db, "kredit.jkt")
    admin = await as_staff(db, "superadmin")
    treasurer = await as_staff(db, "bendahara.jkt")
    with pytest.raises(LoanNotFound):
        await _upload(db, officer, loan.loan.id, PDF, "a.pdf", "n1", uploads)
    assert not uploads.exists() or list(uploads.iterdir()) == []  # the file was removed
    document = await _upload(db, admin, loan.loan.id, PDF, "a.pdf", "n2", uploads)
    with pytest.raises(DocumentNotFound):
        await loan_documents.read_document(
            db, actor=officer, document_id=document.id, storage_dir=uploads
        )
    with pytest.raises(NotAllowedError):
        await loan_documents.read_document(
            db, actor=treasurer, document_id=document.id, storage_dir=uploads
        )
    with pytest.raises(NotAllowedError):
        await _upload(db, treasurer, loan.loan.id, PDF, "a.pdf", "n3", uploads)
    await force_status(db, loan.loan.id, LoanStatus.REJECTED.value)
    with pytest.raises(LoanAlreadyDecided):
        await _upload(db, admin, loan.loan.id, PDF, "a.pdf", "n4", uploads)
    with pytest.raises(DocumentNotFound):
        await loan_documents.read_document(db, actor=admin, document_id=999, storage_dir=uploads)


def test_file_types_come_from_the_content_and_names_are_cleaned() -> None:
    assert check_document(png_bytes()) is DocumentType.PNG
    assert check_document(JPEG) is DocumentType.JPEG
    assert check_document(PDF) is DocumentType.PDF
    with pytest.raises(InvalidDocument):
        check_document(b"\x89PNG\r\n\x1a\nnot a png header")
    assert display_name("../../etc/passwd.pdf", DocumentType.PNG) == "passwd.png"
    assert display_name("<img src=x onerror=alert(1)>.jpg", DocumentType.JPEG) == (
        "img srcx onerroralert(1).jpg"
    )
    assert display_name(None, DocumentType.PDF) == "document.pdf"
    assert display_name(".pdf", DocumentType.PDF) == "document.pdf"
    assert display_name("a" * 300 + ".pdf", DocumentType.PDF) == "a" * 116 + ".pdf"
