"""Every value the panel shows has a label id, and the registry stays consistent."""

from __future__ import annotations

from admin_web import labels
from admin_web.pages import FEATURES, MENU
from backend.domain.members import MemberStatus, Role
from backend.domain.permissions import Permission
from backend.domain.wallet import DepositStatus, WalletRules, WithdrawalStatus


def test_every_permission_status_and_role_has_a_label() -> None:
    assert set(labels.PERMISSIONS) == set(Permission)
    assert set(labels.STATUSES) == set(MemberStatus)
    assert set(labels.ROLES) == set(Role)
    assert set(labels.DEPOSIT_STATUSES) == set(DepositStatus)
    assert set(labels.WITHDRAWAL_STATUSES) == set(WithdrawalStatus)
    assert set(WalletRules.__dataclass_fields__) <= set(labels.WALLET_FIELDS)


def test_menu_entries_are_unique_and_come_from_features() -> None:
    paths = [entry.path for entry in MENU]
    assert len(paths) == len(set(paths))
    assert len({id(f.router) for f in FEATURES}) == len(FEATURES)
