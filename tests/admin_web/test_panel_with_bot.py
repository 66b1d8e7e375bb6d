"""The panel and the bot together: verifying a member in the panel opens the verified
menu in the bot and the member is told in Telegram (sandbox, through the outbox and the
notifier); deactivating them blocks them at their next message."""

from __future__ import annotations

from fastapi import FastAPI

from sandbox.testing import SandboxServer
from tests.admin_web.conftest import World, log_in, panel_client
from tests.conversations.conftest import BotHarness, bot, first_line, msg, sandbox  # noqa: F401

RINA = 700000101  # the seeded financier of JKT01, awaiting verification
BRANCH = "Cabang Jakarta Selatan"


async def test_verification_and_deactivation_in_the_panel_reach_the_member_in_telegram(
    app: FastAPI, world: World, bot: BotHarness, sandbox: SandboxServer  # noqa: F811
) -> None:
    rina = await sandbox.create_user(RINA, "Rina", last_name="Wulandari",
                                     phone_number="+6281234567901")
    await rina.send_text("/menu")
    await rina.wait_for_bot_message(contains=msg("menu.meanwhile_awaiting", branch=BRANCH))

    async with panel_client(app) as officer, panel_client(app) as manager:
        await log_in(officer, "kredit.jkt")
        officer.headers["X-CSRF-Token"] = (await officer.get("/api/v1/me")).json()["csrf_token"]
        verified = await officer.post(f"/members/{world.jakarta_member}/verify")
        assert verified.status_code == 303
        await rina.wait_for_bot_message(
            contains=first_line("member.notice.verified", name="Rina Wulandari", branch=BRANCH,
                                reason=""))
        await rina.send_text("/menu")
        await rina.wait_for_bot_message(contains=msg("menu.verified_note", branch=BRANCH))

        manager.headers["X-CSRF-Token"] = await log_in(manager, "manager.jkt")
        reason = "Permintaan anggota sendiri"
        deactivated = await manager.post(f"/members/{world.jakarta_member}/deactivate",
                                         data={"reason": reason})
        assert deactivated.status_code == 303
        await rina.wait_for_bot_message(contains=reason)
        await rina.send_text("halo")
        await rina.wait_for_bot_message(contains=first_line("member.deactivated_refusal"))
