"""The social-connect score: its properties (Hypothesis) and KoinWorks' worked examples."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.connect_names import EntryKind, PlaceLevel, normalise_name
from backend.domain.connect_score import (
    COOPERATIVE_HELD,
    DEFAULT_WEIGHTS,
    MAX_SCORE,
    Evidence,
    InvalidConnectSettings,
    MemberEvidence,
    PairFacts,
    ScoreWeights,
    SharedEntry,
    connection_score,
    score_evidence,
)


def workplace(name: str, *, current: bool = True) -> SharedEntry:
    return SharedEntry(name=normalise_name(name, EntryKind.WORKPLACE), current=current)


def school(name: str, year: int | None = None) -> SharedEntry:
    return SharedEntry(name=normalise_name(name, EntryKind.SCHOOL), year=year)


def place(level: PlaceLevel, name: str, city: str | None = None) -> SharedEntry:
    return SharedEntry(
        name=normalise_name(name, EntryKind.PLACE),
        place_level=level,
        area=normalise_name(city, EntryKind.PLACE) if city else None,
    )


def community(name: str) -> SharedEntry:
    return SharedEntry(name=normalise_name(name, EntryKind.COMMUNITY))


def member(member_id: int, *entries: SharedEntry, **fields: object) -> MemberEvidence:
    values: dict[str, object] = {
        "member_id": member_id,
        "consented": True,
        "branch_id": member_id * 100,  # different branches unless a test says otherwise
        "phone": f"+62812000{member_id:04d}",
        "entries": entries,
    }
    values.update(fields)
    return MemberEvidence(**values)  # type: ignore[arg-type]


# ------------------------------------------------------------------ KoinWorks' worked examples


def test_koinworks_colleagues_score_9() -> None:
    rina = member(1, workplace("PT Telkom Indonesia"))
    budi = member(2, workplace("Telkom"))
    score = connection_score(rina, budi)
    assert score.value == 9
    assert score.reasons == (Evidence.SAME_CURRENT_WORKPLACE,)


def test_koinworks_friends_score_9() -> None:
    rina = member(1, contact_phones=frozenset({"+628120000002"}))
    budi = member(2, contact_phones=frozenset({"+628120000001"}))
    score = connection_score(rina, budi)
    assert (score.value, score.reasons) == (9, (Evidence.KNOW_EACH_OTHER,))


def test_koinworks_same_neighbourhood_and_same_school_score_8() -> None:
    def profile(member_id: int, school_name: str, kelurahan: str) -> MemberEvidence:
        return member(
            member_id,
            school(school_name),
            place(PlaceLevel.KELURAHAN, kelurahan, "Kota Bandung"),
            place(PlaceLevel.KECAMATAN, "Coblong", "Kota Bandung"),
            place(PlaceLevel.CITY, "Kota Bandung"),
        )

    rina = profile(1, "SMA Negeri 3 Bandung", "Kel. Dago")
    budi = profile(2, "sman 3 bandung", "Kelurahan Dago")
    score = connection_score(rina, budi)
    assert score.value == 8
    # The place counts once, at its most specific level.
    assert set(score.reasons) == {Evidence.SAME_SCHOOL, Evidence.SAME_KELURAHAN}


def test_a_kelurahan_of_the_same_name_in_another_city_is_not_the_same_neighbourhood() -> None:
    rina = member(1, place(PlaceLevel.KELURAHAN, "Sukamaju", "Kota Depok"))
    budi = member(2, place(PlaceLevel.KELURAHAN, "Sukamaju", "Kabupaten Bogor"))
    assert connection_score(rina, budi).value == 0


def test_former_colleagues_and_classmates_score_less_than_current_ones() -> None:
    rina = member(1, workplace("Pertamina", current=False), school("SMAN 1 Medan", 2008))
    budi = member(2, workplace("PT Pertamina (Persero)"), school("SMA Negeri 1 Medan", 2008))
    score = connection_score(rina, budi)
    assert score.reasons == (Evidence.CLASSMATES, Evidence.SAME_WORKPLACE)
    assert score.value == MAX_SCORE  # 6 + 4, capped


def test_one_way_acquaintance_counts_less_than_mutual() -> None:
    rina = member(1, contact_phones=frozenset({"+628120000002"}))
    budi = member(2)
    assert connection_score(rina, budi).reasons == (Evidence.ONE_KNOWS_THE_OTHER,)
    assert connection_score(rina, budi).value == DEFAULT_WEIGHTS[Evidence.ONE_KNOWS_THE_OTHER]


def test_without_consent_only_cooperative_held_facts_count() -> None:
    rina = member(1, workplace("Telkom"), branch_id=7)
    budi = member(2, workplace("Telkom"), branch_id=7, consented=False)
    facts = PairFacts(referral=True, repaid_loans=2)
    score = connection_score(rina, budi, facts=facts)
    assert set(score.reasons) == {Evidence.REFERRAL, Evidence.REPAID_LOAN, Evidence.SAME_BRANCH}
    assert score.value == 9  # 5 + 4 + 1, capped
    assert connection_score(rina, budi).value == 1  # same branch only


def test_a_member_is_not_scored_against_themself() -> None:
    rina = member(1, workplace("Telkom"))
    assert connection_score(rina, rina).value == 0


# ------------------------------------------------------------------ weights


def test_weights_are_data_and_are_validated() -> None:
    points = dict(DEFAULT_WEIGHTS)
    with pytest.raises(InvalidConnectSettings) as error:
        ScoreWeights(points={**points, Evidence.SAME_CITY: 10})
    assert error.value.code == "error.connect.settings.weight"
    with pytest.raises(InvalidConnectSettings) as error:
        ScoreWeights(points={**points, Evidence.SAME_CITY: 3})  # above kecamatan (2)
    assert error.value.code == "error.connect.settings.order"
    assert error.value.params == {"category": "same_city", "stronger": "same_kecamatan"}
    with pytest.raises(InvalidConnectSettings) as error:
        ScoreWeights(threshold=101)
    assert error.value.code == "error.connect.settings.threshold"
    with pytest.raises(InvalidConnectSettings) as error:
        ScoreWeights(points={Evidence.SAME_CITY: 1})
    assert error.value.code == "error.connect.settings.categories"


def test_stored_weights_missing_a_category_take_its_default() -> None:
    weights = ScoreWeights.from_json({"same_branch": 0, "unknown": 4}, 85)
    assert weights.points[Evidence.SAME_BRANCH] == 0
    assert weights.points[Evidence.REFERRAL] == DEFAULT_WEIGHTS[Evidence.REFERRAL]
    assert weights.threshold == 85


def test_a_category_weighted_zero_is_no_reason() -> None:
    weights = ScoreWeights(points={**DEFAULT_WEIGHTS, Evidence.SAME_BRANCH: 0})
    assert score_evidence({Evidence.SAME_BRANCH}, weights).reasons == ()


# ------------------------------------------------------------------ properties

VOCABULARY = {
    EntryKind.WORKPLACE: ["PT Telkom Indonesia", "Telkom", "Pertamina", "Bank Mandiri"],
    EntryKind.SCHOOL: ["SMA Negeri 3 Bandung", "SMAN 3 Bandung", "SMA Negeri 5 Bandung", "UI"],
    EntryKind.COMMUNITY: ["Komunitas Sepeda Bandung", "Arisan Melati", "Alumni ITB"],
    EntryKind.EVENT: ["Rapat Anggota Tahunan 2025", "Pelatihan UMKM 2026"],
}
CITIES = ["Kota Bandung", "Bandung", "Kota Depok"]
PHONES = [f"+62812000{n:04d}" for n in range(1, 5)]


@st.composite
def entries(draw: st.DrawFn) -> SharedEntry:
    kind = draw(st.sampled_from(list(EntryKind)))
    if kind is EntryKind.PLACE:
        level = draw(st.sampled_from(list(PlaceLevel)))
        name = draw(st.sampled_from(["Dago", "Kel. Dago", "Coblong", *CITIES]))
        city = (
            draw(st.sampled_from(CITIES))
            if level in (PlaceLevel.KELURAHAN, PlaceLevel.KECAMATAN)
            else None
        )
        return place(level, name, city)
    name = normalise_name(draw(st.sampled_from(VOCABULARY[kind])), kind)
    return SharedEntry(
        name=name,
        current=draw(st.booleans()),
        year=draw(st.sampled_from([None, 2008, 2009])),
    )


@st.composite
def members(draw: st.DrawFn, member_id: int) -> MemberEvidence:
    return MemberEvidence(
        member_id=member_id,
        consented=draw(st.booleans()),
        branch_id=draw(st.sampled_from([1, 2])),
        phone=PHONES[member_id - 1],
        entries=tuple(draw(st.lists(entries(), max_size=5))),
        contact_phones=frozenset(draw(st.lists(st.sampled_from(PHONES), max_size=3))),
    )


facts_strategy = st.builds(PairFacts, referral=st.booleans(), repaid_loans=st.integers(0, 3))


@st.composite
def weight_sets(draw: st.DrawFn) -> ScoreWeights:
    """Any valid weights: each dimension's points non-increasing from strong to weak."""
    from backend.domain.connect_score import DIMENSIONS

    points: dict[Evidence, int] = {}
    for dimension in DIMENSIONS:
        values = sorted(
            draw(st.lists(st.integers(0, 9), min_size=len(dimension), max_size=len(dimension))),
            reverse=True,
        )
        points.update(zip(dimension, values, strict=True))
    return ScoreWeights(points=points, threshold=draw(st.integers(80, 100)))


@given(members(1), members(2), facts_strategy, weight_sets())
def test_the_score_is_symmetric_and_between_0_and_9(
    a: MemberEvidence, b: MemberEvidence, facts: PairFacts, weights: ScoreWeights
) -> None:
    forward = connection_score(a, b, facts=facts, weights=weights)
    assert forward == connection_score(b, a, facts=facts, weights=weights)
    assert 0 <= forward.value <= MAX_SCORE
    assert all(isinstance(reason, Evidence) for reason in forward.reasons)


@given(members(1), members(2), facts_strategy, weight_sets())
def test_without_both_consents_only_cooperative_held_categories_remain(
    a: MemberEvidence, b: MemberEvidence, facts: PairFacts, weights: ScoreWeights
) -> None:
    b = dataclasses.replace(b, consented=False)
    score = connection_score(a, b, facts=facts, weights=weights)
    assert set(score.reasons) <= COOPERATIVE_HELD
    no_facts = dataclasses.replace(b, branch_id=None)
    assert connection_score(a, no_facts, weights=weights).value == 0


@given(members(1), members(2), facts_strategy, weight_sets(), entries(), st.sampled_from(PHONES))
def test_more_shared_evidence_never_lowers_the_score(
    a: MemberEvidence,
    b: MemberEvidence,
    facts: PairFacts,
    weights: ScoreWeights,
    extra: SharedEntry,
    phone: str,
) -> None:
    before = connection_score(a, b, facts=facts, weights=weights).value
    richer = dataclasses.replace(
        a, entries=(*a.entries, extra), contact_phones=a.contact_phones | {phone}
    )
    more_facts = PairFacts(referral=True, repaid_loans=facts.repaid_loans + 1)
    assert connection_score(richer, b, facts=facts, weights=weights).value >= before
    assert connection_score(a, b, facts=more_facts, weights=weights).value >= before


@given(members(1), members(2), facts_strategy)
def test_mutual_acquaintance_or_the_same_current_workplace_reaches_at_least_8(
    a: MemberEvidence, b: MemberEvidence, facts: PairFacts
) -> None:
    a, b = dataclasses.replace(a, consented=True), dataclasses.replace(b, consented=True)
    friends_a = dataclasses.replace(a, contact_phones=a.contact_phones | {b.phone or ""})
    friends_b = dataclasses.replace(b, contact_phones=b.contact_phones | {a.phone or ""})
    assert connection_score(friends_a, friends_b, facts=facts).value >= 8
    colleagues_a = dataclasses.replace(a, entries=(*a.entries, workplace("Telkom")))
    colleagues_b = dataclasses.replace(b, entries=(*b.entries, workplace("PT Telkom Indonesia")))
    assert connection_score(colleagues_a, colleagues_b, facts=facts).value >= 8
