"""Branch look-ups for the registration conversation (staff manage branches in the admin web)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import BranchNotFound
from backend.services.dto import BranchPage, BranchView
from backend.services.members import branch_view


async def list_active_branches(
    db: Database, *, search: str | None = None, page: int = 0, page_size: int = 6
) -> BranchPage:
    """One page of active branches, optionally filtered by name, city or code."""
    search = (search or "").strip() or None
    async with UnitOfWork(db, write=False) as uow:
        rows, total = await uow.branches.page_active(
            search=search, offset=max(page, 0) * page_size, limit=page_size
        )
    page_count = max(1, -(-total // page_size))
    return BranchPage(
        branches=tuple(branch_view(b) for b in rows),
        page=min(max(page, 0), page_count - 1),
        page_count=page_count,
        total=total,
        search=search,
    )


async def get_active_branch(db: Database, *, branch_id: int) -> BranchView:
    """An active branch by id; raises BranchNotFound."""
    async with UnitOfWork(db, write=False) as uow:
        branch = await uow.branches.get(branch_id)
        if branch is None or not branch.active:
            raise BranchNotFound()
        return branch_view(branch)
