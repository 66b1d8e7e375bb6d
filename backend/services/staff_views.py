"""ORM → view conversion for staff users and roles, shared by the staff services."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from backend.db.models_staff import StaffRole, StaffUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.permissions import Permission
from backend.services.admin_dto import RoleView, StaffView


def role_permissions(role: StaffRole) -> frozenset[Permission]:
    known = {p.value for p in Permission}
    return frozenset(Permission(p.permission) for p in role.permissions if p.permission in known)


def staff_view(user: StaffUser) -> StaffView:
    role = user.role
    permissions = role_permissions(role) if role.active else frozenset()
    return StaffView(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role_id=role.id,
        role_code=role.code,
        role_name_id=role.name_id,
        role_name_en=role.name_en,
        permissions=permissions,
        branch_id=user.branch_id,
        branch_name=user.branch.name if user.branch else None,
        active=user.active,
        must_change_password=user.must_change_password,
        language=user.language,
    )


def role_view(role: StaffRole, staff_count: int) -> RoleView:
    return RoleView(
        id=role.id,
        code=role.code,
        name_id=role.name_id,
        name_en=role.name_en,
        permissions=role_permissions(role),
        active=role.active,
        staff_count=staff_count,
    )


async def load_staff_user(uow: UnitOfWork, staff_id: int) -> StaffUser | None:
    return await uow.session.scalar(
        select(StaffUser)
        .options(
            selectinload(StaffUser.role).selectinload(StaffRole.permissions),
            selectinload(StaffUser.branch),
        )
        .where(StaffUser.id == staff_id)
    )
