"""API: loan review — the queue, an application, the review steps and document upload.

The same permissions, branch scope and rules as the pages (``routes.loans``): officers
(``loans.review``) start the review, write the narrative, upload documents and may
reject; approvers (``loans.approve``) approve and may reject; auditors read. Above the
second-approval threshold the first approval answers with the loan still under review
and ``first_approved_by`` set; the same officer's second approval is refused (403
``error.loan.same_officer``). Decisions carry a nonce: repeating a call returns the first
result (``replayed``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from admin_web.deps import DbDep, IpDep, NowDep, require, require_any
from admin_web.loan_review_forms import (
    LoanQuery,
    NarrativeIn,
    loan_readable_errors,
    read_upload,
)
from admin_web.routes.api_v1.loan_models import DocumentOut, LoanDetailOut, LoanPageOut
from admin_web.routes.api_v1.models import Responses, documented
from admin_web.schemas import Id
from admin_web.wallet_schemas import DecisionReasonIn, NonceIn
from backend.domain.permissions import Permission
from backend.services import loan_documents, loan_review
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["loans"])
Reader = Annotated[StaffView, require_any(*loan_review.LOAN_READ_PERMISSIONS)]
Officer = Annotated[StaffView, require(Permission.LOANS_REVIEW)]
Approver = Annotated[StaffView, require(Permission.LOANS_APPROVE)]
Decider = Annotated[StaffView, require_any(Permission.LOANS_REVIEW, Permission.LOANS_APPROVE)]
NOT_FOUND: Responses = documented(404, "No such loan in your scope")
DECISION_ERRORS: Responses = {
    **NOT_FOUND,
    **documented(409, "Already decided, or the step is not possible in this status"),
}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "nonce"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "nonce": {"type": "string", "minLength": 1, "maxLength": 64},
                    },
                }
            }
        },
    }
}


@router.get("/loans", response_model=LoanPageOut)
async def search_loans(
    staff: Reader, db: DbDep, query: Annotated[LoanQuery, Query()]
) -> LoanPageOut:
    """Loans in your branch scope, filtered by status, branch, product, amount (rupiah)
    and submission date; ``q`` matches the reference or the borrower's name; 25 per page."""
    return LoanPageOut.of(await loan_review.search_loans(db, actor=staff, **query.search_args()))


@router.get("/loans/{loan_id}", response_model=LoanDetailOut, responses=NOT_FOUND)
async def get_loan(staff: Reader, db: DbDep, loan_id: Id) -> LoanDetailOut:
    """An application with its borrower, terms, cost against its cap, schedule, history,
    narrative and documents."""
    review = await loan_review.get_loan_for_staff(db, actor=staff, loan_id=loan_id)
    return LoanDetailOut.of(review.detail, review)


@router.post(
    "/loans/{loan_id}/start-review", response_model=LoanDetailOut, responses=DECISION_ERRORS
)
async def start_review(
    request: Request, staff: Officer, db: DbDep, now: NowDep, ip: IpDep, loan_id: Id
) -> LoanDetailOut:
    """Take up a submitted application (again: ``replayed``); the borrower is told."""
    with loan_readable_errors(request):
        detail = await loan_review.start_review(db, actor=staff, loan_id=loan_id, ip=ip, now=now)
    return LoanDetailOut.of(detail)


@router.put("/loans/{loan_id}/narrative", response_model=LoanDetailOut, responses=DECISION_ERRORS)
async def save_narrative(
    request: Request,
    staff: Officer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    body: NarrativeIn,
) -> LoanDetailOut:
    """Write the story financiers read (20–4000 characters) while the loan is decided."""
    with loan_readable_errors(request):
        detail = await loan_review.save_narrative(
            db, actor=staff, loan_id=loan_id, narrative=body.narrative, ip=ip, now=now
        )
    return LoanDetailOut.of(detail)


@router.post("/loans/{loan_id}/approve", response_model=LoanDetailOut, responses=DECISION_ERRORS)
async def approve_loan(
    request: Request,
    staff: Approver,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    body: NonceIn,
) -> LoanDetailOut:
    """Approve: the loan opens for funding, or above the threshold the first approval is
    recorded and another officer's approval opens it."""
    with loan_readable_errors(request):
        detail = await loan_review.approve_loan(
            db, actor=staff, loan_id=loan_id, nonce=body.nonce, ip=ip, now=now
        )
    return LoanDetailOut.of(detail)


@router.post("/loans/{loan_id}/reject", response_model=LoanDetailOut, responses=DECISION_ERRORS)
async def reject_loan(
    request: Request,
    staff: Decider,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    body: DecisionReasonIn,
) -> LoanDetailOut:
    """Refuse with a reason the borrower reads in Telegram."""
    with loan_readable_errors(request):
        detail = await loan_review.reject_loan(
            db,
            actor=staff,
            loan_id=loan_id,
            reason=body.reason,
            nonce=body.nonce,
            ip=ip,
            now=now,
        )
    return LoanDetailOut.of(detail)


@router.post(
    "/loans/{loan_id}/documents",
    response_model=DocumentOut,
    responses=DECISION_ERRORS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_document(
    request: Request, staff: Officer, db: DbDep, now: NowDep, ip: IpDep, loan_id: Id
) -> DocumentOut:
    """Attach a PDF, JPEG or PNG (multipart ``file`` and ``nonce``), typed by its content
    and size-capped (422 ``error.document.type`` / ``error.document.too_large``)."""
    settings = request.app.state.settings
    content, file_name, nonce = await read_upload(request, max_bytes=settings.upload_max_bytes)
    document = await loan_documents.upload_document(
        db,
        actor=staff,
        loan_id=loan_id,
        content=content,
        file_name=file_name,
        nonce=nonce,
        storage_dir=settings.uploads_dir,
        max_bytes=settings.upload_max_bytes,
        ip=ip,
        now=now,
    )
    return DocumentOut.model_validate(document)
