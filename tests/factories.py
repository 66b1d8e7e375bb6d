"""Small factories for test data (valid by default; override what a test is about)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.db.engine import Database
from backend.db.unit_of_work import UnitOfWork
from backend.domain.members import Role
from backend.services.dto import MemberView
from backend.services.members import register_member

TODAY = dt.date(2026, 11, 25)


async def branch_id(db: Database, code: str = "JKT01") -> int:
    async with UnitOfWork(db, write=False) as uow:
        branch = await uow.branches.get_by_code(code)
        assert branch is not None, f"seed the demo branches first ({code})"
        return branch.id


def registration_fields(**overrides: Any) -> dict[str, Any]:
    """A valid registration: a woman born 17 Aug 1990 in Jakarta Selatan."""
    fields: dict[str, Any] = {
        "telegram_user_id": 5001,
        "telegram_username": "siti_r",
        "full_name": "Siti Rahayu",
        "nik": "3174055708900002",
        "birth_date": dt.date(1990, 8, 17),
        "phone": "081234567890",
        "address": "Jl. Melati No. 5, RT 01/RW 02, Kebayoran Baru, Jakarta Selatan",
        "bank_name": "BRI",
        "bank_account_number": "002101234567",
        "bank_account_holder": "Siti Rahayu",
        "roles": [Role.FINANCIER],
        "today": TODAY,
    }
    fields.update(overrides)
    return fields


async def registered_member(db: Database, **overrides: Any) -> MemberView:
    fields = registration_fields(**overrides)
    fields.setdefault("branch_id", await branch_id(db))
    return await register_member(db, **fields)
