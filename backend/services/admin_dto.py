"""Frozen views the admin web (pages and JSON API) renders. Never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission


@dataclass(frozen=True, slots=True)
class StaffView:
    id: int
    username: str
    full_name: str
    role_id: int
    role_code: str
    role_name_id: str
    role_name_en: str
    permissions: frozenset[Permission]
    branch_id: int | None  # None: all branches
    branch_name: str | None
    active: bool
    must_change_password: bool
    language: str

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


@dataclass(frozen=True, slots=True)
class LoginResult:
    session_token: str  # goes into the cookie; only its hash is stored
    csrf_token: str
    staff: StaffView


@dataclass(frozen=True, slots=True)
class SessionView:
    staff: StaffView
    csrf_token: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True, slots=True)
class RoleView:
    id: int
    code: str
    name_id: str
    name_en: str
    permissions: frozenset[Permission]
    active: bool
    staff_count: int


@dataclass(frozen=True, slots=True)
class MemberSummary:
    id: int
    full_name: str
    nik_masked: str
    phone: str
    telegram_username: str | None
    branch_id: int
    branch_name: str
    roles: tuple[Role, ...]
    status: MemberStatus
    registered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    members: tuple[MemberSummary, ...]
    page: int
    page_count: int
    total: int


@dataclass(frozen=True, slots=True)
class StatusChangeView:
    from_status: MemberStatus | None
    to_status: MemberStatus
    actor: str
    reason: str
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class MemberDetail:
    summary: MemberSummary
    birth_date: dt.date
    sex: str
    address: str
    bank_name: str
    bank_account_masked: str
    bank_account_holder: str
    telegram_user_id: int
    history: tuple[StatusChangeView, ...]


@dataclass(frozen=True, slots=True)
class BranchAdminView:
    id: int
    code: str
    name: str
    city: str
    address: str
    timezone: str
    active: bool
    member_count: int


@dataclass(frozen=True, slots=True)
class DashboardCounts:
    by_status: dict[MemberStatus, int]
    by_branch: tuple[tuple[str, int], ...]  # (branch name, members), largest first
    total: int


@dataclass(frozen=True, slots=True)
class AuditView:
    id: int
    at: dt.datetime
    actor_type: str
    actor_id: int | None
    actor_label: str
    action: str
    object_type: str
    object_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    ip: str


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: tuple[AuditView, ...]
    page: int
    page_count: int
    total: int
    filters: dict[str, Any] = field(default_factory=dict)
