"""A credit officer reviews a loan in a real browser (Debian's Chromium via Playwright):
open the queue, open the application, start the review, write the narrative; then the
branch manager approves it and it opens for funding. Skipped where no Chromium is
installed, except in CI (``KOPDANA_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from backend.db.engine import Database
from backend.db.models_staff import AuditEntry
from tests.admin_web.conftest import LiveServer, demo_password
from tests.admin_web.test_wallet_browser import CHROMIUM, CHROMIUM_ARGS, text
from tests.loan_factories import NARRATIVE, count, submit, verified_borrower

playwright_api = pytest.importorskip("playwright.async_api")
if not Path(CHROMIUM).exists() and os.environ.get("KOPDANA_REQUIRE_SERVICES") != "1":
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

pytestmark = pytest.mark.browser


async def log_in(page: Any, base_url: str, username: str, target: str) -> None:
    await page.goto(base_url + target)
    await page.get_by_label(text("admin.auth.username")).fill(username)
    await page.get_by_label(text("admin.auth.password")).fill(demo_password(username))
    await page.get_by_role("button", name=text("admin.auth.login")).click()
    await page.wait_for_url(base_url + target)


async def test_an_officer_writes_the_narrative_and_the_manager_approves_in_the_browser(
    live_panel: LiveServer, seeded_db: Database, tmp_path: Path
) -> None:
    loan = (await submit(seeded_db, (await verified_borrower(seeded_db)).id, "b1")).loan
    base = live_panel.base_url
    async with playwright_api.async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        officer = await browser.new_page(viewport={"width": 1280, "height": 900})
        await log_in(officer, base, "kredit.jkt", "/loans")
        await officer.get_by_role("link", name=loan.reference).click()
        await officer.get_by_role("button", name=text("admin.loans.start_review")).click()
        await (
            officer.get_by_role("status")
            .filter(has_text=text("admin.flash.loan_review_started"))
            .wait_for()
        )
        await officer.get_by_label(text("admin.loans.narrative_label")).fill(NARRATIVE)
        await officer.get_by_role("button", name=text("admin.loans.save_narrative")).click()
        await (
            officer.get_by_role("status")
            .filter(has_text=text("admin.flash.loan_narrative_saved"))
            .wait_for()
        )
        assert await officer.get_by_role("button", name=text("admin.loans.approve")).count() == 0

        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        manager = await context.new_page()
        await log_in(manager, base, "manager.jkt", f"/loans/{loan.id}")
        assert await manager.get_by_text(NARRATIVE).count() == 1
        approve = manager.get_by_role("button", name=text("admin.loans.approve"))
        await approve.click()
        await (
            manager.get_by_role("status")
            .filter(has_text=text("admin.flash.loan_approved"))
            .wait_for()
        )
        await manager.get_by_text(text("admin.loan.status.open_for_funding")).first.wait_for()
        assert await approve.count() == 0  # decided: no form any more
        await manager.screenshot(path=str(tmp_path / "loan.png"), full_page=True)
        if os.environ.get("KOPDANA_KEEP_SCREENSHOTS"):
            shutil.copy(tmp_path / "loan.png", os.environ["KOPDANA_KEEP_SCREENSHOTS"])
        await browser.close()
    assert await count(seeded_db, AuditEntry, AuditEntry.action == "loan.approved") == 1
