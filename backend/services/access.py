"""Authorisation checks shared by the staff services: permission and branch scope."""

from __future__ import annotations

from backend.domain.errors import NotAllowedError
from backend.domain.permissions import Permission
from backend.services.admin_dto import StaffView


def require(actor: StaffView, permission: Permission) -> None:
    """Raise NotAllowedError unless ``actor`` holds ``permission``."""
    if not actor.active or permission not in actor.permissions:
        raise NotAllowedError(permission=permission.value)


def sees_branch(actor: StaffView, branch_id: int | None) -> bool:
    """A branch-scoped staff user sees only their branch; others see all."""
    return actor.branch_id is None or actor.branch_id == branch_id
