"""Test data for social connect: members with distinct phones, consent, profile entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from backend.db.engine import Database
from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.services import connect_profiles
from backend.services.dto import MemberView
from tests.factories import branch_id, registered_member

NOW = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)
NAMES = ("Rina", "Budi", "Dewi", "Agus", "Sari", "Joko", "Wati", "Eko", "Tuti", "Hadi")


def phone_of(n: int) -> str:
    """The member ``n``'s phone number, as stored (E.164)."""
    return f"+62812555{n:05d}"


async def member(
    db: Database, n: int, *, branch_code: str = "JKT01", **overrides: Any
) -> MemberView:
    """A registered member numbered ``n`` (1…4999) with their own NIK and phone."""
    name = f"{NAMES[n % len(NAMES)]} Anggota"
    return await registered_member(
        db,
        branch_id=await branch_id(db, branch_code),
        telegram_user_id=700_000 + n,
        telegram_username=f"anggota{n}",
        full_name=name,
        # A woman born 17 Aug 1990 in Jakarta Selatan; the serial makes the NIK unique.
        nik=f"317405570890{5000 + n:04d}",
        phone="0" + phone_of(n)[3:],
        bank_account_holder=name,
        **overrides,
    )


async def consenting_member(
    db: Database, n: int, *, branch_code: str = "JKT01", **overrides: Any
) -> MemberView:
    who = await member(db, n, branch_code=branch_code, **overrides)
    await connect_profiles.give_consent(db, member_id=who.id, now=NOW)
    return who


async def works_at(db: Database, member_id: int, name: str, *, current: bool = True) -> int:
    entry = await connect_profiles.add_entry(
        db, member_id=member_id, kind=EntryKind.WORKPLACE, name=name, current=current, now=NOW
    )
    return entry.id


async def went_to(db: Database, member_id: int, name: str, year: int | None = None) -> int:
    entry = await connect_profiles.add_entry(
        db, member_id=member_id, kind=EntryKind.SCHOOL, name=name, year=year, now=NOW
    )
    return entry.id


async def lives_in(
    db: Database, member_id: int, *, kelurahan: str, kecamatan: str, city: str
) -> None:
    for level, name, area in (
        (PlaceLevel.KELURAHAN, kelurahan, city),
        (PlaceLevel.KECAMATAN, kecamatan, city),
        (PlaceLevel.CITY, city, None),
    ):
        await connect_profiles.add_entry(
            db,
            member_id=member_id,
            kind=EntryKind.PLACE,
            name=name,
            place_level=level,
            area=area,
            now=NOW,
        )
