"""Frozen views of social connect handed to the surfaces (bot, admin web)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_score import ConnectionScore, Evidence


@dataclass(frozen=True, slots=True)
class EntryView:
    """One entry of the member's own profile, as they typed it."""

    id: int
    kind: EntryKind
    name: str
    place_level: PlaceLevel | None
    area: str | None
    current: bool
    year: int | None
    end_year: int | None


@dataclass(frozen=True, slots=True)
class ConnectProfile:
    """What a member shares: consent and their entries by kind. Shown to that member only
    (and to staff with the permission), never to other members."""

    member_id: int
    consented: bool
    consent_given_at: dt.datetime | None
    entries: tuple[EntryView, ...]
    contact_count: int

    def entries_of(self, kind: EntryKind) -> tuple[EntryView, ...]:
        return tuple(entry for entry in self.entries if entry.kind is kind)


@dataclass(frozen=True, slots=True)
class WithdrawalResult:
    """What withdrawing consent deleted (counts only)."""

    entries_deleted: int
    contacts_deleted: int


@dataclass(frozen=True, slots=True)
class ReasonPoints:
    category: Evidence
    points: int


@dataclass(frozen=True, slots=True)
class PairExplanation:
    """Why a financier–borrower pair scores what it does, for staff: categories and
    points, the consents, the threshold; never the members' entries themselves."""

    financier_id: int
    borrower_id: int
    score: ConnectionScore
    reasons: tuple[ReasonPoints, ...]
    financier_consented: bool
    borrower_consented: bool
    threshold: int
