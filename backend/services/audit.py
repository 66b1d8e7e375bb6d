"""The audit log: who did what to which object, with before/after values. Append-only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.permissions import Permission
from backend.services.access import require
from backend.services.admin_dto import AuditPage, AuditView, StaffView


@dataclass(frozen=True, slots=True)
class AuditActor:
    """Who acts: a staff user, a member, or the system; with the request's IP."""

    type: str  # "staff" | "member" | "system"
    id: int | None
    label: str
    ip: str = ""


SYSTEM = AuditActor(type="system", id=None, label="system")


def staff_actor(actor: StaffView, ip: str) -> AuditActor:
    """The audit actor for a logged-in staff user acting from ``ip``."""
    return AuditActor(type="staff", id=actor.id, label=actor.username, ip=ip)


def record(
    uow: UnitOfWork,
    *,
    actor: AuditActor,
    action: str,
    object_type: str,
    object_id: int | str | None,
    now: dt.datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> None:
    """Append one audit entry inside the caller's unit of work (committed with the change)."""
    uow.session.add(
        AuditEntry(
            at=now,
            actor_type=actor.type,
            actor_id=actor.id,
            actor_label=actor.label,
            action=action,
            object_type=object_type,
            object_id=None if object_id is None else str(object_id),
            before=before,
            after=after,
            reason=reason,
            ip=actor.ip,
        )
    )


async def search_audit(
    db: Database,
    *,
    actor: StaffView,
    staff_id: int | None = None,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 0,
    page_size: int = 50,
) -> AuditPage:
    """Audit entries, newest first, filtered by staff user, action, object and date (UTC)."""
    require(actor, Permission.AUDIT_VIEW)
    statement = select(AuditEntry)
    if staff_id is not None:
        statement = statement.where(
            AuditEntry.actor_type == "staff", AuditEntry.actor_id == staff_id
        )
    action, object_type, object_id = (
        (value or "").replace("\x00", "").strip() or None
        for value in (action, object_type, object_id)
    )
    if action:
        statement = statement.where(AuditEntry.action.startswith(action))
    if object_type:
        statement = statement.where(AuditEntry.object_type == object_type)
    if object_id:
        statement = statement.where(AuditEntry.object_id == object_id)
    if date_from:
        statement = statement.where(AuditEntry.at >= _day_start(date_from))
    if date_to and date_to < dt.date.max:
        statement = statement.where(AuditEntry.at < _day_start(date_to + dt.timedelta(days=1)))
    page_size = max(1, min(page_size, 200))
    async with UnitOfWork(db, write=False) as uow:
        total = int(
            await uow.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        )
        page_count = max(1, -(-total // page_size))
        page = min(max(page, 0), page_count - 1)
        rows = await uow.session.scalars(
            statement.order_by(AuditEntry.id.desc()).offset(page * page_size).limit(page_size)
        )
        entries = tuple(_audit_view(row) for row in rows)
    filters = {
        "staff_id": staff_id,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "date_from": date_from,
        "date_to": date_to,
    }
    return AuditPage(
        entries=entries, page=page, page_count=page_count, total=total, filters=filters
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _audit_view(row: AuditEntry) -> AuditView:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.UTC)
    return AuditView(
        id=row.id,
        at=at,
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        before=row.before,
        after=row.after,
        reason=row.reason,
        ip=row.ip,
    )
