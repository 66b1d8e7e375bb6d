"""Steps the wallet tests share: opening the wallet as a member, funding it as a treasurer,
and reading the effect back through the services."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import secrets
from html import unescape
from typing import Any

from backend.db.engine import Database
from backend.domain.wallet import WalletRules
from backend.formatting import format_rupiah
from backend.services import wallet, wallet_admin, wallet_settings
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import TRANSLATIONS, msg
from tests.wallet_factories import as_staff

Event = dict[str, Any]


def stem(key: str, language: str = "id") -> str:
    """The fixed start of a catalog message's first line, up to its first placeholder."""
    raw = TRANSLATIONS[language].gettext(key).split("{")[0].splitlines()[0]
    return unescape(re.sub(r"<[^>]+>", "", raw)).strip()


def rp(amount: int, language: str = "id") -> str:
    """Money as the member reads it: ``Rp 1.500.000``."""
    return format_rupiah(amount, language)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def open_wallet(
    user: SandboxUser, *, balance: int | None = None, language: str = "id"
) -> Event:
    """Type /wallet and wait for the dashboard (showing ``balance`` when given)."""
    await user.send_text("/wallet")
    home = msg("wallet.home", language, balance=rp(balance or 0), held="x", available="x")
    line = home.splitlines()[1]  # "Saldo: Rp 0"
    return await user.wait_for_bot_message(
        contains=line if balance is not None else line.split(":")[0]
    )


async def hint_then_question(user: SandboxUser, hint: str, question_key: str) -> None:
    """A bad answer: the specific hint, then the same question again."""
    await user.wait_for_bot_message(contains=hint.splitlines()[0])
    question = msg(question_key, minimum="x", step="x", available="x")
    await user.wait_for_bot_message(contains=question.splitlines()[0])


async def confirm_deposit_as_treasurer(db: Database, deposit_id: int, received: int) -> None:
    treasurer = await as_staff(db, "bendahara.jkt")
    await wallet_admin.confirm_deposit(
        db,
        actor=treasurer,
        deposit_id=deposit_id,
        received_amount=received,
        bank_reference=f"TRX-{secrets.token_hex(4).upper()}",
        nonce=secrets.token_hex(8),
        ip="10.0.0.2",
        now=now(),
    )


async def fund(db: Database, member_id: int, amount: int = 2_000_000) -> int:
    """A confirmed cash-in made through the services; returns the credited amount."""
    deposit = await wallet.start_deposit(
        db, member_id=member_id, amount=amount, request_key=secrets.token_hex(8), now=now()
    )
    await confirm_deposit_as_treasurer(db, deposit.id, deposit.transfer_amount)
    return deposit.transfer_amount


async def set_rules(db: Database, **changes: Any) -> WalletRules:
    """Staff change the wallet rules (as the superadmin), starting from the defaults."""
    admin = await as_staff(db, "superadmin")
    rules = WalletRules(**changes)
    await wallet_settings.update_wallet_settings(
        db, actor=admin, rules=rules, ip="10.0.0.1", now=now()
    )
    return rules


async def bot_texts(user: SandboxUser, fragment: str) -> list[str]:
    """Every bot message so far containing ``fragment``."""
    return [
        e.get("text") or ""
        for e in await user.transcript()
        if e["direction"] == "bot" and e["kind"] == "message" and fragment in (e.get("text") or "")
    ]


async def wait_for_toast(sandbox: SandboxServer, user_id: int, text: str) -> dict[str, Any]:
    """The bot's answer to a button press (a toast or an alert) with this text."""
    deadline = asyncio.get_running_loop().time() + 10
    while asyncio.get_running_loop().time() < deadline:
        for answer in await sandbox.callback_answers(user_id):
            if answer.get("text") == text:
                return answer
        await asyncio.sleep(0.05)
    raise AssertionError(f"no callback answer {text!r} for user {user_id}")
