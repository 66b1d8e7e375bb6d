"""Loan review for credit officers and approvers: the queue, an application with its
borrower, schedule, history, narrative and documents, and the decisions.

Each page offers only the steps the current user may take now (the service's
``detail.events``, by permission and status) and says why approval is not offered to the
officer who gave the first one. A refused step shows the page again with the reason. Every
decision form carries a fresh nonce, so a double click acts once; the borrower is told in
Telegram by the services. Documents are served as attachments, never inline.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require, require_any
from admin_web.errors import status_for
from admin_web.forms import form_of, query_of
from admin_web.i18n import lazy_gettext, translator
from admin_web.loan_product_forms import decimal_text
from admin_web.loan_review_forms import LoanPageQuery, NarrativeIn, loan_readable, read_upload
from admin_web.rendering import redirect, render
from admin_web.routes.members import branch_choices
from admin_web.schemas import Id
from admin_web.wallet_common import new_nonce
from admin_web.wallet_schemas import DecisionReasonIn, NonceIn
from backend.domain.errors import ConflictError, KopdanaError, NotAllowedError, ValidationError
from backend.domain.loan_lifecycle import TERMINAL_STATUSES, LoanEvent
from backend.domain.permissions import Permission
from backend.services import loan_documents, loan_products, loan_review
from backend.services.admin_dto import StaffView
from backend.services.loan_dto import DocumentContent, LoanReview

router = APIRouter(include_in_schema=False)
READ_PERMISSIONS = loan_review.LOAN_READ_PERMISSIONS
Reader = Annotated[StaffView, require_any(*READ_PERMISSIONS)]
Officer = Annotated[StaffView, require(Permission.LOANS_REVIEW)]
Approver = Annotated[StaffView, require(Permission.LOANS_APPROVE)]
Decider = Annotated[StaffView, require_any(Permission.LOANS_REVIEW, Permission.LOANS_APPROVE)]
KILOBYTE = 1024
MEGABYTE = 1024 * 1024
DECISIONS = frozenset({"start_review", "approve", "reject"})
# What a step can be refused for, shown on the loan's page (not an error page).
REFUSALS = (ValidationError, ConflictError, NotAllowedError)


def loan_actions(staff: StaffView, review: LoanReview) -> tuple[frozenset[str], str]:
    """The forms ``staff`` is offered on the loan's page, and why approval is not among
    them when they gave the first approval (a message id, else "")."""
    detail = review.detail
    actions: set[str] = set()
    note = ""
    if LoanEvent.START_REVIEW in detail.events:
        actions.add("start_review")
    if LoanEvent.APPROVE in detail.events:
        if detail.loan.first_approved_by == staff.username:
            note = lazy_gettext("admin.loans.you_approved_note")
        else:
            actions.add("approve")
    if LoanEvent.REJECT in detail.events:
        actions.add("reject")
    if staff.can(Permission.LOANS_REVIEW):
        if detail.loan.status.value in loan_review.IN_REVIEW:
            actions.add("narrative")
        if detail.loan.status not in TERMINAL_STATUSES:
            actions.add("upload")
    return frozenset(actions), note


def size_in(size_bytes: int, unit: int, language: str) -> str:
    """A file size in ``unit`` with one decimal, written the reader's way (``0,1``)."""
    return decimal_text((Decimal(size_bytes) / unit).quantize(Decimal("0.1")), language)


def document_response(document: DocumentContent) -> Response:
    """A document as a download under its cleaned name, typed by its content."""
    return Response(
        document.content,
        media_type=document.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{document.download_name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/loans")
async def loan_list(
    request: Request,
    staff: Reader,
    db: DbDep,
    query: Annotated[LoanPageQuery, query_of(LoanPageQuery)],
) -> Response:
    found = await loan_review.search_loans(db, actor=staff, **query.search_args())
    return render(
        request,
        "loans/list.html",
        {
            "found": found,
            "query": query,
            "branches": await branch_choices(db, staff),
            "products": await loan_products.list_active_products(db),
        },
    )


def _detail_page(
    request: Request,
    staff: StaffView,
    review: LoanReview,
    *,
    error: KopdanaError | None = None,
    failed: str = "",
    narrative: str | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    actions, blocked_note = loan_actions(staff, review)
    detail = review.detail
    language = translator(request).language
    return render(
        request,
        "loans/detail.html",
        {
            "review": review,
            "detail": detail,
            "loan": detail.loan,
            "borrower": review.borrower,
            "actions": actions,
            "decisions": actions & DECISIONS,
            "blocked_note": blocked_note,
            "error": loan_readable(error, translator(request)) if error else None,
            "failed": failed,
            "narrative": detail.narrative if narrative is None else narrative,
            "reason": reason,
            "max_mb": size_in(request.app.state.settings.upload_max_bytes, MEGABYTE, language),
            "kilobytes": partial(size_in, unit=KILOBYTE, language=language),
            "decimal": partial(decimal_text, language=language),
            "new_nonce": new_nonce,
        },
        status_code=status_code,
    )


@router.get("/loans/{loan_id}")
async def loan_detail(request: Request, staff: Reader, db: DbDep, loan_id: Id) -> Response:
    review = await loan_review.get_loan_for_staff(db, actor=staff, loan_id=loan_id)
    return _detail_page(request, staff, review)


async def _refused(
    request: Request,
    staff: StaffView,
    db: DbDep,
    loan_id: int,
    error: KopdanaError,
    failed: str,
    *,
    narrative: str | None = None,
    reason: str = "",
) -> Response:
    """The loan again, with why nothing happened and what was typed kept."""
    review = await loan_review.get_loan_for_staff(db, actor=staff, loan_id=loan_id)
    return _detail_page(
        request,
        staff,
        review,
        error=error,
        failed=failed,
        narrative=narrative,
        reason=reason,
        status_code=status_for(error),
    )


@router.post("/loans/{loan_id}/start-review")
async def start_review(
    request: Request, staff: Officer, db: DbDep, now: NowDep, ip: IpDep, loan_id: Id
) -> Response:
    try:
        await loan_review.start_review(db, actor=staff, loan_id=loan_id, ip=ip, now=now)
    except REFUSALS as error:
        return await _refused(request, staff, db, loan_id, error, "start_review")
    return redirect(f"/loans/{loan_id}", flash=lazy_gettext("admin.flash.loan_review_started"))


@router.post("/loans/{loan_id}/narrative")
async def save_narrative(
    request: Request,
    staff: Officer,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    form: Annotated[NarrativeIn, form_of(NarrativeIn)],
) -> Response:
    try:
        await loan_review.save_narrative(
            db, actor=staff, loan_id=loan_id, narrative=form.narrative, ip=ip, now=now
        )
    except REFUSALS as error:
        return await _refused(
            request, staff, db, loan_id, error, "narrative", narrative=form.narrative
        )
    return redirect(f"/loans/{loan_id}", flash=lazy_gettext("admin.flash.loan_narrative_saved"))


@router.post("/loans/{loan_id}/approve")
async def approve_loan(
    request: Request,
    staff: Approver,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    form: Annotated[NonceIn, form_of(NonceIn)],
) -> Response:
    try:
        detail = await loan_review.approve_loan(
            db, actor=staff, loan_id=loan_id, nonce=form.nonce, ip=ip, now=now
        )
    except REFUSALS as error:
        return await _refused(request, staff, db, loan_id, error, "approve")
    if detail.loan.status.value in loan_review.IN_REVIEW:  # the first of two approvals
        return redirect(f"/loans/{loan_id}", flash=lazy_gettext("admin.flash.loan_first_approved"))
    return redirect(f"/loans/{loan_id}", flash=lazy_gettext("admin.flash.loan_approved"))


@router.post("/loans/{loan_id}/reject")
async def reject_loan(
    request: Request,
    staff: Decider,
    db: DbDep,
    now: NowDep,
    ip: IpDep,
    loan_id: Id,
    form: Annotated[DecisionReasonIn, form_of(DecisionReasonIn)],
) -> Response:
    """Credit officers and approvers may reject."""
    try:
        await loan_review.reject_loan(
            db,
            actor=staff,
            loan_id=loan_id,
            reason=form.reason,
            nonce=form.nonce,
            ip=ip,
            now=now,
        )
    except REFUSALS as error:
        return await _refused(request, staff, db, loan_id, error, "reject", reason=form.reason)
    return redirect(f"/loans/{loan_id}", flash=lazy_gettext("admin.flash.loan_rejected"))


@router.post("/loans/{loan_id}/documents")
async def upload_document(
    request: Request, staff: Officer, db: DbDep, now: NowDep, ip: IpDep, loan_id: Id
) -> Response:
    """A multipart upload (``file``, ``nonce``); the type is read from the content."""
    settings = request.app.state.settings
    try:
        content, file_name, nonce = await read_upload(request, max_bytes=settings.upload_max_bytes)
        await loan_documents.upload_document(
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
    except REFUSALS as error:
        return await _refused(request, staff, db, loan_id, error, "upload")
    return redirect(
        f"/loans/{loan_id}#documents", flash=lazy_gettext("admin.flash.loan_document_uploaded")
    )


@router.get("/loans/documents/{document_id}")
async def download_document(
    request: Request, staff: Reader, db: DbDep, document_id: Id
) -> Response:
    document = await loan_documents.read_document(
        db,
        actor=staff,
        document_id=document_id,
        storage_dir=request.app.state.settings.uploads_dir,
    )
    return document_response(document)
