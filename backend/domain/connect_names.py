"""Names members type for social connect, normalised and matched fuzzily (issue 6).

Members write the same school, employer or place in many ways: ``SMAN 3 Bandung``,
``sma negeri 3 bandung``, ``SMA N 3 Bandung``; ``PT Telkom Indonesia (Persero) Tbk`` and
``Telkom``. ``normalise_name`` turns a name into a ``NormalisedName``:

1. Unicode NFKC, accents removed, lower case; every character that is not a letter or a
   digit becomes a space; digits glued to letters are split (``sman3`` → ``sman 3``);
   leading zeros dropped (``03`` → ``3``).
2. Common Indonesian abbreviations are written out (``ABBREVIATIONS``; school ones such as
   ``SMAN``/``MAN`` only for schools, place ones such as ``Kel.``/``Kab.`` only for places).
   Acronyms that name one institution (``UI``, ``ITB``, ``BRI``) are *not* expanded: a
   guess would make different institutions match.
3. For workplaces the legal form is dropped (``PT``, ``CV``, ``Tbk``, ``Persero``).

The result keeps the whole ``key`` (stored next to the display text), the ``numbers`` and
the institution ``levels`` it names (SMA, SMP, universitas, kota/kabupaten…), and the
``core``: the distinctive words, i.e. without numbers, levels and generic words
(``negeri``, ``indonesia``, ``kelurahan``…). A name with no distinctive word keeps its
whole key as its core, as one token (``universitas_indonesia``), so it matches only a name
that is nearly the same as a whole.

Two names match (``names_match``) when all of these hold:

* the same kind of entry;
* the same numbers (``SMA Negeri 3 Bandung`` never matches ``SMA Negeri 5 Bandung``);
* the same levels when both name one (``SMA 3 Bandung`` never matches ``SMP 3 Bandung``;
  ``SMA 3 Bandung`` matches ``SMA Negeri 3 Bandung``);
* ``similarity`` of the cores ≥ the threshold (``MATCH_THRESHOLD`` = 90 of 100 unless staff
  set another). Places use rapidfuzz's ``token_sort_ratio`` (word order ignored, typos
  tolerated, no subset: ``Cibeunying Kaler`` is not ``Cibeunying Kidul``); the other kinds
  use ``token_set_ratio``, so a short name matches a longer one containing it (``Telkom`` ~
  ``PT Telkom Indonesia``) while ``Telkom`` and ``Telkomsel`` (80) do not match.

The core is what the database indexes, so a service can find every stored name that may
match with one pass of rapidfuzz over the distinct cores and then confirm with
``names_match``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rapidfuzz import fuzz, process

MATCH_THRESHOLD = 90
"""Minimum rapidfuzz similarity (0–100) of two cores for the names to match."""

NAME_MAX_LENGTH = 200


class EntryKind(StrEnum):
    """What a shared profile entry is about."""

    WORKPLACE = "workplace"
    SCHOOL = "school"
    PLACE = "place"
    COMMUNITY = "community"
    EVENT = "event"


class PlaceLevel(StrEnum):
    """Which level of place an entry names; compared only with the same level."""

    KELURAHAN = "kelurahan"
    KECAMATAN = "kecamatan"
    CITY = "city"
    HOMETOWN = "hometown"


_PHRASES: dict[EntryKind | None, tuple[tuple[str, str], ...]] = {
    None: (
        (r"univ", "universitas"),
        (r"poltek", "politeknik"),
        (r"assoc|asosiasi", "asosiasi"),
    ),
    EntryKind.SCHOOL: (
        (r"sekolah dasar", "sd"),
        (r"sekolah menengah pertama", "smp"),
        (r"sekolah menengah atas", "sma"),
        (r"sekolah menengah kejuruan", "smk"),
        (r"madrasah aliyah", "ma"),
        (r"madrasah tsanawiyah", "mts"),
        (r"madrasah ibtidaiyah", "mi"),
        (r"sman", "sma negeri"),
        (r"smpn", "smp negeri"),
        (r"smkn", "smk negeri"),
        (r"sdn", "sd negeri"),
        (r"man", "ma negeri"),
        (r"mtsn", "mts negeri"),
        (r"min", "mi negeri"),
        (r"(sd|smp|sma|smk|ma|mts|mi) (n|neg)", r"\1 negeri"),
        (r"(sd|smp|sma|smk|ma|mts|mi) (s|swt)", r"\1 swasta"),
    ),
    EntryKind.PLACE: (
        (r"kel|kelurahan", "kelurahan"),
        (r"kec|kecamatan", "kecamatan"),
        (r"kab|kabupaten", "kabupaten"),
        (r"kodya|kotamadya|kota", "kota"),
        (r"ds", "desa"),
        (r"jaksel", "jakarta selatan"),
        (r"jakbar", "jakarta barat"),
        (r"jaktim", "jakarta timur"),
        (r"jakut", "jakarta utara"),
        (r"jakpus", "jakarta pusat"),
    ),
}
ABBREVIATIONS: dict[EntryKind | None, tuple[tuple[re.Pattern[str], str], ...]] = {
    kind: tuple((re.compile(rf"\b(?:{pattern})\b"), repl) for pattern, repl in phrases)
    for kind, phrases in _PHRASES.items()
}
"""Whole-word rewrites per kind (``None``: every kind), applied in order after cleaning."""

LEGAL_FORMS = frozenset({"pt", "cv", "tbk", "persero"})
"""Dropped from workplaces: ``PT Telkom Indonesia (Persero) Tbk`` is Telkom Indonesia."""

LEVELS = frozenset(
    {"sd", "smp", "sma", "smk", "ma", "mts", "mi", "universitas", "institut", "politeknik",
     "akademi", "kota", "kabupaten"}
)  # fmt: skip
"""Institution types (and city vs regency): when both names state one, they must agree."""

GENERIC_WORDS = frozenset(
    {"negeri", "swasta", "indonesia", "sekolah", "tinggi", "bank", "kelurahan", "kecamatan",
     "desa", "komunitas", "ikatan", "alumni", "kelompok", "klub", "club", "asosiasi",
     "perkumpulan", "paguyuban", "himpunan", "arisan", "acara", "kegiatan"}
)  # fmt: skip
"""Words too common to tell two names apart; they never make a name's core on their own."""


@dataclass(frozen=True, slots=True)
class NormalisedName:
    """A name reduced to what matching compares (see the module docstring)."""

    kind: EntryKind
    key: str
    core: str
    numbers: tuple[str, ...]
    levels: frozenset[str]


def clean_text(raw: str) -> str:
    """Lower-case ASCII letters and digits separated by single spaces."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", raw))
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char.lower() if char.isalnum() and char.isascii() else " ")
    text = "".join(kept)
    text = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", text)
    return " ".join(text.split())


def normalise_name(raw: str, kind: EntryKind) -> NormalisedName:
    """The normalised form of a name a member typed for an entry of ``kind``."""
    text = clean_text(raw)
    for rules in (ABBREVIATIONS[None], ABBREVIATIONS.get(kind, ())):
        for pattern, replacement in rules:
            text = pattern.sub(replacement, text)
    words = [w.lstrip("0") or "0" if w.isdigit() else w for w in text.split()]
    if kind is EntryKind.WORKPLACE:
        words = [w for w in words if w not in LEGAL_FORMS]
    return _from_words(kind, words)


def from_key(kind: EntryKind, key: str) -> NormalisedName:
    """The ``NormalisedName`` of a stored ``key`` (already normalised): cheap, no rewriting.

    ``from_key(kind, normalise_name(text, kind).key) == normalise_name(text, kind)``.
    """
    return _from_words(kind, key.split())


def _from_words(kind: EntryKind, words: list[str]) -> NormalisedName:
    distinctive = [w for w in words if not (w.isdigit() or w in LEVELS or w in GENERIC_WORDS)]
    return NormalisedName(
        kind=kind,
        key=" ".join(words),
        # Without a distinctive word the whole key is the core, glued into one token so
        # that "universitas" is not taken as a subset of "universitas indonesia".
        core=" ".join(distinctive) if distinctive else "_".join(words),
        numbers=tuple(sorted(w for w in words if w.isdigit())),
        levels=frozenset(w for w in words if w in LEVELS),
    )


def core_similarity(kind: EntryKind, core: str, other_core: str) -> float:
    """rapidfuzz similarity (0–100) of two cores, with the scorer for ``kind``.

    The same function a service uses to prefilter stored names, so the prefilter never
    drops a name ``names_match`` would accept.
    """
    if kind is EntryKind.PLACE:
        return float(fuzz.token_sort_ratio(core, other_core))
    return float(fuzz.token_set_ratio(core, other_core))


def names_match(a: NormalisedName, b: NormalisedName, *, threshold: int = MATCH_THRESHOLD) -> bool:
    """Whether two normalised names stand for the same school, workplace, place…"""
    if a.kind is not b.kind or a.numbers != b.numbers or not a.key or not b.key:
        return False
    if a.levels and b.levels and a.levels != b.levels:
        return False
    return core_similarity(a.kind, a.core, b.core) >= threshold


def cores_that_may_match(
    kind: EntryKind, core: str, candidates: Sequence[str], *, threshold: int = MATCH_THRESHOLD
) -> list[str]:
    """The candidate cores whose similarity to ``core`` reaches the threshold.

    One rapidfuzz pass in C++ over many stored cores: the prefilter of a batch score. It
    uses ``core_similarity``'s scorer, so every pair ``names_match`` accepts is kept.
    """
    scorer = fuzz.token_sort_ratio if kind is EntryKind.PLACE else fuzz.token_set_ratio
    found = process.extract(core, candidates, scorer=scorer, score_cutoff=threshold, limit=None)
    return [choice for choice, _score, _index in found]
