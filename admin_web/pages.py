"""The panel's features, in menu order. Adding a page takes one step here:

1. write ``admin_web/routes/<feature>.py`` with a ``router`` whose routes each declare
   their permission (``Annotated[StaffView, require(Permission.X)]``, see ``deps``);
2. add ``Feature(<feature>.router, MenuEntry(lazy_gettext("admin.menu.<feature>"),
   "/<feature>", Permission.X))`` below (leave the menu out for pages reached by links).

The menu shows an entry only to staff holding its permission; the route itself checks
it again on the server, and ``tests/admin_web`` checks both against the role table.
"""

from __future__ import annotations

from admin_web.i18n import lazy_gettext
from admin_web.menu import Feature, MenuEntry
from admin_web.routes import (
    account,
    audit,
    auth,
    branches,
    connect,
    dashboard,
    deposits,
    loan_products,
    loan_settings,
    loans,
    members,
    reconciliation,
    roles,
    staff,
    wallet_settings,
    withdrawals,
)
from admin_web.routes.api_v1 import router as api_v1_router
from backend.domain.permissions import Permission

FEATURES: tuple[Feature, ...] = (
    Feature(
        dashboard.router,
        MenuEntry(lazy_gettext("admin.menu.dashboard"), "/", Permission.DASHBOARD_VIEW),
    ),
    Feature(
        members.router,
        MenuEntry(lazy_gettext("admin.menu.members"), "/members", Permission.MEMBERS_VIEW),
    ),
    Feature(
        deposits.router,
        MenuEntry(lazy_gettext("admin.menu.deposits"), "/deposits", Permission.DEPOSITS_CONFIRM),
    ),
    Feature(
        withdrawals.router,
        MenuEntry(
            lazy_gettext("admin.menu.withdrawals"), "/withdrawals", Permission.WITHDRAWALS_CONFIRM
        ),
    ),
    Feature(
        loans.router,
        MenuEntry(
            lazy_gettext("admin.menu.loans"),
            "/loans",
            Permission.LOANS_REVIEW,
            or_permissions=loans.READ_PERMISSIONS,  # approvers and auditors open it too
        ),
    ),
    Feature(
        reconciliation.router,
        MenuEntry(
            lazy_gettext("admin.menu.reconciliation"), "/reconciliation", Permission.REPORTS_VIEW
        ),
    ),
    Feature(
        branches.router,
        MenuEntry(lazy_gettext("admin.menu.branches"), "/branches", Permission.BRANCHES_VIEW),
    ),
    Feature(
        staff.router,
        MenuEntry(lazy_gettext("admin.menu.staff"), "/staff", Permission.STAFF_VIEW),
    ),
    Feature(
        roles.router,
        MenuEntry(lazy_gettext("admin.menu.roles"), "/roles", Permission.STAFF_VIEW),
    ),
    Feature(
        wallet_settings.router,
        MenuEntry(
            lazy_gettext("admin.menu.wallet_settings"),
            "/wallet/settings",
            Permission.WALLET_SETTINGS,
        ),
    ),
    Feature(
        loan_products.router,
        MenuEntry(
            lazy_gettext("admin.menu.loan_products"), "/loan-products", Permission.LOANS_PRODUCTS
        ),
    ),
    Feature(
        loan_settings.caps_router,
        MenuEntry(
            lazy_gettext("admin.menu.loan_cost_caps"), "/loan-cost-caps", Permission.LOANS_PRODUCTS
        ),
    ),
    Feature(
        loan_settings.settings_router,
        MenuEntry(
            lazy_gettext("admin.menu.loan_settings"), "/loan-settings", Permission.LOANS_PRODUCTS
        ),
    ),
    Feature(
        connect.weights_router,
        MenuEntry(
            lazy_gettext("admin.menu.connect_weights"),
            "/connect/weights",
            Permission.LOANS_PRODUCTS,
        ),
    ),
    Feature(
        connect.profiles_router,
        MenuEntry(
            lazy_gettext("admin.menu.connect_pair"), "/connect/pair", Permission.CONNECT_PROFILES
        ),
    ),
    Feature(
        audit.router,
        MenuEntry(lazy_gettext("admin.menu.audit"), "/audit", Permission.AUDIT_VIEW),
    ),
    Feature(auth.router),
    Feature(account.router),
    Feature(api_v1_router),
)

MENU: tuple[MenuEntry, ...] = tuple(f.menu for f in FEATURES if f.menu is not None)
