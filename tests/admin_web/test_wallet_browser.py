"""A treasurer confirms a deposit in a real browser (Debian's Chromium via Playwright):
log in, open the pending deposit from the list, check the prefilled amount, enter the
bank reference, confirm, and see the member's money credited once. Skipped where no
Chromium is installed, except in CI (``KOPDANA_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from admin_web.i18n import Translations
from backend.db.engine import Database
from backend.i18n import load_translations
from backend.settings import PROJECT_ROOT
from tests.admin_web.conftest import LiveServer, demo_password
from tests.admin_web.wallet_support import balance, deposit, financier, journal_entries

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
TEXTS = Translations(
    load_translations(PROJECT_ROOT / "locales"), default="id", timezone="Asia/Jakarta"
)


def text(message_id: str) -> str:
    return TEXTS.get("id")(message_id)


async def test_a_treasurer_confirms_a_deposit_in_the_browser(
    live_panel: LiveServer, seeded_db: Database, tmp_path: Path
) -> None:
    member = await financier(seeded_db, full_name="Siti Rahayu")
    request = await deposit(seeded_db, member, 1_500_000)
    typed = f"{request.transfer_amount:,}".replace(",", ".")
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(live_panel.base_url + "/deposits")
        assert "/login" in page.url
        await page.get_by_label(text("admin.auth.username")).fill("bendahara.jkt")
        await page.get_by_label(text("admin.auth.password")).fill(demo_password("bendahara.jkt"))
        await page.get_by_role("button", name=text("admin.auth.login")).click()
        await page.wait_for_url(live_panel.base_url + "/deposits")

        await page.get_by_role("link", name=request.reference).click()
        amount = page.get_by_label(text("admin.deposits.received_amount"))
        assert await amount.input_value() == typed  # prefilled with amount + unique code
        await page.get_by_label(text("admin.wallet.bank_reference")).fill("BRI 2611 0001")
        confirm = page.get_by_role("button", name=text("admin.deposits.confirm"))
        await confirm.click()
        await (
            page.get_by_role("status")
            .filter(has_text=text("admin.flash.deposit_confirmed"))
            .wait_for()
        )
        await page.get_by_text(text("admin.deposit.status.confirmed")).first.wait_for()
        assert await page.get_by_text("BRI26110001").count() == 1
        assert await confirm.count() == 0  # decided: no form any more
        await page.screenshot(path=str(tmp_path / "deposit.png"), full_page=True)
        if os.environ.get("KOPDANA_KEEP_SCREENSHOTS"):
            shutil.copy(tmp_path / "deposit.png", os.environ["KOPDANA_KEEP_SCREENSHOTS"])

        await browser.close()
    assert await balance(seeded_db, member) == (request.transfer_amount, 0)
    assert await journal_entries(seeded_db, "deposit") == 1
