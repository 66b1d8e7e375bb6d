"""Social-connect tables (issue 6): consent, shared entries, contacts, cooperative-held
relations between members, and the staff-set weights.

Shared data lives only while its member consents: withdrawing deletes the member's
entries and contacts in the same transaction (``backend.services.connect_profiles``).
Each entry keeps the member's display text next to its normalised ``name_key`` and the
``match_core`` the matcher compares; ``(kind, match_core, name_key)`` is indexed so a score
can find every stored name that may match without reading profiles one by one, and
``(kind, name_key)`` to load the entries of the names that do.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend.db.models import Base


class ConnectConsent(Base):
    """A member's consent to social connect; ``withdrawn_at`` set means no consent now."""

    __tablename__ = "connect_consents"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    given_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ConnectEntry(Base):
    """One thing a member shared: a workplace, school, place, community or event."""

    __tablename__ = "connect_entries"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('workplace', 'school', 'place', 'community', 'event')", name="kind_known"
        ),
        CheckConstraint(
            "(kind = 'place') = (place_level IS NOT NULL)", name="place_level_iff_place"
        ),
        CheckConstraint(
            "place_level IS NULL OR place_level IN ('kelurahan', 'kecamatan', 'city', 'hometown')",
            name="place_level_known",
        ),
        CheckConstraint("end_year IS NULL OR year IS NULL OR end_year >= year", name="year_order"),
        Index("ix_connect_entries_kind_core", "kind", "match_core", "name_key"),
        Index("ix_connect_entries_kind_key", "kind", "name_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(500))
    match_core: Mapped[str] = mapped_column(String(500))
    place_level: Mapped[str | None] = mapped_column(String(12))
    area: Mapped[str | None] = mapped_column(String(200))
    area_key: Mapped[str | None] = mapped_column(String(500))
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConnectContact(Base):
    """A phone number from a member's shared phone-book contact (E.164, +628…).

    Only the number is kept, never the contact's name; it is matched to members by
    ``members.phone`` when a score is computed, so later registrations match too.
    """

    __tablename__ = "connect_contacts"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    phone: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ConnectRelation(Base):
    """A fact the cooperative holds about two members: a referral, a loan repaid between them.

    Stored once per pair (``member_low`` < ``member_high``), so either direction reads it;
    ``source`` says where it comes from (``loan:<id>``, ``staff:<username>``) and keeps a
    fact from being recorded twice.
    """

    __tablename__ = "connect_relations"
    __table_args__ = (
        CheckConstraint("kind IN ('referral', 'repaid_loan')", name="kind_known"),
        CheckConstraint("member_low < member_high", name="pair_ordered"),
        UniqueConstraint("kind", "member_low", "member_high", "source", name="uq_connect_relation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    member_low: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    member_high: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    source: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(100))


class ConnectSettingsRow(Base):
    """The one row (id 1) of staff-set weights and threshold; see ``ScoreWeights``."""

    __tablename__ = "connect_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    weights: Mapped[dict[str, Any]] = mapped_column(JSON)
    threshold: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(100), default="")


__all__ = [
    "ConnectConsent",
    "ConnectContact",
    "ConnectEntry",
    "ConnectRelation",
    "ConnectSettingsRow",
]
