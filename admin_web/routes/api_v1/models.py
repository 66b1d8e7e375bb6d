"""What the JSON API answers: typed views of the services' DTOs (pages are 1-based)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict

from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission
from backend.services.admin_dto import AuditPage, DashboardCounts, MemberPage

Responses = dict[int | str, dict[str, Any]]  # extra documented answers of a route


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """Moments are UTC; SQLite hands some back without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


UtcDateTime = Annotated[dt.datetime, AfterValidator(_as_utc)]
PermissionList = Annotated[list[Permission], AfterValidator(sorted)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    code: str
    message: str
    fields: list[str] | None = None


class ErrorOut(BaseModel):
    """Every error: a stable code (a message id) and its text in the caller's language."""

    error: ErrorBody


def documented(status: int, description: str) -> Responses:
    """An error answer to show in the schema for one route."""
    return {status: {"model": ErrorOut, "description": description}}


class StaffOut(Out):
    id: int
    username: str
    full_name: str
    role_id: int
    role_code: str
    role_name_id: str
    role_name_en: str
    permissions: PermissionList
    branch_id: int | None
    branch_name: str | None
    active: bool
    must_change_password: bool
    language: str


class MeOut(StaffOut):
    """The caller; ``csrf_token`` is for session-authenticated writes (None with a token)."""

    csrf_token: str | None


class StaffCreatedOut(BaseModel):
    staff: StaffOut
    temporary_password: str


class TemporaryPasswordOut(BaseModel):
    temporary_password: str


class RoleOut(Out):
    id: int
    code: str
    name_id: str
    name_en: str
    permissions: PermissionList
    active: bool
    staff_count: int


class BranchOut(Out):
    id: int
    code: str
    name: str
    city: str
    address: str
    timezone: str
    active: bool
    member_count: int


class MemberOut(Out):
    id: int
    full_name: str
    nik_masked: str
    phone: str
    telegram_username: str | None
    branch_id: int
    branch_name: str
    roles: list[Role]
    status: MemberStatus
    registered_at: UtcDateTime | None


class MemberPageOut(BaseModel):
    members: list[MemberOut]
    page: int
    page_count: int
    total: int

    @classmethod
    def of(cls, found: MemberPage) -> MemberPageOut:
        return cls(
            members=[MemberOut.model_validate(m) for m in found.members],
            page=found.page + 1, page_count=found.page_count, total=found.total,
        )


class StatusChangeOut(Out):
    from_status: MemberStatus | None
    to_status: MemberStatus
    actor: str
    reason: str
    changed_at: UtcDateTime


class MemberDetailOut(Out):
    summary: MemberOut
    birth_date: dt.date
    sex: str
    address: str
    bank_name: str
    bank_account_masked: str
    bank_account_holder: str
    telegram_user_id: int
    history: list[StatusChangeOut]


class BranchCountOut(BaseModel):
    branch: str
    members: int


class DashboardOut(BaseModel):
    by_status: dict[MemberStatus, int]
    by_branch: list[BranchCountOut]
    total: int

    @classmethod
    def of(cls, counts: DashboardCounts) -> DashboardOut:
        return cls(
            by_status=dict(counts.by_status),
            by_branch=[BranchCountOut(branch=b, members=n) for b, n in counts.by_branch],
            total=counts.total,
        )


class AuditEntryOut(Out):
    id: int
    at: UtcDateTime
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


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    page: int
    page_count: int
    total: int

    @classmethod
    def of(cls, found: AuditPage) -> AuditPageOut:
        return cls(
            entries=[AuditEntryOut.model_validate(e) for e in found.entries],
            page=found.page + 1, page_count=found.page_count, total=found.total,
        )
