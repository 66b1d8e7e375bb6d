"""Roles and permissions (data master): list, create, edit the permission checkboxes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext
from admin_web.rendering import redirect, render
from admin_web.schemas import Id, RoleIn, RoleUpdateIn
from backend.domain.errors import ConflictError, KopdanaError, RoleNotFound, ValidationError
from backend.domain.permissions import Permission
from backend.services import staff as staff_service
from backend.services.admin_dto import RoleView, StaffView

router = APIRouter(include_in_schema=False)
Viewer = Annotated[StaffView, require(Permission.STAFF_VIEW)]
Manager = Annotated[StaffView, require(Permission.ROLES_MANAGE)]


async def find_role(db: DbDep, staff: StaffView, role_id: int) -> RoleView:
    """One role from the list (RoleNotFound when there is none with this id)."""
    for role in await staff_service.list_roles(db, actor=staff):
        if role.id == role_id:
            return role
    raise RoleNotFound()


def _form_page(
    request: Request,
    *,
    role: RoleView | None,
    values: RoleUpdateIn | RoleView | None = None,
    error: KopdanaError | None = None,
) -> Response:
    chosen = frozenset(values.permissions) if values is not None else frozenset()
    return render(
        request, "roles/form.html",
        {"role": role, "values": values, "chosen": chosen, "permissions": list(Permission),
         "error": error},
        status_code=status_for(error) if error else 200,
    )


@router.get("/roles")
async def role_list(request: Request, staff: Viewer, db: DbDep) -> Response:
    roles = await staff_service.list_roles(db, actor=staff)
    return render(request, "roles/list.html", {"roles": roles, "permissions": list(Permission)})


@router.get("/roles/new")
async def new_role(request: Request, staff: Manager) -> Response:
    return _form_page(request, role=None)


@router.post("/roles")
async def create_role(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep,
    form: Annotated[RoleIn, form_of(RoleIn)],
) -> Response:
    try:
        role = await staff_service.create_role(
            db, actor=staff, code=form.code, name_id=form.name_id, name_en=form.name_en,
            permissions=frozenset(form.permissions), ip=ip, now=now,
        )
    except (ValidationError, ConflictError) as error:
        return _form_page(request, role=None, values=form, error=error)
    return redirect(f"/roles/{role.id}", flash=lazy_gettext("admin.flash.saved"))


@router.get("/roles/{role_id}")
async def role_detail(request: Request, staff: Viewer, db: DbDep, role_id: Id) -> Response:
    role = await find_role(db, staff, role_id)
    return _form_page(request, role=role, values=role)


@router.post("/roles/{role_id}")
async def update_role(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, role_id: Id,
    form: Annotated[RoleUpdateIn, form_of(RoleUpdateIn)],
) -> Response:
    try:
        await staff_service.update_role(
            db, actor=staff, role_id=role_id, name_id=form.name_id, name_en=form.name_en,
            permissions=frozenset(form.permissions), ip=ip, now=now,
        )
    except ValidationError as error:
        role = await find_role(db, staff, role_id)
        return _form_page(request, role=role, values=form, error=error)
    return redirect(f"/roles/{role_id}", flash=lazy_gettext("admin.flash.saved"))
