"""Who may apply, and what stops an application: only verified borrowers; the cost cap
and the borrower limits refuse with their numbers; a deactivated borrower's Confirm makes
nothing (both databases)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.domain.members import Role
from backend.services import member_admin
from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.loan_steps import (
    Borrower,
    borrower,
    install_caps,
    my_loans,
    pick_product,
    start_application,
    type_amount,
    walk_dd_to_preview,
)
from tests.conversations.wallet_steps import rp, stem, wait_for_toast
from tests.factories import registered_member
from tests.loan_factories import NOW, as_staff, set_rules, submit
from tests.wallet_factories import verified_financier

__all__ = ["borrower"]


def menu_labels(event: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["text"] for row in event["reply_markup"]["inline_keyboard"] for b in row]


async def test_a_verified_borrower_sees_the_loan_buttons_a_financier_does_not(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    agus = await sandbox.create_user(5009, "Agus")
    await verified_financier(
        seeded_db, telegram_user_id=5009, nik="3174051708900009", full_name="Agus Salim"
    )
    await agus.send_text("/menu")
    menu = await agus.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    assert msg("loans.menu_button.apply") not in menu_labels(menu)
    assert msg("wallet.menu_button") in menu_labels(menu)
    await agus.send_text("/loans")
    await agus.wait_for_bot_message(contains=msg("error.loan.not_borrower"))


async def test_the_borrower_menu_offers_apply_and_my_loans(
    bot: BotHarness, borrower: Borrower
) -> None:
    await borrower.user.send_text("/menu")
    menu = await borrower.user.wait_for_bot_message(
        contains=first_line("menu.status_line", status="x")[:12]
    )
    labels = menu_labels(menu)
    assert msg("loans.menu_button.apply") in labels and msg("loans.menu_button.mine") in labels
    assert msg("wallet.menu_button") not in labels


async def test_an_unverified_borrower_is_told_to_wait(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    user = await sandbox.create_user(5001, "Siti")
    await registered_member(seeded_db, roles=[Role.BORROWER])
    await user.send_text("/loans")
    await user.wait_for_bot_message(contains=msg("error.loan.not_verified"))
    await user.send_text("/menu")
    menu = await user.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    assert msg("loans.menu_button.apply") not in menu_labels(menu)


async def test_someone_not_registered_is_told_to_register(
    bot: BotHarness, sandbox: SandboxServer
) -> None:
    user = await sandbox.create_user(7001, "Siti")
    await user.send_text("/loans")
    await user.wait_for_bot_message(contains=msg("error.loan.not_member"))


async def test_a_borrower_deactivated_before_confirm_makes_no_loan(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, borrower: Borrower
) -> None:
    siti = borrower.user
    await walk_dd_to_preview(siti)
    admin = await as_staff(seeded_db, "superadmin")
    await member_admin.deactivate_member(
        seeded_db, actor=admin, member_id=borrower.member_id, reason="Data palsu", ip="x", now=NOW
    )
    await siti.press(msg("loans.button.confirm"))
    await wait_for_toast(sandbox, siti.user_id, msg("member.deactivated_refusal"))
    assert (await my_loans(seeded_db, borrower.member_id)).total == 0
    await siti.send_text("/loans")
    await siti.wait_for_bot_message(contains=msg("member.deactivated_refusal"))


async def test_a_loan_over_its_cost_cap_is_refused_with_the_numbers(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    siti = borrower.user
    await install_caps(seeded_db, "0.0005")
    await start_application(siti)
    await pick_product(siti, "Dana Darurat", 500_000, 3_000_000)
    await type_amount(siti, "1.000.000", (1, 6), 1_000_000)
    await siti.press(msg("loans.tenor_button", months=3))
    refusal = msg(
        "error.cost_cap.daily",
        total_cost=rp(70_000),
        days=92,
        daily_percent="0,0761",
        cap_percent="0,05",
        max_total_cost=rp(46_000),
    )
    await siti.wait_for_bot_message(contains=refusal)
    await siti.wait_for_bot_message(contains=stem("loans.ask.tenor"))
    assert (await my_loans(seeded_db, borrower.member_id)).total == 0


async def test_the_open_applications_limit_stops_a_new_one(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    await set_rules(seeded_db, max_open_applications=1, max_exposure=50_000_000)
    await submit(seeded_db, borrower.member_id, "earlier")
    siti = borrower.user
    await start_application(siti)
    await pick_product(siti, "Dana Darurat", 500_000, 3_000_000)
    await type_amount(siti, "1.000.000", (1, 6), 1_000_000)
    await siti.press(msg("loans.tenor_button", months=3))
    await siti.wait_for_bot_message(contains=msg("error.loan.too_many_open", limit=1))
    await siti.send_text("Biaya berobat")  # the form ended: this is no answer
    await siti.wait_for_bot_message(contains=msg("fallback.unknown_text"))
    assert (await my_loans(seeded_db, borrower.member_id)).total == 1


async def test_limits_reached_between_preview_and_confirm_are_shown(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    siti = borrower.user
    await walk_dd_to_preview(siti)
    await set_rules(seeded_db, max_open_applications=2, max_exposure=1_500_000)
    await submit(seeded_db, borrower.member_id, "meanwhile", amount=1_000_000)
    await siti.press(msg("loans.button.confirm"))
    await siti.wait_for_bot_message(
        contains=msg(
            "error.loan.above_exposure_limit",
            maximum=rp(1_500_000),
            current=rp(1_000_000),
            remaining=rp(500_000),
        )
    )
    assert (await my_loans(seeded_db, borrower.member_id)).total == 1
