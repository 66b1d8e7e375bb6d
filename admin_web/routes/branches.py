"""Branches (data master): list, create, edit, deactivate and reactivate."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from starlette.responses import Response

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.errors import status_for
from admin_web.forms import form_of
from admin_web.i18n import lazy_gettext
from admin_web.rendering import redirect, render
from admin_web.schemas import ActiveIn, BranchIn, BranchUpdateIn, Id
from backend.domain.errors import ConflictError, KopdanaError, ValidationError
from backend.domain.permissions import Permission
from backend.services import branch_admin
from backend.services.admin_dto import BranchAdminView, StaffView
from backend.services.branch_admin import INDONESIAN_TIMEZONES

router = APIRouter(include_in_schema=False)
Viewer = Annotated[StaffView, require(Permission.BRANCHES_VIEW)]
Manager = Annotated[StaffView, require(Permission.BRANCHES_MANAGE)]


def _form_page(
    request: Request,
    *,
    branch: BranchAdminView | None,
    values: BranchUpdateIn | None = None,
    error: KopdanaError | None = None,
) -> Response:
    """The branch form: new (``branch`` None) or edit, refilled after a refused change."""
    return render(
        request, "branches/form.html",
        {"branch": branch, "values": values or branch, "error": error,
         "timezones": INDONESIAN_TIMEZONES},
        status_code=status_for(error) if error else 200,
    )


@router.get("/branches")
async def branch_list(request: Request, staff: Viewer, db: DbDep) -> Response:
    branches = await branch_admin.list_branches(db, actor=staff)
    return render(request, "branches/list.html", {"branches": branches})


@router.get("/branches/new")
async def new_branch(request: Request, staff: Manager) -> Response:
    return _form_page(request, branch=None)


@router.post("/branches")
async def create_branch(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep,
    form: Annotated[BranchIn, form_of(BranchIn)],
) -> Response:
    try:
        branch = await branch_admin.create_branch(
            db, actor=staff, code=form.code, name=form.name, city=form.city,
            address=form.address, timezone=form.timezone, ip=ip, now=now,
        )
    except (ValidationError, ConflictError) as error:
        return _form_page(request, branch=None, values=form, error=error)
    return redirect(f"/branches/{branch.id}", flash=lazy_gettext("admin.flash.saved"))


@router.get("/branches/{branch_id}")
async def branch_detail(request: Request, staff: Viewer, db: DbDep, branch_id: Id) -> Response:
    branch = await branch_admin.get_branch(db, actor=staff, branch_id=branch_id)
    return _form_page(request, branch=branch)


@router.post("/branches/{branch_id}")
async def update_branch(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, branch_id: Id,
    form: Annotated[BranchUpdateIn, form_of(BranchUpdateIn)],
) -> Response:
    try:
        await branch_admin.update_branch(
            db, actor=staff, branch_id=branch_id, name=form.name, city=form.city,
            address=form.address, timezone=form.timezone, ip=ip, now=now,
        )
    except (ValidationError, ConflictError) as error:
        branch = await branch_admin.get_branch(db, actor=staff, branch_id=branch_id)
        return _form_page(request, branch=branch, values=form, error=error)
    return redirect(f"/branches/{branch_id}", flash=lazy_gettext("admin.flash.saved"))


@router.post("/branches/{branch_id}/active")
async def set_branch_active(
    request: Request, staff: Manager, db: DbDep, now: NowDep, ip: IpDep, branch_id: Id,
    form: Annotated[ActiveIn, form_of(ActiveIn)],
) -> Response:
    await branch_admin.set_branch_active(
        db, actor=staff, branch_id=branch_id, active=form.active, ip=ip, now=now
    )
    return redirect(f"/branches/{branch_id}", flash=lazy_gettext("admin.flash.saved"))
