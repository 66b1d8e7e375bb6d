"""Staff authentication: passwords (argon2id), login throttling, server-side sessions,
API tokens. Every authentication decision is audited.

Sessions: the cookie carries a random token; only its SHA-256 is stored, with a CSRF
token. A session ends after 30 minutes idle, 12 hours in all, at logout, at a password
change, or when the account is deactivated.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from backend.db.engine import Database
from backend.db.models_staff import LoginAttempt, StaffSession, StaffUser
from backend.db.unit_of_work import UnitOfWork
from backend.domain.errors import InvalidCredentials, LoginThrottled
from backend.domain.staff_rules import (
    ACCOUNT_THROTTLE,
    IP_THROTTLE,
    check_password_strength,
    seconds_until_next_attempt,
)
from backend.services.admin_dto import LoginResult, SessionView, StaffView
from backend.services.audit import AuditActor, record, staff_actor
from backend.services.clock import as_utc
from backend.services.staff_views import load_staff_user, staff_view

SESSION_IDLE_TIMEOUT = dt.timedelta(minutes=30)
SESSION_LIFETIME = dt.timedelta(hours=12)
_LAST_SEEN_GRANULARITY = dt.timedelta(minutes=1)

# OWASP's minimum for argon2id (m=19 MiB, t=2, p=1): about 19 ms here (REFERENCE §8).
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this when the user is unknown keeps the timing identical.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def hash_password(password: str) -> str:
    """An argon2id hash, computed off the event loop."""
    return await asyncio.to_thread(_HASHER.hash, password)


async def _password_matches(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _HASHER.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


def new_temporary_password() -> str:
    """A random password for a new or reset account (shown once to the staff member)."""
    return secrets.token_urlsafe(12)


async def _recent_failures(
    uow: UnitOfWork, *, column: InstrumentedAttribute[str], value: str, since: dt.datetime
) -> list[dt.datetime]:
    last_success = await uow.session.scalar(
        select(func.max(LoginAttempt.attempted_at)).where(
            column == value,
            LoginAttempt.succeeded.is_(True),
        )
    )
    start = max(since, as_utc(last_success)) if last_success else since
    rows = await uow.session.scalars(
        select(LoginAttempt.attempted_at).where(
            column == value,
            LoginAttempt.succeeded.is_(False),
            LoginAttempt.attempted_at > start,
        )
    )
    return [as_utc(at) for at in rows]


async def _throttle_wait(uow: UnitOfWork, *, username: str, ip: str, now: dt.datetime) -> int:
    by_account = await _recent_failures(
        uow, column=LoginAttempt.username, value=username, since=now - ACCOUNT_THROTTLE.window
    )
    by_ip = await _recent_failures(
        uow, column=LoginAttempt.ip, value=ip, since=now - IP_THROTTLE.window
    )
    return max(
        seconds_until_next_attempt(by_account, now=now, policy=ACCOUNT_THROTTLE),
        seconds_until_next_attempt(by_ip, now=now, policy=IP_THROTTLE),
    )


async def _open_session(
    uow: UnitOfWork, user: StaffUser, *, ip: str, user_agent: str, now: dt.datetime
) -> LoginResult:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    uow.session.add(
        StaffSession(
            token_hash=_digest(token),
            staff_user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
            user_agent=user_agent[:300],
        )
    )
    return LoginResult(session_token=token, csrf_token=csrf, staff=staff_view(user))


async def authenticate(
    db: Database, *, username: str, password: str, ip: str, user_agent: str, now: dt.datetime
) -> LoginResult:
    """Log a staff user in and open a new session.

    Raises LoginThrottled (``retry_after`` seconds) after repeated failures for the account
    or the IP, and InvalidCredentials — the same for an unknown user, a wrong password or
    a deactivated account.
    """
    username = username.strip().lower()[:60]
    actor = AuditActor(type="staff", id=None, label=username or "-", ip=ip)
    async with UnitOfWork(db) as uow:
        wait = await _throttle_wait(uow, username=username, ip=ip, now=now)
        if wait:
            record(
                uow,
                actor=actor,
                action="auth.login_throttled",
                object_type="staff",
                object_id=None,
                now=now,
                after={"retry_after": wait},
            )
            await uow.commit()
            raise LoginThrottled(retry_after=wait)
        user = await uow.session.scalar(select(StaffUser).where(StaffUser.username == username))
        matches = await _password_matches(user.password_hash if user else _DUMMY_HASH, password)
        succeeded = bool(user and user.active and matches)
        uow.session.add(
            LoginAttempt(username=username, ip=ip[:64], succeeded=succeeded, attempted_at=now)
        )
        if not succeeded or user is None:
            record(
                uow,
                actor=actor,
                action="auth.login_failed",
                object_type="staff",
                object_id=user.id if user else None,
                now=now,
            )
            await uow.commit()
            raise InvalidCredentials()
        result = await _open_session(uow, user, ip=ip, user_agent=user_agent, now=now)
        record(
            uow,
            actor=AuditActor("staff", user.id, user.username, ip),
            action="auth.login_succeeded",
            object_type="staff",
            object_id=user.id,
            now=now,
        )
        await uow.commit()
        return result


async def load_session(db: Database, *, session_token: str, now: dt.datetime) -> SessionView | None:
    """The live session for a cookie token, or None (unknown, revoked, expired, inactive)."""
    async with UnitOfWork(db, write=False) as uow:
        row = await uow.session.get(StaffSession, _digest(session_token))
        if row is None or row.revoked_at is not None:
            return None
        created, last_seen = as_utc(row.created_at), as_utc(row.last_seen_at)
        if now - last_seen > SESSION_IDLE_TIMEOUT or now - created > SESSION_LIFETIME:
            return None
        user = await load_staff_user(uow, row.staff_user_id)
        if user is None or not user.active:
            return None
        view = SessionView(
            staff=staff_view(user),
            csrf_token=row.csrf_token,
            created_at=created,
            last_seen_at=last_seen,
        )
    if now - last_seen > _LAST_SEEN_GRANULARITY:
        async with UnitOfWork(db) as uow:
            await uow.session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == _digest(session_token))
                .values(last_seen_at=now)
            )
            await uow.commit()
    return view


async def logout(db: Database, *, session_token: str, ip: str, now: dt.datetime) -> None:
    """Revoke the session on the server; the cookie becomes worthless."""
    async with UnitOfWork(db) as uow:
        row = await uow.session.get(StaffSession, _digest(session_token))
        if row is None or row.revoked_at is not None:
            return
        row.revoked_at = now
        user = await load_staff_user(uow, row.staff_user_id)
        label = user.username if user else "-"
        record(
            uow,
            actor=AuditActor("staff", row.staff_user_id, label, ip),
            action="auth.logout",
            object_type="staff",
            object_id=row.staff_user_id,
            now=now,
        )
        await uow.commit()


async def change_password(
    db: Database,
    *,
    session_token: str,
    current_password: str,
    new_password: str,
    ip: str,
    now: dt.datetime,
) -> LoginResult:
    """Change the logged-in user's password; all their sessions end and a new one opens.

    Raises InvalidCredentials (wrong current password or dead session) or WeakPassword.
    """
    async with UnitOfWork(db) as uow:
        row = await uow.session.get(StaffSession, _digest(session_token))
        user = await load_staff_user(uow, row.staff_user_id) if row and not row.revoked_at else None
        if row is None or user is None or not user.active:
            raise InvalidCredentials()
        if not await _password_matches(user.password_hash, current_password):
            raise InvalidCredentials()
        check_password_strength(new_password, username=user.username)
        user.password_hash = await hash_password(new_password)
        user.must_change_password = False
        await uow.session.execute(
            update(StaffSession)
            .where(StaffSession.staff_user_id == user.id, StaffSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        result = await _open_session(uow, user, ip=ip, user_agent=row.user_agent, now=now)
        record(
            uow,
            actor=AuditActor("staff", user.id, user.username, ip),
            action="auth.password_changed",
            object_type="staff",
            object_id=user.id,
            now=now,
        )
        await uow.commit()
        return result


async def issue_api_token(db: Database, *, actor: StaffView, ip: str, now: dt.datetime) -> str:
    """A new API token for ``actor`` (the previous one stops working); shown once."""
    token = "kpd_" + secrets.token_urlsafe(32)
    async with UnitOfWork(db) as uow:
        user = await load_staff_user(uow, actor.id)
        if user is None or not user.active:
            raise InvalidCredentials()
        user.api_token_hash = _digest(token)
        record(
            uow,
            actor=staff_actor(actor, ip),
            action="auth.api_token_issued",
            object_type="staff",
            object_id=actor.id,
            now=now,
        )
        await uow.commit()
    return token


async def authenticate_api_token(db: Database, *, token: str, now: dt.datetime) -> StaffView | None:
    """The active staff user owning ``token``, or None."""
    if not token:
        return None
    async with UnitOfWork(db, write=False) as uow:
        user = await uow.session.scalar(
            select(StaffUser).where(StaffUser.api_token_hash == _digest(token))
        )
        if user is None or not user.active:
            return None
        return staff_view(user)


async def revoke_sessions_of(uow: UnitOfWork, *, staff_id: int, now: dt.datetime) -> None:
    """End every open session of a staff user (deactivation, password reset)."""
    await uow.session.execute(
        update(StaffSession)
        .where(StaffSession.staff_user_id == staff_id, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
