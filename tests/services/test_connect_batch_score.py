"""The batch score of one financier against many borrowers equals the pure score of each pair.

``connect_scores.score_borrowers`` computes evidence per matched stored entry, not per pair
of members, and scores each distinct combination of evidence once. These tests fill the
database with random profiles through the services (matching spellings, near misses,
places in other cities, consent given, never given and withdrawn, contacts both ways,
referrals and repaid loans, two branches), then compare, for every member as the
financier and every other member as the borrower, the batch result with
``connection_score`` of the two profiles read back independently (the display names
normalised again). Both databases.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.models_connect import ConnectConsent, ConnectContact, ConnectEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_names import EntryKind, PlaceLevel, normalise_name
from backend.domain.connect_rules import DuplicateConnectEntry
from backend.domain.connect_score import (
    MemberEvidence,
    PairFacts,
    ScoreWeights,
    SharedEntry,
    connection_score,
)
from backend.services import connect_profiles, connect_scores
from backend.services.audit import SYSTEM
from tests.connect_factories import NOW, member, phone_of
from tests.wallet_factories import as_staff

MEMBERS = 18
WORKPLACES = (
    "PT Telkom Indonesia (Persero) Tbk", "Telkom", "Telkomsel", "Pertamina",
    "PT Pertamina (Persero)", "Bank Mandiri", "Mandiri Sekuritas",
)  # fmt: skip
SCHOOLS = (
    "SMA Negeri 3 Bandung", "SMAN 3 Bandung", "SMA N 3 Bandung", "SMP Negeri 3 Bandung",
    "SMA Negeri 5 Bandung", "Universitas Indonesia", "UI", "Univ. Padjadjaran",
)  # fmt: skip
KELURAHAN = ("Dago", "Kel. Dago", "Sukamaju", "Lebakgede")
KECAMATAN = ("Coblong", "Kec. Coblong", "Cibeunying Kaler", "Cibeunying Kidul")
CITIES = ("Kota Bandung", "Bandung", "Bandung Barat", "Kota Depok")
HOMETOWNS = ("Garut", "Tasikmalaya", "Kab. Garut")
COMMUNITIES = (
    "Komunitas Sepeda Bandung", "Klub Sepeda Bandung", "Arisan Melati", "Ikatan Alumni ITB",
)  # fmt: skip
EVENTS = ("Rapat Anggota Tahunan 2025", "Rapat Anggota Tahunan 2024", "Pelatihan UMKM 2025")
YEARS = (None, 2008, 2009)


async def _random_entry(db: Database, rng: random.Random, member_id: int) -> None:
    kind = rng.choice(list(EntryKind))
    fields: dict[str, object] = {}
    match kind:
        case EntryKind.WORKPLACE:
            name = rng.choice(WORKPLACES)
            fields["current"] = rng.random() < 0.6
        case EntryKind.SCHOOL:
            name = rng.choice(SCHOOLS)
            fields["year"] = rng.choice(YEARS)
        case EntryKind.COMMUNITY:
            name = rng.choice(COMMUNITIES)
        case EntryKind.EVENT:
            name = rng.choice(EVENTS)
        case EntryKind.PLACE:
            level = rng.choice(list(PlaceLevel))
            fields["place_level"] = level
            if level is PlaceLevel.KELURAHAN:
                name, fields["area"] = rng.choice(KELURAHAN), rng.choice(CITIES)
            elif level is PlaceLevel.KECAMATAN:
                name, fields["area"] = rng.choice(KECAMATAN), rng.choice(CITIES)
            elif level is PlaceLevel.CITY:
                name = rng.choice(CITIES)
            else:
                name = rng.choice(HOMETOWNS)
    # The same normalised name twice in one profile is refused, as it should be: skip it.
    with contextlib.suppress(DuplicateConnectEntry):
        await connect_profiles.add_entry(
            db,
            member_id=member_id,
            kind=kind,
            name=name,
            now=NOW,
            **fields,  # type: ignore[arg-type]
        )


@dataclass(frozen=True, slots=True)
class Population:
    ids: tuple[int, ...]
    facts: dict[frozenset[int], PairFacts]


async def _populate(db: Database, seed: int) -> Population:
    """Random members and profiles, through the services as members would fill them."""
    rng = random.Random(seed)
    ids: list[int] = []
    for n in range(1, MEMBERS + 1):
        who = await member(db, n, branch_code=rng.choice(("JKT01", "BDG01")))
        ids.append(who.id)
    for n, member_id in enumerate(ids, start=1):
        if rng.random() < 0.15:
            continue  # never consented
        await connect_profiles.give_consent(db, member_id=member_id, now=NOW)
        for _ in range(rng.randint(0, 6)):
            await _random_entry(db, rng, member_id)
        others = [k for k in range(1, MEMBERS + 1) if k != n]
        for k in rng.sample(others, rng.randint(0, 3)):
            await connect_profiles.add_contact(db, member_id=member_id, phone=phone_of(k), now=NOW)
        if rng.random() < 0.1:  # withdrawn: the profile is gone, the branch still counts
            await connect_profiles.withdraw_consent(db, member_id=member_id, now=NOW)
    facts: dict[frozenset[int], PairFacts] = {}
    for index in range(6):
        a, b = rng.sample(ids, 2)
        kind = rng.choice(("referral", "repaid_loan"))
        await connect_scores.record_relation(
            db, kind=kind, member_id=a, other_member_id=b, source=f"test:{index}",
            actor=SYSTEM, now=NOW,
        )  # fmt: skip
        before = facts.get(frozenset((a, b)), PairFacts())
        facts[frozenset((a, b))] = PairFacts(
            referral=before.referral or kind == "referral",
            repaid_loans=before.repaid_loans + (kind == "repaid_loan"),
        )
    return Population(ids=tuple(ids), facts=facts)


async def _profiles(db: Database, ids: tuple[int, ...]) -> dict[int, MemberEvidence]:
    """Each member's evidence read back one by one, from the display names (the oracle)."""
    profiles: dict[int, MemberEvidence] = {}
    async with UnitOfWork(db, write=False) as uow:
        for member_id in ids:
            row = await uow.session.get(Member, member_id)
            assert row is not None
            consent = await uow.session.get(ConnectConsent, member_id)
            entries = await uow.session.scalars(
                select(ConnectEntry).where(ConnectEntry.member_id == member_id)
            )
            contacts = await uow.session.scalars(
                select(ConnectContact.phone).where(ConnectContact.member_id == member_id)
            )
            profiles[member_id] = MemberEvidence(
                member_id=member_id,
                consented=consent is not None and consent.withdrawn_at is None,
                branch_id=row.branch_id,
                phone=row.phone,
                entries=tuple(
                    SharedEntry(
                        name=normalise_name(entry.name, EntryKind(entry.kind)),
                        current=entry.current,
                        year=entry.year,
                        place_level=PlaceLevel(entry.place_level) if entry.place_level else None,
                        area=normalise_name(entry.area, EntryKind.PLACE) if entry.area else None,
                    )
                    for entry in entries
                ),
                contact_phones=frozenset(contacts),
            )
    return profiles


async def _assert_batch_equals_pairs(
    db: Database, population: Population, weights: ScoreWeights
) -> int:
    """Every financier against everyone; returns how many pairs scored above 0."""
    profiles = await _profiles(db, population.ids)
    branches = {member_id: profile.branch_id or 0 for member_id, profile in profiles.items()}
    connected = 0
    for financier_id in population.ids:
        batch = await connect_scores.score_borrowers(
            db, financier_id=financier_id, borrower_ids=population.ids
        )
        with_branches = await connect_scores.score_borrowers(
            db, financier_id=financier_id, borrower_ids=population.ids, borrower_branches=branches
        )
        assert with_branches == batch
        for borrower_id in population.ids:
            expected = connection_score(
                profiles[financier_id],
                profiles[borrower_id],
                facts=population.facts.get(frozenset((financier_id, borrower_id)), PairFacts()),
                weights=weights,
            )
            assert batch[borrower_id] == expected, (financier_id, borrower_id)
            connected += expected.value > 0
    return connected


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_batch_score_equals_the_score_of_every_pair(
    seeded_db: Database, seed: int
) -> None:
    population = await _populate(seeded_db, seed)
    pairs = len(population.ids) * (len(population.ids) - 1)
    connected = await _assert_batch_equals_pairs(seeded_db, population, ScoreWeights())
    # The random profiles do connect people, but not everyone with everyone.
    assert 0 < connected < pairs

    # Other weights and a looser threshold ("Telkom" ~ "Telkomsel" at 80): still equal.
    admin = await as_staff(seeded_db, "superadmin")
    weights = await connect_scores.update_connect_settings(
        seeded_db,
        actor=admin,
        points={"same_school": 5, "classmates": 5, "same_city": 2, "same_branch": 0},
        threshold=80,
        ip="10.0.0.1",
        now=NOW,
    )
    await _assert_batch_equals_pairs(seeded_db, population, weights)
