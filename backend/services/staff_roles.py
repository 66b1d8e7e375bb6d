"""Roles and permissions (data master), and the guard that keeps someone able to
administer the panel. Each change is audited with before/after values."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from backend.db.engine import Database
from backend.db.models_staff import StaffRole, StaffRolePermission, StaffUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import DuplicateCode, RoleNotFound, ValidationError
from backend.domain.permissions import SEEDED_ROLES, Permission
from backend.services.access import require
from backend.services.admin_dto import RoleView, StaffView
from backend.services.audit import record, staff_actor
from backend.services.clock import has_control_characters
from backend.services.staff_views import role_view

_ROLE_CODE = re.compile(r"^[a-z][a-z0-9_]{2,39}$")


def _clean_role_names(name_id: str, name_en: str) -> tuple[str, str]:
    names = (" ".join(name_id.split()), " ".join(name_en.split()))
    if any(not 1 <= len(n) <= 100 or has_control_characters(n) for n in names):
        raise ValidationError(code="error.role.format")
    return names


async def ensure_administrators_remain(uow: UnitOfWork) -> None:
    """Refuse a change that would leave nobody able to manage staff or roles.

    Called after the change is flushed, inside the same transaction, so it sees it.
    """
    await uow.session.flush()
    for permission in (Permission.STAFF_MANAGE, Permission.ROLES_MANAGE):
        holders = await uow.session.scalar(
            select(func.count(StaffUser.id))
            .join(StaffRole, StaffRole.id == StaffUser.role_id)
            .join(StaffRolePermission, StaffRolePermission.role_id == StaffRole.id)
            .where(
                StaffUser.active.is_(True),
                StaffRole.active.is_(True),
                StaffRolePermission.permission == permission.value,
            )
        )
        if not holders:
            raise ValidationError(
                code="error.staff.last_administrator", permission=permission.value
            )


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
            actor=staff_actor(actor, ip),
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
        await ensure_administrators_remain(uow)
        after = {
            "name_id": role.name_id,
            "name_en": role.name_en,
            "permissions": sorted(p.value for p in permissions),
        }
        record(
            uow,
            actor=staff_actor(actor, ip),
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


async def ensure_seeded_roles(uow: UnitOfWork) -> dict[str, int]:
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
