"""Social-connect scores through the services: what members shared and what the cooperative
holds, consent and withdrawal, staff weights and explanations, batch loading (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.connect_score import DEFAULT_WEIGHTS, Evidence, InvalidConnectSettings
from backend.domain.errors import MemberNotFound, NotAllowedError, ValidationError
from backend.domain.permissions import Permission
from backend.services import connect_profiles, connect_scores, staff
from backend.services.audit import SYSTEM
from tests.connect_factories import (
    NOW,
    consenting_member,
    lives_in,
    member,
    phone_of,
    went_to,
    works_at,
)
from tests.wallet_factories import as_staff


async def score(db: Database, financier_id: int, borrower_id: int) -> tuple[int, set[Evidence]]:
    result = await connect_scores.score_borrowers(
        db, financier_id=financier_id, borrower_ids=[borrower_id]
    )
    return result[borrower_id].value, set(result[borrower_id].reasons)


async def test_colleagues_score_9_and_two_financiers_see_different_scores(
    seeded_db: Database,
) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    colleague = await consenting_member(seeded_db, 2)
    stranger = await consenting_member(seeded_db, 3)
    await works_at(seeded_db, borrower.id, "PT Telkom Indonesia (Persero) Tbk")
    await works_at(seeded_db, colleague.id, "telkom")
    await works_at(seeded_db, stranger.id, "Telkomsel")

    assert await score(seeded_db, colleague.id, borrower.id) == (
        9, {Evidence.SAME_CURRENT_WORKPLACE},
    )  # fmt: skip
    assert await score(seeded_db, stranger.id, borrower.id) == (0, set())
    # Symmetric: the borrower as financier sees the same.
    assert await score(seeded_db, borrower.id, colleague.id) == (
        9, {Evidence.SAME_CURRENT_WORKPLACE},
    )  # fmt: skip


async def test_same_neighbourhood_and_same_school_score_8(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    for who, school in ((borrower, "SMA Negeri 3 Bandung"), (financier, "SMAN 3 Bandung")):
        await went_to(seeded_db, who.id, school)
        await lives_in(
            seeded_db, who.id, kelurahan="Kel. Dago", kecamatan="Coblong", city="Kota Bandung"
        )
    assert await score(seeded_db, financier.id, borrower.id) == (
        8, {Evidence.SAME_SCHOOL, Evidence.SAME_KELURAHAN},
    )  # fmt: skip


async def test_contacts_match_members_by_phone_in_one_or_both_directions(
    seeded_db: Database,
) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    await connect_profiles.add_contact(
        seeded_db, member_id=financier.id, phone="0812 555 00001", now=NOW
    )
    assert await score(seeded_db, financier.id, borrower.id) == (
        5, {Evidence.ONE_KNOWS_THE_OTHER},
    )  # fmt: skip
    await connect_profiles.add_contact(seeded_db, member_id=borrower.id, phone=phone_of(2), now=NOW)
    assert await score(seeded_db, financier.id, borrower.id) == (
        9, {Evidence.KNOW_EACH_OTHER},
    )  # fmt: skip


async def test_a_contact_who_registers_later_is_matched(seeded_db: Database) -> None:
    financier = await consenting_member(seeded_db, 2)
    await connect_profiles.add_contact(
        seeded_db, member_id=financier.id, phone=phone_of(1), now=NOW
    )
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    assert await score(seeded_db, financier.id, borrower.id) == (
        5, {Evidence.ONE_KNOWS_THE_OTHER},
    )  # fmt: skip


async def test_withdrawal_returns_the_score_to_0_at_once(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    await works_at(seeded_db, borrower.id, "Pertamina")
    await works_at(seeded_db, financier.id, "PT Pertamina (Persero)")
    await connect_profiles.add_contact(seeded_db, member_id=borrower.id, phone=phone_of(2), now=NOW)
    assert (await score(seeded_db, financier.id, borrower.id))[0] == 9

    await connect_profiles.withdraw_consent(seeded_db, member_id=borrower.id, now=NOW)
    assert await score(seeded_db, financier.id, borrower.id) == (0, set())
    # Consenting again does not bring the deleted data back.
    await connect_profiles.give_consent(seeded_db, member_id=borrower.id, now=NOW)
    assert await score(seeded_db, financier.id, borrower.id) == (0, set())


async def test_without_consent_shared_data_does_not_count(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await member(seeded_db, 2)  # never consented
    await works_at(seeded_db, borrower.id, "Pertamina")
    await connect_profiles.add_contact(seeded_db, member_id=borrower.id, phone=phone_of(2), now=NOW)
    assert await score(seeded_db, financier.id, borrower.id) == (0, set())


async def test_cooperative_held_facts_count_without_consent(seeded_db: Database) -> None:
    borrower = await member(seeded_db, 1)
    financier = await member(seeded_db, 2)  # same branch, JKT01
    assert await score(seeded_db, financier.id, borrower.id) == (1, {Evidence.SAME_BRANCH})
    recorded = await connect_scores.record_relation(
        seeded_db, kind="referral", member_id=borrower.id, other_member_id=financier.id,
        source="referral-form:17", actor=SYSTEM, now=NOW,
    )  # fmt: skip
    again = await connect_scores.record_relation(
        seeded_db, kind="referral", member_id=financier.id, other_member_id=borrower.id,
        source="referral-form:17", actor=SYSTEM, now=NOW,
    )  # fmt: skip
    assert (recorded, again) == (True, False)
    await connect_scores.record_relation(
        seeded_db, kind="repaid_loan", member_id=financier.id, other_member_id=borrower.id,
        source="loan:41", actor=SYSTEM, now=NOW,
    )  # fmt: skip
    assert await score(seeded_db, financier.id, borrower.id) == (
        9, {Evidence.REFERRAL, Evidence.REPAID_LOAN, Evidence.SAME_BRANCH},
    )  # fmt: skip
    async with UnitOfWork(seeded_db, write=False) as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditEntry.action).where(AuditEntry.action.like("connect.relation%"))
            )
        )
    assert actions == ["connect.relation_referral", "connect.relation_repaid_loan"]


async def test_bad_relations_are_refused(seeded_db: Database) -> None:
    rina = await member(seeded_db, 1)
    for kind, other in (("guarantor", rina.id + 1), ("referral", rina.id)):
        with pytest.raises(ValidationError) as error:
            await connect_scores.record_relation(
                seeded_db, kind=kind, member_id=rina.id, other_member_id=other,
                source="x", actor=SYSTEM, now=NOW,
            )  # fmt: skip
        assert error.value.code == "error.connect.relation"
    with pytest.raises(MemberNotFound):
        await connect_scores.record_relation(
            seeded_db, kind="referral", member_id=rina.id, other_member_id=999,
            source="x", actor=SYSTEM, now=NOW,
        )  # fmt: skip


async def test_staff_weights_change_the_score_and_are_audited(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    await works_at(seeded_db, borrower.id, "Pertamina", current=False)
    await works_at(seeded_db, financier.id, "Pertamina", current=False)
    assert await score(seeded_db, financier.id, borrower.id) == (4, {Evidence.SAME_WORKPLACE})

    admin = await as_staff(seeded_db, "superadmin")
    await connect_scores.update_connect_settings(
        seeded_db, actor=admin, points={"same_workplace": 6}, threshold=95, ip="10.0.0.1", now=NOW
    )
    assert await score(seeded_db, financier.id, borrower.id) == (6, {Evidence.SAME_WORKPLACE})
    weights = await connect_scores.get_connect_settings(seeded_db, actor=admin)
    assert (weights.points[Evidence.SAME_WORKPLACE], weights.threshold) == (6, 95)
    async with UnitOfWork(seeded_db, write=False) as uow:
        audit = await uow.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "connect.settings_changed")
        )
    assert audit is not None
    assert (audit.before, audit.after) == (
        {"same_workplace": 4, "threshold": 90}, {"same_workplace": 6, "threshold": 95},
    )  # fmt: skip

    with pytest.raises(InvalidConnectSettings) as error:
        await connect_scores.update_connect_settings(
            seeded_db, actor=admin, points={"same_workplace": 10}, threshold=90, ip="", now=NOW
        )
    assert error.value.code == "error.connect.settings.weight"
    with pytest.raises(InvalidConnectSettings):
        await connect_scores.update_connect_settings(
            seeded_db, actor=admin, points={"religion": 1}, threshold=90, ip="", now=NOW
        )
    officer = await as_staff(seeded_db, "kredit.jkt")
    with pytest.raises(NotAllowedError):
        await connect_scores.get_connect_settings(seeded_db, actor=officer)


async def test_the_threshold_decides_whether_names_match(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1, branch_code="BDG01")
    financier = await consenting_member(seeded_db, 2)
    await works_at(seeded_db, borrower.id, "Telkomsel")
    await works_at(seeded_db, financier.id, "Telkom")
    assert (await score(seeded_db, financier.id, borrower.id))[0] == 0
    admin = await as_staff(seeded_db, "superadmin")
    await connect_scores.update_connect_settings(
        seeded_db, actor=admin, points={}, threshold=80, ip="", now=NOW
    )
    assert (await score(seeded_db, financier.id, borrower.id))[0] == 9


async def grant(db: Database, role_code: str, permission: Permission) -> None:
    """Give a seeded role one more permission, as a superadmin would on the roles page."""
    admin = await as_staff(db, "superadmin")
    role = next(r for r in await staff.list_roles(db, actor=admin) if r.code == role_code)
    await staff.update_role(
        db, actor=admin, role_id=role.id, name_id=role.name_id, name_en=role.name_en,
        permissions=role.permissions | {permission}, ip="10.0.0.1", now=NOW,
    )  # fmt: skip


async def test_staff_see_why_a_pair_scores_without_the_profiles(seeded_db: Database) -> None:
    borrower = await consenting_member(seeded_db, 1)
    financier = await consenting_member(seeded_db, 2)
    await went_to(seeded_db, borrower.id, "SMAN 3 Bandung", 2008)
    await went_to(seeded_db, financier.id, "SMA Negeri 3 Bandung", 2008)
    manager = await as_staff(seeded_db, "manager.jkt")
    with pytest.raises(NotAllowedError):  # members.view alone does not show shared facts
        await connect_scores.explain_pair(
            seeded_db, actor=manager, financier_id=financier.id, borrower_id=borrower.id
        )
    await grant(seeded_db, "branch_manager", Permission.CONNECT_PROFILES)
    manager = await as_staff(seeded_db, "manager.jkt")
    explained = await connect_scores.explain_pair(
        seeded_db, actor=manager, financier_id=financier.id, borrower_id=borrower.id
    )
    assert explained.score.value == 7
    assert [(r.category, r.points) for r in explained.reasons] == [
        (Evidence.CLASSMATES, DEFAULT_WEIGHTS[Evidence.CLASSMATES]),
        (Evidence.SAME_BRANCH, 1),
    ]
    assert (explained.financier_consented, explained.borrower_consented) == (True, True)
    assert explained.threshold == 90
    assert "Bandung" not in repr(explained)

    other_branch = await member(seeded_db, 3, branch_code="BDG01")
    with pytest.raises(MemberNotFound):  # outside the manager's branch: as if absent
        await connect_scores.explain_pair(
            seeded_db, actor=manager, financier_id=financier.id, borrower_id=other_branch.id
        )


@contextmanager
def counted_statements(db: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)


async def test_scoring_many_borrowers_takes_the_same_few_queries_as_scoring_one(
    seeded_db: Database,
) -> None:
    financier = await consenting_member(seeded_db, 1)
    await works_at(seeded_db, financier.id, "Telkom")
    await went_to(seeded_db, financier.id, "SMAN 3 Bandung")
    await connect_profiles.add_contact(
        seeded_db, member_id=financier.id, phone=phone_of(2), now=NOW
    )
    borrowers = [await consenting_member(seeded_db, n, branch_code="BDG01") for n in range(2, 42)]
    for n, borrower in enumerate(borrowers):
        await works_at(seeded_db, borrower.id, "PT Telkom Indonesia" if n % 4 == 0 else "Pertamina")
        await went_to(seeded_db, borrower.id, "SMA Negeri 3 Bandung" if n % 3 == 0 else "SMAN 5")

    with counted_statements(seeded_db) as one:
        await connect_scores.score_borrowers(
            seeded_db, financier_id=financier.id, borrower_ids=[borrowers[0].id]
        )
    with counted_statements(seeded_db) as many:
        scores = await connect_scores.score_borrowers(
            seeded_db, financier_id=financier.id, borrower_ids=[b.id for b in borrowers]
        )
    assert len(many) == len(one) <= 15
    expected = {
        b.id: min(9, (9 if n % 4 == 0 else 0) + (4 if n % 3 == 0 else 0) + (5 if n == 0 else 0))
        for n, b in enumerate(borrowers)
    }
    assert {b: s.value for b, s in scores.items()} == expected
