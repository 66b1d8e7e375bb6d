"""SQLAlchemy models. Money columns (later issues) are BIGINT rupiah; never Numeric."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MEMBER_STATUSES = ("awaiting_verification", "verified", "rejected", "deactivated")
MEMBER_ROLES = ("financier", "borrower")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _now() -> Any:
    return func.now()


class Branch(Base):
    """A branch (cabang) of the cooperative; members belong to one."""

    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    city: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class TelegramUser(Base):
    """A Telegram account that has talked to the bot, with its chosen language.

    The language lives here (not on the member) so it works before registration too.
    """

    __tablename__ = "telegram_users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    first_seen_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now()
    )


class Member(Base):
    """A registered cooperative member."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "status IN ('awaiting_verification', 'verified', 'rejected', 'deactivated')",
            name="status_known",
        ),
        CheckConstraint("sex IN ('F', 'M')", name="sex_known"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("telegram_users.id"), unique=True
    )
    telegram_username: Mapped[str | None] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(100))
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    sex: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[dt.date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), index=True)
    address: Mapped[str] = mapped_column(String(300))
    bank_name: Mapped[str] = mapped_column(String(50))
    bank_account_number: Mapped[str] = mapped_column(String(20))
    bank_account_holder: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(24), default="awaiting_verification", index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now(), onupdate=_now()
    )

    branch: Mapped[Branch] = relationship(lazy="raise")
    roles: Mapped[list[MemberRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="MemberRole.granted_at"
    )


class MemberRole(Base):
    """A role a member holds: financier (pendana) or borrower (peminjam)."""

    __tablename__ = "member_roles"
    __table_args__ = (CheckConstraint("role IN ('financier', 'borrower')", name="role_known"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class MemberStatusChange(Base):
    """History of a member's status: who changed it, when and why (append-only)."""

    __tablename__ = "member_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=_now())


class ProcessedUpdate(Base):
    """Telegram updates already taken, to make redelivery harmless.

    Kept for a limited time (update ids may jump after a week, REFERENCE §1).
    """

    __tablename__ = "processed_updates"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now(), index=True
    )


class ConversationState(Base):
    """Where a chat is in a conversation (aiogram FSM): state name and draft answers."""

    __tablename__ = "conversation_states"

    storage_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {})
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=_now(), onupdate=_now()
    )


Index("ix_members_full_name", Member.full_name)
__all__ = [
    "MEMBER_ROLES",
    "MEMBER_STATUSES",
    "Base",
    "Branch",
    "ConversationState",
    "Member",
    "MemberRole",
    "MemberStatusChange",
    "ProcessedUpdate",
    "TelegramUser",
]

# The staff tables live in their own module; importing it here registers them on Base
# wherever the metadata is used (migrations, tests).
from backend.db import models_connect as _models_connect  # noqa: E402, F401
from backend.db import models_ledger as _models_ledger  # noqa: E402, F401
from backend.db import models_loans as _models_loans  # noqa: E402, F401
from backend.db import models_staff as _models_staff  # noqa: E402, F401
from backend.db import models_wallet as _models_wallet  # noqa: E402, F401
