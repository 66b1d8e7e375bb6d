"""A member's social-connect profile through the services: consent, entries, contacts,
withdrawal that deletes the data for good, and bad input (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_connect import ConnectContact, ConnectEntry
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_rules import (
    CONTACT_LIMIT,
    ENTRY_LIMITS,
    ConnectConsentRequired,
    ConnectEntryLimitReached,
    ConnectEntryNotFound,
    DuplicateConnectEntry,
    InvalidConnectEntry,
)
from backend.domain.errors import InvalidPhone, MemberNotFound
from backend.services import connect_profiles
from tests.connect_factories import (
    NOW,
    consenting_member,
    lives_in,
    member,
    phone_of,
    went_to,
    works_at,
)


async def _rows(db: Database, model: type, *conditions: object) -> int:
    async with UnitOfWork(db, write=False) as uow:
        count = await uow.session.scalar(select(func.count()).select_from(model).where(*conditions))
        return int(count or 0)


async def _audit(db: Database, action: str) -> list[AuditEntry]:
    async with UnitOfWork(db, write=False) as uow:
        return list(
            await uow.session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        )


async def test_nothing_can_be_shared_before_consent(seeded_db: Database) -> None:
    rina = await member(seeded_db, 1)
    profile = await connect_profiles.connect_profile(seeded_db, member_id=rina.id)
    assert (profile.consented, profile.entries, profile.contact_count) == (False, (), 0)
    with pytest.raises(ConnectConsentRequired) as error:
        await works_at(seeded_db, rina.id, "PT Telkom Indonesia")
    assert error.value.code == "error.connect.consent_required"
    with pytest.raises(ConnectConsentRequired):
        await connect_profiles.add_contact(seeded_db, member_id=rina.id, phone=phone_of(2), now=NOW)


async def test_consent_is_recorded_once_and_audited(seeded_db: Database) -> None:
    rina = await member(seeded_db, 1)
    first = await connect_profiles.give_consent(seeded_db, member_id=rina.id, now=NOW)
    again = await connect_profiles.give_consent(seeded_db, member_id=rina.id, now=NOW)
    assert first.consented and again.consented
    assert first.consent_given_at == NOW
    entries = await _audit(seeded_db, "connect.consent_given")
    assert [(e.actor_label, e.object_id) for e in entries] == [(f"member:{rina.id}", str(rina.id))]


async def test_a_member_adds_edits_and_removes_entries_and_sees_the_summary(
    seeded_db: Database,
) -> None:
    rina = await consenting_member(seeded_db, 1)
    telkom = await works_at(seeded_db, rina.id, "  PT Telkom   Indonesia ")
    await went_to(seeded_db, rina.id, "SMAN 3 Bandung", 2008)
    await lives_in(seeded_db, rina.id, kelurahan="Dago", kecamatan="Coblong", city="Kota Bandung")
    await connect_profiles.add_entry(
        seeded_db, member_id=rina.id, kind=EntryKind.COMMUNITY, name="Komunitas Sepeda", now=NOW
    )

    edited = await connect_profiles.edit_entry(
        seeded_db, member_id=rina.id, entry_id=telkom, name="Telkomsel", current=False,
        year=2010, end_year=2015, now=NOW,
    )  # fmt: skip
    assert (edited.name, edited.current, edited.year, edited.end_year) == (
        "Telkomsel", False, 2010, 2015,
    )  # fmt: skip

    profile = await connect_profiles.connect_profile(seeded_db, member_id=rina.id)
    assert [e.name for e in profile.entries_of(EntryKind.WORKPLACE)] == ["Telkomsel"]
    assert [(e.name, e.year) for e in profile.entries_of(EntryKind.SCHOOL)] == [
        ("SMAN 3 Bandung", 2008)
    ]
    places = profile.entries_of(EntryKind.PLACE)
    assert [(p.place_level, p.name, p.area) for p in places] == [
        (PlaceLevel.KELURAHAN, "Dago", "Kota Bandung"),
        (PlaceLevel.KECAMATAN, "Coblong", "Kota Bandung"),
        (PlaceLevel.CITY, "Kota Bandung", None),
    ]
    assert [e.name for e in profile.entries_of(EntryKind.COMMUNITY)] == ["Komunitas Sepeda"]

    await connect_profiles.remove_entry(seeded_db, member_id=rina.id, entry_id=telkom)
    profile = await connect_profiles.connect_profile(seeded_db, member_id=rina.id)
    assert profile.entries_of(EntryKind.WORKPLACE) == ()


async def test_entries_store_the_normalised_key_next_to_the_display_text(
    seeded_db: Database,
) -> None:
    rina = await consenting_member(seeded_db, 1)
    await went_to(seeded_db, rina.id, "SMAN 3 Bandung")
    async with UnitOfWork(seeded_db, write=False) as uow:
        row = await uow.session.scalar(select(ConnectEntry))
        assert row is not None
        assert (row.name, row.name_key, row.match_core) == (
            "SMAN 3 Bandung", "sma negeri 3 bandung", "bandung",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "error.connect.entry.empty"),
        ("   \n ", "error.connect.entry.empty"),
        ("x" * 2000, "error.connect.entry.too_long"),
        ("🎉🎉🎉", "error.connect.entry.characters"),
        ("SMA\x00 3", "error.connect.entry.characters"),
    ],
)
async def test_bad_names_are_refused_with_a_hint(seeded_db: Database, name: str, code: str) -> None:
    rina = await consenting_member(seeded_db, 1)
    with pytest.raises(InvalidConnectEntry) as error:
        await went_to(seeded_db, rina.id, name)
    assert error.value.code == code
    assert await _rows(seeded_db, ConnectEntry) == 0


@pytest.mark.parametrize(
    "name", ["Pengajian Al-Ikhlas", "Ikatan Keluarga Batak", "Relawan Partai Maju", "Jemaat GKI"]
)
async def test_communities_about_religion_ethnicity_or_politics_are_refused(
    seeded_db: Database, name: str
) -> None:
    rina = await consenting_member(seeded_db, 1)
    with pytest.raises(InvalidConnectEntry) as error:
        await connect_profiles.add_entry(
            seeded_db, member_id=rina.id, kind=EntryKind.COMMUNITY, name=name, now=NOW
        )
    assert error.value.code == "error.connect.entry.sensitive"


async def test_years_places_and_duplicates_are_checked(seeded_db: Database) -> None:
    rina = await consenting_member(seeded_db, 1)
    with pytest.raises(InvalidConnectEntry) as error:
        await went_to(seeded_db, rina.id, "SMAN 3 Bandung", 2031)
    assert (error.value.code, error.value.params) == (
        "error.connect.entry.year", {"min": 1940, "max": 2026},
    )  # fmt: skip
    with pytest.raises(InvalidConnectEntry) as error:
        await connect_profiles.add_entry(
            seeded_db, member_id=rina.id, kind=EntryKind.WORKPLACE, name="Telkom",
            current=True, end_year=2020, now=NOW,
        )  # fmt: skip
    assert error.value.code == "error.connect.entry.year_order"
    with pytest.raises(InvalidConnectEntry) as error:
        await connect_profiles.add_entry(
            seeded_db, member_id=rina.id, kind=EntryKind.PLACE, name="Dago",
            place_level=PlaceLevel.KELURAHAN, now=NOW,
        )  # fmt: skip
    assert error.value.code == "error.connect.entry.area_required"
    await went_to(seeded_db, rina.id, "SMA Negeri 3 Bandung")
    with pytest.raises(DuplicateConnectEntry):
        await went_to(seeded_db, rina.id, "sman 3 bandung")


async def test_each_kind_is_capped(seeded_db: Database) -> None:
    rina = await consenting_member(seeded_db, 1)
    for n in range(ENTRY_LIMITS[EntryKind.SCHOOL]):
        await went_to(seeded_db, rina.id, f"SD Negeri {n + 1} Bandung")
    with pytest.raises(ConnectEntryLimitReached) as error:
        await went_to(seeded_db, rina.id, "SMA Negeri 1 Bandung")
    assert error.value.params == {"max": ENTRY_LIMITS[EntryKind.SCHOOL]}
    await works_at(seeded_db, rina.id, "Telkom")  # another kind still has room


async def test_a_member_cannot_edit_or_remove_another_members_entry(seeded_db: Database) -> None:
    rina = await consenting_member(seeded_db, 1)
    budi = await consenting_member(seeded_db, 2)
    telkom = await works_at(seeded_db, rina.id, "Telkom")
    with pytest.raises(ConnectEntryNotFound):
        await connect_profiles.edit_entry(
            seeded_db, member_id=budi.id, entry_id=telkom, name="Pertamina", now=NOW
        )
    with pytest.raises(ConnectEntryNotFound):
        await connect_profiles.remove_entry(seeded_db, member_id=budi.id, entry_id=telkom)
    assert await _rows(seeded_db, ConnectEntry, ConnectEntry.member_id == rina.id) == 1


async def test_contacts_are_kept_as_normalised_numbers_once_each(seeded_db: Database) -> None:
    rina = await consenting_member(seeded_db, 1)
    assert (
        await connect_profiles.add_contact(
            seeded_db, member_id=rina.id, phone="0812-555-00002", now=NOW
        )
        == 1
    )
    assert (
        await connect_profiles.add_contact(
            seeded_db, member_id=rina.id, phone="+62 812 555 00002", now=NOW
        )
        == 1
    )
    async with UnitOfWork(seeded_db, write=False) as uow:
        assert list(await uow.session.scalars(select(ConnectContact.phone))) == [phone_of(2)]
    with pytest.raises(InvalidPhone) as error:
        await connect_profiles.add_contact(seeded_db, member_id=rina.id, phone="halo", now=NOW)
    assert error.value.code == "error.phone.format"
    with pytest.raises(InvalidPhone) as error:
        await connect_profiles.add_contact(seeded_db, member_id=rina.id, phone=phone_of(1), now=NOW)
    assert error.value.code == "error.connect.contact.own"
    assert (
        await connect_profiles.remove_contact(seeded_db, member_id=rina.id, phone=phone_of(2)) == 0
    )
    with pytest.raises(ConnectEntryNotFound) as not_found:
        await connect_profiles.remove_contact(seeded_db, member_id=rina.id, phone=phone_of(2))
    assert not_found.value.code == "error.connect.contact_not_found"


async def test_contacts_are_capped(seeded_db: Database) -> None:
    rina = await consenting_member(seeded_db, 1)
    async with UnitOfWork(seeded_db) as uow:
        uow.session.add_all(
            ConnectContact(member_id=rina.id, phone=f"+62813{n:07d}", created_at=NOW)
            for n in range(CONTACT_LIMIT)
        )
        await uow.commit()
    with pytest.raises(ConnectEntryLimitReached) as error:
        await connect_profiles.add_contact(seeded_db, member_id=rina.id, phone=phone_of(2), now=NOW)
    assert (error.value.code, error.value.params) == (
        "error.connect.contact_limit", {"max": CONTACT_LIMIT},
    )  # fmt: skip


async def test_withdrawing_consent_deletes_all_shared_data_and_audits_only_counts(
    seeded_db: Database,
) -> None:
    rina = await consenting_member(seeded_db, 1)
    budi = await consenting_member(seeded_db, 2)
    await works_at(seeded_db, rina.id, "PT Telkom Indonesia")
    await went_to(seeded_db, rina.id, "SMAN 3 Bandung")
    await connect_profiles.add_contact(seeded_db, member_id=rina.id, phone=phone_of(2), now=NOW)
    await works_at(seeded_db, budi.id, "Telkom")

    result = await connect_profiles.withdraw_consent(seeded_db, member_id=rina.id, now=NOW)

    assert (result.entries_deleted, result.contacts_deleted) == (2, 1)
    assert await _rows(seeded_db, ConnectEntry, ConnectEntry.member_id == rina.id) == 0
    assert await _rows(seeded_db, ConnectContact, ConnectContact.member_id == rina.id) == 0
    assert await _rows(seeded_db, ConnectEntry, ConnectEntry.member_id == budi.id) == 1
    profile = await connect_profiles.connect_profile(seeded_db, member_id=rina.id)
    assert (profile.consented, profile.entries, profile.contact_count) == (False, (), 0)
    [audit] = await _audit(seeded_db, "connect.consent_withdrawn")
    assert audit.after == {"entries_deleted": 2, "contacts_deleted": 1}
    assert "Telkom" not in repr((audit.before, audit.after, audit.reason))
    with pytest.raises(ConnectConsentRequired):
        await works_at(seeded_db, rina.id, "Telkom")
    # Consent can be given again, starting from an empty profile.
    again = await connect_profiles.give_consent(seeded_db, member_id=rina.id, now=NOW)
    assert again.consented and again.entries == ()


async def test_an_unknown_member_is_refused(seeded_db: Database) -> None:
    with pytest.raises(MemberNotFound):
        await connect_profiles.give_consent(seeded_db, member_id=999, now=NOW)
    with pytest.raises(MemberNotFound):
        await connect_profiles.connect_profile(seeded_db, member_id=999)
