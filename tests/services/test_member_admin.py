"""KYC and member administration: transitions, scope, audit, member notification."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry, OutboxMessage
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import InvalidStatusTransition, MemberNotFound, ValidationError
from backend.domain.members import MemberStatus
from backend.services import member_admin, staff
from backend.services.admin_dto import StaffView
from backend.services.members import identify_actor, set_language
from tests.factories import registered_member

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)


async def as_staff(db: Database, username: str) -> StaffView:
    await staff.seed_demo_staff(db, now=NOW)
    result = await staff.authenticate(
        db,
        username=username,
        password=f"{username}-demo-2026",
        ip="10.0.0.1",
        user_agent="pytest",
        now=NOW,
    )
    return result.staff


async def test_verifying_a_member_is_audited_and_announced_in_their_language(
    seeded_db: Database,
) -> None:
    member = await registered_member(seeded_db)
    await set_language(seeded_db, telegram_user_id=member.telegram_user_id, language="en")
    officer = await as_staff(seeded_db, "superadmin")
    detail = await member_admin.verify_member(
        seeded_db, actor=officer, member_id=member.id, ip="10.0.0.1", now=NOW
    )
    assert detail.summary.status is MemberStatus.VERIFIED
    assert [h.to_status for h in detail.history] == [
        MemberStatus.AWAITING_VERIFICATION,
        MemberStatus.VERIFIED,
    ]
    actor = await identify_actor(seeded_db, telegram_user_id=member.telegram_user_id)
    assert actor.member is not None and actor.member.status is MemberStatus.VERIFIED
    async with UnitOfWork(seeded_db, write=False) as uow:
        audit = (
            await uow.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "member.verified")
            )
        ).one()
        outbox = (await uow.session.scalars(select(OutboxMessage))).one()
    assert (audit.actor_label, audit.object_id) == ("superadmin", str(member.id))
    assert audit.before == {"status": "awaiting_verification"}
    assert audit.after == {"status": "verified"}
    assert (outbox.chat_id, outbox.message_key, outbox.language) == (
        member.telegram_user_id,
        "member.notice.verified",
        "en",
    )


async def test_rejecting_needs_a_reason_and_only_pending_members_can_be_rejected(
    seeded_db: Database,
) -> None:
    member = await registered_member(seeded_db)
    admin = await as_staff(seeded_db, "superadmin")
    with pytest.raises(ValidationError):
        await member_admin.reject_member(
            seeded_db, actor=admin, member_id=member.id, reason="   ", ip="", now=NOW
        )
    await member_admin.reject_member(
        seeded_db, actor=admin, member_id=member.id, reason="Foto KTP buram", ip="", now=NOW
    )
    with pytest.raises(InvalidStatusTransition):
        await member_admin.reject_member(
            seeded_db, actor=admin, member_id=member.id, reason="lagi", ip="", now=NOW
        )


async def test_reactivation_returns_to_the_status_before_deactivation(
    seeded_db: Database,
) -> None:
    member = await registered_member(seeded_db)
    admin = await as_staff(seeded_db, "superadmin")
    await member_admin.verify_member(seeded_db, actor=admin, member_id=member.id, ip="", now=NOW)
    await member_admin.deactivate_member(
        seeded_db, actor=admin, member_id=member.id, reason="Permintaan anggota", ip="", now=NOW
    )
    detail = await member_admin.reactivate_member(
        seeded_db, actor=admin, member_id=member.id, reason="Kembali aktif", ip="", now=NOW
    )
    assert detail.summary.status is MemberStatus.VERIFIED


async def test_branch_staff_cannot_see_or_act_on_another_branchs_member(
    seeded_db: Database,
) -> None:
    jakarta_member = await registered_member(seeded_db)  # tests.factories: branch JKT01
    manager = await as_staff(seeded_db, "manager.jkt")
    page = await member_admin.search_members(
        seeded_db, actor=manager, query=None, branch_id=None, role=None, status=None, page=0
    )
    assert {m.branch_name for m in page.members} == {"Cabang Jakarta Selatan"}
    joko = 2  # seeded in Bandung (backend/services/demo.py)
    with pytest.raises(MemberNotFound):
        await member_admin.get_member_detail(seeded_db, actor=manager, member_id=joko)
    with pytest.raises(MemberNotFound):
        await member_admin.verify_member(seeded_db, actor=manager, member_id=joko, ip="", now=NOW)
    assert jakarta_member.branch.code == "JKT01"


async def test_search_finds_members_by_name_nik_phone_and_username(seeded_db: Database) -> None:
    await registered_member(seeded_db)
    admin = await as_staff(seeded_db, "superadmin")
    for query in ("siti", "3174055708900002", "0812345678", "@siti_r"):
        page = await member_admin.search_members(
            seeded_db, actor=admin, query=query, branch_id=None, role=None, status=None, page=0
        )
        assert [m.full_name for m in page.members] == ["Siti Rahayu"], query
    counts = await member_admin.member_counts(seeded_db, actor=admin)
    assert counts.total == 3 and counts.by_status[MemberStatus.AWAITING_VERIFICATION] == 3
