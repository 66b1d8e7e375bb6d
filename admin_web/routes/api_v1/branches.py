"""API: branches (data master)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from admin_web.deps import DbDep, IpDep, NowDep, require
from admin_web.routes.api_v1.models import BranchOut, Responses, documented
from admin_web.schemas import ActiveIn, BranchIn, BranchUpdateIn, Id
from backend.domain.permissions import Permission
from backend.services import branch_admin
from backend.services.admin_dto import StaffView

router = APIRouter(tags=["branches"])
Viewer = Annotated[StaffView, require(Permission.BRANCHES_VIEW)]
Manager = Annotated[StaffView, require(Permission.BRANCHES_MANAGE)]
NOT_FOUND: Responses = documented(404, "No such branch in your scope")
CONFLICT: Responses = documented(409, "The code is taken")


@router.get("/branches", response_model=list[BranchOut])
async def list_branches(staff: Viewer, db: DbDep) -> list[BranchOut]:
    """Every branch you may see (active or not), by name, with member counts."""
    return [BranchOut.model_validate(b) for b in await branch_admin.list_branches(db, actor=staff)]


@router.get("/branches/{branch_id}", response_model=BranchOut, responses=NOT_FOUND)
async def get_branch(staff: Viewer, db: DbDep, branch_id: Id) -> BranchOut:
    return BranchOut.model_validate(
        await branch_admin.get_branch(db, actor=staff, branch_id=branch_id)
    )


@router.post("/branches", response_model=BranchOut, status_code=201, responses=CONFLICT)
async def create_branch(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, body: BranchIn
) -> BranchOut:
    """A new active branch; ``timezone`` is Asia/Jakarta, Asia/Makassar or Asia/Jayapura."""
    branch = await branch_admin.create_branch(
        db, actor=staff, code=body.code, name=body.name, city=body.city, address=body.address,
        timezone=body.timezone, ip=ip, now=now,
    )
    return BranchOut.model_validate(branch)


@router.put("/branches/{branch_id}", response_model=BranchOut, responses=NOT_FOUND)
async def update_branch(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, branch_id: Id, body: BranchUpdateIn
) -> BranchOut:
    """Change name, city, address or time zone (the code is permanent)."""
    branch = await branch_admin.update_branch(
        db, actor=staff, branch_id=branch_id, name=body.name, city=body.city,
        address=body.address, timezone=body.timezone, ip=ip, now=now,
    )
    return BranchOut.model_validate(branch)


@router.post("/branches/{branch_id}/active", response_model=BranchOut, responses=NOT_FOUND)
async def set_branch_active(
    staff: Manager, db: DbDep, now: NowDep, ip: IpDep, branch_id: Id, body: ActiveIn
) -> BranchOut:
    """Deactivate (new members can no longer choose it) or reactivate a branch."""
    branch = await branch_admin.set_branch_active(
        db, actor=staff, branch_id=branch_id, active=body.active, ip=ip, now=now
    )
    return BranchOut.model_validate(branch)
