"""Frozen data handed from services to the surfaces (bot, admin web). Never ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.domain.members import MemberStatus, Role


@dataclass(frozen=True, slots=True)
class BranchView:
    id: int
    code: str
    name: str
    city: str
    timezone: str


@dataclass(frozen=True, slots=True)
class BranchPage:
    branches: tuple[BranchView, ...]
    page: int
    page_count: int
    total: int
    search: str | None


@dataclass(frozen=True, slots=True)
class MemberView:
    id: int
    telegram_user_id: int
    full_name: str
    nik: str
    sex: str
    birth_date: dt.date
    phone: str
    branch: BranchView
    address: str
    bank_name: str
    bank_account_number: str
    bank_account_holder: str
    status: MemberStatus
    roles: tuple[Role, ...]
    registered_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sent an update: their Telegram id, chosen language and member record, if any."""

    telegram_user_id: int
    language: str | None
    member: MemberView | None
