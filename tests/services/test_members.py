"""Member services on a real database: registration, duplicates, roles, language."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models import Member, MemberStatusChange
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import (
    DuplicateNik,
    DuplicateTelegramAccount,
    InvalidBirthDate,
    NikBirthDateMismatch,
    RoleAlreadyHeld,
)
from backend.domain.members import MemberStatus, Role
from backend.services.branches import list_active_branches
from backend.services.members import add_role, get_member, identify_actor, set_language
from tests.factories import registered_member


async def _member_count(db: Database) -> int:
    async with UnitOfWork(db, write=False) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_new_member_awaits_verification_with_the_values_given(seeded_db: Database) -> None:
    member = await registered_member(seeded_db)

    stored = await get_member(seeded_db, telegram_user_id=5001)
    assert stored == member
    assert stored.status is MemberStatus.AWAITING_VERIFICATION
    assert stored.phone == "+6281234567890"
    assert stored.sex == "F"
    assert stored.roles == (Role.FINANCIER,)
    async with UnitOfWork(seeded_db, write=False) as uow:
        history = list(
            await uow.session.scalars(
                select(MemberStatusChange).where(MemberStatusChange.member_id == member.id)
            )
        )
    assert [(h.from_status, h.to_status) for h in history] == [(None, "awaiting_verification")]


async def test_a_second_registration_with_the_same_nik_is_refused(seeded_db: Database) -> None:
    await registered_member(seeded_db)
    before = await _member_count(seeded_db)
    with pytest.raises(DuplicateNik):
        await registered_member(seeded_db, telegram_user_id=5002)
    assert await _member_count(seeded_db) == before


async def test_one_telegram_account_registers_once(seeded_db: Database) -> None:
    await registered_member(seeded_db)
    with pytest.raises(DuplicateTelegramAccount):
        await registered_member(seeded_db, nik="3174051203850003", birth_date=dt.date(1985, 3, 12))


async def test_concurrent_registrations_of_one_nik_store_exactly_one(seeded_db: Database) -> None:
    before = await _member_count(seeded_db)
    results = await asyncio.gather(
        *(registered_member(seeded_db, telegram_user_id=6000 + i) for i in range(5)),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, DuplicateNik) for r in results if isinstance(r, Exception))
    assert await _member_count(seeded_db) == before + 1


async def test_the_service_rechecks_the_nik_against_the_birth_date(seeded_db: Database) -> None:
    with pytest.raises(NikBirthDateMismatch):
        await registered_member(seeded_db, birth_date=dt.date(1990, 8, 18))


async def test_an_under_age_member_is_refused(seeded_db: Database) -> None:
    with pytest.raises(InvalidBirthDate):
        await registered_member(seeded_db, nik="3174055708100002", birth_date=dt.date(2010, 8, 17))


async def test_a_member_can_add_the_other_role_once(seeded_db: Database) -> None:
    await registered_member(seeded_db)
    member = await add_role(seeded_db, telegram_user_id=5001, role=Role.BORROWER)
    assert set(member.roles) == {Role.FINANCIER, Role.BORROWER}
    with pytest.raises(RoleAlreadyHeld):
        await add_role(seeded_db, telegram_user_id=5001, role=Role.BORROWER)


async def test_language_is_saved_before_and_after_registration(seeded_db: Database) -> None:
    await set_language(seeded_db, telegram_user_id=5001, language="en")
    assert (await identify_actor(seeded_db, telegram_user_id=5001)).language == "en"
    await registered_member(seeded_db)
    actor = await identify_actor(seeded_db, telegram_user_id=5001)
    assert actor.language == "en" and actor.member is not None


async def test_branches_are_paginated_and_searchable(seeded_db: Database) -> None:
    first = await list_active_branches(seeded_db, page=0, page_size=5)
    assert first.total == 12 and first.page_count == 3 and len(first.branches) == 5
    found = await list_active_branches(seeded_db, search="jakarta")
    assert {b.code for b in found.branches} == {"JKT01", "JKT02"}
    assert (await list_active_branches(seeded_db, search="atlantis")).total == 0
