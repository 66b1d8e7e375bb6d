"""Staff users and roles (data master), and the entry points of staff authentication.

Each change is audited with before/after values. Re-exports the authentication services
so the admin web imports one module.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models_staff import StaffRole, StaffRolePermission, StaffUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import (
    BranchNotFound,
    DuplicateCode,
    DuplicateUsername,
    RoleNotFound,
    StaffNotFound,
    ValidationError,
)
from backend.domain.member_rules import validate_full_name
from backend.domain.permissions import SEEDED_ROLES, Permission
from backend.domain.staff_rules import check_password_strength
from backend.services.access import require
from backend.services.admin_dto import RoleView, StaffView
from backend.services.audit import AuditActor, record
from backend.services.clock import has_control_characters
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
from backend.services.staff_views import load_staff_user, role_view, staff_view

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
_ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]{2,39}$")


def _actor(actor: StaffView, ip: str) -> AuditActor:
    return AuditActor(type="staff", id=actor.id, label=actor.username, ip=ip)


def _snapshot(user: StaffUser) -> dict[str, object]:
    return {
        "full_name": user.full_name,
        "role_id": user.role_id,
        "branch_id": user.branch_id,
        "active": user.active,
    }


def _clean_role_names(name_id: str, name_en: str) -> tuple[str, str]:
    names = (" ".join(name_id.split()), " ".join(name_en.split()))
    if any(not 1 <= len(n) <= 100 or has_control_characters(n) for n in names):
        raise ValidationError(code="error.role.format")
    return names


async def _ensure_administrators_remain(uow: UnitOfWork) -> None:
    """Refuse a change that would leave nobody able to manage staff or roles.

    Called after the change is flushed, inside the same transaction, so it sees it.
    """
    await uow.session.flush()
    for permission in (Permission.STAFF_MANAGE, Permission.ROLES_MANAGE):
        holders = await uow.session.scalar(
            select(func.count(StaffUser.id))
            .join(StaffRole, StaffRole.id == StaffUser.role_id)
            .join(StaffRolePermission, StaffRolePermission.role_id == StaffRole.id)
            .where(StaffUser.active.is_(True), StaffRole.active.is_(True),
                   StaffRolePermission.permission == permission.value)
        )
        if not holders:
            raise ValidationError(code="error.staff.last_administrator",
                                  permission=permission.value)


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
            actor=_actor(actor, ip),
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
        await _ensure_administrators_remain(uow)
        record(
            uow,
            actor=_actor(actor, ip),
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
            await _ensure_administrators_remain(uow)
            await revoke_sessions_of(uow, staff_id=staff_id, now=now)
        record(
            uow,
            actor=_actor(actor, ip),
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
            actor=_actor(actor, ip),
            action="staff.password_reset",
            object_type="staff",
            object_id=staff_id,
            now=now,
        )
        await uow.commit()
    return password


async def list_roles(db: Database, *, actor: StaffView) -> tuple[RoleView, ...]:
    """Roles with their permissions and how many staff hold each."""
    require(actor, Permission.STAFF_VIEW)
    async with UnitOfWork(db, write=False) as uow:
        counts = dict(
            (
                await uow.session.execute(
                    select(StaffUser.role_id, func.count()).group_by(StaffUser.role_id)
                )
            ).all()
        )
        roles = await uow.session.scalars(select(StaffRole).order_by(StaffRole.id))
        return tuple(role_view(r, counts.get(r.id, 0)) for r in roles)


def _permission_rows(permissions: frozenset[Permission]) -> list[StaffRolePermission]:
    return [StaffRolePermission(permission=p.value) for p in sorted(permissions)]


async def create_role(
    db: Database,
    *,
    actor: StaffView,
    code: str,
    name_id: str,
    name_en: str,
    permissions: frozenset[Permission],
    ip: str,
    now: dt.datetime,
) -> RoleView:
    """A new role with the given permissions. Raises DuplicateCode."""
    require(actor, Permission.ROLES_MANAGE)
    code = code.strip().lower()
    if not _ROLE_CODE.match(code):
        raise ValidationError(code="error.role.format")
    name_id, name_en = _clean_role_names(name_id, name_en)
    async with UnitOfWork(db) as uow:
        if await uow.session.scalar(select(StaffRole.id).where(StaffRole.code == code)):
            raise DuplicateCode(value=code)
        role = StaffRole(
            code=code,
            name_id=name_id.strip(),
            name_en=name_en.strip(),
            active=True,
            permissions=_permission_rows(permissions),
        )
        uow.session.add(role)
        await uow.session.flush()
        record(
            uow,
            actor=_actor(actor, ip),
            action="role.created",
            object_type="role",
            object_id=role.id,
            now=now,
            after={"code": code, "permissions": sorted(p.value for p in permissions)},
        )
        view = role_view(role, 0)
        await uow.commit()
        return view


async def update_role(
    db: Database,
    *,
    actor: StaffView,
    role_id: int,
    name_id: str,
    name_en: str,
    permissions: frozenset[Permission],
    ip: str,
    now: dt.datetime,
) -> RoleView:
    """Rename a role or change its permissions (takes effect at the holders' next request)."""
    require(actor, Permission.ROLES_MANAGE)
    name_id, name_en = _clean_role_names(name_id, name_en)
    async with UnitOfWork(db) as uow:
        role = await uow.session.scalar(
            select(StaffRole)
            .options(selectinload(StaffRole.permissions))
            .where(StaffRole.id == role_id)
        )
        if role is None:
            raise RoleNotFound()
        before = {
            "name_id": role.name_id,
            "name_en": role.name_en,
            "permissions": sorted(p.permission for p in role.permissions),
        }
        role.name_id, role.name_en = name_id, name_en
        role.permissions = _permission_rows(permissions)
        await _ensure_administrators_remain(uow)
        after = {
            "name_id": role.name_id,
            "name_en": role.name_en,
            "permissions": sorted(p.value for p in permissions),
        }
        record(
            uow,
            actor=_actor(actor, ip),
            action="role.updated",
            object_type="role",
            object_id=role_id,
            now=now,
            before=before,
            after=after,
        )
        count = await uow.session.scalar(
            select(func.count()).select_from(StaffUser).where(StaffUser.role_id == role_id)
        )
        view = role_view(role, int(count or 0))
        await uow.commit()
        return view


async def _ensure_seeded_roles(uow: UnitOfWork) -> dict[str, int]:
    ids: dict[str, int] = {}
    for code, (name_id, name_en, permissions) in SEEDED_ROLES.items():
        role = await uow.session.scalar(select(StaffRole).where(StaffRole.code == code))
        if role is None:
            role = StaffRole(
                code=code,
                name_id=name_id,
                name_en=name_en,
                active=True,
                permissions=_permission_rows(permissions),
            )
            uow.session.add(role)
            await uow.session.flush()
        ids[code] = role.id
    return ids


async def create_superadmin(
    db: Database, *, username: str, full_name: str, password: str, now: dt.datetime
) -> StaffView:
    """The first account (``kopdana create-admin``); seeds the standard roles if needed."""
    username = _clean_username(username)
    check_password_strength(password, username=username)
    async with UnitOfWork(db) as uow:
        role_ids = await _ensure_seeded_roles(uow)
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
        role_ids = await _ensure_seeded_roles(uow)
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
