"""Test data for the wallet: a verified financier, a receiving account, staff users."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.db.engine import Database
from backend.services import member_admin, staff, wallet_settings
from backend.services.admin_dto import StaffView
from backend.services.dto import MemberView
from backend.services.wallet_dto import ReceivingAccountView
from tests.factories import branch_id, registered_member

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # 10:00 in Jakarta


async def as_staff(db: Database, username: str, *, now: dt.datetime = NOW) -> StaffView:
    """A logged-in demo staff user (password ``<username>-demo-2026``)."""
    await staff.seed_demo_staff(db, now=now)
    result = await staff.authenticate(
        db,
        username=username,
        password=f"{username}-demo-2026",
        ip="10.0.0.1",
        user_agent="pytest",
        now=now,
    )
    return result.staff


async def receiving_account(
    db: Database, *, branch_code: str = "JKT01", number: str = "1234567890"
) -> ReceivingAccountView:
    admin = await as_staff(db, "superadmin")
    return await wallet_settings.add_receiving_account(
        db,
        actor=admin,
        branch_id=await branch_id(db, branch_code),
        bank_name="BRI",
        account_number=number,
        account_holder="Koperasi Kopdana Sejahtera",
        ip="10.0.0.1",
        now=NOW,
    )


async def verified_financier(db: Database, **overrides: Any) -> MemberView:
    """A registered, KYC-verified financier of JKT01 (Siti Rahayu unless overridden)."""
    member = await registered_member(db, **overrides)
    admin = await as_staff(db, "superadmin")
    await member_admin.verify_member(db, actor=admin, member_id=member.id, ip="10.0.0.1", now=NOW)
    return member
