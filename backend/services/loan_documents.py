"""Documents staff attach to a loan's review (PDF, JPEG, PNG), and reading them back.

Rules (DESIGN §10): the type is read from the content (``domain.documents``), never the
name; the size is capped; the bytes are stored under a random name (128 random bits and
the detected extension) in the configured directory (``Settings.uploads_dir``,
``var/uploads`` by default), never under anything the uploader chose; the uploader's file
name is kept, cleaned, only as the name to download it under. The admin web serves a
document as an attachment with its detected media type.

The file is written (atomically: a temporary name, then a rename) before the row is
inserted and removed again if the transaction fails, so a row never points at a missing
file; a crash between the two can only leave an orphan file, never a broken row. Uploads
are idempotent by the form's nonce (per loan).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_loans import Loan, LoanDocument
from backend.db.unit_of_work import UnitOfWork
from backend.domain.documents import (
    MAX_DOCUMENT_BYTES,
    DocumentNotFound,
    DocumentType,
    InvalidDocument,
    check_document,
    display_name,
)
from backend.domain.loan_lifecycle import TERMINAL_STATUSES, LoanStatus
from backend.domain.loans import LoanAlreadyDecided, LoanNotFound
from backend.domain.permissions import Permission
from backend.services import ledger
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import record, staff_actor
from backend.services.loan_dto import DocumentContent, DocumentView
from backend.services.loan_records import checked_nonce, locked_loan
from backend.services.loan_review import require_reader
from backend.services.loan_views import document_view

MAX_DOCUMENTS_PER_LOAN = 20


def _write(directory: Path, name: str, content: bytes) -> Path:
    """Write ``content`` to ``directory/name`` atomically, readable by the owner only."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / name
    partial = directory / f".{name}.part"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return target


def _stored_path(directory: Path, storage_name: str) -> Path:
    path = (directory / storage_name).resolve()
    if path.parent != directory.resolve():
        raise DocumentNotFound()  # never leave the uploads directory
    return path


async def upload_document(
    db: Database,
    *,
    actor: StaffView,
    loan_id: int,
    content: bytes,
    file_name: str | None,
    nonce: str,
    storage_dir: Path,
    ip: str,
    now: dt.datetime,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> DocumentView:
    """Attach a document to a loan that has not ended; audited; returns its metadata.

    The same form (``nonce``) again returns the first document (``replayed``). Raises
    ``InvalidDocument`` (``error.document.empty``, ``…too_large``, ``…type``,
    ``…too_many``), ``LoanNotFound``, ``LoanAlreadyDecided`` (the loan has ended),
    ``ValidationError`` (``error.form_nonce``).
    """
    require(actor, Permission.LOANS_REVIEW)
    nonce = checked_nonce(nonce)
    kind = check_document(content, max_bytes=max_bytes)
    shown_as = display_name(file_name, kind)
    digest = hashlib.sha256(content).hexdigest()
    storage_name = secrets.token_hex(16) + kind.extension
    path = await asyncio.to_thread(_write, storage_dir, storage_name, bytes(content))

    async def work(uow: UnitOfWork) -> tuple[DocumentView, bool]:
        loan = await locked_loan(uow, loan_id)
        if loan is None or not sees_branch(actor, loan.branch_id):
            raise LoanNotFound()
        existing = await uow.session.scalar(
            select(LoanDocument).where(
                LoanDocument.loan_id == loan.id, LoanDocument.upload_nonce == nonce
            )
        )
        if existing is not None:
            return document_view(existing, replayed=True), True
        if LoanStatus(loan.status) in TERMINAL_STATUSES:
            raise LoanAlreadyDecided(
                reference=loan.reference, status=loan.status, decided_by=loan.decided_by or ""
            )
        count = await uow.session.scalar(
            select(func.count()).select_from(LoanDocument).where(LoanDocument.loan_id == loan.id)
        )
        if int(count or 0) >= MAX_DOCUMENTS_PER_LOAN:
            raise InvalidDocument(code="error.document.too_many", max=MAX_DOCUMENTS_PER_LOAN)
        document = LoanDocument(
            loan_id=loan.id,
            storage_name=storage_name,
            display_name=shown_as,
            content_type=kind.value,
            size_bytes=len(content),
            sha256=digest,
            upload_nonce=nonce,
            uploaded_by=actor.username,
            uploaded_at=now,
        )
        uow.session.add(document)
        await uow.session.flush()
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="loan.document_uploaded",
            object_type="loan",
            object_id=loan.id,
            now=now,
            after={
                "document_id": document.id,
                "name": shown_as,
                "content_type": kind.value,
                "size_bytes": len(content),
                "sha256": digest,
            },
        )
        return document_view(document), False

    try:
        view, replayed = await ledger.in_transaction(db, work)
    except BaseException:
        await asyncio.to_thread(path.unlink, True)
        raise
    if replayed:  # the first upload's file is the one kept
        await asyncio.to_thread(path.unlink, True)
    return view


async def read_document(
    db: Database, *, actor: StaffView, document_id: int, storage_dir: Path
) -> DocumentContent:
    """A document's bytes, media type and download name, for serving as an attachment.

    Any loan reader (``loan_review.LOAN_READ_PERMISSIONS``) of the loan's branch may.
    Raises ``DocumentNotFound`` (also when the file is missing from the directory).
    """
    require_reader(actor)
    async with UnitOfWork(db, write=False) as uow:
        row = (
            await uow.session.execute(
                select(LoanDocument, Loan.branch_id)
                .join(Loan, Loan.id == LoanDocument.loan_id)
                .where(LoanDocument.id == document_id)
            )
        ).one_or_none()
    if row is None or not sees_branch(actor, row[1]):
        raise DocumentNotFound()
    document: LoanDocument = row[0]
    path = _stored_path(storage_dir, document.storage_name)
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:
        raise DocumentNotFound() from None
    return DocumentContent(
        content=content,
        content_type=DocumentType(document.content_type).value,
        download_name=document.display_name,
    )
