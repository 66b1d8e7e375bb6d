"""API: the caller, staff users and roles (data master)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from admin_web.deps import AuthDep, CurrentStaff, DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import (
    MeOut,
    Responses,
    RoleOut,
    StaffCreatedOut,
    StaffOut,
    TemporaryPasswordOut,
    documented,
)
from admin_web.schemas import ActiveIn, Id, RoleIn, RoleUpdateIn, StaffIn, StaffUpdateIn
from backend.domain.errors import RoleNotFound
from backend.domain.permissions import Permission
from backend.services import staff as staff_service
from backend.services.admin_dto import StaffView

router = APIRouter()
Viewer = Annotated[StaffView, require(Permission.STAFF_VIEW)]
Manager = Annotated[StaffView, require(Permission.STAFF_MANAGE)]
RoleManager = Annotated[StaffView, require(Permission.ROLES_MANAGE)]
NOT_FOUND: Responses = documented(404, "No such staff user, role or branch")
CONFLICT: Responses = documented(409, "The username or code is taken")


@router.get("/me", response_model=MeOut, tags=["staff"])
async def me(staff: CurrentStaff, auth: AuthDep) -> MeOut:
    """Who you are, your permissions, and (with a session) the CSRF token for writes."""
    return MeOut.model_validate({**StaffOut.model_validate(staff).model_dump(),
                                 "csrf_token": auth.csrf_token})


@router.get("/staff", response_model=list[StaffOut], tags=["staff"])
async def list_staff(staff: Viewer, db: DbDep) -> list[StaffOut]:
    return [StaffOut.model_validate(u) for u in await staff_service.list_staff(db, actor=staff)]


@router.get("/staff/{staff_id}", response_model=StaffOut, responses=NOT_FOUND, tags=["staff"])
async def get_staff(staff: Viewer, db: DbDep, staff_id: Id) -> StaffOut:
    return StaffOut.model_validate(
        await staff_service.get_staff(db, actor=staff, staff_id=staff_id)
    )


@router.post("/staff", response_model=StaffCreatedOut, status_code=201,
             responses={**NOT_FOUND, **CONFLICT}, tags=["staff"])
async def create_staff(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: StaffIn
) -> StaffCreatedOut:
    """A new account; its temporary password is in this answer only (changed at first login).
    ``branch_id`` null: the user sees all branches."""
    user, password = await staff_service.create_staff(
        db, actor=staff, username=body.username, full_name=body.full_name,
        role_id=body.role_id, branch_id=body.branch_id, ip=ip, now=now,
    )
    return StaffCreatedOut(staff=StaffOut.model_validate(user), temporary_password=password)


@router.put("/staff/{staff_id}", response_model=StaffOut, responses=NOT_FOUND, tags=["staff"])
async def update_staff(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id, body: StaffUpdateIn
) -> StaffOut:
    """Change name, role or branch scope."""
    user = await staff_service.update_staff(
        db, actor=staff, staff_id=staff_id, full_name=body.full_name, role_id=body.role_id,
        branch_id=body.branch_id, ip=ip, now=now,
    )
    return StaffOut.model_validate(user)


@router.post("/staff/{staff_id}/active", response_model=StaffOut, responses=NOT_FOUND,
             tags=["staff"])
async def set_staff_active(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id, body: ActiveIn
) -> StaffOut:
    """Deactivate (their sessions and API token stop working) or reactivate a user."""
    user = await staff_service.set_staff_active(
        db, actor=staff, staff_id=staff_id, active=body.active, ip=ip, now=now
    )
    return StaffOut.model_validate(user)


@router.post("/staff/{staff_id}/reset-password", response_model=TemporaryPasswordOut,
             responses=NOT_FOUND, tags=["staff"])
async def reset_staff_password(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id
) -> TemporaryPasswordOut:
    """A new temporary password (in this answer only); the user's sessions end."""
    password = await staff_service.reset_staff_password(
        db, actor=staff, staff_id=staff_id, ip=ip, now=now
    )
    return TemporaryPasswordOut(temporary_password=password)


@router.get("/roles", response_model=list[RoleOut], tags=["roles"])
async def list_roles(staff: Viewer, db: DbDep) -> list[RoleOut]:
    """Roles with their permissions and how many staff hold each."""
    return [RoleOut.model_validate(r) for r in await staff_service.list_roles(db, actor=staff)]


@router.get("/roles/{role_id}", response_model=RoleOut, responses=NOT_FOUND, tags=["roles"])
async def get_role(staff: Viewer, db: DbDep, role_id: Id) -> RoleOut:
    for role in await staff_service.list_roles(db, actor=staff):
        if role.id == role_id:
            return RoleOut.model_validate(role)
    raise RoleNotFound()


@router.post("/roles", response_model=RoleOut, status_code=201, responses=CONFLICT,
             tags=["roles"])
async def create_role(
    staff: RoleManager, db: DbDep, now: NowDep, ip: IpDep, body: RoleIn
) -> RoleOut:
    role = await staff_service.create_role(
        db, actor=staff, code=body.code, name_id=body.name_id, name_en=body.name_en,
        permissions=frozenset(body.permissions), ip=ip, now=now,
    )
    return RoleOut.model_validate(role)


@router.put("/roles/{role_id}", response_model=RoleOut, responses=NOT_FOUND, tags=["roles"])
async def update_role(
    staff: RoleManager, db: DbDep, now: NowDep, ip: IpDep, role_id: Id, body: RoleUpdateIn
) -> RoleOut:
    """Rename a role or replace its permissions (effective at the holders' next request)."""
    role = await staff_service.update_role(
        db, actor=staff, role_id=role_id, name_id=body.name_id, name_en=body.name_en,
        permissions=frozenset(body.permissions), ip=ip, now=now,
    )
    return RoleOut.model_validate(role)
