"""The social-connect score between a financier and a borrower: 0 (none) … 9 (strong).

Pure: the two members' shared evidence and what the cooperative holds about the pair go
in, a ``ConnectionScore`` (a number and its reasons as ``Evidence`` categories) comes out.
Never the other member's raw data: reasons are categories only.

Formula (documented in docs/DECISIONS.md, "Social connect (issue 6)")::

    score = min(9, Σ over dimensions of weight(strongest category of the dimension found))

Evidence falls into *dimensions*; inside a dimension the categories are ordered from
strong to weak and only the strongest one found counts (same kelurahan, not also same
kecamatan and same city). Weights are whole points 0–9, data staff can edit
(``ScoreWeights``), and must not increase down a dimension, which keeps the score
monotone: finding more evidence can only swap a category for a stronger one or add one.

Consent: member-shared evidence counts only when **both** members consented. The
cooperative-held categories (``COOPERATIVE_HELD``: same branch, one referred the other,
loans between them repaid) count regardless, because both members took part in those
facts and the cooperative already holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise

from backend.domain.connect_names import (
    MATCH_THRESHOLD,
    EntryKind,
    NormalisedName,
    PlaceLevel,
    names_match,
)
from backend.domain.errors import ValidationError

MAX_SCORE = 9


class Evidence(StrEnum):
    """A reason two members may know each other; the only thing the financier sees."""

    SAME_CURRENT_WORKPLACE = "same_current_workplace"
    SAME_WORKPLACE = "same_workplace"
    CLASSMATES = "classmates"
    SAME_SCHOOL = "same_school"
    SAME_KELURAHAN = "same_kelurahan"
    SAME_KECAMATAN = "same_kecamatan"
    SAME_CITY = "same_city"
    SAME_HOMETOWN = "same_hometown"
    SHARED_COMMUNITY = "shared_community"
    SHARED_EVENT = "shared_event"
    KNOW_EACH_OTHER = "know_each_other"
    ONE_KNOWS_THE_OTHER = "one_knows_the_other"
    REFERRAL = "referral"
    REPAID_LOAN = "repaid_loan"
    SAME_BRANCH = "same_branch"


DIMENSIONS: tuple[tuple[Evidence, ...], ...] = (
    (Evidence.SAME_CURRENT_WORKPLACE, Evidence.SAME_WORKPLACE),
    (Evidence.CLASSMATES, Evidence.SAME_SCHOOL),
    (Evidence.SAME_KELURAHAN, Evidence.SAME_KECAMATAN, Evidence.SAME_CITY),
    (Evidence.SAME_HOMETOWN,),
    (Evidence.SHARED_COMMUNITY,),
    (Evidence.SHARED_EVENT,),
    (Evidence.KNOW_EACH_OTHER, Evidence.ONE_KNOWS_THE_OTHER),
    (Evidence.REFERRAL,),
    (Evidence.REPAID_LOAN,),
    (Evidence.SAME_BRANCH,),
)
"""Each dimension's categories, strongest first; one category per dimension counts."""

REASON_MESSAGE_IDS: Mapping[Evidence, str] = {
    Evidence.SAME_CURRENT_WORKPLACE: "connect.reason.same_current_workplace",
    Evidence.SAME_WORKPLACE: "connect.reason.same_workplace",
    Evidence.CLASSMATES: "connect.reason.classmates",
    Evidence.SAME_SCHOOL: "connect.reason.same_school",
    Evidence.SAME_KELURAHAN: "connect.reason.same_kelurahan",
    Evidence.SAME_KECAMATAN: "connect.reason.same_kecamatan",
    Evidence.SAME_CITY: "connect.reason.same_city",
    Evidence.SAME_HOMETOWN: "connect.reason.same_hometown",
    Evidence.SHARED_COMMUNITY: "connect.reason.shared_community",
    Evidence.SHARED_EVENT: "connect.reason.shared_event",
    Evidence.KNOW_EACH_OTHER: "connect.reason.know_each_other",
    Evidence.ONE_KNOWS_THE_OTHER: "connect.reason.one_knows_the_other",
    Evidence.REFERRAL: "connect.reason.referral",
    Evidence.REPAID_LOAN: "connect.reason.repaid_loan",
    Evidence.SAME_BRANCH: "connect.reason.same_branch",
}
"""The message id under which each reason is told to a member or staff user."""

COOPERATIVE_HELD = frozenset({Evidence.SAME_BRANCH, Evidence.REFERRAL, Evidence.REPAID_LOAN})
"""Facts the cooperative holds about the pair; they count without consent."""

DEFAULT_WEIGHTS: Mapping[Evidence, int] = {
    Evidence.SAME_CURRENT_WORKPLACE: 9,  # KoinWorks: colleagues = 9
    Evidence.SAME_WORKPLACE: 4,
    Evidence.CLASSMATES: 6,
    Evidence.SAME_SCHOOL: 4,
    Evidence.SAME_KELURAHAN: 4,  # KoinWorks: same neighbourhood + same school = 8
    Evidence.SAME_KECAMATAN: 2,
    Evidence.SAME_CITY: 1,
    Evidence.SAME_HOMETOWN: 2,
    Evidence.SHARED_COMMUNITY: 3,
    Evidence.SHARED_EVENT: 1,
    Evidence.KNOW_EACH_OTHER: 9,  # KoinWorks: friends = 9
    Evidence.ONE_KNOWS_THE_OTHER: 5,
    Evidence.REFERRAL: 5,
    Evidence.REPAID_LOAN: 4,
    Evidence.SAME_BRANCH: 1,
}


class InvalidConnectSettings(ValidationError):
    """Staff-set weights or threshold break a rule; ``params`` name the category."""

    default_code = "error.connect.settings"


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Points per evidence category (0–9 each) and the name-matching threshold (50–100).

    Raises ``InvalidConnectSettings`` when a weight is missing or out of range, when a
    weaker category of a dimension outweighs a stronger one (the score would stop being
    monotone), or when the threshold is out of range.
    """

    points: Mapping[Evidence, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: int = MATCH_THRESHOLD

    def __post_init__(self) -> None:
        if set(self.points) != set(Evidence):
            raise InvalidConnectSettings(code="error.connect.settings.categories")
        for category, value in self.points.items():
            if type(value) is not int or not 0 <= value <= MAX_SCORE:
                raise InvalidConnectSettings(
                    code="error.connect.settings.weight", category=category.value, max=MAX_SCORE
                )
        for dimension in DIMENSIONS:
            for stronger, weaker in pairwise(dimension):
                if self.points[weaker] > self.points[stronger]:
                    raise InvalidConnectSettings(
                        code="error.connect.settings.order",
                        category=weaker.value,
                        stronger=stronger.value,
                    )
        if type(self.threshold) is not int or not 50 <= self.threshold <= 100:
            raise InvalidConnectSettings(code="error.connect.settings.threshold")

    def as_json(self) -> dict[str, int]:
        return {category.value: self.points[category] for category in Evidence}

    @classmethod
    def from_json(cls, points: Mapping[str, object], threshold: int) -> ScoreWeights:
        """Stored weights; a category missing from older data takes its default."""
        merged: dict[Evidence, int] = dict(DEFAULT_WEIGHTS)
        known = {category.value for category in Evidence}
        for name, value in points.items():
            if name in known:
                merged[Evidence(name)] = value  # type: ignore[assignment]  # checked below
        return cls(points=merged, threshold=threshold)


@dataclass(frozen=True, slots=True)
class SharedEntry:
    """One normalised entry of a member's profile (workplace, school, place, …)."""

    name: NormalisedName
    current: bool = False  # workplaces: works there now
    year: int | None = None  # schools: year of graduation (or entry)
    place_level: PlaceLevel | None = None  # places only
    area: NormalisedName | None = None  # kelurahan/kecamatan: the city it lies in

    @property
    def kind(self) -> EntryKind:
        return self.name.kind


@dataclass(frozen=True, slots=True)
class MemberEvidence:
    """What one member shared, as the score reads it (normalised, never shown)."""

    member_id: int
    consented: bool
    branch_id: int | None = None
    phone: str | None = None
    entries: tuple[SharedEntry, ...] = ()
    contact_phones: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the cooperative holds about a pair: referral either way, loans repaid between them."""

    referral: bool = False
    repaid_loans: int = 0


@dataclass(frozen=True, slots=True)
class ConnectionScore:
    """The score and its reasons, strongest first (categories only, never raw data)."""

    value: int
    reasons: tuple[Evidence, ...]


NO_CONNECTION = ConnectionScore(value=0, reasons=())


NameMatcher = Callable[[NormalisedName, NormalisedName], bool]
"""Whether two names stand for the same thing: ``names_match`` at the threshold in force,
or a memoised copy of it (a batch meets the same pair of names many times)."""


def name_matcher(threshold: int = MATCH_THRESHOLD) -> NameMatcher:
    """``names_match`` at ``threshold``, as ``entry_evidence`` takes it."""

    def matches(a: NormalisedName, b: NormalisedName) -> bool:
        return names_match(a, b, threshold=threshold)

    return matches


def entry_evidence(a: SharedEntry, b: SharedEntry, matches: NameMatcher) -> Evidence | None:
    """The category two entries prove, if they name the same thing.

    The one rule for a pair of entries, used by ``shared_evidence`` (a pair of members)
    and by the batch score of one financier against many borrowers
    (``backend.services.connect_scores``), so the two cannot drift apart. Symmetric in
    ``a`` and ``b`` when ``matches`` is.
    """
    if a.kind is not b.kind or not matches(a.name, b.name):
        return None
    match a.kind:
        case EntryKind.WORKPLACE:
            both_now = a.current and b.current
            return Evidence.SAME_CURRENT_WORKPLACE if both_now else Evidence.SAME_WORKPLACE
        case EntryKind.SCHOOL:
            same_year = a.year is not None and a.year == b.year
            return Evidence.CLASSMATES if same_year else Evidence.SAME_SCHOOL
        case EntryKind.COMMUNITY:
            return Evidence.SHARED_COMMUNITY
        case EntryKind.EVENT:
            return Evidence.SHARED_EVENT
    if a.place_level is not b.place_level:
        return None
    match a.place_level:
        case PlaceLevel.KELURAHAN if _areas_match(a, b, matches):
            return Evidence.SAME_KELURAHAN
        case PlaceLevel.KECAMATAN if _areas_match(a, b, matches):
            return Evidence.SAME_KECAMATAN
        case PlaceLevel.CITY:
            return Evidence.SAME_CITY
        case PlaceLevel.HOMETOWN:
            return Evidence.SAME_HOMETOWN
    return None


def _areas_match(a: SharedEntry, b: SharedEntry, matches: NameMatcher) -> bool:
    # A kelurahan name is not unique in Indonesia: without a city on either side it only
    # matches when neither says where it is.
    if a.area is None or b.area is None:
        return a.area is None and b.area is None
    return matches(a.area, b.area)


def acquaintance_evidence(a_knows_b: bool, b_knows_a: bool) -> Evidence | None:
    """The category phone contacts prove: each has the other's number, or one has."""
    if a_knows_b and b_knows_a:
        return Evidence.KNOW_EACH_OTHER
    if a_knows_b or b_knows_a:
        return Evidence.ONE_KNOWS_THE_OTHER
    return None


def shared_evidence(
    a: MemberEvidence, b: MemberEvidence, *, threshold: int = MATCH_THRESHOLD
) -> frozenset[Evidence]:
    """Member-shared categories between two profiles (consent is applied by ``score``)."""
    matches = name_matcher(threshold)
    found: set[Evidence] = set()
    for entry in a.entries:
        for other in b.entries:
            category = entry_evidence(entry, other, matches)
            if category is not None:
                found.add(category)
    acquaintance = acquaintance_evidence(
        b.phone is not None and b.phone in a.contact_phones,
        a.phone is not None and a.phone in b.contact_phones,
    )
    if acquaintance is not None:
        found.add(acquaintance)
    return frozenset(found)


def cooperative_categories(*, same_branch: bool, facts: PairFacts) -> frozenset[Evidence]:
    """The cooperative-held categories of a pair (no consent needed)."""
    found: set[Evidence] = set()
    if same_branch:
        found.add(Evidence.SAME_BRANCH)
    if facts.referral:
        found.add(Evidence.REFERRAL)
    if facts.repaid_loans > 0:
        found.add(Evidence.REPAID_LOAN)
    return frozenset(found)


def cooperative_evidence(
    a: MemberEvidence, b: MemberEvidence, facts: PairFacts
) -> frozenset[Evidence]:
    """Categories the cooperative holds about the pair (no consent needed)."""
    same_branch = a.branch_id is not None and a.branch_id == b.branch_id
    return cooperative_categories(same_branch=same_branch, facts=facts)


def score_evidence(evidence: Iterable[Evidence], weights: ScoreWeights) -> ConnectionScore:
    """Map categories found to 0–9: the strongest per dimension, points summed, capped."""
    present = frozenset(evidence)
    reasons = []
    for dimension in DIMENSIONS:
        strongest = next((c for c in dimension if c in present), None)
        if strongest is not None and weights.points[strongest] > 0:
            reasons.append(strongest)
    total = sum(weights.points[c] for c in reasons)
    reasons.sort(key=lambda c: -weights.points[c])  # stable: ties keep dimension order
    return ConnectionScore(value=min(MAX_SCORE, total), reasons=tuple(reasons))


def connection_score(
    a: MemberEvidence,
    b: MemberEvidence,
    *,
    facts: PairFacts = PairFacts(),
    weights: ScoreWeights | None = None,
) -> ConnectionScore:
    """The score of a pair of members (symmetric in ``a`` and ``b``).

    Member-shared evidence counts only when both consented; ``COOPERATIVE_HELD`` always.
    A member is not scored against themself (0).
    """
    if a.member_id == b.member_id:
        return NO_CONNECTION
    weights = weights or ScoreWeights()
    evidence = set(cooperative_evidence(a, b, facts))
    if a.consented and b.consented:
        evidence |= shared_evidence(a, b, threshold=weights.threshold)
    return score_evidence(evidence, weights)
