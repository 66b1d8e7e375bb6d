"""Social-connect scores: one financier against many borrowers, and a pair explained.

Scores are computed on demand (never cached), so a profile change or a withdrawal shows
in the next score. ``score_borrowers`` serves the financiers' loan list, which sorts all
open loans by score before showing a page, so it is built for thousands of borrowers in
a fixed number of queries, whatever their number:

1. the weights; the financier (phone, branch) and their consent;
2. the cooperative-held relations of the financier; the members of their branch;
3. only with the financier's consent: their entries and contacts; the distinct stored
   ``(kind, match_core, name_key)`` of the kinds they shared (an index-only scan of
   ``ix_connect_entries_kind_core``), filtered by one rapidfuzz pass per entry
   (``cores_that_may_match``) and ``names_match`` on the distinct names left; the stored
   entries with those names (``ix_connect_entries_kind_key``); the members with
   the phones the financier shared, and the members who shared the financier's phone;
   the consents of those candidates.

Everything else is pure (``backend.domain.connect_score``): borrowers with no candidate
evidence get the cooperative-held facts only, without touching their profiles.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Row, and_, or_, select

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.models_connect import (
    ConnectConsent,
    ConnectContact,
    ConnectEntry,
    ConnectRelation,
    ConnectSettingsRow,
)
from backend.db.statements import insert_ignoring_conflicts
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_names import (
    EntryKind,
    NormalisedName,
    PlaceLevel,
    cores_that_may_match,
    from_key,
    names_match,
)
from backend.domain.connect_score import (
    NO_CONNECTION,
    ConnectionScore,
    Evidence,
    InvalidConnectSettings,
    MemberEvidence,
    PairFacts,
    ScoreWeights,
    SharedEntry,
    connection_score,
)
from backend.domain.errors import MemberNotFound, ValidationError
from backend.domain.permissions import Permission
from backend.services.access import require, sees_branch
from backend.services.admin_dto import StaffView
from backend.services.audit import AuditActor, record, staff_actor
from backend.services.connect_dto import PairExplanation, ReasonPoints

SETTINGS_ROW_ID = 1
RELATION_KINDS = frozenset({"referral", "repaid_loan"})


async def load_weights(uow: UnitOfWork) -> ScoreWeights:
    """The weights in force: the staff-set row, or the documented defaults."""
    row = await uow.session.get(ConnectSettingsRow, SETTINGS_ROW_ID)
    if row is None:
        return ScoreWeights()
    return ScoreWeights.from_json(row.weights, row.threshold)


# The columns a score reads; rows, not ORM objects, as a page may load thousands.
_ENTRY_COLUMNS = (
    ConnectEntry.member_id,
    ConnectEntry.kind,
    ConnectEntry.name_key,
    ConnectEntry.match_core,
    ConnectEntry.place_level,
    ConnectEntry.area_key,
    ConnectEntry.current,
    ConnectEntry.year,
)

_EntryRow = Row[int, str, str, str, str | None, str | None, bool, int | None]


class _EntryReader:
    """Turns stored entry rows into ``SharedEntry`` values, each distinct name parsed once."""

    def __init__(self) -> None:
        self._names: dict[tuple[EntryKind, str], NormalisedName] = {}

    def name(self, kind: EntryKind, key: str) -> NormalisedName:
        found = self._names.get((kind, key))
        if found is None:
            found = self._names[(kind, key)] = from_key(kind, key)
        return found

    def entry(self, row: _EntryRow) -> SharedEntry:
        kind = EntryKind(row.kind)
        return SharedEntry(
            name=self.name(kind, row.name_key),
            current=row.current,
            year=row.year,
            place_level=PlaceLevel(row.place_level) if row.place_level else None,
            area=self.name(EntryKind.PLACE, row.area_key) if row.area_key else None,
        )


async def _consenting(uow: UnitOfWork, member_ids: Iterable[int]) -> set[int]:
    ids = list(set(member_ids))
    if not ids:
        return set()
    rows = await uow.session.scalars(
        select(ConnectConsent.member_id).where(
            ConnectConsent.member_id.in_(ids), ConnectConsent.withdrawn_at.is_(None)
        )
    )
    return set(rows)


async def _pair_facts(uow: UnitOfWork, member_id: int) -> dict[int, PairFacts]:
    """Referrals and repaid loans between ``member_id`` and anyone, by the other member."""
    rows = await uow.session.execute(
        select(ConnectRelation.kind, ConnectRelation.member_low, ConnectRelation.member_high).where(
            or_(ConnectRelation.member_low == member_id, ConnectRelation.member_high == member_id)
        )
    )
    referral: set[int] = set()
    repaid: dict[int, int] = defaultdict(int)
    for kind, low, high in rows:
        other = high if low == member_id else low
        if kind == "referral":
            referral.add(other)
        else:
            repaid[other] += 1
    return {
        other: PairFacts(referral=other in referral, repaid_loans=repaid.get(other, 0))
        for other in referral | set(repaid)
    }


async def _matching_entries(
    uow: UnitOfWork, own: Sequence[_EntryRow], reader: _EntryReader, threshold: int
) -> Sequence[_EntryRow]:
    """Stored entries of any member whose name matches one of ``own``.

    One scan of the distinct ``(kind, match_core, name_key)`` of the kinds the financier
    shared (a covering index), one rapidfuzz pass over the cores per own entry, then
    ``names_match`` on the distinct names that passed; only rows with a matching name are
    loaded, by ``(kind, name_key)``.
    """
    kinds = {row.kind for row in own}
    if not kinds:
        return []
    keys_by_core: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, core, key in await uow.session.execute(
        select(ConnectEntry.kind, ConnectEntry.match_core, ConnectEntry.name_key)
        .where(ConnectEntry.kind.in_(kinds))
        .distinct()
    ):
        keys_by_core[(kind, core)].append(key)
    cores_of_kind: dict[str, list[str]] = defaultdict(list)
    for kind, core in keys_by_core:
        cores_of_kind[kind].append(core)
    wanted: dict[str, set[str]] = defaultdict(set)
    for row in own:
        kind = EntryKind(row.kind)
        mine = reader.name(kind, row.name_key)
        for core in cores_that_may_match(
            kind, mine.core, cores_of_kind[row.kind], threshold=threshold
        ):
            wanted[row.kind].update(
                key
                for key in keys_by_core[(row.kind, core)]
                if names_match(mine, reader.name(kind, key), threshold=threshold)
            )
    conditions = [
        and_(ConnectEntry.kind == kind, ConnectEntry.name_key.in_(sorted(keys)))
        for kind, keys in wanted.items()
        if keys
    ]
    if not conditions:
        return []
    return (await uow.session.execute(select(*_ENTRY_COLUMNS).where(or_(*conditions)))).all()


_FinancierRow = Row[int, str, int]


async def _financier(uow: UnitOfWork, member_id: int) -> _FinancierRow:
    """The financier's id, phone and branch (no roles: one light query)."""
    row = (
        await uow.session.execute(
            select(Member.id, Member.phone, Member.branch_id).where(Member.id == member_id)
        )
    ).one_or_none()
    if row is None:
        raise MemberNotFound()
    return row


async def _candidate_evidence(
    uow: UnitOfWork, financier: _FinancierRow, weights: ScoreWeights
) -> tuple[MemberEvidence, dict[int, MemberEvidence]]:
    """The consenting financier's evidence, and that of every member who may share some."""
    own = (
        await uow.session.execute(
            select(*_ENTRY_COLUMNS).where(ConnectEntry.member_id == financier.id)
        )
    ).all()
    contacts = set(
        await uow.session.scalars(
            select(ConnectContact.phone).where(ConnectContact.member_id == financier.id)
        )
    )
    reader = _EntryReader()
    entries_by_member: dict[int, list[SharedEntry]] = defaultdict(list)
    for row in await _matching_entries(uow, own, reader, weights.threshold):
        if row.member_id != financier.id:
            entries_by_member[row.member_id].append(reader.entry(row))
    phones: dict[int, str] = {}
    if contacts:
        for member_id, phone in await uow.session.execute(
            select(Member.id, Member.phone).where(Member.phone.in_(sorted(contacts)))
        ):
            phones[member_id] = phone
    know_financier = set(
        await uow.session.scalars(
            select(ConnectContact.member_id).where(ConnectContact.phone == financier.phone)
        )
    )
    candidates = set(entries_by_member) | set(phones) | know_financier
    consenting = await _consenting(uow, candidates)
    others = {
        member_id: MemberEvidence(
            member_id=member_id,
            consented=member_id in consenting,
            phone=phones.get(member_id),
            entries=tuple(entries_by_member.get(member_id, ())),
            contact_phones=frozenset({financier.phone})
            if member_id in know_financier
            else frozenset(),
        )
        for member_id in candidates
    }
    me = MemberEvidence(
        member_id=financier.id,
        consented=True,
        branch_id=financier.branch_id,
        phone=financier.phone,
        entries=tuple(reader.entry(row) for row in own),
        contact_phones=frozenset(contacts),
    )
    return me, others


async def score_borrowers(
    db: Database, *, financier_id: int, borrower_ids: Iterable[int]
) -> dict[int, ConnectionScore]:
    """The connection score of the financier with each borrower (0 for themself).

    Raises:
        MemberNotFound: no such financier.
    """
    borrowers = set(borrower_ids)
    async with UnitOfWork(db, write=False) as uow:
        weights = await load_weights(uow)
        financier = await _financier(uow, financier_id)
        facts = await _pair_facts(uow, financier_id)
        same_branch = set(
            await uow.session.scalars(
                select(Member.id).where(Member.branch_id == financier.branch_id)
            )
        )
        if financier_id in await _consenting(uow, [financier_id]):
            me, others = await _candidate_evidence(uow, financier, weights)
        else:
            me = MemberEvidence(
                member_id=financier_id, consented=False, branch_id=financier.branch_id
            )
            others = {}
    # Most borrowers share nothing with the financier: their score depends only on the
    # branch, so it is computed once per branch case instead of once per borrower.
    plain = {
        same: connection_score(
            me,
            # No member's id: only the branch of this stand-in matters.
            MemberEvidence(member_id=0, consented=False, branch_id=branch),
            weights=weights,
        )
        for same, branch in ((True, financier.branch_id), (False, None))
    }
    scores: dict[int, ConnectionScore] = {}
    for borrower_id in borrowers:
        known = others.get(borrower_id)
        pair_facts = facts.get(borrower_id)
        if borrower_id == financier_id:
            scores[borrower_id] = NO_CONNECTION
        elif known is None and pair_facts is None:
            scores[borrower_id] = plain[borrower_id in same_branch]
        else:
            branch = financier.branch_id if borrower_id in same_branch else None
            evidence = known or MemberEvidence(member_id=borrower_id, consented=False)
            scores[borrower_id] = connection_score(
                me,
                dataclasses.replace(evidence, branch_id=branch),
                facts=pair_facts or PairFacts(),
                weights=weights,
            )
    return scores


async def explain_pair(
    db: Database, *, actor: StaffView, financier_id: int, borrower_id: int
) -> PairExplanation:
    """Why a financier and a borrower score what they do: categories with their points,
    both consents and the threshold; never the members' entries (staff open a member's
    shared profile separately).

    Raises:
        NotAllowedError: without ``connect.profiles`` (the categories are facts the two
            members shared); MemberNotFound: either member absent or outside the actor's
            branch scope (both must be visible).
    """
    require(actor, Permission.CONNECT_PROFILES)
    async with UnitOfWork(db, write=False) as uow:
        for member_id in (financier_id, borrower_id):
            member = await uow.session.get(Member, member_id)
            if member is None or not sees_branch(actor, member.branch_id):
                raise MemberNotFound()
        weights = await load_weights(uow)
        consenting = await _consenting(uow, [financier_id, borrower_id])
    score = (await score_borrowers(db, financier_id=financier_id, borrower_ids=[borrower_id]))[
        borrower_id
    ]
    return PairExplanation(
        financier_id=financier_id,
        borrower_id=borrower_id,
        score=score,
        reasons=tuple(ReasonPoints(c, weights.points[c]) for c in score.reasons),
        financier_consented=financier_id in consenting,
        borrower_consented=borrower_id in consenting,
        threshold=weights.threshold,
    )


async def record_relation(
    db: Database,
    *,
    kind: str,
    member_id: int,
    other_member_id: int,
    source: str,
    actor: AuditActor,
    now: dt.datetime,
) -> bool:
    """Record a cooperative-held fact about two members (``referral`` or ``repaid_loan``).

    ``source`` names where it comes from (``loan:<id>``, ``referral-form:<n>``); recording
    the same fact again changes nothing and returns False. Audited.

    Raises:
        ValidationError: ``error.connect.relation`` (unknown kind, the same member twice,
            an empty source); MemberNotFound: either member absent.
    """
    source = source.strip()
    if kind not in RELATION_KINDS or member_id == other_member_id or not 0 < len(source) <= 100:
        raise ValidationError(code="error.connect.relation")
    low, high = sorted((member_id, other_member_id))
    async with UnitOfWork(db) as uow:
        for mid in (low, high):
            if await uow.session.get(Member, mid) is None:
                raise MemberNotFound()
        new_id = await insert_ignoring_conflicts(
            uow,
            ConnectRelation,
            {
                "kind": kind,
                "member_low": low,
                "member_high": high,
                "source": source,
                "recorded_at": now,
                "recorded_by": actor.label,
            },
            returning=ConnectRelation.id,
        )
        if new_id is None:
            return False
        record(
            uow,
            actor=actor,
            action=f"connect.relation_{kind}",
            object_type="connect_relation",
            object_id=new_id,
            now=now,
            after={"member_low": low, "member_high": high, "source": source},
        )
        await uow.commit()
        return True


async def get_connect_settings(db: Database, *, actor: StaffView) -> ScoreWeights:
    """The weights and threshold in force, for the data-master page (``loans.products``:
    weights hold no member's data, and they steer which loans financiers pick)."""
    require(actor, Permission.LOANS_PRODUCTS)
    async with UnitOfWork(db, write=False) as uow:
        return await load_weights(uow)


async def update_connect_settings(
    db: Database,
    *,
    actor: StaffView,
    points: Mapping[str, int],
    threshold: int,
    ip: str,
    now: dt.datetime,
) -> ScoreWeights:
    """Save new weights and threshold (validated by ``ScoreWeights``); audited with the
    values before and after.

    Raises:
        NotAllowedError: without ``loans.products`` (the loan data master);
        InvalidConnectSettings: an unknown category; see ``ScoreWeights``.
    """
    require(actor, Permission.LOANS_PRODUCTS)
    if not set(points) <= {category.value for category in Evidence}:
        raise InvalidConnectSettings(code="error.connect.settings.categories")
    weights = ScoreWeights.from_json(points, threshold)
    async with UnitOfWork(db) as uow:
        row = await uow.session.get(ConnectSettingsRow, SETTINGS_ROW_ID, with_for_update=True)
        before = await load_weights(uow) if row is not None else ScoreWeights()
        if row is None:
            row = ConnectSettingsRow(id=SETTINGS_ROW_ID, weights={}, threshold=0, updated_at=now)
            uow.session.add(row)
        row.weights = weights.as_json()
        row.threshold = weights.threshold
        row.updated_at = now
        row.updated_by = actor.username
        old = {**before.as_json(), "threshold": before.threshold}
        new = {**weights.as_json(), "threshold": weights.threshold}
        changed = [k for k in new if old[k] != new[k]]
        if changed:
            record(
                uow,
                actor=staff_actor(actor, ip),
                action="connect.settings_changed",
                object_type="connect_settings",
                object_id=SETTINGS_ROW_ID,
                now=now,
                before={k: old[k] for k in changed},
                after={k: new[k] for k in changed},
            )
        await uow.commit()
    return weights
