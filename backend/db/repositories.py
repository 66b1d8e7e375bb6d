"""Repositories: queries over one session. They flush but never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from backend.db.models import (
    Branch,
    ConversationState,
    Member,
    MemberRole,
    MemberStatusChange,
    ProcessedUpdate,
    TelegramUser,
)


def _insert(session: AsyncSession, table: Any) -> Any:
    """A dialect-specific INSERT that supports ON CONFLICT on both databases."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class _Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class BranchRepository(_Repository):
    def _active(self, search: str | None) -> Select[Branch]:
        query = select(Branch).where(Branch.active.is_(True))
        if search:
            pattern = f"%{search.strip().lower()}%"
            query = query.where(
                or_(
                    func.lower(Branch.name).like(pattern),
                    func.lower(Branch.city).like(pattern),
                    func.lower(Branch.code).like(pattern),
                )
            )
        return query

    async def page_active(
        self, *, search: str | None, offset: int, limit: int
    ) -> tuple[list[Branch], int]:
        query = self._active(search)
        total = await self.session.scalar(select(func.count()).select_from(query.subquery()))
        rows = await self.session.scalars(
            query.order_by(Branch.name, Branch.id).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    async def get(self, branch_id: int) -> Branch | None:
        return await self.session.get(Branch, branch_id)

    async def get_by_code(self, code: str) -> Branch | None:
        return await self.session.scalar(select(Branch).where(Branch.code == code))

    def add(self, branch: Branch) -> None:
        self.session.add(branch)


class MemberRepository(_Repository):
    async def get_by_telegram_id(self, telegram_user_id: int) -> Member | None:
        return await self.session.scalar(
            select(Member)
            .options(selectinload(Member.branch))
            .where(Member.telegram_user_id == telegram_user_id)
        )

    async def language_and_member(self, telegram_user_id: int) -> tuple[str | None, Member | None]:
        """The saved language and the member (with branch) of a Telegram user, one query."""
        row = (
            (
                await self.session.execute(
                    select(TelegramUser.language, Member)
                    .select_from(TelegramUser)
                    .outerjoin(Member, Member.telegram_user_id == TelegramUser.id)
                    .options(joinedload(Member.branch), joinedload(Member.roles))
                    .where(TelegramUser.id == telegram_user_id)
                )
            )
            .unique()
            .first()
        )
        if row is None:
            return None, None
        return row[0], row[1]

    async def get_by_telegram_id_for_update(self, telegram_user_id: int) -> Member | None:
        return await self.session.scalar(
            select(Member)
            .options(selectinload(Member.branch))
            .where(Member.telegram_user_id == telegram_user_id)
            .with_for_update()
        )

    async def nik_taken(self, nik: str) -> bool:
        return (await self.session.scalar(select(Member.id).where(Member.nik == nik))) is not None

    async def add(self, member: Member) -> Member:
        self.session.add(member)
        await self.session.flush()
        return member

    def add_role(self, member: Member, role: str) -> None:
        member.roles.append(MemberRole(member_id=member.id, role=role))

    def record_status_change(
        self, member: Member, *, from_status: str | None, to_status: str, actor: str, reason: str
    ) -> None:
        self.session.add(
            MemberStatusChange(
                member_id=member.id,
                from_status=from_status,
                to_status=to_status,
                actor=actor,
                reason=reason,
            )
        )


class TelegramUserRepository(_Repository):
    async def get(self, telegram_user_id: int) -> TelegramUser | None:
        return await self.session.get(TelegramUser, telegram_user_id)

    async def ensure(self, telegram_user_id: int) -> None:
        """Create the row if it does not exist yet (concurrency-safe)."""
        statement = _insert(self.session, TelegramUser).values(id=telegram_user_id)
        await self.session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))

    async def set_language(self, telegram_user_id: int, language: str) -> None:
        statement = _insert(self.session, TelegramUser).values(
            id=telegram_user_id, language=language
        )
        await self.session.execute(
            statement.on_conflict_do_update(index_elements=["id"], set_={"language": language})
        )


class ProcessedUpdateRepository(_Repository):
    async def claim(self, bot_id: int, update_id: int) -> bool:
        """Record the update as taken; False if somebody already took it."""
        statement = (
            _insert(self.session, ProcessedUpdate)
            .values(bot_id=bot_id, update_id=update_id)
            .on_conflict_do_nothing(index_elements=["bot_id", "update_id"])
            .returning(ProcessedUpdate.update_id)
        )
        return (await self.session.execute(statement)).first() is not None

    async def purge_claimed_before(self, moment: dt.datetime) -> int:
        result = await self.session.execute(
            delete(ProcessedUpdate).where(ProcessedUpdate.claimed_at < moment)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class ConversationStateRepository(_Repository):
    async def get(self, storage_key: str) -> ConversationState | None:
        return await self.session.get(ConversationState, storage_key)

    async def upsert(self, storage_key: str, values: dict[str, Any]) -> None:
        statement = _insert(self.session, ConversationState).values(
            storage_key=storage_key, **values
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=["storage_key"], set_={**values, "updated_at": func.now()}
            )
        )
