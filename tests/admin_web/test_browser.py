"""A staff member uses the panel in a real browser (Debian's Chromium via Playwright):
log in, search for a member, verify them, see the audit entry, log out. Skipped where no
Chromium is installed, except in CI (``KOPDANA_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from admin_web.i18n import Translations
from backend.i18n import load_translations
from backend.settings import PROJECT_ROOT
from tests.admin_web.conftest import LiveServer, demo_password

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]
playwright_api = pytest.importorskip("playwright.async_api")

if not Path(CHROMIUM).exists() and os.environ.get("KOPDANA_REQUIRE_SERVICES") != "1":
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser
TEXTS = Translations(load_translations(PROJECT_ROOT / "locales"), default="id",
                     timezone="Asia/Jakarta")


def text(message_id: str, language: str = "id", **params: Any) -> str:
    return TEXTS.get(language)(message_id, **params)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800},
                                      {"width": 390, "height": 844}], ids=["laptop", "phone"])
async def test_a_manager_verifies_a_member_and_finds_it_in_the_audit_log(
    live_panel: LiveServer, tmp_path: Path, viewport: dict[str, int]
) -> None:
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport=viewport)
        await page.goto(live_panel.base_url + "/members")
        assert "/login" in page.url  # anonymous: sent to the login page
        await page.get_by_label(text("admin.auth.username")).fill("manager.jkt")
        await page.get_by_label(text("admin.auth.password")).fill(demo_password("manager.jkt"))
        await page.get_by_role("button", name=text("admin.auth.login")).click()
        await page.wait_for_url(live_panel.base_url + "/members")  # back where they were

        await page.get_by_role("searchbox").fill("Rina")
        await page.get_by_role("button", name=text("admin.common.search")).click()
        await page.get_by_role("link", name="Rina Wulandari").click()
        await page.get_by_role("button", name=text("admin.members.verify")).click()
        await page.get_by_role("status").filter(
            has_text=text("admin.flash.member_verified")).wait_for()
        await page.get_by_text(text("member.status.verified")).first.wait_for()

        await page.get_by_role("link", name=text("admin.menu.audit")).click()
        row = page.locator("tr", has_text="member.verified")
        await row.wait_for()
        assert "manager.jkt" in await row.inner_text()
        await page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
        if os.environ.get("KOPDANA_KEEP_SCREENSHOTS"):
            shutil.copy(tmp_path / "audit.png", os.environ["KOPDANA_KEEP_SCREENSHOTS"])

        await page.get_by_role("button", name=text("admin.auth.logout")).click()
        await page.get_by_role("status").filter(has_text=text("admin.flash.logged_out")).wait_for()
        await page.goto(live_panel.base_url + "/audit")
        assert "/login" in page.url  # the session is gone
        await browser.close()
