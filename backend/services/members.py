"""Member services: who is talking to the bot, registration, roles, language, profile."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy.exc import IntegrityError

from backend.db.engine import Database
from backend.db.models import Branch, Member
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import (
    BranchNotFound,
    DuplicateNik,
    DuplicateTelegramAccount,
    MemberNotFound,
    RoleAlreadyHeld,
    ValidationError,
)
from backend.domain.member_rules import (
    normalize_phone,
    validate_account_holder,
    validate_address,
    validate_bank_account_number,
    validate_bank_name,
    validate_birth_date,
    validate_full_name,
)
from backend.domain.members import SUPPORTED_LANGUAGES, MemberStatus, Role
from backend.domain.nik import check_nik_matches_birth_date, nik_sex, parse_nik
from backend.services.dto import Actor, BranchView, MemberView

REGISTRATION_ACTOR = "member:self-registration"


def branch_view(branch: Branch) -> BranchView:
    return BranchView(
        id=branch.id,
        code=branch.code,
        name=branch.name,
        city=branch.city,
        timezone=branch.timezone,
    )


def member_view(member: Member) -> MemberView:
    return MemberView(
        id=member.id,
        telegram_user_id=member.telegram_user_id,
        full_name=member.full_name,
        nik=member.nik,
        sex=member.sex,
        birth_date=member.birth_date,
        phone=member.phone,
        branch=branch_view(member.branch),
        address=member.address,
        bank_name=member.bank_name,
        bank_account_number=member.bank_account_number,
        bank_account_holder=member.bank_account_holder,
        status=MemberStatus(member.status),
        roles=tuple(Role(r.role) for r in member.roles),
        registered_at=member.created_at,
    )


async def load_actor(uow: UnitOfWork, telegram_user_id: int) -> Actor:
    """Who a Telegram user is to kopdana, read inside the caller's unit of work.

    Runs on every update, so it is one query (plus the member's roles).
    """
    language, member = await uow.members.language_and_member(telegram_user_id)
    return Actor(
        telegram_user_id=telegram_user_id,
        language=language,
        member=member_view(member) if member else None,
    )


async def identify_actor(db: Database, *, telegram_user_id: int) -> Actor:
    """Load who sent an update: saved language and member record (read-only)."""
    async with UnitOfWork(db, write=False) as uow:
        return await load_actor(uow, telegram_user_id)


async def set_language(db: Database, *, telegram_user_id: int, language: str) -> str:
    """Save the language a Telegram user wants to be addressed in ("id" or "en")."""
    if language not in SUPPORTED_LANGUAGES:
        raise ValidationError(code="error.language.unsupported", language=language)
    async with UnitOfWork(db) as uow:
        await uow.telegram_users.set_language(telegram_user_id, language)
        await uow.commit()
    return language


async def ensure_nik_available(db: Database, *, nik: str) -> None:
    """Raise DuplicateNik if a member already registered with ``nik``.

    Checked early so the member hears it at the NIK step; ``register_member`` checks
    again, and the unique index is the final word.
    """
    async with UnitOfWork(db, write=False) as uow:
        if await uow.members.nik_taken(nik):
            raise DuplicateNik()


async def register_member(
    db: Database,
    *,
    telegram_user_id: int,
    telegram_username: str | None,
    full_name: str,
    nik: str,
    birth_date: dt.date,
    phone: str,
    branch_id: int,
    address: str,
    bank_name: str,
    bank_account_number: str,
    bank_account_holder: str,
    roles: Iterable[Role],
    today: dt.date,
) -> MemberView:
    """Register a new member, awaiting verification by staff.

    Every field is validated again here (the conversation's draft is not trusted).
    Raises a ValidationError subclass for bad data, DuplicateNik,
    DuplicateTelegramAccount or BranchNotFound.
    """
    nik_info = parse_nik(nik)
    validate_birth_date(birth_date, today=today)
    check_nik_matches_birth_date(nik_info, birth_date)
    chosen_roles = sorted(set(roles))
    if not chosen_roles:
        raise ValidationError(code="error.role.required")
    member = Member(
        telegram_user_id=telegram_user_id,
        telegram_username=telegram_username,
        full_name=validate_full_name(full_name),
        nik=nik_info.nik,
        sex=nik_sex(nik_info),
        birth_date=birth_date,
        phone=normalize_phone(phone),
        branch_id=branch_id,
        address=validate_address(address),
        bank_name=validate_bank_name(bank_name),
        bank_account_number=validate_bank_account_number(bank_account_number),
        bank_account_holder=validate_account_holder(bank_account_holder),
        status=MemberStatus.AWAITING_VERIFICATION.value,
    )
    async with UnitOfWork(db) as uow:
        branch = await uow.branches.get(branch_id)
        if branch is None or not branch.active:
            raise BranchNotFound()
        if await uow.members.get_by_telegram_id(telegram_user_id) is not None:
            raise DuplicateTelegramAccount()
        if await uow.members.nik_taken(member.nik):
            raise DuplicateNik()
        await uow.telegram_users.ensure(telegram_user_id)
        member.roles = []
        try:
            await uow.members.add(member)
            for role in chosen_roles:
                uow.members.add_role(member, role.value)
            uow.members.record_status_change(
                member,
                from_status=None,
                to_status=member.status,
                actor=REGISTRATION_ACTOR,
                reason="registered in Telegram",
            )
            await uow.session.flush()
        except IntegrityError as error:
            # A concurrent registration won the race on a unique index.
            raise (
                DuplicateNik() if "nik" in str(error.orig) else DuplicateTelegramAccount()
            ) from error
        member.branch = branch
        view = member_view(member)
        await uow.commit()
        return view


async def add_role(db: Database, *, telegram_user_id: int, role: Role) -> MemberView:
    """Give a registered member another role (financier or borrower)."""
    async with UnitOfWork(db) as uow:
        member = await uow.members.get_by_telegram_id_for_update(telegram_user_id)
        if member is None:
            raise MemberNotFound()
        if any(r.role == role.value for r in member.roles):
            raise RoleAlreadyHeld(role=role.value)
        uow.members.add_role(member, role.value)
        await uow.session.flush()
        view = member_view(member)
        await uow.commit()
        return view


async def get_member(db: Database, *, telegram_user_id: int) -> MemberView:
    """The member registered with this Telegram account; raises MemberNotFound."""
    async with UnitOfWork(db, write=False) as uow:
        member = await uow.members.get_by_telegram_id(telegram_user_id)
        if member is None:
            raise MemberNotFound()
        return member_view(member)
