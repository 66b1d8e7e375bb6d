"""Staff work on members: search, detail, KYC verification, deactivation.

Every status change is checked against the domain's transitions, recorded in the
member's status history and the audit log, and announced to the member in Telegram
through the outbox — all in one transaction.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models import Branch, Member, MemberRole, MemberStatusChange, TelegramUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import InvalidStatusTransition, MemberNotFound, ValidationError
from backend.domain.member_rules import mask_account_number
from backend.domain.members import (
    MemberStatus,
    Role,
    can_change_status,
    status_after_reactivation,
)
from backend.domain.nik import mask_nik
from backend.domain.permissions import Permission
from backend.services.access import require, sees_branch
from backend.services.admin_dto import (
    DashboardCounts,
    MemberDetail,
    MemberPage,
    MemberSummary,
    StaffView,
    StatusChangeView,
)
from backend.services.audit import record, staff_actor
from backend.services.clock import as_utc, has_control_characters
from backend.services.outbox import enqueue_message

REASON_MAX_LENGTH = 500


def _summary(member: Member) -> MemberSummary:
    return MemberSummary(
        id=member.id,
        full_name=member.full_name,
        nik_masked=mask_nik(member.nik),
        phone=member.phone,
        telegram_username=member.telegram_username,
        branch_id=member.branch_id,
        branch_name=member.branch.name,
        roles=tuple(Role(r.role) for r in member.roles),
        status=MemberStatus(member.status),
        registered_at=as_utc(member.created_at) if member.created_at else None,
    )


def _scoped(query: Select[Member], actor: StaffView) -> Select[Member]:
    return query if actor.branch_id is None else query.where(Member.branch_id == actor.branch_id)


async def search_members(
    db: Database,
    *,
    actor: StaffView,
    query: str | None,
    branch_id: int | None,
    role: Role | None,
    status: MemberStatus | None,
    page: int,
    page_size: int = 20,
) -> MemberPage:
    """Members matching name, NIK, phone or Telegram username, within the actor's branch."""
    require(actor, Permission.MEMBERS_VIEW)
    statement = _scoped(select(Member), actor)
    query = (query or "").replace("\x00", "")
    if query.strip():
        text = query.strip().lower()
        digits = "".join(c for c in text if c.isdigit())
        conditions = [
            func.lower(Member.full_name).contains(text),
            func.lower(Member.telegram_username).contains(text.lstrip("@")),
        ]
        if digits:
            conditions += [Member.nik.contains(digits), Member.phone.contains(digits.lstrip("0"))]
        statement = statement.where(or_(*conditions))
    if branch_id is not None:
        statement = statement.where(Member.branch_id == branch_id)
    if status is not None:
        statement = statement.where(Member.status == status.value)
    if role is not None:
        statement = statement.where(
            Member.id.in_(select(MemberRole.member_id).where(MemberRole.role == role.value))
        )
    page_size = max(1, min(page_size, 100))
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        page_count = max(1, -(-total // page_size))
        page = min(max(page, 0), page_count - 1)
        rows = await uow.session.scalars(
            statement.options(selectinload(Member.branch))
            .order_by(Member.created_at.desc(), Member.id.desc())
            .offset(page * page_size)
            .limit(page_size)
        )
        members = tuple(_summary(m) for m in rows)
    return MemberPage(members=members, page=page, page_count=page_count, total=total)


async def _load_member(
    uow: UnitOfWork, actor: StaffView, member_id: int, *, for_update: bool = False
) -> Member:
    statement = select(Member).options(selectinload(Member.branch)).where(Member.id == member_id)
    if for_update:
        statement = statement.with_for_update()
    member = await uow.session.scalar(statement)
    if member is None or not sees_branch(actor, member.branch_id):
        raise MemberNotFound()  # another branch's member is indistinguishable from none
    return member


async def _detail(uow: UnitOfWork, member: Member) -> MemberDetail:
    history = await uow.session.scalars(
        select(MemberStatusChange)
        .where(MemberStatusChange.member_id == member.id)
        .order_by(MemberStatusChange.id)
    )
    return MemberDetail(
        summary=_summary(member),
        birth_date=member.birth_date,
        sex=member.sex,
        address=member.address,
        bank_name=member.bank_name,
        bank_account_masked=mask_account_number(member.bank_account_number),
        bank_account_holder=member.bank_account_holder,
        telegram_user_id=member.telegram_user_id,
        history=tuple(
            StatusChangeView(
                from_status=MemberStatus(h.from_status) if h.from_status else None,
                to_status=MemberStatus(h.to_status),
                actor=h.actor,
                reason=h.reason,
                changed_at=as_utc(h.changed_at),
            )
            for h in history
        ),
    )


async def get_member_detail(db: Database, *, actor: StaffView, member_id: int) -> MemberDetail:
    """A member's profile and status history; MemberNotFound when absent or out of scope."""
    require(actor, Permission.MEMBERS_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        return await _detail(uow, await _load_member(uow, actor, member_id))


NOTICE_KEYS = {
    MemberStatus.VERIFIED: "member.notice.verified",
    MemberStatus.REJECTED: "member.notice.rejected",
    MemberStatus.DEACTIVATED: "member.notice.deactivated",
}


async def _change_status(
    db: Database,
    *,
    actor: StaffView,
    member_id: int,
    target: MemberStatus | None,
    reason: str,
    action: str,
    ip: str,
    now: dt.datetime,
) -> MemberDetail:
    """Move a member to ``target`` (None: reactivate to the status before deactivation)."""
    async with UnitOfWork(db) as uow:
        member = await _load_member(uow, actor, member_id, for_update=True)
        current = MemberStatus(member.status)
        if target is None:
            if current is not MemberStatus.DEACTIVATED:
                raise InvalidStatusTransition(current=current.value, target="reactivated")
            statuses = await uow.session.scalars(
                select(MemberStatusChange.to_status)
                .where(MemberStatusChange.member_id == member.id)
                .order_by(MemberStatusChange.id)
            )
            target = status_after_reactivation([MemberStatus(s) for s in statuses])
        elif not can_change_status(current, target):
            raise InvalidStatusTransition(current=current.value, target=target.value)
        member.status = target.value
        uow.members.record_status_change(
            member,
            from_status=current.value,
            to_status=target.value,
            actor=f"staff:{actor.username}",
            reason=reason,
        )
        record(
            uow,
            actor=staff_actor(actor, ip),
            action=action,
            object_type="member",
            object_id=member.id,
            now=now,
            before={"status": current.value},
            after={"status": target.value},
            reason=reason,
        )
        language = await uow.session.scalar(
            select(TelegramUser.language).where(TelegramUser.id == member.telegram_user_id)
        )
        enqueue_message(
            uow,
            chat_id=member.telegram_user_id,
            now=now,
            language=language or "id",
            message_key=NOTICE_KEYS.get(target, "member.notice.reactivated"),
            params={"name": member.full_name, "branch": member.branch.name, "reason": reason},
        )
        await uow.session.flush()
        detail = await _detail(uow, member)
        await uow.commit()
        return detail


def clean_reason(reason: str) -> str:
    """A staff-written reason: spaces collapsed, 1..500 characters, no control characters."""
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValidationError(code="error.reason_required")
    if has_control_characters(cleaned):
        raise ValidationError(code="error.text.control_characters")
    if len(cleaned) > REASON_MAX_LENGTH:
        raise ValidationError(code="error.reason_too_long", max=REASON_MAX_LENGTH)
    return cleaned


async def verify_member(
    db: Database, *, actor: StaffView, member_id: int, ip: str, now: dt.datetime
) -> MemberDetail:
    """KYC passed: the member may use money features. Notified in Telegram."""
    require(actor, Permission.MEMBERS_VERIFY)
    return await _change_status(
        db,
        actor=actor,
        member_id=member_id,
        target=MemberStatus.VERIFIED,
        reason="",
        ip=ip,
        now=now,
        action="member.verified",
    )


async def reject_member(
    db: Database, *, actor: StaffView, member_id: int, reason: str, ip: str, now: dt.datetime
) -> MemberDetail:
    """KYC failed, with the reason the member is told."""
    require(actor, Permission.MEMBERS_VERIFY)
    return await _change_status(
        db,
        actor=actor,
        member_id=member_id,
        target=MemberStatus.REJECTED,
        reason=clean_reason(reason),
        ip=ip,
        now=now,
        action="member.rejected",
    )


async def deactivate_member(
    db: Database, *, actor: StaffView, member_id: int, reason: str, ip: str, now: dt.datetime
) -> MemberDetail:
    """Block a member from the bot, with a reason."""
    require(actor, Permission.MEMBERS_DEACTIVATE)
    return await _change_status(
        db,
        actor=actor,
        member_id=member_id,
        target=MemberStatus.DEACTIVATED,
        reason=clean_reason(reason),
        ip=ip,
        now=now,
        action="member.deactivated",
    )


async def reactivate_member(
    db: Database, *, actor: StaffView, member_id: int, reason: str, ip: str, now: dt.datetime
) -> MemberDetail:
    """Let a deactivated member back, to the status they had before."""
    require(actor, Permission.MEMBERS_DEACTIVATE)
    return await _change_status(
        db,
        actor=actor,
        member_id=member_id,
        target=None,
        reason=clean_reason(reason),
        ip=ip,
        now=now,
        action="member.reactivated",
    )


async def member_counts(db: Database, *, actor: StaffView) -> DashboardCounts:
    """Members by status and by branch, within the actor's scope."""
    require(actor, Permission.DASHBOARD_VIEW)
    scope = [] if actor.branch_id is None else [Member.branch_id == actor.branch_id]
    async with UnitOfWork(db, write=False) as uow:
        by_status_rows = (
            await uow.session.execute(
                select(Member.status, func.count()).where(*scope).group_by(Member.status)
            )
        ).all()
        by_branch_rows = (
            await uow.session.execute(
                select(Branch.name, func.count(Member.id))
                .join(Member, Member.branch_id == Branch.id)
                .where(*scope)
                .group_by(Branch.name)
                .order_by(func.count(Member.id).desc(), Branch.name)
            )
        ).all()
    by_status = {status: 0 for status in MemberStatus}
    for status, count in by_status_rows:
        by_status[MemberStatus(status)] = int(count)
    return DashboardCounts(
        by_status=by_status,
        by_branch=tuple((name, int(n)) for name, n in by_branch_rows),
        total=sum(by_status.values()),
    )
