"""Staff authentication and administration on a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import (
    DuplicateUsername,
    InvalidCredentials,
    LoginThrottled,
    NotAllowedError,
    ValidationError,
    WeakPassword,
)
from backend.domain.permissions import Permission
from backend.services import staff

NOW = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
PASSWORD = "superadmin-demo-2026"


@pytest.fixture
async def staff_db(seeded_db: Database) -> Database:
    await staff.seed_demo_staff(seeded_db, now=NOW)
    return seeded_db


async def login(
    db: Database,
    username: str = "superadmin",
    password: str = PASSWORD,
    *,
    ip: str = "10.0.0.1",
    at: dt.datetime = NOW,
) -> staff.LoginResult:
    return await staff.authenticate(
        db, username=username, password=password, ip=ip, user_agent="pytest", now=at
    )


async def audit_actions(db: Database) -> list[str]:
    async with UnitOfWork(db, write=False) as uow:
        return list(await uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


async def test_login_opens_a_session_and_is_audited(staff_db: Database) -> None:
    result = await login(staff_db)
    session = await staff.load_session(staff_db, session_token=result.session_token, now=NOW)
    assert session is not None and session.staff.username == "superadmin"
    assert session.csrf_token == result.csrf_token
    assert "auth.login_succeeded" in await audit_actions(staff_db)


async def test_unknown_user_and_wrong_password_are_indistinguishable(staff_db: Database) -> None:
    errors = []
    for username, password in (("nobody", PASSWORD), ("superadmin", "wrong-password-1")):
        with pytest.raises(InvalidCredentials) as caught:
            await login(staff_db, username, password)
        errors.append((type(caught.value), caught.value.code, dict(caught.value.params)))
    assert errors[0] == errors[1]


async def test_sessions_expire_when_idle_and_after_their_lifetime(staff_db: Database) -> None:
    token = (await login(staff_db)).session_token
    assert (
        await staff.load_session(staff_db, session_token=token, now=NOW + dt.timedelta(minutes=29))
        is not None
    )
    assert (
        await staff.load_session(staff_db, session_token=token, now=NOW + dt.timedelta(minutes=60))
        is None
    )
    token = (await login(staff_db)).session_token
    moment = NOW
    for _ in range(26):  # active every 29 minutes for more than 12 hours
        moment += dt.timedelta(minutes=29)
        session = await staff.load_session(staff_db, session_token=token, now=moment)
    assert session is None


async def test_logout_revokes_the_session_on_the_server(staff_db: Database) -> None:
    token = (await login(staff_db)).session_token
    await staff.logout(staff_db, session_token=token, ip="10.0.0.1", now=NOW)
    assert await staff.load_session(staff_db, session_token=token, now=NOW) is None


async def test_repeated_failures_slow_then_refuse_then_the_window_passes(
    staff_db: Database,
) -> None:
    moment = NOW
    for _ in range(5):
        with pytest.raises(InvalidCredentials):
            await login(staff_db, password="wrong-password", at=moment)
    with pytest.raises(LoginThrottled) as throttled:
        await login(staff_db, at=moment)  # even the right password waits
    assert throttled.value.params["retry_after"] >= 1
    for _ in range(8):  # keep failing after each wait: the wait doubles
        moment += dt.timedelta(seconds=int(throttled.value.params["retry_after"]))
        with pytest.raises(InvalidCredentials):
            await login(staff_db, password="wrong-password", at=moment)
        with pytest.raises(LoginThrottled) as throttled:
            await login(staff_db, password="wrong-password", at=moment)
    assert throttled.value.params["retry_after"] >= 256
    later = moment + dt.timedelta(minutes=16)
    assert (await login(staff_db, at=later)).staff.username == "superadmin"


async def test_failures_from_one_ip_throttle_other_accounts_too(staff_db: Database) -> None:
    for i in range(20):
        with pytest.raises(InvalidCredentials):
            await login(staff_db, f"guess{i}", "wrong-password", ip="192.0.2.9")
    with pytest.raises(LoginThrottled):
        await login(staff_db, ip="192.0.2.9")
    assert (await login(staff_db, ip="192.0.2.10")).staff.username == "superadmin"


async def test_a_created_account_must_change_its_temporary_password(staff_db: Database) -> None:
    admin = (await login(staff_db)).staff
    roles = {r.code: r for r in await staff.list_roles(staff_db, actor=admin)}
    created, temporary = await staff.create_staff(
        staff_db,
        actor=admin,
        username="Kasir.Bdg",
        full_name="Ayu Lestari",
        role_id=roles["treasurer"].id,
        branch_id=None,
        ip="10.0.0.1",
        now=NOW,
    )
    assert created.username == "kasir.bdg" and created.must_change_password
    with pytest.raises(DuplicateUsername):
        await staff.create_staff(
            staff_db,
            actor=admin,
            username="kasir.bdg",
            full_name="Ayu Lestari",
            role_id=roles["treasurer"].id,
            branch_id=None,
            ip="10.0.0.1",
            now=NOW,
        )
    first = await login(staff_db, "kasir.bdg", temporary)
    with pytest.raises(WeakPassword):
        await staff.change_password(
            staff_db,
            session_token=first.session_token,
            current_password=temporary,
            new_password="short",
            ip="10.0.0.1",
            now=NOW,
        )
    rotated = await staff.change_password(
        staff_db,
        session_token=first.session_token,
        current_password=temporary,
        new_password="a much better passphrase",
        ip="10.0.0.1",
        now=NOW,
    )
    assert not rotated.staff.must_change_password
    assert rotated.session_token != first.session_token
    assert await staff.load_session(staff_db, session_token=first.session_token, now=NOW) is None


async def test_permissions_come_from_the_role_and_are_checked_by_the_service(
    staff_db: Database,
) -> None:
    auditor = (await login(staff_db, "auditor", "auditor-demo-2026")).staff
    assert auditor.can(Permission.AUDIT_VIEW) and not auditor.can(Permission.STAFF_MANAGE)
    with pytest.raises(NotAllowedError):
        await staff.create_staff(
            staff_db,
            actor=auditor,
            username="x.y.z",
            full_name="X Y Z",
            role_id=auditor.role_id,
            branch_id=None,
            ip="",
            now=NOW,
        )


async def test_deactivating_a_staff_user_ends_their_sessions(staff_db: Database) -> None:
    admin = (await login(staff_db)).staff
    auditor_session = await login(staff_db, "auditor", "auditor-demo-2026")
    await staff.set_staff_active(
        staff_db,
        actor=admin,
        staff_id=auditor_session.staff.id,
        active=False,
        ip="10.0.0.1",
        now=NOW,
    )
    assert (
        await staff.load_session(staff_db, session_token=auditor_session.session_token, now=NOW)
        is None
    )
    with pytest.raises(InvalidCredentials):
        await login(staff_db, "auditor", "auditor-demo-2026")


async def test_the_audit_log_refuses_updates_and_deletes(staff_db: Database) -> None:
    await login(staff_db)
    for statement in ("UPDATE audit_log SET action = 'forged'", "DELETE FROM audit_log"):
        async with UnitOfWork(staff_db) as uow:
            with pytest.raises(Exception, match="append-only"):
                await uow.session.execute(text(statement))
    assert "forged" not in await audit_actions(staff_db)
    assert await audit_actions(staff_db)


async def test_nobody_can_remove_the_last_way_to_manage_staff_and_roles(
    staff_db: Database,
) -> None:
    admin = (await login(staff_db)).staff
    roles = {r.code: r for r in await staff.list_roles(staff_db, actor=admin)}
    superadmin = roles["superadmin"]
    with pytest.raises(ValidationError):
        await staff.update_role(staff_db, actor=admin, role_id=superadmin.id,
                                name_id="Superadmin", name_en="Superadmin",
                                permissions=frozenset({Permission.AUDIT_VIEW}), ip="", now=NOW)
    with pytest.raises(ValidationError):
        await staff.update_staff(staff_db, actor=admin, staff_id=admin.id,
                                 full_name="Admin Pusat", role_id=roles["auditor"].id,
                                 branch_id=None, ip="", now=NOW)
    still = await staff.list_roles(staff_db, actor=admin)
    assert next(r for r in still if r.code == "superadmin").permissions == superadmin.permissions
