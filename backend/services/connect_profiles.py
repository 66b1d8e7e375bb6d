"""A member's social-connect profile: consent, entries, contacts, and withdrawal (issue 6).

Every function is one unit of work on the member's own profile. Changes lock the member
row first (``FOR UPDATE``; SQLite serialises writers), so the per-kind caps and the
duplicate check hold when two updates of one member race. Nothing is shared before
consent; withdrawing consent deletes every entry and contact in the same transaction as
the consent change, and the audit entry records counts, never the data.

Entry changes are not audited: the audit log is append-only, and a copy of the data there
would outlive the member's withdrawal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.models_connect import ConnectConsent, ConnectContact, ConnectEntry
from backend.db.statements import rowcount
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_names import EntryKind, PlaceLevel, normalise_name
from backend.domain.connect_rules import (
    CONTACT_LIMIT,
    ENTRY_LIMITS,
    ConnectConsentRequired,
    ConnectEntryLimitReached,
    ConnectEntryNotFound,
    DuplicateConnectEntry,
    InvalidConnectEntry,
    validate_entry_name,
    validate_place_area,
    validate_workplace_years,
    validate_year,
)
from backend.domain.errors import InvalidPhone, MemberDeactivated, MemberNotFound
from backend.domain.member_rules import normalize_phone
from backend.domain.members import MemberStatus
from backend.services.audit import AuditActor, record
from backend.services.clock import as_utc
from backend.services.connect_dto import ConnectProfile, EntryView, WithdrawalResult


def _member_actor(member_id: int) -> AuditActor:
    return AuditActor(type="member", id=member_id, label=f"member:{member_id}")


@dataclass(frozen=True, slots=True)
class EntryInput:
    """A validated entry, ready to store."""

    kind: EntryKind
    name: str
    place_level: PlaceLevel | None
    area: str | None
    current: bool
    year: int | None
    end_year: int | None


def validate_entry(
    *,
    kind: EntryKind,
    name: str,
    today: dt.date,
    place_level: PlaceLevel | None = None,
    area: str | None = None,
    current: bool = False,
    year: int | None = None,
    end_year: int | None = None,
) -> EntryInput:
    """Check what a member typed for an entry (the bot may call it to re-ask early).

    Only the fields of the kind are kept: ``current`` and ``end_year`` for workplaces,
    ``year`` for schools and workplaces, ``place_level`` and ``area`` for places.

    Raises:
        InvalidConnectEntry: see ``backend.domain.connect_rules``;
            ``error.connect.entry.place_level`` when a place has no level.
    """
    clean_name = validate_entry_name(name, kind)
    match kind:
        case EntryKind.WORKPLACE:
            year, end_year = validate_workplace_years(
                year, end_year, current=current, this_year=today.year
            )
            return EntryInput(kind, clean_name, None, None, current, year, end_year)
        case EntryKind.SCHOOL:
            year = validate_year(year, this_year=today.year)
            return EntryInput(kind, clean_name, None, None, False, year, None)
        case EntryKind.PLACE:
            if place_level is None:
                raise InvalidConnectEntry(code="error.connect.entry.place_level")
            clean_area = validate_place_area(place_level, area)
            return EntryInput(kind, clean_name, place_level, clean_area, False, None, None)
    return EntryInput(kind, clean_name, None, None, False, None, None)


def _entry_view(row: ConnectEntry) -> EntryView:
    return EntryView(
        id=row.id,
        kind=EntryKind(row.kind),
        name=row.name,
        place_level=PlaceLevel(row.place_level) if row.place_level else None,
        area=row.area,
        current=row.current,
        year=row.year,
        end_year=row.end_year,
    )


def _store(row: ConnectEntry, entry: EntryInput, now: dt.datetime) -> None:
    """Write the entry's fields and its normalised keys onto ``row``."""
    normalised = normalise_name(entry.name, entry.kind)
    row.kind = entry.kind.value
    row.name = entry.name
    row.name_key = normalised.key
    row.match_core = normalised.core
    row.place_level = entry.place_level.value if entry.place_level else None
    row.area = entry.area
    row.area_key = normalise_name(entry.area, EntryKind.PLACE).key if entry.area else None
    row.current = entry.current
    row.year = entry.year
    row.end_year = entry.end_year
    row.updated_at = now


async def _locked_member(uow: UnitOfWork, member_id: int, *, changing: bool = True) -> Member:
    member = await uow.session.scalar(
        select(Member).where(Member.id == member_id).with_for_update()
    )
    if member is None:
        raise MemberNotFound()
    if changing and member.status == MemberStatus.DEACTIVATED.value:
        raise MemberDeactivated()
    return member


async def _consent(uow: UnitOfWork, member_id: int) -> ConnectConsent | None:
    return await uow.session.get(ConnectConsent, member_id)


async def _require_consent(uow: UnitOfWork, member_id: int) -> None:
    consent = await _consent(uow, member_id)
    if consent is None or consent.withdrawn_at is not None:
        raise ConnectConsentRequired(code="error.connect.consent_required")


async def load_profile(uow: UnitOfWork, member_id: int) -> ConnectProfile:
    """The member's consent, entries and contact count, read inside ``uow`` (staff reads
    audit in the same transaction, ``connect_admin``)."""
    consent = await _consent(uow, member_id)
    rows = (
        await uow.session.scalars(
            select(ConnectEntry)
            .where(ConnectEntry.member_id == member_id)
            .order_by(ConnectEntry.kind, ConnectEntry.id)
        )
    ).all()
    contacts = await uow.session.scalar(
        select(func.count())
        .select_from(ConnectContact)
        .where(ConnectContact.member_id == member_id)
    )
    active = consent is not None and consent.withdrawn_at is None
    return ConnectProfile(
        member_id=member_id,
        consented=active,
        consent_given_at=as_utc(consent.given_at) if consent and active else None,
        entries=tuple(_entry_view(row) for row in rows),
        contact_count=int(contacts or 0),
    )


async def connect_profile(db: Database, *, member_id: int) -> ConnectProfile:
    """The member's own summary: consent, entries, number of contacts shared."""
    async with UnitOfWork(db, write=False) as uow:
        if await uow.session.get(Member, member_id) is None:
            raise MemberNotFound()
        return await load_profile(uow, member_id)


async def give_consent(db: Database, *, member_id: int, now: dt.datetime) -> ConnectProfile:
    """Consent to social connect (again after a withdrawal); giving it twice changes nothing."""
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id)
        consent = await _consent(uow, member_id)
        if consent is None or consent.withdrawn_at is not None:
            if consent is None:
                uow.session.add(ConnectConsent(member_id=member_id, given_at=now))
            else:
                consent.given_at, consent.withdrawn_at = now, None
            record(
                uow,
                actor=_member_actor(member_id),
                action="connect.consent_given",
                object_type="member",
                object_id=member_id,
                now=now,
            )
            await uow.session.flush()
        profile = await load_profile(uow, member_id)
        await uow.commit()
        return profile


async def withdraw_consent(db: Database, *, member_id: int, now: dt.datetime) -> WithdrawalResult:
    """Withdraw consent: every entry and contact of the member is deleted for good, in the
    same transaction; from the next score on only cooperative-held facts count.

    Withdrawing without consent deletes whatever is left and is not an error.
    """
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id, changing=False)
        entries = await uow.session.execute(
            delete(ConnectEntry).where(ConnectEntry.member_id == member_id)
        )
        contacts = await uow.session.execute(
            delete(ConnectContact).where(ConnectContact.member_id == member_id)
        )
        result = WithdrawalResult(
            entries_deleted=rowcount(entries),
            contacts_deleted=rowcount(contacts),
        )
        consent = await _consent(uow, member_id)
        if consent is not None and consent.withdrawn_at is None:
            consent.withdrawn_at = now
            record(
                uow,
                actor=_member_actor(member_id),
                action="connect.consent_withdrawn",
                object_type="member",
                object_id=member_id,
                now=now,
                after={
                    "entries_deleted": result.entries_deleted,
                    "contacts_deleted": result.contacts_deleted,
                },
            )
        await uow.commit()
        return result


async def _check_duplicate(
    uow: UnitOfWork, member_id: int, entry: EntryInput, *, except_id: int | None = None
) -> None:
    normalised = normalise_name(entry.name, entry.kind)
    statement = select(ConnectEntry.id).where(
        ConnectEntry.member_id == member_id,
        ConnectEntry.kind == entry.kind.value,
        ConnectEntry.name_key == normalised.key,
        ConnectEntry.place_level.is_(None)
        if entry.place_level is None
        else ConnectEntry.place_level == entry.place_level.value,
    )
    if except_id is not None:
        statement = statement.where(ConnectEntry.id != except_id)
    if await uow.session.scalar(statement.limit(1)) is not None:
        raise DuplicateConnectEntry(code="error.connect.duplicate")


async def add_entry(
    db: Database,
    *,
    member_id: int,
    kind: EntryKind,
    name: str,
    now: dt.datetime,
    place_level: PlaceLevel | None = None,
    area: str | None = None,
    current: bool = False,
    year: int | None = None,
    end_year: int | None = None,
) -> EntryView:
    """Add a workplace, school, place, community or event to the member's profile.

    Raises:
        ConnectConsentRequired: no consent now.
        InvalidConnectEntry: the input (see ``validate_entry``).
        ConnectEntryLimitReached: ``error.connect.limit`` (param ``max``).
        DuplicateConnectEntry: the same name (after normalisation) is already there.
    """
    entry = validate_entry(
        kind=kind,
        name=name,
        today=now.date(),
        place_level=place_level,
        area=area,
        current=current,
        year=year,
        end_year=end_year,
    )
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id)
        await _require_consent(uow, member_id)
        count = await uow.session.scalar(
            select(func.count())
            .select_from(ConnectEntry)
            .where(ConnectEntry.member_id == member_id, ConnectEntry.kind == kind.value)
        )
        if int(count or 0) >= ENTRY_LIMITS[kind]:
            raise ConnectEntryLimitReached(code="error.connect.limit", max=ENTRY_LIMITS[kind])
        await _check_duplicate(uow, member_id, entry)
        row = ConnectEntry(member_id=member_id, created_at=now)
        _store(row, entry, now)
        uow.session.add(row)
        await uow.session.flush()
        view = _entry_view(row)
        await uow.commit()
        return view


async def edit_entry(
    db: Database,
    *,
    member_id: int,
    entry_id: int,
    name: str,
    now: dt.datetime,
    place_level: PlaceLevel | None = None,
    area: str | None = None,
    current: bool = False,
    year: int | None = None,
    end_year: int | None = None,
) -> EntryView:
    """Replace one of the member's entries (same kind) with new values.

    Raises:
        ConnectEntryNotFound: no such entry of this member.
        ConnectConsentRequired, InvalidConnectEntry, DuplicateConnectEntry: as ``add_entry``.
    """
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id)
        await _require_consent(uow, member_id)
        row = await uow.session.get(ConnectEntry, entry_id)
        if row is None or row.member_id != member_id:
            raise ConnectEntryNotFound(code="error.connect.entry_not_found")
        entry = validate_entry(
            kind=EntryKind(row.kind),
            name=name,
            today=now.date(),
            place_level=place_level,
            area=area,
            current=current,
            year=year,
            end_year=end_year,
        )
        await _check_duplicate(uow, member_id, entry, except_id=entry_id)
        _store(row, entry, now)
        await uow.session.flush()
        view = _entry_view(row)
        await uow.commit()
        return view


async def remove_entry(db: Database, *, member_id: int, entry_id: int) -> None:
    """Delete one of the member's entries for good.

    Raises:
        ConnectEntryNotFound: no such entry of this member.
    """
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id, changing=False)
        deleted = await uow.session.execute(
            delete(ConnectEntry).where(
                ConnectEntry.id == entry_id, ConnectEntry.member_id == member_id
            )
        )
        if not rowcount(deleted):
            raise ConnectEntryNotFound(code="error.connect.entry_not_found")
        await uow.commit()


async def add_contact(db: Database, *, member_id: int, phone: str, now: dt.datetime) -> int:
    """Keep the phone number of a contact the member shared; returns how many they keep.

    Only the number is stored. Whether it belongs to a member is never told back (that
    would reveal who is a member). Sharing the same contact twice keeps one.

    Raises:
        ConnectConsentRequired: no consent now.
        InvalidPhone: ``error.phone.format`` (not an Indonesian mobile number);
            ``error.connect.contact.own`` (the member's own number).
        ConnectEntryLimitReached: ``error.connect.contact_limit`` (param ``max``).
    """
    number = normalize_phone(phone)
    async with UnitOfWork(db) as uow:
        member = await _locked_member(uow, member_id)
        await _require_consent(uow, member_id)
        if number == member.phone:
            raise InvalidPhone(code="error.connect.contact.own")
        count = int(
            await uow.session.scalar(
                select(func.count())
                .select_from(ConnectContact)
                .where(ConnectContact.member_id == member_id)
            )
            or 0
        )
        if await uow.session.get(ConnectContact, (member_id, number)) is None:
            if count >= CONTACT_LIMIT:
                raise ConnectEntryLimitReached(
                    code="error.connect.contact_limit", max=CONTACT_LIMIT
                )
            uow.session.add(ConnectContact(member_id=member_id, phone=number, created_at=now))
            count += 1
        await uow.commit()
        return count


async def remove_contact(db: Database, *, member_id: int, phone: str) -> int:
    """Forget a shared contact; returns how many the member still keeps.

    Raises:
        InvalidPhone: the number cannot be read; ConnectEntryNotFound: not shared.
    """
    number = normalize_phone(phone)
    async with UnitOfWork(db) as uow:
        await _locked_member(uow, member_id, changing=False)
        deleted = await uow.session.execute(
            delete(ConnectContact).where(
                ConnectContact.member_id == member_id, ConnectContact.phone == number
            )
        )
        if not rowcount(deleted):
            raise ConnectEntryNotFound(code="error.connect.contact_not_found")
        left = await uow.session.scalar(
            select(func.count())
            .select_from(ConnectContact)
            .where(ConnectContact.member_id == member_id)
        )
        await uow.commit()
        return int(left or 0)
