"""Staff review: start, narrative, approve or reject with notices and audit; a second
officer above the threshold; forms replayed once; branch scope (both databases)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models_loans import Loan
from backend.db.models_staff import AuditEntry, OutboxMessage
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import NotAllowedError, ValidationError
from backend.domain.loan_lifecycle import InvalidLoanTransition, LoanEvent, LoanStatus
from backend.domain.loans import LoanAlreadyDecided, LoanNotFound, SameOfficerNotAllowed
from backend.services import loan_review, members
from backend.services.loan_dto import LoanDetail
from tests.loan_factories import (
    NARRATIVE,
    NOW,
    as_staff,
    count,
    later,
    product_id,
    reviewed_loan,
    set_rules,
    submit,
    verified_borrower,
)


async def _notices(db: Database, key: str) -> list[OutboxMessage]:
    async with UnitOfWork(db, write=False) as uow:
        rows = await uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.message_key == key).order_by(OutboxMessage.id)
        )
        return list(rows)


async def _approve(db: Database, username: str, loan_id: int, nonce: str) -> LoanDetail:
    actor = await as_staff(db, username)
    return await loan_review.approve_loan(
        db, actor=actor, loan_id=loan_id, nonce=nonce, ip="10.0.0.3", now=later(5)
    )


async def test_review_then_approval_opens_the_loan_for_funding_and_tells_the_borrower(
    seeded_db: Database,
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    await members.set_language(db, telegram_user_id=borrower.telegram_user_id, language="en")
    loan = await submit(db, borrower.id, "a")
    officer = await as_staff(db, "kredit.jkt")
    started = await loan_review.start_review(
        db, actor=officer, loan_id=loan.loan.id, ip="10.0.0.2", now=NOW
    )
    assert started.loan.status is LoanStatus.UNDER_REVIEW
    assert started.review_started_by == "kredit.jkt"
    assert started.events == (LoanEvent.REJECT,)  # a credit officer does not approve
    again = await loan_review.start_review(
        db, actor=officer, loan_id=loan.loan.id, ip="10.0.0.2", now=NOW
    )
    assert again.replayed
    with pytest.raises(ValidationError) as no_story:
        await _approve(db, "manager.jkt", loan.loan.id, "f1")
    assert no_story.value.code == "error.loan.narrative_required"
    with pytest.raises(ValidationError) as short:
        await loan_review.save_narrative(
            db, actor=officer, loan_id=loan.loan.id, narrative="ok", ip="x", now=NOW
        )
    assert short.value.code == "error.loan.narrative"
    written = await loan_review.save_narrative(
        db,
        actor=officer,
        loan_id=loan.loan.id,
        narrative=f"  {NARRATIVE}\n\n\n\nSudah 3 kali lunas.  ",
        ip="x",
        now=NOW,
    )
    assert written.narrative == f"{NARRATIVE}\n\nSudah 3 kali lunas."
    approved = await _approve(db, "manager.jkt", loan.loan.id, "f1")
    replay = await _approve(db, "manager.jkt", loan.loan.id, "f1")
    assert approved.loan.status is LoanStatus.OPEN_FOR_FUNDING and not approved.replayed
    assert replay.replayed and approved.approved_by == "manager.jkt"
    assert [h.to_status for h in approved.history] == [
        LoanStatus.SUBMITTED,
        LoanStatus.UNDER_REVIEW,
        LoanStatus.OPEN_FOR_FUNDING,
    ]
    actions = await _actions(db, loan.loan.id)
    assert actions == [
        "loan.submitted",
        "loan.review_started",
        "loan.narrative_saved",
        "loan.approved",
    ]
    (notice,) = await _notices(db, "loan.notice.approved")
    assert notice.chat_id == borrower.telegram_user_id and notice.language == "en"
    assert notice.params == {"reference": loan.loan.reference, "amount": "Rp 5.000.000"}
    assert len(await _notices(db, "loan.notice.under_review")) == 1

    with pytest.raises(LoanAlreadyDecided) as decided:
        await loan_review.reject_loan(
            db,
            actor=officer,
            loan_id=loan.loan.id,
            reason="Dokumen palsu",
            nonce="r1",
            ip="x",
            now=NOW,
        )
    assert decided.value.params == {
        "reference": loan.loan.reference,
        "status": "open_for_funding",
        "decided_by": "manager.jkt",
    }


async def _actions(db: Database, loan_id: int) -> list[str]:
    async with UnitOfWork(db, write=False) as uow:
        return list(
            await uow.session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.object_type == "loan", AuditEntry.object_id == str(loan_id))
                .order_by(AuditEntry.id)
            )
        )


async def test_rejection_carries_the_reason_to_the_borrower(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "a")
    officer = await as_staff(db, "kredit.jkt")
    form = {
        "actor": officer,
        "loan_id": loan.loan.id,
        "reason": "  Usaha belum berjalan  6 bulan ",
        "nonce": "r1",
        "ip": "x",
        "now": NOW,
    }
    rejected = await loan_review.reject_loan(db, **form)  # type: ignore[arg-type]
    replay = await loan_review.reject_loan(db, **form)  # type: ignore[arg-type]
    assert rejected.loan.status is LoanStatus.REJECTED and replay.replayed
    assert rejected.reject_reason == "Usaha belum berjalan 6 bulan"
    (notice,) = await _notices(db, "loan.notice.rejected")
    assert notice.language == "id" and notice.params["reason"] == "Usaha belum berjalan 6 bulan"
    with pytest.raises(LoanAlreadyDecided):
        await _approve(db, "manager.jkt", loan.loan.id, "a1")
    with pytest.raises(ValidationError):
        await loan_review.reject_loan(db, **{**form, "reason": " ", "nonce": "r2"})  # type: ignore[arg-type]
    assert await count(db, AuditEntry, AuditEntry.action == "loan.rejected") == 1


async def test_approval_needs_a_review_first_and_the_approve_permission(
    seeded_db: Database,
) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await submit(db, borrower.id, "a")
    with pytest.raises(InvalidLoanTransition) as not_reviewed:
        await _approve(db, "manager.jkt", loan.loan.id, "a1")
    assert not_reviewed.value.code == "error.loan.invalid_transition"
    with pytest.raises(NotAllowedError):
        await _approve(db, "kredit.jkt", loan.loan.id, "a2")
    treasurer = await as_staff(db, "bendahara.jkt")
    with pytest.raises(NotAllowedError):
        await loan_review.search_loans(db, actor=treasurer)
    manager = await as_staff(db, "manager.jkt")
    with pytest.raises(NotAllowedError):
        await loan_review.start_review(db, actor=manager, loan_id=loan.loan.id, ip="x", now=NOW)
    review = await loan_review.get_loan_for_staff(db, actor=manager, loan_id=loan.loan.id)
    assert review.detail.events == (LoanEvent.REJECT,)  # approval waits for the review


async def test_large_loan_needs_two_different_officers(seeded_db: Database) -> None:
    db = seeded_db
    await set_rules(db, second_approval_threshold=5_000_000)
    borrower = await verified_borrower(db)
    loan = await reviewed_loan(db, borrower.id, "big", amount=8_000_000)
    assert loan.loan.needs_second_approval
    first = await _approve(db, "manager.jkt", loan.loan.id, "m1")
    assert first.loan.status is LoanStatus.UNDER_REVIEW
    assert first.loan.first_approved_by == "manager.jkt"
    assert (await _approve(db, "manager.jkt", loan.loan.id, "m1")).replayed
    with pytest.raises(SameOfficerNotAllowed):
        await _approve(db, "manager.jkt", loan.loan.id, "m2")
    assert await _notices(db, "loan.notice.approved") == []
    second = await _approve(db, "superadmin", loan.loan.id, "s1")
    assert second.loan.status is LoanStatus.OPEN_FOR_FUNDING and second.approved_by == "superadmin"
    assert (await _approve(db, "manager.jkt", loan.loan.id, "m1")).replayed  # the first form
    assert (await _actions(db, loan.loan.id))[-2:] == ["loan.first_approved", "loan.approved"]
    assert len(await _notices(db, "loan.notice.approved")) == 1

    small = await reviewed_loan(db, borrower.id, "small", amount=5_000_000)
    assert not small.loan.needs_second_approval
    done = await _approve(db, "manager.jkt", small.loan.id, "m3")
    assert done.loan.status is LoanStatus.OPEN_FOR_FUNDING


async def test_two_approvers_deciding_at_once_open_the_loan_once(seeded_db: Database) -> None:
    db = seeded_db
    borrower = await verified_borrower(db)
    loan = await reviewed_loan(db, borrower.id, "a")
    manager = await as_staff(db, "manager.jkt")
    admin = await as_staff(db, "superadmin")

    async def decide(call: object) -> object:
        try:
            return await call  # type: ignore[misc]
        except LoanAlreadyDecided as refusal:
            return refusal

    results = await asyncio.gather(
        decide(
            loan_review.approve_loan(
                db, actor=manager, loan_id=loan.loan.id, nonce="a", ip="x", now=NOW
            )
        ),
        decide(
            loan_review.reject_loan(
                db,
                actor=admin,
                loan_id=loan.loan.id,
                reason="Tidak layak",
                nonce="b",
                ip="x",
                now=NOW,
            )
        ),
    )
    assert sum(isinstance(r, LoanAlreadyDecided) for r in results) == 1
    decided = await count(db, AuditEntry, AuditEntry.action.in_(["loan.approved", "loan.rejected"]))
    assert decided == 1


async def test_staff_see_their_branch_only_and_can_filter(seeded_db: Database) -> None:
    db = seeded_db
    jakarta = await verified_borrower(db)
    bandung = await verified_borrower(db, "budi", branch_code="BDG01")
    mine = await submit(db, jakarta.id, "j1", amount=2_000_000)
    await submit(db, jakarta.id, "j2", code="DD", amount=700_000, tenor_months=2)
    theirs = await submit(db, bandung.id, "b1", amount=3_000_000)
    officer = await as_staff(db, "kredit.jkt")
    admin = await as_staff(db, "superadmin")
    with pytest.raises(LoanNotFound):
        await loan_review.get_loan_for_staff(db, actor=officer, loan_id=theirs.loan.id)
    with pytest.raises(LoanNotFound):
        await loan_review.start_review(db, actor=officer, loan_id=theirs.loan.id, ip="x", now=NOW)
    assert (await loan_review.search_loans(db, actor=officer)).total == 2
    assert (await loan_review.search_loans(db, actor=admin)).total == 3
    by_product = await loan_review.search_loans(
        db, actor=admin, product_id=await product_id(db, "MUM"), amount_min=2_500_000
    )
    assert [i.id for i in by_product.items] == [theirs.loan.id]
    by_name = await loan_review.search_loans(db, actor=admin, query="siti", amount_max=2_000_000)
    assert by_name.total == 2 and mine.loan.id in {i.id for i in by_name.items}
    by_reference = await loan_review.search_loans(db, actor=admin, query=mine.loan.reference)
    assert [i.id for i in by_reference.items] == [mine.loan.id]
    waiting = await loan_review.search_loans(db, actor=admin, status=LoanStatus.SUBMITTED)
    assert [i.id for i in waiting.items] == sorted(i.id for i in waiting.items)  # oldest first
    none = await loan_review.search_loans(db, actor=admin, date_from=NOW.date().replace(day=26))
    assert none.total == 0

    review = await loan_review.get_loan_for_staff(db, actor=officer, loan_id=mine.loan.id)
    assert review.borrower.full_name == "Siti Rahayu"
    assert review.borrower.nik_masked.startswith("3174") and "•" in review.borrower.nik_masked
    assert (review.borrower.open_applications, review.borrower.exposure) == (2, 2_700_000)
    assert review.detail.events == (LoanEvent.START_REVIEW, LoanEvent.REJECT)
    async with UnitOfWork(db, write=False) as uow:
        stored = await uow.session.get(Loan, mine.loan.id)
    assert stored is not None and stored.branch_id == jakarta.branch.id
