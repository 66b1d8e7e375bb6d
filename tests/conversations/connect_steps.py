"""Steps the /connect tests share: a member in the sandbox, consent, walking to a kind's
page, and reading the social-connect tables back."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models_connect import ConnectConsent, ConnectContact, ConnectEntry
from backend.db.unit_of_work import UnitOfWork
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import first_line, msg
from tests.conversations.wallet_steps import stem
from tests.wallet_factories import verified_financier

Event = dict[str, Any]
SITI_PHONE = "+6281234567890"  # registered_member's default phone


class ConnectMember(NamedTuple):
    """Siti, a verified member of JKT01, in the sandbox chat and in the database."""

    user: SandboxUser
    member_id: int


async def make_member(db: Database, sandbox: SandboxServer) -> ConnectMember:
    user = await sandbox.create_user(5001, "Siti", last_name="Rahayu", phone_number=SITI_PHONE)
    member = await verified_financier(db, telegram_user_id=user.user_id)
    return ConnectMember(user=user, member_id=member.id)


async def agree(user: SandboxUser) -> Event:
    """/connect, the explanation, Setuju: the (empty) summary."""
    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.intro"))
    await user.press(msg("connect.button.agree"))
    return await user.wait_for_bot_message(contains=first_line("connect.summary.header"))


def kind_button(kind_key: str, count: int) -> str:
    return f"{msg(kind_key)} ({count})"


async def open_kind(user: SandboxUser, kind_key: str, count: int) -> Event:
    """From a summary, the page of one kind (its entries and Add)."""
    await user.press(kind_button(kind_key, count))
    return await user.wait_for_bot_message(contains=msg(kind_key))


async def to_summary(user: SandboxUser) -> Event:
    await user.press(msg("connect.button.summary"))
    return await user.wait_for_bot_message(contains=first_line("connect.summary.header"))


async def answer(user: SandboxUser, text: str, expected: str) -> Event:
    """Type ``text``; wait for a bot message containing ``expected``."""
    await user.send_text(text)
    return await user.wait_for_bot_message(contains=expected)


async def hint_then_question(
    user: SandboxUser, hint_key: str, question_key: str, **params: Any
) -> None:
    """A refused answer: the service's hint, then the same question again."""
    await user.wait_for_bot_message(contains=msg(hint_key, **params))
    await user.wait_for_bot_message(contains=stem(question_key))


def saved(entry: str) -> str:
    return msg("connect.saved", entry=entry)


class Tables(NamedTuple):
    consented: bool
    entries: int
    contacts: int


async def tables(db: Database, member_id: int) -> Tables:
    """What the database holds for the member, read straight from the tables."""
    async with UnitOfWork(db, write=False) as uow:
        consent = await uow.session.get(ConnectConsent, member_id)
        entries = await uow.session.scalar(
            select(func.count())
            .select_from(ConnectEntry)
            .where(ConnectEntry.member_id == member_id)
        )
        contacts = await uow.session.scalar(
            select(func.count())
            .select_from(ConnectContact)
            .where(ConnectContact.member_id == member_id)
        )
    return Tables(
        consented=consent is not None and consent.withdrawn_at is None,
        entries=int(entries or 0),
        contacts=int(contacts or 0),
    )


async def consent_rows(db: Database, member_id: int) -> int:
    async with UnitOfWork(db, write=False) as uow:
        count = await uow.session.scalar(
            select(func.count())
            .select_from(ConnectConsent)
            .where(ConnectConsent.member_id == member_id)
        )
    return int(count or 0)
