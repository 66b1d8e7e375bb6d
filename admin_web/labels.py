"""Message ids for values shown in pages: permissions, member statuses and roles.

Kept as tables here (not built from strings in templates) so every id is visible to the
catalog test and to translators.
"""

from __future__ import annotations

from admin_web.i18n import lazy_gettext
from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission

PERMISSIONS: dict[Permission, str] = {
    Permission.DASHBOARD_VIEW: lazy_gettext("admin.permission.dashboard_view"),
    Permission.MEMBERS_VIEW: lazy_gettext("admin.permission.members_view"),
    Permission.MEMBERS_VERIFY: lazy_gettext("admin.permission.members_verify"),
    Permission.MEMBERS_DEACTIVATE: lazy_gettext("admin.permission.members_deactivate"),
    Permission.BRANCHES_VIEW: lazy_gettext("admin.permission.branches_view"),
    Permission.BRANCHES_MANAGE: lazy_gettext("admin.permission.branches_manage"),
    Permission.STAFF_VIEW: lazy_gettext("admin.permission.staff_view"),
    Permission.STAFF_MANAGE: lazy_gettext("admin.permission.staff_manage"),
    Permission.ROLES_MANAGE: lazy_gettext("admin.permission.roles_manage"),
    Permission.AUDIT_VIEW: lazy_gettext("admin.permission.audit_view"),
    Permission.DEPOSITS_CONFIRM: lazy_gettext("admin.permission.deposits_confirm"),
    Permission.WITHDRAWALS_CONFIRM: lazy_gettext("admin.permission.withdrawals_confirm"),
    Permission.LOANS_REVIEW: lazy_gettext("admin.permission.loans_review"),
    Permission.LOANS_APPROVE: lazy_gettext("admin.permission.loans_approve"),
    Permission.REPORTS_VIEW: lazy_gettext("admin.permission.reports_view"),
}

STATUSES: dict[MemberStatus, str] = {
    MemberStatus.AWAITING_VERIFICATION: lazy_gettext("member.status.awaiting_verification"),
    MemberStatus.VERIFIED: lazy_gettext("member.status.verified"),
    MemberStatus.REJECTED: lazy_gettext("member.status.rejected"),
    MemberStatus.DEACTIVATED: lazy_gettext("member.status.deactivated"),
}

ROLES: dict[Role, str] = {
    Role.FINANCIER: lazy_gettext("role.financier"),
    Role.BORROWER: lazy_gettext("role.borrower"),
}

LANGUAGE_NAMES: dict[str, str] = {
    "id": lazy_gettext("language.name.id"),
    "en": lazy_gettext("language.name.en"),
}

SEXES: dict[str, str] = {
    "F": lazy_gettext("admin.sex.female"),
    "M": lazy_gettext("admin.sex.male"),
}
