"""Social connect for staff: a member's shared profile, and a financier–borrower pair explained.

Both need ``connect.profiles``: what a member chose to share is personal data under UU PDP
(UU 27/2022), so holding ``members.view`` is not enough. Both are branch-scoped like every
member read (a member outside the actor's branch is reported as absent). Reading a shared
profile is itself audited (``connect.profile_viewed``, counts only: the audit log is
append-only and must not keep a copy of data the member may withdraw).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.models_loans import Loan
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import MemberNotFound, ValidationError
from backend.domain.loans import LoanNotFound
from backend.domain.permissions import Permission
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import record, staff_actor
from backend.services.connect_dto import ConnectProfile, PairExplanation
from backend.services.connect_profiles import load_profile
from backend.services.connect_scores import explain_pair


@dataclass(frozen=True, slots=True)
class MemberLabel:
    """Who a member is, as staff who may read the member see them."""

    member_id: int
    full_name: str
    branch_name: str


@dataclass(frozen=True, slots=True)
class StaffConnectProfile:
    """A member's shared profile as staff with ``connect.profiles`` see it: who, and what
    they chose to share (contacts as a count only, never the numbers)."""

    member: MemberLabel
    profile: ConnectProfile


@dataclass(frozen=True, slots=True)
class StaffPairExplanation:
    """A pair explained for staff: both members, the loan it was picked from (if any),
    and the categories with their points — never either member's entries."""

    financier: MemberLabel
    borrower: MemberLabel
    loan_reference: str | None
    explanation: PairExplanation


async def _scoped_member(uow: UnitOfWork, actor: StaffView, member_id: int) -> MemberLabel:
    found = (
        await uow.session.execute(
            select(Member.full_name, Member.branch_id, Branch.name)
            .join(Branch, Branch.id == Member.branch_id)
            .where(Member.id == member_id)
        )
    ).one_or_none()
    if found is None or not sees_branch(actor, found.branch_id):
        raise MemberNotFound()
    return MemberLabel(member_id=member_id, full_name=found.full_name, branch_name=found.name)


async def shared_profile_for_staff(
    db: Database, *, actor: StaffView, member_id: int, ip: str, now: dt.datetime
) -> StaffConnectProfile:
    """The member's consent, entries and number of contacts; audited as
    ``connect.profile_viewed`` in the same transaction as the read.

    Raises:
        NotAllowedError: without ``connect.profiles``; MemberNotFound: no such member,
            or outside the actor's branch.
    """
    require(actor, Permission.CONNECT_PROFILES)
    async with UnitOfWork(db) as uow:
        member = await _scoped_member(uow, actor, member_id)
        profile = await load_profile(uow, member_id)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="connect.profile_viewed",
            object_type="member",
            object_id=member_id,
            now=now,
            after={
                "consented": profile.consented,
                "entries": len(profile.entries),
                "contacts": profile.contact_count,
            },
        )
        await uow.commit()
    return StaffConnectProfile(member=member, profile=profile)


async def _loan_borrower(uow: UnitOfWork, actor: StaffView, reference: str) -> int:
    loan = (
        await uow.session.execute(
            select(Loan.member_id, Loan.branch_id).where(Loan.reference == reference)
        )
    ).one_or_none()
    if loan is None or not sees_branch(actor, loan.branch_id):
        raise LoanNotFound()
    return loan.member_id


async def explain_for_staff(
    db: Database,
    *,
    actor: StaffView,
    financier_id: int | None,
    borrower_id: int | None = None,
    loan_reference: str | None = None,
) -> StaffPairExplanation:
    """``explain_pair`` for a financier and a borrower given by member id, or picked as
    the borrower of a loan (by its reference, ``LN-…``).

    Raises:
        NotAllowedError: without ``connect.profiles``;
        ValidationError: ``error.connect.pair.incomplete`` (no financier, or not exactly
            one of borrower and loan), ``error.connect.pair.same_member``;
        LoanNotFound: no such loan, or outside the actor's branch;
        MemberNotFound: either member absent or outside the actor's branch.
    """
    require(actor, Permission.CONNECT_PROFILES)
    reference = (loan_reference or "").strip().upper() or None
    if financier_id is None or (borrower_id is None) == (reference is None):
        raise ValidationError(code="error.connect.pair.incomplete")
    async with UnitOfWork(db, write=False) as uow:
        if borrower_id is None:
            borrower_id = await _loan_borrower(uow, actor, str(reference))
        if borrower_id == financier_id:
            raise ValidationError(code="error.connect.pair.same_member")
        financier = await _scoped_member(uow, actor, financier_id)
        borrower = await _scoped_member(uow, actor, borrower_id)
    explanation = await explain_pair(
        db, actor=actor, financier_id=financier_id, borrower_id=borrower_id
    )
    return StaffPairExplanation(
        financier=financier, borrower=borrower, loan_reference=reference, explanation=explanation
    )
