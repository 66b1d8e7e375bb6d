"""Staff review of loan applications: list, read, start the review, write the narrative,
approve (maker-checker above a threshold) or reject.

Access: ``loans.review`` (credit officer: starts the review, writes the narrative, uploads
documents, may reject) or ``loans.approve`` (approver: approves, may reject); both read,
and so does ``audit.view`` (auditors: read only).
Branch-scoped staff see their branch only; another branch's loan looks like a missing one.

Exactly once: each decision locks the loan row (``FOR UPDATE``; SQLite's writers are
serialised anyway) and re-reads its status. A form carries a nonce: the same form again
returns the first result (``replayed``); a decision on a loan someone already decided is
refused with ``LoanAlreadyDecided`` naming who. Status changes go through the domain's
lifecycle table (``loan_records.apply_transition``): history row and audit entry, and
each decision tells the borrower in Telegram (outbox), all in one transaction.

Maker-checker: above ``LoanRules.second_approval_threshold`` the first approval is only
recorded (``first_approved_by``); the loan opens for funding when a *different* officer
with ``loans.approve`` approves too (``SameOfficerNotAllowed``; a CHECK backs it).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.models_loans import Loan
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import NotAllowedError, ValidationError
from backend.domain.loan_lifecycle import ActorKind, LoanEvent, LoanStatus, transition
from backend.domain.loans import (
    NARRATIVE_MAX_LENGTH,
    LoanAlreadyDecided,
    LoanNotFound,
    SameOfficerNotAllowed,
    clean_text,
)
from backend.domain.member_rules import mask_account_number
from backend.domain.members import MemberStatus
from backend.domain.nik import mask_nik
from backend.domain.permissions import Permission
from backend.services import ledger
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import record, staff_actor
from backend.services.clock import as_utc
from backend.services.loan_dto import BorrowerProfile, LoanDetail, LoanPage, LoanReview
from backend.services.loan_records import (
    apply_transition,
    borrower_totals,
    checked_nonce,
    load_rules,
    locked_loan,
    notify_borrower,
)
from backend.services.loan_views import load_detail, loan_query, loan_view
from backend.services.member_admin import clean_reason

SelectT = TypeVar("SelectT", bound=Select[*tuple[Any, ...]])
NARRATIVE_MIN_LENGTH = 20
IN_REVIEW = frozenset({LoanStatus.SUBMITTED.value, LoanStatus.UNDER_REVIEW.value})
"""Statuses in which the application is still being decided."""
LOAN_READ_PERMISSIONS = frozenset(
    {Permission.LOANS_REVIEW, Permission.LOANS_APPROVE, Permission.AUDIT_VIEW}
)
"""Who reads applications: the officers who act on them, and auditors (read only)."""


def staff_actor_kinds(actor: StaffView) -> tuple[ActorKind, ...]:
    """The capacities a staff user acts in on loans, by permission (may be none)."""
    kinds = []
    if actor.active and actor.can(Permission.LOANS_REVIEW):
        kinds.append(ActorKind.CREDIT_OFFICER)
    if actor.active and actor.can(Permission.LOANS_APPROVE):
        kinds.append(ActorKind.APPROVER)
    return tuple(kinds)


def _require_decider(actor: StaffView) -> tuple[ActorKind, ...]:
    """The capacities of a staff user who may decide something on loans (else refused)."""
    kinds = staff_actor_kinds(actor)
    if not kinds:
        raise NotAllowedError(permission=Permission.LOANS_REVIEW.value)
    return kinds


def require_reader(actor: StaffView) -> tuple[ActorKind, ...]:
    """Anyone in ``LOAN_READ_PERMISSIONS`` reads applications; returns the capacities they
    act in (none for an auditor, who only reads)."""
    if actor.active and any(actor.can(p) for p in LOAN_READ_PERMISSIONS):
        return staff_actor_kinds(actor)
    raise NotAllowedError(permission=Permission.LOANS_REVIEW.value)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _filtered(
    statement: SelectT,
    *,
    actor: StaffView,
    status: LoanStatus | None,
    branch_id: int | None,
    product_id: int | None,
    amount_min: int | None,
    amount_max: int | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    query: str | None,
) -> SelectT:
    if actor.branch_id is not None:
        statement = statement.where(Loan.branch_id == actor.branch_id)
    if branch_id is not None:
        statement = statement.where(Loan.branch_id == branch_id)
    if status is not None:
        statement = statement.where(Loan.status == status.value)
    if product_id is not None:
        statement = statement.where(Loan.product_id == product_id)
    if amount_min is not None:
        statement = statement.where(Loan.amount >= amount_min)
    if amount_max is not None:
        statement = statement.where(Loan.amount <= amount_max)
    if date_from:
        statement = statement.where(Loan.created_at >= _day_start(date_from))
    if date_to and date_to < dt.date.max:
        statement = statement.where(Loan.created_at < _day_start(date_to + dt.timedelta(days=1)))
    text = (query or "").replace("\x00", "").strip()
    if text:
        statement = statement.where(
            or_(
                Loan.reference == text.upper(),
                func.lower(Member.full_name).contains(text.lower()),
            )
        )
    return statement


async def search_loans(
    db: Database,
    *,
    actor: StaffView,
    status: LoanStatus | None = None,
    branch_id: int | None = None,
    product_id: int | None = None,
    amount_min: int | None = None,
    amount_max: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    query: str | None = None,
    page: int = 0,
    page_size: int = 25,
) -> LoanPage:
    """Loans within the actor's branch, filtered by status, branch, product, amount and
    submission date (UTC days); ``query`` matches the reference or the borrower's name.
    Work waiting (submitted, under review) comes oldest first; anything else newest first."""
    require_reader(actor)
    statement = _filtered(
        loan_query(),
        actor=actor,
        status=status,
        branch_id=branch_id,
        product_id=product_id,
        amount_min=amount_min,
        amount_max=amount_max,
        date_from=date_from,
        date_to=date_to,
        query=query,
    )
    waiting = status is not None and status.value in IN_REVIEW
    order = Loan.id.asc() if waiting else Loan.id.desc()
    page_size = max(1, min(page_size, 100))
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        page_count = max(1, -(-total // page_size))
        page = min(max(page, 0), page_count - 1)
        rules = await load_rules(uow)
        rows = await uow.session.execute(
            statement.order_by(order).offset(page * page_size).limit(page_size)
        )
        items = tuple(loan_view(row, rules) for row in rows)
    return LoanPage(items=items, page=page, page_count=page_count, total=total)


async def _profile(uow: UnitOfWork, member_id: int) -> BorrowerProfile:
    member, branch_name = (
        await uow.session.execute(
            select(Member, Branch.name)
            .join(Branch, Branch.id == Member.branch_id)
            .where(Member.id == member_id)
        )
    ).one()
    open_count, exposure = await borrower_totals(uow, member_id)
    loans_total = await uow.session.scalar(
        select(func.count()).select_from(Loan).where(Loan.member_id == member_id)
    )
    return BorrowerProfile(
        member_id=member.id,
        full_name=member.full_name,
        nik_masked=mask_nik(member.nik),
        phone=member.phone,
        telegram_username=member.telegram_username,
        birth_date=member.birth_date,
        address=member.address,
        branch_name=branch_name,
        status=MemberStatus(member.status),
        member_since=as_utc(member.created_at) if member.created_at else None,
        bank_name=member.bank_name,
        bank_account_masked=mask_account_number(member.bank_account_number),
        bank_account_holder=member.bank_account_holder,
        loans_total=int(loans_total or 0),
        open_applications=open_count,
        exposure=exposure,
    )


async def get_loan_for_staff(db: Database, *, actor: StaffView, loan_id: int) -> LoanReview:
    """An application with its schedule, history, documents and the borrower's profile;
    ``detail.events`` are the steps this staff user may take now."""
    kinds = require_reader(actor)
    async with UnitOfWork(db, write=False) as uow:
        loan = await uow.session.get(Loan, loan_id)
        if loan is None or not sees_branch(actor, loan.branch_id):
            raise LoanNotFound()
        detail = await load_detail(uow, loan.id, actors=kinds, with_documents=True)
        return LoanReview(detail=detail, borrower=await _profile(uow, loan.member_id))


async def _scoped_loan(uow: UnitOfWork, actor: StaffView, loan_id: int) -> Loan:
    loan = await locked_loan(uow, loan_id)
    if loan is None or not sees_branch(actor, loan.branch_id):
        raise LoanNotFound()
    return loan


def _already_decided(loan: Loan) -> LoanAlreadyDecided:
    return LoanAlreadyDecided(
        reference=loan.reference, status=loan.status, decided_by=loan.decided_by or ""
    )


async def _detail(
    uow: UnitOfWork, actor: StaffView, loan: Loan, *, replayed: bool = False
) -> LoanDetail:
    await uow.session.flush()
    return await load_detail(
        uow, loan.id, actors=staff_actor_kinds(actor), with_documents=True, replayed=replayed
    )


async def start_review(
    db: Database, *, actor: StaffView, loan_id: int, ip: str, now: dt.datetime
) -> LoanDetail:
    """A credit officer takes up a submitted application; the borrower is told. Starting
    a review already started is a replay. Raises ``LoanNotFound``, ``InvalidLoanTransition``."""
    require(actor, Permission.LOANS_REVIEW)

    async def work(uow: UnitOfWork) -> LoanDetail:
        loan = await _scoped_loan(uow, actor, loan_id)
        if loan.status == LoanStatus.UNDER_REVIEW.value:
            return await _detail(uow, actor, loan, replayed=True)
        await apply_transition(
            uow,
            loan,
            event=LoanEvent.START_REVIEW,
            actor_kind=ActorKind.CREDIT_OFFICER,
            actor=staff_actor(actor, ip),
            now=now,
        )
        loan.review_started_by = actor.username
        detail = await _detail(uow, actor, loan)
        await notify_borrower(
            uow,
            telegram_user_id=detail.loan.telegram_user_id,
            now=now,
            key="loan.notice.under_review",
            reference=loan.reference,
            amount=loan.amount,
        )
        return detail

    return await ledger.in_transaction(db, work)


async def save_narrative(
    db: Database, *, actor: StaffView, loan_id: int, narrative: str, ip: str, now: dt.datetime
) -> LoanDetail:
    """Write the story financiers will read (line breaks kept); audited with the text
    before and after. Only while the application is being decided (``LoanAlreadyDecided``
    after). Raises ``ValidationError`` (``error.loan.narrative``: ``min``, ``max``)."""
    require(actor, Permission.LOANS_REVIEW)
    text = clean_text(
        narrative,
        code="error.loan.narrative",
        minimum=NARRATIVE_MIN_LENGTH,
        maximum=NARRATIVE_MAX_LENGTH,
        multiline=True,
    )

    async def work(uow: UnitOfWork) -> LoanDetail:
        loan = await _scoped_loan(uow, actor, loan_id)
        if loan.status not in IN_REVIEW:
            raise _already_decided(loan)
        if loan.narrative == text:
            return await _detail(uow, actor, loan, replayed=True)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="loan.narrative_saved",
            object_type="loan",
            object_id=loan.id,
            now=now,
            before={"narrative": loan.narrative},
            after={"narrative": text},
        )
        loan.narrative = text
        loan.narrative_by = actor.username
        loan.narrative_at = now
        return await _detail(uow, actor, loan)

    return await ledger.in_transaction(db, work)


async def approve_loan(
    db: Database, *, actor: StaffView, loan_id: int, nonce: str, ip: str, now: dt.datetime
) -> LoanDetail:
    """Approve an application under review: it opens for funding and the borrower is told.

    Above the second-approval threshold the first approval is recorded (audited
    ``loan.first_approved``, status unchanged) and another officer's approval opens it.
    Raises ``LoanAlreadyDecided``, ``SameOfficerNotAllowed``, ``InvalidLoanTransition``
    (not under review yet), ``ValidationError`` (``error.loan.narrative_required``: the
    financiers need the story; ``error.form_nonce``), ``LoanNotFound``.
    """
    require(actor, Permission.LOANS_APPROVE)
    nonce = checked_nonce(nonce)

    async def work(uow: UnitOfWork) -> LoanDetail:
        loan = await _scoped_loan(uow, actor, loan_id)
        if loan.decision_nonce == nonce and loan.status == LoanStatus.OPEN_FOR_FUNDING.value:
            return await _detail(uow, actor, loan, replayed=True)
        if loan.first_approval_nonce == nonce and loan.first_approved_by == actor.username:
            return await _detail(uow, actor, loan, replayed=True)
        if loan.status not in IN_REVIEW:
            raise _already_decided(loan)
        transition(LoanStatus(loan.status), LoanEvent.APPROVE, ActorKind.APPROVER)
        if not loan.narrative:
            raise ValidationError(code="error.loan.narrative_required")
        if loan.first_approved_by is None and (await load_rules(uow)).needs_second_approval(
            loan.amount
        ):
            loan.first_approved_by = actor.username
            loan.first_approved_at = now
            loan.first_approval_nonce = nonce
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="loan.first_approved",
                object_type="loan",
                object_id=loan.id,
                now=now,
                after={"first_approved_by": actor.username, "amount": loan.amount},
            )
            return await _detail(uow, actor, loan)
        if loan.first_approved_by == actor.username:
            raise SameOfficerNotAllowed(first_approved_by=loan.first_approved_by)
        await apply_transition(
            uow,
            loan,
            event=LoanEvent.APPROVE,
            actor_kind=ActorKind.APPROVER,
            actor=staff_actor(actor, ip),
            now=now,
            after={"first_approved_by": loan.first_approved_by},
        )
        loan.approved_by = actor.username
        loan.decided_by = actor.username
        loan.decided_at = now
        loan.decision_nonce = nonce
        detail = await _detail(uow, actor, loan)
        await notify_borrower(
            uow,
            telegram_user_id=detail.loan.telegram_user_id,
            now=now,
            key="loan.notice.approved",
            reference=loan.reference,
            amount=loan.amount,
        )
        return detail

    return await ledger.in_transaction(db, work)


async def reject_loan(
    db: Database,
    *,
    actor: StaffView,
    loan_id: int,
    reason: str,
    nonce: str,
    ip: str,
    now: dt.datetime,
) -> LoanDetail:
    """Refuse an application being decided, with a reason the borrower reads.

    A credit officer or an approver may; a first approval does not prevent it. Cancelling
    a loan already open for funding comes with the funding work (it voids pledges).
    Raises ``LoanAlreadyDecided``, ``ValidationError`` (reason, nonce), ``LoanNotFound``.
    """
    kinds = _require_decider(actor)
    nonce = checked_nonce(nonce)
    reason = clean_reason(reason)
    kind = ActorKind.APPROVER if ActorKind.APPROVER in kinds else ActorKind.CREDIT_OFFICER

    async def work(uow: UnitOfWork) -> LoanDetail:
        loan = await _scoped_loan(uow, actor, loan_id)
        if loan.status == LoanStatus.REJECTED.value and loan.decision_nonce == nonce:
            return await _detail(uow, actor, loan, replayed=True)
        if loan.status not in IN_REVIEW:
            raise _already_decided(loan)
        await apply_transition(
            uow,
            loan,
            event=LoanEvent.REJECT,
            actor_kind=kind,
            actor=staff_actor(actor, ip),
            now=now,
            reason=reason,
        )
        loan.reject_reason = reason
        loan.decided_by = actor.username
        loan.decided_at = now
        loan.decision_nonce = nonce
        detail = await _detail(uow, actor, loan)
        await notify_borrower(
            uow,
            telegram_user_id=detail.loan.telegram_user_id,
            now=now,
            key="loan.notice.rejected",
            reference=loan.reference,
            amount=loan.amount,
            reason=reason,
        )
        return detail

    return await ledger.in_transaction(db, work)
