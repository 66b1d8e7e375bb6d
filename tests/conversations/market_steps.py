"""Steps the loan list tests share: borrowers with open loans, financiers connected to them
differently (each with a chat in the sandbox), opening the list, reading its cards."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from backend.db.engine import Database
from backend.domain.members import Role
from backend.services import loan_review, member_admin
from sandbox.testing import SandboxServer, SandboxUser
from tests.connect_factories import NOW, consenting_member, went_to, works_at
from tests.conversations.conftest import first_line, msg
from tests.loan_factories import as_staff, reviewed_loan

Event = dict[str, Any]

BRANCH = "Cabang Jakarta Selatan"
RAW_PROFILE = (
    "Budi Anggota",  # full names (every factory member's family name is Anggota)
    "Dewi Anggota",
    "Telkom",
    "SMA Negeri 3",
    "SMAN 3",
    "Bandung",
    "3174055708",  # the start of every factory member's NIK
    "0812555",  # and of their phone numbers
    "+62812555",
    "Jl. Melati",
)
"""What the financiers must never read: names beyond the first, shared profile entries,
NIK, phone, address."""


class Market(NamedTuple):
    """Budi (loan A, Rp 3.000.000) works with Rina; Dewi (loan B, Rp 8.000.000, opened
    later) went to school with Agus in the same year. All four are of JKT01."""

    rina: SandboxUser
    agus: SandboxUser
    budi: SandboxUser
    ids: dict[str, int]


async def verified(db: Database, member_id: int) -> None:
    admin = await as_staff(db, "superadmin")
    await member_admin.verify_member(db, actor=admin, member_id=member_id, ip="x", now=NOW)


async def open_loan(db: Database, borrower_id: int, key: str, **overrides: object) -> int:
    """A loan reviewed by the JKT01 credit officer and approved by the branch manager."""
    loan = await reviewed_loan(db, borrower_id, key, **overrides)
    manager = await as_staff(db, "manager.jkt")
    await loan_review.approve_loan(
        db, actor=manager, loan_id=loan.loan.id, nonce=f"n-{key}", ip="x", now=NOW
    )
    return loan.loan.id


@pytest.fixture
async def market(seeded_db: Database, sandbox: SandboxServer) -> Market:
    db = seeded_db
    ids: dict[str, int] = {}
    users: dict[str, SandboxUser] = {}
    # connect_factories names member n after NAMES[n]: 1 Budi, 2 Dewi, 5 Joko… 0 Rina.
    for name, n, roles in (
        ("budi", 1, [Role.BORROWER]),
        ("dewi", 2, [Role.BORROWER]),
        ("rina", 10, [Role.FINANCIER]),
        ("agus", 3, [Role.FINANCIER]),
    ):
        users[name] = await sandbox.create_user(700_000 + n, name.title(), last_name="Anggota")
        who = await consenting_member(db, n, roles=roles)
        await verified(db, who.id)
        ids[name] = who.id
    await works_at(db, ids["budi"], "PT Telkom Indonesia")
    await works_at(db, ids["rina"], "Telkom")
    await went_to(db, ids["dewi"], "SMA Negeri 3 Bandung", 2008)
    await went_to(db, ids["agus"], "SMAN 3 Bandung", 2008)
    ids["loan_a"] = await open_loan(db, ids["budi"], "a", amount=3_000_000)
    ids["loan_b"] = await open_loan(db, ids["dewi"], "b", amount=8_000_000)
    return Market(rina=users["rina"], agus=users["agus"], budi=users["budi"], ids=ids)


def list_title(total: int, language: str = "id") -> str:
    return first_line("market.title", language, total=total)


async def open_market(user: SandboxUser, total: int, language: str = "id") -> Event:
    await user.send_text("/market")
    return await user.wait_for_bot_message(contains=list_title(total, language))


async def redrawn(user: SandboxUser, contains: str) -> Event:
    """The next edit (or message) of the bot containing ``contains``."""
    return await user.wait_for_bot_message(contains=contains, edits=True)


def labels(event: Event) -> list[str]:
    return [b["text"] for row in event["reply_markup"]["inline_keyboard"] for b in row]


def card_titles(event: Event) -> list[str]:
    """The card headings of a list, top to bottom: ``1. Modal Usaha Mikro · LN-…``."""
    return [
        line
        for line in event["text"].splitlines()
        if line[:1].isdigit() and ". " in line and " · LN-" in line
    ]


def reason_labels(*keys: str, language: str = "id") -> str:
    return ", ".join(msg(f"market.reason.{key}", language) for key in keys)


def score_line(score: int, *keys: str, language: str = "id") -> str:
    return msg(
        "market.card.score",
        language,
        score=score,
        maximum=9,
        reasons=reason_labels(*keys, language=language),
    )


async def everything_the_bot_said(user: SandboxUser) -> str:
    """Every text, caption and button label the bot sent or edited in this chat."""
    parts: list[str] = []
    for event in await user.transcript():
        if event["direction"] != "bot":
            continue
        parts += [event.get("text") or "", event.get("caption") or ""]
        markup = event.get("reply_markup") or {}
        for row in markup.get("inline_keyboard", []):
            parts += [button.get("text", "") for button in row]
    return "\n".join(parts)
