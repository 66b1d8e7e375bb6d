"""A person chats with the real bot in the sandbox's web page, in a real browser.

Debian's Chromium driven by Playwright (REFERENCE §9). Skipped where no Chromium is
installed, except in CI (``KOPDANA_REQUIRE_SERVICES=1``), where it must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, first_line, msg

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
playwright_api = pytest.importorskip("playwright.async_api")

if not Path(CHROMIUM).exists() and os.environ.get("KOPDANA_REQUIRE_SERVICES") != "1":
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser


async def test_a_person_registers_steps_in_the_web_chat_with_buttons_and_contact(
    bot: BotHarness, sandbox: SandboxServer, tmp_path: Path
) -> None:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 800})  # a phone
        await page.goto(sandbox.base_url + "/")
        await page.select_option("#user-select", "7002")  # Budi Santoso

        async def say(text: str) -> None:
            await page.fill("#text-input", text)
            await page.press("#text-input", "Enter")

        async def expect_bot_text(text: str) -> None:
            await page.locator(".row.bot", has_text=text).last.wait_for(timeout=10_000)

        await say("/start")
        await expect_bot_text(first_line("start.landing"))
        await page.get_by_role("button", name=msg("start.choose_borrower")).click()
        await expect_bot_text(first_line("registration.ask.full_name"))
        await say("Budi Santoso")
        await expect_bot_text(first_line("registration.ask.nik"))
        await say("3273011203850005")
        await expect_bot_text(first_line("registration.ask.birth_date"))
        await say("12-03-1985")
        await expect_bot_text(first_line("registration.ask.phone"))
        share = page.locator("#reply-keyboard").get_by_role(
            "button", name=msg("registration.button.share_phone")
        )
        await share.click()
        await expect_bot_text(msg("registration.phone_saved", phone="+6281234567802"))
        await expect_bot_text(first_line("registration.ask.branch"))
        await page.screenshot(path=str(tmp_path / "web-chat.png"), full_page=True)
        if os.environ.get("KOPDANA_KEEP_SCREENSHOTS"):
            shutil.copy(tmp_path / "web-chat.png", os.environ["KOPDANA_KEEP_SCREENSHOTS"])
        await browser.close()
