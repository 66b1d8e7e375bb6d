"""Menu entries: a label (message id), where it goes, and the permission it needs."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter

from backend.domain.permissions import Permission
from backend.services.admin_dto import StaffView


@dataclass(frozen=True)
class MenuEntry:
    label: str  # message id
    path: str
    permission: Permission
    or_permissions: frozenset[Permission] = frozenset()  # a page several roles open

    def visible_to(self, staff: StaffView) -> bool:
        allowed = staff.can(self.permission) or any(map(staff.can, self.or_permissions))
        return allowed and not staff.must_change_password


@dataclass(frozen=True)
class Feature:
    """A part of the panel: its routes, and its menu entry when it has one."""

    router: APIRouter
    menu: MenuEntry | None = None
