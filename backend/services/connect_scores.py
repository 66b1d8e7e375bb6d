"""Social-connect scores: one financier against many borrowers, and a pair explained.

Scores are computed on demand (never cached), so a profile change or a withdrawal shows
in the next score. ``score_borrowers`` serves the financiers' loan list, which sorts all
open loans by score before showing a page, so it is built for thousands of borrowers in
a fixed number of queries, whatever their number:

1. the weights; the financier (phone, branch, consent); the cooperative-held relations of
   the financier; without the borrowers' branches from the caller, the members of the
   financier's branch;
2. only with the financier's consent: their entries and contacts; the distinct stored
   ``(kind, match_core, name_key)`` of the kinds they shared (an index-only scan of
   ``ix_connect_entries_kind_core``), filtered by one rapidfuzz pass per entry
   (``cores_that_may_match``) and ``names_match`` on the distinct names left; the
   consenting members' stored entries with those names (``ix_connect_entries_kind_key``);
   the consenting members with the phones the financier shared, and those who shared the
   financier's phone.

Then the evidence is computed per matched stored entry, not per pair of members: each
distinct stored entry (kind, name, level, area, current, year) is compared once, with
``connect_score.entry_evidence``, against only the financier's entries whose name it
matched, and its categories go to every member who stored it. A borrower's score depends
only on (the shared categories, same branch, the pair's facts); each distinct combination
is scored once (``score_evidence``). ``tests/services/test_connect_batch_score.py`` proves
the result equal to the pure ``connection_score`` of every pair.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import ColumnElement, Row, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

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
    PairFacts,
    ScoreWeights,
    SharedEntry,
    acquaintance_evidence,
    cooperative_categories,
    entry_evidence,
    score_evidence,
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


# What an entry's category depends on besides its name; rows, not ORM objects, as a page
# may load thousands.
_ENTRY_FACTS = (
    ConnectEntry.kind,
    ConnectEntry.name_key,
    ConnectEntry.place_level,
    ConnectEntry.area_key,
    ConnectEntry.current,
    ConnectEntry.year,
)

_EntryFacts = tuple[str, str, str | None, str | None, bool, int | None]
"""(kind, name_key, place_level, area_key, current, year) of a stored entry."""


def _active_consent() -> ColumnElement[bool]:
    """The join condition 'this member consents now' for an entry or contact row."""
    return ConnectConsent.withdrawn_at.is_(None)


class _EntryReader:
    """Turns stored entry rows into ``SharedEntry`` values, each distinct name parsed once,
    and matches names with ``names_match``, each distinct pair once."""

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self._names: dict[tuple[EntryKind, str], NormalisedName] = {}
        self._matches: dict[tuple[EntryKind, str, str], bool] = {}

    def name(self, kind: EntryKind, key: str) -> NormalisedName:
        found = self._names.get((kind, key))
        if found is None:
            found = self._names[(kind, key)] = from_key(kind, key)
        return found

    def matches(self, a: NormalisedName, b: NormalisedName) -> bool:
        """``names_match`` at the threshold (a kind and a key make the whole name)."""
        pair = (a.kind, a.key, b.key)
        found = self._matches.get(pair)
        if found is None:
            found = self._matches[pair] = names_match(a, b, threshold=self.threshold)
        return found

    def entry(self, facts: _EntryFacts) -> SharedEntry:
        kind_text, key, level, area_key, current, year = facts
        kind = EntryKind(kind_text)
        return SharedEntry(
            name=self.name(kind, key),
            current=bool(current),
            year=year,
            place_level=PlaceLevel(level) if level else None,
            area=self.name(EntryKind.PLACE, area_key) if area_key else None,
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


async def _names_matching_own(
    connection: AsyncConnection, own: Sequence[SharedEntry], reader: _EntryReader
) -> dict[tuple[str, str], list[SharedEntry]]:
    """Every stored ``(kind, name_key)`` that matches one of ``own``, with the own entries
    it matches.

    One scan of the distinct ``(kind, match_core, name_key)`` of the kinds the financier
    shared (a covering index), one rapidfuzz pass over the cores per own entry (it keeps
    every core ``names_match`` could accept), then ``names_match`` on the distinct names
    that passed.
    """
    kinds = {entry.kind.value for entry in own}
    if not kinds:
        return {}
    keys_by_core: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind, core, key in await connection.execute(
        select(ConnectEntry.kind, ConnectEntry.match_core, ConnectEntry.name_key)
        .where(ConnectEntry.kind.in_(kinds))
        .distinct()
    ):
        keys_by_core[(kind, core)].append(key)
    cores_of_kind: dict[str, list[str]] = defaultdict(list)
    for kind, core in keys_by_core:
        cores_of_kind[kind].append(core)
    wanted: dict[tuple[str, str], list[SharedEntry]] = defaultdict(list)
    for mine in own:
        kind = mine.kind
        for core in cores_that_may_match(
            kind, mine.name.core, cores_of_kind[kind.value], threshold=reader.threshold
        ):
            for key in keys_by_core[(kind.value, core)]:
                if reader.matches(mine.name, reader.name(kind, key)):
                    wanted[(kind.value, key)].append(mine)
    return wanted


_FinancierRow = Row[int, str, int, int | None]


async def _financier(uow: UnitOfWork, member_id: int) -> _FinancierRow:
    """The financier's id, phone, branch and ``consenting_id`` (their id if they consent now,
    else None): one light query, no roles."""
    row = (
        await uow.session.execute(
            select(
                Member.id,
                Member.phone,
                Member.branch_id,
                ConnectConsent.member_id.label("consenting_id"),
            )
            .outerjoin(
                ConnectConsent,
                and_(ConnectConsent.member_id == Member.id, _active_consent()),
            )
            .where(Member.id == member_id)
        )
    ).one_or_none()
    if row is None:
        raise MemberNotFound()
    return row


async def _shared_with(
    uow: UnitOfWork, financier: _FinancierRow, weights: ScoreWeights
) -> dict[int, int]:
    """The member-shared categories (as ``_BIT`` masks) of every consenting member who
    shares any with the consenting financier; everyone else shares none.

    Each distinct stored entry is compared once with the financier's entries whose name
    it matched (``entry_evidence``, the rule ``connection_score`` applies per pair), and
    its categories are OR-ed into the mask of every member who stored it: plain integers,
    so thousands of borrowers leave no objects for the garbage collector.
    """
    connection = await uow.session.connection()
    reader = _EntryReader(weights.threshold)
    own = [
        reader.entry(facts)
        for facts in await connection.execute(
            select(*_ENTRY_FACTS).where(ConnectEntry.member_id == financier.id)
        )
    ]
    found: dict[int, int] = {}
    wanted = await _names_matching_own(connection, own, reader)
    if wanted:
        keys_by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, key in wanted:
            keys_by_kind[kind].append(key)
        # Iterated row by row: each row is freed at once (thousands of them held together
        # would make work for the garbage collector).
        rows = await connection.execute(
            select(ConnectEntry.member_id, *_ENTRY_FACTS)
            .join(
                ConnectConsent,
                and_(ConnectConsent.member_id == ConnectEntry.member_id, _active_consent()),
            )
            .where(
                or_(
                    *(
                        and_(ConnectEntry.kind == kind, ConnectEntry.name_key.in_(sorted(keys)))
                        for kind, keys in keys_by_kind.items()
                    )
                ),
                ConnectEntry.member_id != financier.id,
            )
        )
        masks: dict[_EntryFacts, int] = {}
        for row in rows:
            entry_facts: _EntryFacts = row[1:]
            mask = masks.get(entry_facts)
            if mask is None:
                theirs = reader.entry(entry_facts)
                mask = masks[entry_facts] = _mask(
                    entry_evidence(mine, theirs, reader.matches)
                    for mine in wanted[(entry_facts[0], entry_facts[1])]
                )
            if mask:
                found[row[0]] = found.get(row[0], 0) | mask
    financier_knows = set(
        await connection.scalars(
            select(Member.id)
            .join(ConnectConsent, and_(ConnectConsent.member_id == Member.id, _active_consent()))
            .where(
                Member.phone.in_(
                    select(ConnectContact.phone).where(ConnectContact.member_id == financier.id)
                ),
                Member.id != financier.id,
            )
        )
    )
    know_financier = set(
        await connection.scalars(
            select(ConnectContact.member_id)
            .join(
                ConnectConsent,
                and_(ConnectConsent.member_id == ConnectContact.member_id, _active_consent()),
            )
            .where(ConnectContact.phone == financier.phone)
        )
    )
    for member_id in financier_knows | know_financier:
        found[member_id] = found.get(member_id, 0) | _mask(
            [acquaintance_evidence(member_id in financier_knows, member_id in know_financier)]
        )
    return found


_BIT: Mapping[Evidence, int] = {category: 1 << n for n, category in enumerate(Evidence)}
"""Each category as one bit: a borrower's shared categories are an int, not a set."""


def _mask(categories: Iterable[Evidence | None]) -> int:
    mask = 0
    for category in categories:
        if category is not None:
            mask |= _BIT[category]
    return mask


def _categories(mask: int) -> frozenset[Evidence]:
    return frozenset(category for category, bit in _BIT.items() if mask & bit)


async def score_borrowers(
    db: Database,
    *,
    financier_id: int,
    borrower_ids: Iterable[int],
    borrower_branches: Mapping[int, int] | None = None,
) -> dict[int, ConnectionScore]:
    """The connection score of the financier with each borrower (0 for themself).

    ``borrower_branches`` (borrower id → their member branch, for every borrower) spares
    a query when the caller read the branches anyway; without it the members of the
    financier's branch are read here.

    Raises:
        MemberNotFound: no such financier.
    """
    async with UnitOfWork(db, write=False) as uow:
        weights = await load_weights(uow)
        financier = await _financier(uow, financier_id)
        facts = await _pair_facts(uow, financier_id)
        if borrower_branches is None:
            connection = await uow.session.connection()
            borrower_branches = dict.fromkeys(
                await connection.scalars(
                    select(Member.id).where(Member.branch_id == financier.branch_id)
                ),
                financier.branch_id,
            )
        consenting = financier.consenting_id is not None
        shared = await _shared_with(uow, financier, weights) if consenting else {}
    # A borrower's score depends only on what they share, the branch and the pair's facts:
    # each combination is scored once (most borrowers share nothing and have no facts with
    # the financier: two combinations, same branch or not).
    scored: dict[tuple[int, bool, PairFacts | None], ConnectionScore] = {}

    def score_of(mask: int, same_branch: bool, pair: PairFacts | None) -> ConnectionScore:
        case = (mask, same_branch, pair)
        score = scored.get(case)
        if score is None:
            evidence = _categories(mask) | cooperative_categories(
                same_branch=same_branch, facts=pair or PairFacts()
            )
            score = scored[case] = score_evidence(evidence, weights)
        return score

    branch = financier.branch_id
    scores: dict[int, ConnectionScore] = {}
    for borrower_id in borrower_ids:
        scores[borrower_id] = score_of(
            shared.get(borrower_id, 0),
            borrower_branches.get(borrower_id) == branch,
            facts.get(borrower_id),
        )
    if financier_id in scores:
        scores[financier_id] = NO_CONNECTION
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
