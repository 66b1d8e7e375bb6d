"""Staff users (data master), and the entry points of staff authentication and roles.

Each change is audited with before/after values. Re-exports the authentication and role
services so the admin web imports one module.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models_staff import StaffRole, StaffUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import (
    BranchNotFound,
    DuplicateUsername,
    RoleNotFound,
    StaffNotFound,
    ValidationError,
)
from backend.domain.member_rules import validate_full_name
from backend.domain.permissions import Permission
from backend.domain.staff_rules import check_password_strength
from backend.services.access import require
from backend.services.admin_dto import StaffView
from backend.services.audit import AuditActor, record, staff_actor
from backend.services.staff_auth import (
    authenticate,
    authenticate_api_token,
    change_password,
    hash_password,
    issue_api_token,
    load_session,
    logout,
    new_temporary_password,
    revoke_sessions_of,
)
from backend.services.staff_roles import (
    create_role,
    ensure_administrators_remain,
    ensure_seeded_roles,
    list_roles,
    update_role,
)
from backend.services.staff_views import load_staff_user, staff_view

__all__ = [
    "authenticate",
    "authenticate_api_token",
    "change_password",
    "create_role",
    "create_staff",
    "create_superadmin",
    "get_staff",
    "issue_api_token",
    "list_roles",
    "list_staff",
    "load_session",
    "logout",
    "reset_staff_password",
    "seed_demo_staff",
    "set_staff_active",
    "update_role",
    "update_staff",
]

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,59}$")


def _snapshot(user: StaffUser) -> dict[str, object]:
    return {
        "full_name": user.full_name,
        "role_id": user.role_id,
        "branch_id": user.branch_id,
        "active": user.active,
    }


def _clean_username(raw: str) -> str:
    username = raw.strip().lower()
    if not _USERNAME.match(username):
        raise ValidationError(code="error.username.format")
    return username


async def _check_role_and_branch(uow: UnitOfWork, role_id: int, branch_id: int | None) -> None:
    role = await uow.session.get(StaffRole, role_id)
    if role is None or not role.active:
        raise RoleNotFound()
    if branch_id is not None and await uow.branches.get(branch_id) is None:
        raise BranchNotFound()


async def _get_user(uow: UnitOfWork, staff_id: int) -> StaffUser:
    user = await load_staff_user(uow, staff_id)
    if user is None:
        raise StaffNotFound()
    return user


async def list_staff(db: Database, *, actor: StaffView) -> tuple[StaffView, ...]:
    """Every staff user, by username (needs ``staff.view``)."""
    require(actor, Permission.STAFF_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        users = await uow.session.scalars(
            select(StaffUser)
            .options(
                selectinload(StaffUser.role).selectinload(StaffRole.permissions),
                selectinload(StaffUser.branch),
            )
            .order_by(StaffUser.username)
        )
        return tuple(staff_view(u) for u in users)


async def get_staff(db: Database, *, actor: StaffView, staff_id: int) -> StaffView:
    require(actor, Permission.STAFF_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        return staff_view(await _get_user(uow, staff_id))


async def create_staff(
    db: Database,
    *,
    actor: StaffView,
    username: str,
    full_name: str,
    role_id: int,
    branch_id: int | None,
    ip: str,
    now: dt.datetime,
) -> tuple[StaffView, str]:
    """Create a staff account with a temporary password (returned once; must be changed
    at first login). Raises DuplicateUsername, RoleNotFound, BranchNotFound."""
    require(actor, Permission.STAFF_MANAGE)
    username = _clean_username(username)
    full_name = validate_full_name(full_name)
    password = new_temporary_password()
    async with UnitOfWork(db) as uow:
        await _check_role_and_branch(uow, role_id, branch_id)
        if await uow.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            raise DuplicateUsername(username=username)
        user = StaffUser(
            username=username,
            full_name=full_name,
            role_id=role_id,
            branch_id=branch_id,
            password_hash=await hash_password(password),
            active=True,
            must_change_password=True,
            language="id",
        )
        uow.session.add(user)
        await uow.session.flush()
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="staff.created",
            object_type="staff",
            object_id=user.id,
            now=now,
            after={"username": username, **_snapshot(user)},
        )
        await uow.commit()
    return await get_staff(db, actor=actor, staff_id=user.id), password


async def update_staff(
    db: Database,
    *,
    actor: StaffView,
    staff_id: int,
    full_name: str,
    role_id: int,
    branch_id: int | None,
    ip: str,
    now: dt.datetime,
) -> StaffView:
    """Change a staff user's name, role or branch scope."""
    require(actor, Permission.STAFF_MANAGE)
    full_name = validate_full_name(full_name)
    async with UnitOfWork(db) as uow:
        user = await _get_user(uow, staff_id)
        await _check_role_and_branch(uow, role_id, branch_id)
        before = _snapshot(user)
        user.full_name, user.role_id, user.branch_id = full_name, role_id, branch_id
        await ensure_administrators_remain(uow)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="staff.updated",
            object_type="staff",
            object_id=staff_id,
            now=now,
            before=before,
            after=_snapshot(user),
        )
        await uow.commit()
    return await get_staff(db, actor=actor, staff_id=staff_id)


async def set_staff_active(
    db: Database, *, actor: StaffView, staff_id: int, active: bool, ip: str, now: dt.datetime
) -> StaffView:
    """Deactivate (ending their sessions) or reactivate a staff user; not oneself."""
    require(actor, Permission.STAFF_MANAGE)
    if staff_id == actor.id and not active:
        raise ValidationError(code="error.staff.cannot_deactivate_self")
    async with UnitOfWork(db) as uow:
        user = await _get_user(uow, staff_id)
        before = _snapshot(user)
        user.active = active
        if not active:
            await ensure_administrators_remain(uow)
            await revoke_sessions_of(uow, staff_id=staff_id, now=now)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="staff.activated" if active else "staff.deactivated",
            object_type="staff",
            object_id=staff_id,
            now=now,
            before=before,
            after=_snapshot(user),
        )
        await uow.commit()
    return await get_staff(db, actor=actor, staff_id=staff_id)


async def reset_staff_password(
    db: Database, *, actor: StaffView, staff_id: int, ip: str, now: dt.datetime
) -> str:
    """Give a staff user a new temporary password (shown once); their sessions end."""
    require(actor, Permission.STAFF_MANAGE)
    password = new_temporary_password()
    async with UnitOfWork(db) as uow:
        user = await _get_user(uow, staff_id)
        user.password_hash = await hash_password(password)
        user.must_change_password = True
        await revoke_sessions_of(uow, staff_id=staff_id, now=now)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="staff.password_reset",
            object_type="staff",
            object_id=staff_id,
            now=now,
        )
        await uow.commit()
    return password


async def create_superadmin(
    db: Database, *, username: str, full_name: str, password: str, now: dt.datetime
) -> StaffView:
    """The first account (``kopdana create-admin``); seeds the standard roles if needed."""
    username = _clean_username(username)
    check_password_strength(password, username=username)
    async with UnitOfWork(db) as uow:
        role_ids = await ensure_seeded_roles(uow)
        if await uow.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
            raise DuplicateUsername(username=username)
        user = StaffUser(
            username=username,
            full_name=validate_full_name(full_name),
            role_id=role_ids["superadmin"],
            branch_id=None,
            active=True,
            password_hash=await hash_password(password),
            must_change_password=False,
            language="id",
        )
        uow.session.add(user)
        await uow.session.flush()
        record(
            uow,
            actor=AuditActor("system", None, "kopdana create-admin"),
            action="staff.created",
            object_type="staff",
            object_id=user.id,
            now=now,
            after={"username": username, "role": "superadmin"},
        )
        await uow.commit()
    async with UnitOfWork(db, write=False) as uow:
        return staff_view(await _get_user(uow, user.id))


DEMO_STAFF = (
    # username, full name, role code, branch code (None = all branches)
    ("superadmin", "Admin Pusat", "superadmin", None),
    ("manager.jkt", "Maya Kusuma", "branch_manager", "JKT01"),
    ("kredit.jkt", "Hendra Wijaya", "credit_officer", "JKT01"),
    ("bendahara.jkt", "Lina Marlina", "treasurer", "JKT01"),
    ("auditor", "Bambang Prasetyo", "auditor", None),
)
DEMO_PASSWORD_SUFFIX = "-demo-2026"


async def seed_demo_staff(db: Database, *, now: dt.datetime) -> tuple[tuple[str, str, str], ...]:
    """The seeded roles and one demo account per role; idempotent.

    Returns (username, password, role code) for the CLI to print. Demo passwords are
    ``<username>-demo-2026``: for the local demo only.
    """
    created: list[tuple[str, str, str]] = []
    async with UnitOfWork(db) as uow:
        role_ids = await ensure_seeded_roles(uow)
        for username, full_name, role_code, branch_code in DEMO_STAFF:
            password = username + DEMO_PASSWORD_SUFFIX
            created.append((username, password, role_code))
            if await uow.session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
                continue
            branch = await uow.branches.get_by_code(branch_code) if branch_code else None
            uow.session.add(
                StaffUser(
                    username=username,
                    full_name=full_name,
                    role_id=role_ids[role_code],
                    branch_id=branch.id if branch else None,
                    active=True,
                    language="id",
                    password_hash=await hash_password(password),
                    must_change_password=False,
                )
            )
        await uow.commit()
    return tuple(created)
