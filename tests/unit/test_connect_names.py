"""Names members type for social connect: normalisation and fuzzy matching, both directions,
at the documented threshold (``MATCH_THRESHOLD`` = 90)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.domain.connect_names import (
    MATCH_THRESHOLD,
    EntryKind,
    core_similarity,
    cores_that_may_match,
    from_key,
    names_match,
    normalise_name,
)

SCHOOL, WORKPLACE, PLACE = EntryKind.SCHOOL, EntryKind.WORKPLACE, EntryKind.PLACE
COMMUNITY = EntryKind.COMMUNITY


def match(a: str, b: str, kind: EntryKind) -> bool:
    """``names_match`` in both directions; the test fails if they disagree."""
    x, y = normalise_name(a, kind), normalise_name(b, kind)
    forward = names_match(x, y)
    assert names_match(y, x) is forward, (a, b)
    return forward


def test_the_documented_threshold_is_90() -> None:
    assert MATCH_THRESHOLD == 90


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("SMA Negeri 3 Bandung", "sman 3 bandung", SCHOOL),
        ("SMA Negeri 3 Bandung", "SMA N 3 Bandung", SCHOOL),
        ("SMAN3 Bandung", "S.M.A. Negeri 03, Bandung", SCHOOL),
        ("SMP Negeri 1 Cimahi", "smpn 1 cimahi", SCHOOL),
        ("SMK Negeri 2 Surabaya", "SMKN 2 Surabaya", SCHOOL),
        ("SD Negeri 7 Medan", "SDN 7 Medan", SCHOOL),
        ("MAN 2 Jakarta", "Madrasah Aliyah Negeri 2 Jakarta", SCHOOL),
        ("Univ. Padjadjaran", "Universitas Padjajaran", SCHOOL),  # a typo still matches
        ("Universitas Gadjah Mada", "universitas  GADJAH   mada", SCHOOL),
        ("PT Telkom Indonesia", "Telkom", WORKPLACE),
        ("PT Telkom Indonesia (Persero) Tbk", "Telkom Indonesia", WORKPLACE),
        ("CV Maju Jaya", "Maju Jaya", WORKPLACE),
        ("Kel. Cibeunying Kaler", "Kelurahan Cibeunying Kaler", PLACE),
        ("Kab. Bandung", "Kabupaten Bandung", PLACE),
        ("Jaksel", "Jakarta Selatan", PLACE),
        ("Komunitas Sepeda Bandung", "komunitas sepeda bandung", COMMUNITY),
        ("Café Kopi", "Cafe Kopi", WORKPLACE),  # accents do not matter
    ],
)
def test_the_same_name_written_differently_matches(a: str, b: str, kind: EntryKind) -> None:
    assert match(a, b, kind)


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        ("SMA Negeri 3 Bandung", "SMA Negeri 5 Bandung", SCHOOL),  # numbers must agree
        ("SMA Negeri 3 Bandung", "SMP Negeri 3 Bandung", SCHOOL),  # levels must agree
        ("SMA Negeri 3 Bandung", "SMK Negeri 3 Bandung", SCHOOL),
        ("SMA Negeri 3 Bandung", "SMA Negeri 3 Cimahi", SCHOOL),
        ("SMA Negeri 3 Bandung", "SMA Negeri 3", SCHOOL),  # which town? not guessed
        ("Universitas Indonesia", "Universitas Pendidikan Indonesia", SCHOOL),
        ("Universitas Indonesia", "UI", SCHOOL),  # acronyms are not expanded blindly
        ("Institut Teknologi Bandung", "ITB", SCHOOL),
        ("Universitas Indonesia", "Universitas", SCHOOL),
        ("Telkom", "Telkomsel", WORKPLACE),
        ("Bank Rakyat Indonesia", "Bank Negara Indonesia", WORKPLACE),
        ("Cibeunying Kaler", "Cibeunying Kidul", PLACE),
        ("Kota Bandung", "Kabupaten Bandung", PLACE),
        ("Bandung", "Bandung Barat", PLACE),
        ("Arisan RT 05", "Arisan RT 07", COMMUNITY),
    ],
)
def test_different_names_do_not_match(a: str, b: str, kind: EntryKind) -> None:
    assert not match(a, b, kind)


def test_names_of_different_kinds_never_match() -> None:
    assert not names_match(normalise_name("Bandung", PLACE), normalise_name("Bandung", COMMUNITY))


def test_normalisation_writes_out_abbreviations_and_drops_legal_forms() -> None:
    assert normalise_name("SMAN 3 Bandung", SCHOOL).key == "sma negeri 3 bandung"
    assert normalise_name("Univ. Padjadjaran", SCHOOL).key == "universitas padjadjaran"
    assert normalise_name("PT. Telkom Indonesia (Persero) Tbk", WORKPLACE).key == "telkom indonesia"
    assert normalise_name("Kec. Coblong", PLACE).key == "kecamatan coblong"
    assert normalise_name("Kab. Bogor", PLACE).key == "kabupaten bogor"


def test_school_abbreviations_are_not_applied_to_other_kinds() -> None:
    # "MAN" is Madrasah Aliyah Negeri only in a school's name.
    assert normalise_name("Man Jaya Motor", WORKPLACE).key == "man jaya motor"
    assert normalise_name("PT Maju", SCHOOL).key == "pt maju"  # legal forms only for workplaces


def test_the_core_is_the_distinctive_part_and_keeps_the_key_when_there_is_none() -> None:
    school = normalise_name("SMA Negeri 3 Bandung", SCHOOL)
    assert (school.core, school.numbers, school.levels) == ("bandung", ("3",), {"sma"})
    assert normalise_name("SMA Negeri 3", SCHOOL).core == "sma_negeri_3"


def test_a_name_of_emoji_only_normalises_to_nothing_and_matches_nothing() -> None:
    emoji = normalise_name("🎉🎉", COMMUNITY)
    assert emoji.key == ""
    assert not names_match(emoji, normalise_name("🎉🎉", COMMUNITY))


def test_the_threshold_decides_borderline_names() -> None:
    a, b = normalise_name("Telkom", WORKPLACE), normalise_name("Telkomsel", WORKPLACE)
    assert core_similarity(WORKPLACE, a.core, b.core) == 80
    assert not names_match(a, b)
    assert names_match(a, b, threshold=80)


def test_the_prefilter_keeps_every_stored_core_that_matches() -> None:
    query = normalise_name("PT Telkom Indonesia", WORKPLACE)
    stored = ["telkom", "telkomsel", "pertamina", "telkom akses"]
    assert cores_that_may_match(WORKPLACE, query.core, stored) == ["telkom", "telkom akses"]


WORDS = st.sampled_from(
    ["sma", "negeri", "3", "5", "bandung", "telkom", "pt", "kel", "univ", "jaya", "maju", "ui"]
)


@given(st.lists(WORDS, min_size=1, max_size=5), st.lists(WORDS, min_size=1, max_size=5))
def test_matching_is_symmetric_and_agrees_with_the_prefilter(a: list[str], b: list[str]) -> None:
    for kind in EntryKind:
        x, y = normalise_name(" ".join(a), kind), normalise_name(" ".join(b), kind)
        assert names_match(x, y) is names_match(y, x)
        if names_match(x, y):
            assert cores_that_may_match(kind, x.core, [y.core]) == [y.core]


@given(st.text(max_size=60))
def test_normalising_twice_changes_nothing(text: str) -> None:
    for kind in EntryKind:
        once = normalise_name(text, kind)
        assert normalise_name(once.key, kind).key == once.key


@given(st.text(max_size=60))
def test_a_stored_key_reads_back_as_the_same_normalised_name(text: str) -> None:
    for kind in EntryKind:
        name = normalise_name(text, kind)
        assert from_key(kind, name.key) == name
