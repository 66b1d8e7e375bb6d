"""Staff permissions: named actions, and the roles seeded with them.

A permission is the name of one thing a staff user may do in the admin web or its API.
Roles are sets of permissions kept as data (editable in the panel); the seeded roles
below are only the starting point. Every route declares the permission it needs.
"""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    DASHBOARD_VIEW = "dashboard.view"
    MEMBERS_VIEW = "members.view"
    MEMBERS_VERIFY = "members.verify"
    MEMBERS_DEACTIVATE = "members.deactivate"
    BRANCHES_VIEW = "branches.view"
    BRANCHES_MANAGE = "branches.manage"
    STAFF_VIEW = "staff.view"
    STAFF_MANAGE = "staff.manage"
    ROLES_MANAGE = "roles.manage"
    AUDIT_VIEW = "audit.view"
    # Used by the wallet, loan and report issues; seeded now so roles are complete.
    DEPOSITS_CONFIRM = "deposits.confirm"
    WITHDRAWALS_CONFIRM = "withdrawals.confirm"
    WALLET_SETTINGS = "wallet.settings"
    LOANS_REVIEW = "loans.review"
    LOANS_APPROVE = "loans.approve"
    LOANS_PRODUCTS = "loans.products"
    """The loan data master: products, cost caps, borrower limits and approval threshold."""
    REPORTS_VIEW = "reports.view"
    CONNECT_PROFILES = "connect.profiles"
    """Reading what a member chose to share for social connect (a shared profile, why a
    pair scores what it does): personal data under UU PDP (UU 27/2022), superadmin only by
    default; every profile read is audited."""


ALL_PERMISSIONS: frozenset[Permission] = frozenset(Permission)

_READ_ONLY = frozenset(
    {
        Permission.DASHBOARD_VIEW,
        Permission.MEMBERS_VIEW,
        Permission.BRANCHES_VIEW,
        Permission.STAFF_VIEW,
        Permission.AUDIT_VIEW,
        Permission.REPORTS_VIEW,
    }
)

# code -> (name in Indonesian, name in English, permissions)
SEEDED_ROLES: dict[str, tuple[str, str, frozenset[Permission]]] = {
    "superadmin": ("Superadmin", "Superadmin", ALL_PERMISSIONS),
    "branch_manager": (
        "Kepala Cabang",
        "Branch manager",
        frozenset(
            {
                Permission.DASHBOARD_VIEW,
                Permission.MEMBERS_VIEW,
                Permission.MEMBERS_VERIFY,
                Permission.MEMBERS_DEACTIVATE,
                Permission.BRANCHES_VIEW,
                Permission.STAFF_VIEW,
                Permission.AUDIT_VIEW,
                Permission.LOANS_APPROVE,
                Permission.REPORTS_VIEW,
                # The checker of large cash-outs (maker-checker with the treasurer).
                Permission.WITHDRAWALS_CONFIRM,
            }
        ),
    ),
    "credit_officer": (
        "Petugas Kredit",
        "Credit officer",
        frozenset(
            {
                Permission.DASHBOARD_VIEW,
                Permission.MEMBERS_VIEW,
                Permission.MEMBERS_VERIFY,
                Permission.BRANCHES_VIEW,
                Permission.LOANS_REVIEW,
            }
        ),
    ),
    "treasurer": (
        "Bendahara",
        "Treasurer",
        frozenset(
            {
                Permission.DASHBOARD_VIEW,
                Permission.MEMBERS_VIEW,
                Permission.BRANCHES_VIEW,
                Permission.DEPOSITS_CONFIRM,
                Permission.WITHDRAWALS_CONFIRM,
                Permission.REPORTS_VIEW,
            }
        ),
    ),
    "auditor": ("Auditor", "Auditor", _READ_ONLY),
}
