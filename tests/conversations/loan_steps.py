"""Steps the loan conversation tests share: a verified borrower's chat, walking the
application form as a person would, forging a button, and drifting the cost caps."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from sqlalchemy import delete

from backend.db.engine import Database
from backend.db.models_loans import LoanCostCap
from backend.db.unit_of_work import UnitOfWork
from backend.domain.cost_caps import OJK_DEFAULT_CAPS
from backend.domain.loan_terms import LoanKind
from backend.services import loan_applications
from backend.services.loan_dto import LoanPage
from backend.services.loan_records import cap_units
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import first_line, msg
from tests.conversations.wallet_steps import rp, stem
from tests.loan_factories import verified_borrower

Event = dict[str, Any]
PREVIEW_TITLE = "loans.preview"


class Borrower(NamedTuple):
    user: SandboxUser
    member_id: int


@pytest.fixture
async def borrower(seeded_db: Database, sandbox: SandboxServer) -> Borrower:
    """Siti, a verified borrower of JKT01 (Telegram user 5001)."""
    user = await sandbox.create_user(5001, "Siti", last_name="Rahayu")
    member = await verified_borrower(seeded_db)
    return Borrower(user=user, member_id=member.id)


def second_line(key: str, language: str = "id", **params: Any) -> str:
    return msg(key, language, **params).splitlines()[1]


async def start_application(user: SandboxUser, language: str = "id") -> None:
    await user.send_text("/loans")
    await user.wait_for_bot_message(contains=second_line("loans.home", language))
    await user.press(msg("loans.button.apply", language))
    await user.wait_for_bot_message(contains=second_line("loans.ask.product", language))


async def pick_product(
    user: SandboxUser, name: str, minimum: int, maximum: int, language: str = "id"
) -> None:
    await user.press(name)
    question = msg(
        "loans.ask.amount", language, product=name, minimum=rp(minimum), maximum=rp(maximum)
    )
    await user.wait_for_bot_message(contains=question.splitlines()[1])


async def type_amount(
    user: SandboxUser, amount: str, tenor_range: tuple[int, int], value: int, language: str = "id"
) -> Event:
    await user.send_text(amount)
    question = first_line(
        "loans.ask.tenor",
        language,
        amount=rp(value),
        shortest=tenor_range[0],
        longest=tenor_range[1],
    )
    return await user.wait_for_bot_message(contains=question)


async def pick_tenor(user: SandboxUser, months: int, next_key: str, language: str = "id") -> Event:
    await user.press(msg("loans.tenor_button", language, months=months))
    return await user.wait_for_bot_message(contains=stem(next_key, language))


async def answer(user: SandboxUser, text: str, next_key: str, language: str = "id") -> Event:
    await user.send_text(text)
    return await user.wait_for_bot_message(contains=stem(next_key, language))


async def walk_dd_to_preview(user: SandboxUser, language: str = "id") -> Event:
    """Emergency fund (DD): Rp 1.000.000 over 3 months, no collateral → the preview."""
    await start_application(user, language)
    name = "Dana Darurat" if language == "id" else "Emergency fund"
    await pick_product(user, name, 500_000, 3_000_000, language)
    await type_amount(user, "1.000.000", (1, 6), 1_000_000, language)
    await pick_tenor(user, 3, "loans.ask.purpose", language)
    await answer(user, "Biaya berobat anak", "loans.ask.collateral_optional", language)
    await user.press(msg("loans.button.no_collateral", language))
    return await user.wait_for_bot_message(contains=first_line(PREVIEW_TITLE, language))


async def hint_then(user: SandboxUser, hint: str, question: str) -> None:
    """A bad answer: the specific hint, then the question again."""
    await user.wait_for_bot_message(contains=hint.splitlines()[0])
    await user.wait_for_bot_message(contains=question)


async def my_loans(db: Database, member_id: int) -> LoanPage:
    return await loan_applications.list_my_loans(db, member_id=member_id, page=0)


def forge_button(sandbox: SandboxServer, user_id: int, message_id: int, data: str) -> None:
    """Put a button the bot never sent under one of its messages (a tampered client)."""
    bot = sandbox.world.bot_for_token(sandbox.bot_token)
    message = sandbox.world.chat(bot, user_id).messages[message_id]
    message.inline_keyboard().append([{"text": "forged", "callback_data": data}])


async def install_caps(db: Database, consumer_under_6: str) -> None:
    """A caps table put straight into the database (data drift), bypassing the product check
    staff get, so the submission's own check is what refuses."""
    async with UnitOfWork(db) as uow:
        await uow.session.execute(delete(LoanCostCap))
        for cap in OJK_DEFAULT_CAPS:
            low = cap.kind is LoanKind.CONSUMER and cap.min_months == 1
            uow.session.add(
                LoanCostCap(
                    kind=cap.kind.value,
                    min_months=cap.min_months,
                    max_months=cap.max_months,
                    daily_cap_millionths=cap_units(
                        Decimal(consumer_under_6) if low else cap.daily_cap
                    ),
                    source=cap.source,
                )
            )
        await uow.commit()
