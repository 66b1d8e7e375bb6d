"""What the social-connect part of the JSON API reads and answers."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from admin_web.routes.api_v1.models import Out, UtcDateTime
from admin_web.schemas import Input
from backend.domain.connect_names import MATCH_THRESHOLD, EntryKind, PlaceLevel
from backend.domain.connect_score import DEFAULT_WEIGHTS, MAX_SCORE, Evidence, ScoreWeights
from backend.services.connect_admin import (
    MemberLabel,
    StaffConnectProfile,
    StaffPairExplanation,
)

Points = Annotated[int, Field(ge=0, le=MAX_SCORE)]


class WeightsIn(Input):
    """Points per evidence category (a category left out takes its default) and the
    name-matching threshold. Inside a dimension a weaker category may not outweigh a
    stronger one (``error.connect.settings.order``)."""

    weights: dict[Evidence, Points]
    threshold: int = Field(ge=50, le=100, description="rapidfuzz similarity names need")


class WeightsOut(Out):
    """``score = min(9, Σ over dimensions of the points of the strongest category found)``."""

    weights: dict[Evidence, int]
    threshold: int
    default_weights: dict[Evidence, int]
    default_threshold: int

    @classmethod
    def of(cls, weights: ScoreWeights) -> WeightsOut:
        return cls(
            weights=dict(weights.points),
            threshold=weights.threshold,
            default_weights=dict(DEFAULT_WEIGHTS),
            default_threshold=MATCH_THRESHOLD,
        )


class MemberLabelOut(Out):
    member_id: int
    full_name: str
    branch_name: str


class EntryOut(Out):
    id: int
    kind: EntryKind
    name: str
    place_level: PlaceLevel | None
    area: str | None
    current: bool
    year: int | None
    end_year: int | None


class SharedProfileOut(Out):
    """What a member chose to share; contacts as a count only. Reading it is audited."""

    member: MemberLabelOut
    consented: bool
    consent_given_at: UtcDateTime | None
    entries: list[EntryOut]
    contact_count: int

    @classmethod
    def of(cls, shared: StaffConnectProfile) -> SharedProfileOut:
        profile = shared.profile
        return cls(
            member=MemberLabelOut.model_validate(shared.member),
            consented=profile.consented,
            consent_given_at=profile.consent_given_at,
            entries=[EntryOut.model_validate(entry) for entry in profile.entries],
            contact_count=profile.contact_count,
        )


class PairMemberOut(MemberLabelOut):
    consented: bool


class ReasonOut(Out):
    category: Evidence
    points: int


class PairOut(Out):
    """Why a pair scores what it does: categories with their points, never entries."""

    financier: PairMemberOut
    borrower: PairMemberOut
    loan_reference: str | None
    score: int
    reasons: list[ReasonOut]
    threshold: int

    @classmethod
    def of(cls, explained: StaffPairExplanation) -> PairOut:
        e = explained.explanation

        def side(member: MemberLabel, consented: bool) -> PairMemberOut:
            return PairMemberOut(
                member_id=member.member_id,
                full_name=member.full_name,
                branch_name=member.branch_name,
                consented=consented,
            )

        return cls(
            financier=side(explained.financier, e.financier_consented),
            borrower=side(explained.borrower, e.borrower_consented),
            loan_reference=explained.loan_reference,
            score=e.score.value,
            reasons=[ReasonOut.model_validate(reason) for reason in e.reasons],
            threshold=e.threshold,
        )
