"""Staff users (data master): list, create, edit role and branch, deactivate, reset password.

A new account's temporary password, and a reset one, are shown once, on the page that
answers the form (never in a URL, never stored in the clear).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext
from admin_web.rendering import redirect, render
from admin_web.schemas import ActiveIn, Id, StaffIn, StaffUpdateIn
from backend.domain.errors import ConflictError, KopdanaError, NotFoundError, ValidationError
from backend.domain.permissions import Permission
from backend.services import branch_admin
from backend.services import staff as staff_service
from backend.services.admin_dto import StaffView

router = APIRouter(include_in_schema=False)
Viewer = Annotated[StaffView, require(Permission.STAFF_VIEW)]
Manager = Annotated[StaffView, require(Permission.STAFF_MANAGE)]
InputError = (ValidationError, ConflictError, NotFoundError)


async def _form_page(
    request: Request,
    db: DbDep,
    staff: StaffView,
    *,
    user: StaffView | None,
    values: StaffUpdateIn | StaffView | None = None,
    error: KopdanaError | None = None,
) -> Response:
    """The staff form (new when ``user`` is None) with the roles and branches to pick."""
    roles = await staff_service.list_roles(db, actor=staff)
    branches = (
        await branch_admin.list_branches(db, actor=staff)
        if staff.can(Permission.BRANCHES_VIEW) else ()
    )
    return render(
        request, "staff/form.html",
        {"user": user, "values": values or user, "roles": roles, "branches": branches,
         "error": error},
        status_code=status_for(error) if error else 200,
    )


@router.get("/staff")
async def staff_list(request: Request, staff: Viewer, db: DbDep) -> Response:
    users = await staff_service.list_staff(db, actor=staff)
    return render(request, "staff/list.html", {"users": users})


@router.get("/staff/new")
async def new_staff(request: Request, staff: Manager, db: DbDep) -> Response:
    return await _form_page(request, db, staff, user=None)


@router.post("/staff")
async def create_staff(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep,
    form: Annotated[StaffIn, form_of(StaffIn)],
) -> Response:
    try:
        user, password = await staff_service.create_staff(
            db, actor=staff, username=form.username, full_name=form.full_name,
            role_id=form.role_id, branch_id=form.branch_id, ip=ip, now=now,
        )
    except InputError as error:
        return await _form_page(request, db, staff, user=None, values=form, error=error)
    return render(request, "staff/password.html", {"user": user, "password": password,
                                                     "created": True})


@router.get("/staff/{staff_id}")
async def staff_detail(request: Request, staff: Viewer, db: DbDep, staff_id: Id) -> Response:
    user = await staff_service.get_staff(db, actor=staff, staff_id=staff_id)
    return await _form_page(request, db, staff, user=user)


@router.post("/staff/{staff_id}")
async def update_staff(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id,
    form: Annotated[StaffUpdateIn, form_of(StaffUpdateIn)],
) -> Response:
    try:
        await staff_service.update_staff(
            db, actor=staff, staff_id=staff_id, full_name=form.full_name,
            role_id=form.role_id, branch_id=form.branch_id, ip=ip, now=now,
        )
    except InputError as error:
        user = await staff_service.get_staff(db, actor=staff, staff_id=staff_id)
        return await _form_page(request, db, staff, user=user, values=form, error=error)
    return redirect(f"/staff/{staff_id}", flash=lazy_gettext("admin.flash.saved"))


@router.post("/staff/{staff_id}/active")
async def set_staff_active(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id,
    form: Annotated[ActiveIn, form_of(ActiveIn)],
) -> Response:
    try:
        await staff_service.set_staff_active(
            db, actor=staff, staff_id=staff_id, active=form.active, ip=ip, now=now
        )
    except ValidationError as error:
        user = await staff_service.get_staff(db, actor=staff, staff_id=staff_id)
        return await _form_page(request, db, staff, user=user, error=error)
    return redirect(f"/staff/{staff_id}", flash=lazy_gettext("admin.flash.saved"))


@router.post("/staff/{staff_id}/reset-password")
async def reset_password(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, staff_id: Id
) -> Response:
    password = await staff_service.reset_staff_password(
        db, actor=staff, staff_id=staff_id, ip=ip, now=now
    )
    user = await staff_service.get_staff(db, actor=staff, staff_id=staff_id)
    return render(request, "staff/password.html", {"user": user, "password": password,
                                                     "created": False})
