"""Branches as data master: list, create, edit, deactivate (audited)."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import available_timezones

from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import BranchNotFound, DuplicateCode, ValidationError
from backend.domain.permissions import Permission
from backend.services.access import require, sees_branch
from backend.services.admin_dto import BranchAdminView, StaffView
from backend.services.audit import record, staff_actor
from backend.services.clock import has_control_characters

INDONESIAN_TIMEZONES = ("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")  # WIB, WITA, WIT
_CODE = re.compile(r"^[A-Z0-9]{3,16}$")


def _view(branch: Branch, member_count: int) -> BranchAdminView:
    return BranchAdminView(
        id=branch.id,
        code=branch.code,
        name=branch.name,
        city=branch.city,
        address=branch.address,
        timezone=branch.timezone,
        active=branch.active,
        member_count=member_count,
    )


def _snapshot(branch: Branch) -> dict[str, object]:
    return {
        "code": branch.code,
        "name": branch.name,
        "city": branch.city,
        "address": branch.address,
        "timezone": branch.timezone,
        "active": branch.active,
    }


def _clean(name: str, city: str, address: str, timezone: str) -> tuple[str, str, str, str]:
    name, city, address = (" ".join(v.split()) for v in (name, city, address))
    if any(has_control_characters(v) for v in (name, city, address)):
        raise ValidationError(code="error.text.control_characters")
    if not 3 <= len(name) <= 100 or not 2 <= len(city) <= 100 or len(address) > 300:
        raise ValidationError(code="error.branch.format")
    if timezone not in INDONESIAN_TIMEZONES or timezone not in available_timezones():
        raise ValidationError(code="error.branch.timezone")
    return name, city, address, timezone


async def _member_counts(uow: UnitOfWork) -> dict[int, int]:
    rows = await uow.session.execute(
        select(Member.branch_id, func.count()).group_by(Member.branch_id)
    )
    return {branch_id: int(count) for branch_id, count in rows.all()}


async def list_branches(db: Database, *, actor: StaffView) -> tuple[BranchAdminView, ...]:
    """All branches (active and not) the actor may see, by name."""
    require(actor, Permission.BRANCHES_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        counts = await _member_counts(uow)
        branches = await uow.session.scalars(select(Branch).order_by(Branch.name))
        return tuple(_view(b, counts.get(b.id, 0)) for b in branches if sees_branch(actor, b.id))


async def _get(uow: UnitOfWork, actor: StaffView, branch_id: int) -> Branch:
    branch = await uow.branches.get(branch_id)
    if branch is None or not sees_branch(actor, branch.id):
        raise BranchNotFound()
    return branch


async def get_branch(db: Database, *, actor: StaffView, branch_id: int) -> BranchAdminView:
    require(actor, Permission.BRANCHES_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        branch = await _get(uow, actor, branch_id)
        return _view(branch, (await _member_counts(uow)).get(branch.id, 0))


async def create_branch(
    db: Database,
    *,
    actor: StaffView,
    code: str,
    name: str,
    city: str,
    address: str,
    timezone: str,
    ip: str,
    now: dt.datetime,
) -> BranchAdminView:
    """A new active branch. Raises DuplicateCode or ValidationError."""
    require(actor, Permission.BRANCHES_MANAGE)
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ValidationError(code="error.branch.code")
    name, city, address, timezone = _clean(name, city, address, timezone)
    async with UnitOfWork(db) as uow:
        if await uow.branches.get_by_code(code) is not None:
            raise DuplicateCode(value=code)
        branch = Branch(
            code=code, name=name, city=city, address=address, timezone=timezone, active=True
        )
        uow.branches.add(branch)
        await uow.session.flush()
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="branch.created",
            object_type="branch",
            object_id=branch.id,
            now=now,
            after=_snapshot(branch),
        )
        view = _view(branch, 0)
        await uow.commit()
        return view


async def update_branch(
    db: Database,
    *,
    actor: StaffView,
    branch_id: int,
    name: str,
    city: str,
    address: str,
    timezone: str,
    ip: str,
    now: dt.datetime,
) -> BranchAdminView:
    """Edit a branch's name, city, address or time zone (its code is permanent)."""
    require(actor, Permission.BRANCHES_MANAGE)
    name, city, address, timezone = _clean(name, city, address, timezone)
    async with UnitOfWork(db) as uow:
        branch = await _get(uow, actor, branch_id)
        before = _snapshot(branch)
        branch.name, branch.city, branch.address, branch.timezone = name, city, address, timezone
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="branch.updated",
            object_type="branch",
            object_id=branch.id,
            now=now,
            before=before,
            after=_snapshot(branch),
        )
        await uow.commit()
    return await get_branch(db, actor=actor, branch_id=branch_id)


async def set_branch_active(
    db: Database, *, actor: StaffView, branch_id: int, active: bool, ip: str, now: dt.datetime
) -> BranchAdminView:
    """Deactivate a branch (new members can no longer choose it) or reactivate it."""
    require(actor, Permission.BRANCHES_MANAGE)
    async with UnitOfWork(db) as uow:
        branch = await _get(uow, actor, branch_id)
        before = _snapshot(branch)
        branch.active = active
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="branch.activated" if active else "branch.deactivated",
            object_type="branch",
            object_id=branch.id,
            now=now,
            before=before,
            after=_snapshot(branch),
        )
        await uow.commit()
    return await get_branch(db, actor=actor, branch_id=branch_id)
