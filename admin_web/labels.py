"""Message ids for values shown in pages: permissions, member statuses and roles, the
statuses of cash-in and cash-out requests, the names of the wallet settings.

Kept as tables here (not built from strings in templates) so every id is visible to the
catalog test and to translators.
"""

from __future__ import annotations

from admin_web.i18n import lazy_gettext
from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission
from backend.domain.wallet import DepositStatus, WithdrawalStatus

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
    Permission.WALLET_SETTINGS: lazy_gettext("admin.permission.wallet_settings"),
    Permission.LOANS_REVIEW: lazy_gettext("admin.permission.loans_review"),
    Permission.LOANS_APPROVE: lazy_gettext("admin.permission.loans_approve"),
    Permission.LOANS_PRODUCTS: lazy_gettext("admin.permission.loans_products"),
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

DEPOSIT_STATUSES: dict[DepositStatus, str] = {
    DepositStatus.PENDING: lazy_gettext("admin.deposit.status.pending"),
    DepositStatus.CONFIRMED: lazy_gettext("admin.deposit.status.confirmed"),
    DepositStatus.REJECTED: lazy_gettext("admin.deposit.status.rejected"),
    DepositStatus.CANCELLED: lazy_gettext("admin.deposit.status.cancelled"),
    DepositStatus.EXPIRED: lazy_gettext("admin.deposit.status.expired"),
}

WITHDRAWAL_STATUSES: dict[WithdrawalStatus, str] = {
    WithdrawalStatus.PENDING: lazy_gettext("admin.withdrawal.status.pending"),
    WithdrawalStatus.APPROVED: lazy_gettext("admin.withdrawal.status.approved"),
    WithdrawalStatus.PAID: lazy_gettext("admin.withdrawal.status.paid"),
    WithdrawalStatus.REJECTED: lazy_gettext("admin.withdrawal.status.rejected"),
    WithdrawalStatus.CANCELLED: lazy_gettext("admin.withdrawal.status.cancelled"),
}

# The fields of ``WalletRules`` (and of the receiving-account form), as errors name them.
WALLET_FIELDS: dict[str, str] = {
    "deposit_minimum": lazy_gettext("admin.wallet.field.deposit_minimum"),
    "deposit_step": lazy_gettext("admin.wallet.field.deposit_step"),
    "deposit_deadline_hours": lazy_gettext("admin.wallet.field.deposit_deadline_hours"),
    "withdrawal_minimum": lazy_gettext("admin.wallet.field.withdrawal_minimum"),
    "withdrawal_step": lazy_gettext("admin.wallet.field.withdrawal_step"),
    "withdrawal_daily_limit": lazy_gettext("admin.wallet.field.withdrawal_daily_limit"),
    "checker_threshold": lazy_gettext("admin.wallet.field.checker_threshold"),
    "quick_picks": lazy_gettext("admin.wallet.field.quick_picks"),
    "bank_name": lazy_gettext("admin.wallet.field.bank_name"),
    "account_number": lazy_gettext("admin.wallet.field.account_number"),
    "account_holder": lazy_gettext("admin.wallet.field.account_holder"),
}

# ``kind`` in ``error.wallet.settings.minimum_step``.
WALLET_KINDS: dict[str, str] = {
    "deposit": lazy_gettext("admin.wallet.kind.deposit"),
    "withdrawal": lazy_gettext("admin.wallet.kind.withdrawal"),
}
