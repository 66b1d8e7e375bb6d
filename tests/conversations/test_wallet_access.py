"""Who may use the wallet: only verified financiers; everyone else is told why, clearly,
and nothing is requested (both databases)."""

from __future__ import annotations

import datetime as dt

from backend.db.engine import Database
from backend.domain.members import Role
from backend.services import member_admin
from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, WalletMember, first_line, msg
from tests.conversations.wallet_steps import open_wallet
from tests.factories import registered_member
from tests.wallet_factories import NOW, as_staff

RINA = 700000101  # seeded financier, awaiting verification (backend/services/demo.py)


async def test_an_unverified_financier_is_told_to_wait_for_verification(
    bot: BotHarness, sandbox: SandboxServer
) -> None:
    rina = await sandbox.create_user(RINA, "Rina", phone_number="+6281234567901")
    await rina.send_text("/menu")
    menu = await rina.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert msg("wallet.menu_button") not in labels
    await rina.send_text("/wallet")
    await rina.wait_for_bot_message(contains=msg("error.wallet.not_verified"))


async def test_a_verified_borrower_is_told_the_wallet_is_for_financiers(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    user = await sandbox.create_user(5002, "Budi")
    member = await registered_member(
        seeded_db,
        telegram_user_id=5002,
        full_name="Budi Santoso",
        nik="3174051203850004",
        birth_date=dt.date(1985, 3, 12),
        roles=[Role.BORROWER],
    )
    admin = await as_staff(seeded_db, "superadmin")
    await member_admin.verify_member(
        seeded_db, actor=admin, member_id=member.id, ip="10.0.0.1", now=NOW
    )
    await user.send_text("/menu")
    menu = await user.wait_for_bot_message(
        contains=msg("menu.verified_note", branch="Cabang Jakarta Selatan")
    )
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert msg("wallet.menu_button") not in labels
    await user.send_text("/wallet")
    await user.wait_for_bot_message(contains=msg("error.wallet.not_financier"))


async def test_someone_not_registered_is_pointed_to_start(
    bot: BotHarness, sandbox: SandboxServer
) -> None:
    stranger = sandbox.user(7001)
    await stranger.send_text("/wallet")
    await stranger.wait_for_bot_message(contains=msg("error.wallet.not_member"))


async def test_a_verified_financier_finds_the_wallet_in_the_menu(
    bot: BotHarness, wallet_member: WalletMember
) -> None:
    siti = wallet_member.user
    await siti.send_text("/menu")
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await siti.press(msg("wallet.menu_button"))
    home = await siti.wait_for_bot_message(contains="Saldo: Rp 0")
    assert msg("wallet.home.no_movements") in home["text"]
    await siti.press(msg("menu.button.back_to_menu"))
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await open_wallet(siti, balance=0)
