"""Commands and guards every member meets: language, profile, menu, roles, deactivation,
the webhook secret, and Telegram's flood control."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from backend.db.engine import Database
from backend.db.models import Member, ProcessedUpdate
from backend.db.unit_of_work import UnitOfWork
from backend.domain.members import Role
from backend.services.members import get_member
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import WEBHOOK_SECRET, BotHarness, first_line, msg

RINA = 700000101  # seeded financier, awaiting verification (backend/services/demo.py)


async def rina(sandbox: SandboxServer) -> SandboxUser:
    return await sandbox.create_user(
        RINA, "Rina", last_name="Wulandari", phone_number="+6281234567901"
    )


async def test_language_switch_is_remembered(bot: BotHarness, siti: SandboxUser) -> None:
    await siti.send_text("/language")
    await siti.wait_for_bot_message(contains=first_line("language.choose"))
    await siti.press(msg("language.name.en"))
    await siti.wait_for_bot_message(contains=msg("language.changed", "en"))
    await siti.send_text("/start")
    await siti.wait_for_bot_message(contains=first_line("start.landing", "en"))
    await bot.restart()
    await siti.send_text("/help")
    await siti.wait_for_bot_message(contains=first_line("help.text", "en"))


async def test_profile_masks_nik_and_account_number(
    bot: BotHarness, sandbox: SandboxServer
) -> None:
    member = await rina(sandbox)
    await member.send_text("/profile")
    profile = await member.wait_for_bot_message(contains=first_line("profile.text"))
    assert "3174055708900001" not in profile["text"]
    assert "3174••••••••0001" in profile["text"]
    assert "00217000001" not in profile["text"] and "••••••0101" in profile["text"]


async def test_a_member_adds_the_other_role_from_the_menu(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    member = await rina(sandbox)
    await member.send_text("/menu")
    await member.wait_for_bot_message(
        contains=msg("menu.meanwhile_awaiting", branch="Cabang Jakarta Selatan")
    )
    await member.press(msg("menu.button.add_role", role=msg("role.borrower")))
    await member.wait_for_bot_message(contains=msg("menu.role_added", role=msg("role.borrower")))
    stored = await get_member(seeded_db, telegram_user_id=RINA)
    assert set(stored.roles) == {Role.FINANCIER, Role.BORROWER}


async def test_a_deactivated_member_is_refused_clearly(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    async with UnitOfWork(seeded_db) as uow:
        await uow.session.execute(
            update(Member).where(Member.telegram_user_id == RINA).values(status="deactivated")
        )
        await uow.commit()
    member = await rina(sandbox)
    for text in ("/start", "/menu", "halo"):
        await member.send_text(text)
        await member.wait_for_bot_message(contains=first_line("member.deactivated_refusal"))


async def test_cancel_anywhere_ends_the_conversation(bot: BotHarness, siti: SandboxUser) -> None:
    await siti.send_text("/start")
    await siti.wait_for_bot_message(contains=first_line("start.landing"))
    await siti.press(msg("start.choose_borrower"))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.full_name"))
    await siti.send_text("/cancel")
    await siti.wait_for_bot_message(contains=msg("cancel.done"))
    await siti.send_text("Siti Rahayu")  # no longer an answer to a question
    await siti.wait_for_bot_message(contains=msg("fallback.unknown_text"))


async def test_a_wrong_or_missing_webhook_secret_is_refused_and_changes_nothing(
    webhook_bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    assert webhook_bot.runner is not None
    url = webhook_bot.runner.settings.webhook_url
    assert url is not None
    await siti.send_text("/help")  # Siti has a chat with the bot
    await siti.wait_for_bot_message(contains=first_line("help.text"))
    forged = {
        "update_id": 990001,
        "message": {
            "message_id": 1,
            "date": 1764000000,
            "text": "/start",
            "chat": {"id": 7001, "type": "private", "first_name": "Siti"},
            "from": {"id": 7001, "is_bot": False, "first_name": "Siti"},
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with httpx.AsyncClient() as client:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "guess"}):
            response = await client.post(url, json=forged, headers=headers)
            assert response.status_code == 401
        good = await client.post(
            url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
        )
        assert good.status_code == 200
    await siti.wait_for_bot_message(contains=first_line("start.landing"))
    async with UnitOfWork(seeded_db, write=False) as uow:
        claimed = list(await uow.session.scalars(select(ProcessedUpdate.update_id)))
    assert 990001 in claimed and len(claimed) == 2  # her /help, then the one authentic post
    landings = [
        e
        for e in await siti.transcript()
        if e["direction"] == "bot" and first_line("start.landing") in (e["text"] or "")
    ]
    assert len(landings) == 1


async def test_the_bot_waits_out_telegrams_flood_control(
    bot: BotHarness, sandbox: SandboxServer, siti: SandboxUser
) -> None:
    await sandbox.set_config(per_chat_limit=1, per_chat_window_seconds=1.0, retry_after=1)
    for _ in range(3):
        await siti.send_text("/help")
    seen = 0
    for _ in range(3):
        reply = await siti.wait_for_bot_message(
            after_seq=seen, contains=first_line("help.text"), timeout=15
        )
        seen = reply["seq"]
    stats = await sandbox.stats()
    assert stats["too_many_requests"] >= 1, stats
