"""Cash-out through the real bot in the sandbox: the summary against the member's own
account, the hold taken once however often Confirm arrives, cancelling releases it
(both databases)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.domain.wallet import WithdrawalStatus
from backend.services import wallet
from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, WalletMember, msg
from tests.conversations.wallet_steps import (
    bot_texts,
    fund,
    hint_then_question,
    open_wallet,
    rp,
    set_rules,
    stem,
    wait_for_toast,
)

ASK_AMOUNT = "wallet.withdraw.ask_amount"


async def start_cash_out(member: WalletMember, language: str = "id") -> None:
    await member.user.press(msg("wallet.button.withdraw", language))
    await member.user.wait_for_bot_message(contains=stem(ASK_AMOUNT, language))


async def test_cash_out_holds_once_however_often_confirm_arrives_and_cancel_releases(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, wallet_member: WalletMember
) -> None:
    siti, db, member_id = wallet_member.user, seeded_db, wallet_member.member_id
    balance = await fund(db, member_id)
    await open_wallet(siti, balance=balance)
    await start_cash_out(wallet_member)

    await siti.send_text("500.000")
    summary = await siti.wait_for_bot_message(contains=stem("wallet.withdraw.summary"))
    text = summary["text"]
    assert rp(500_000) in text and "BRI ••••••4567" in text and "Siti Rahayu" in text
    assert "002101234567" not in text  # the full account number is never shown
    assert rp(balance - 500_000) in text
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 0

    pressed = await siti.press(msg("wallet.button.confirm"))
    created = await siti.wait_for_bot_message(contains=stem("wallet.withdraw.created"))
    await sandbox.redeliver(pressed["update_id"], times=5)
    await siti.press(msg("wallet.button.confirm"))  # a second tap on the same button
    withdrawals = await wallet.list_withdrawals(db, member_id=member_id, page=0)
    assert withdrawals.total == 1
    withdrawal = withdrawals.items[0]
    assert withdrawal.reference in created["text"] and "••••••4567" in created["text"]
    await wait_for_toast(
        sandbox, siti.user_id, msg("wallet.already_recorded", reference=withdrawal.reference)
    )
    assert len(await bot_texts(siti, stem("wallet.withdraw.created"))) == 1
    summary_now = await wallet.wallet_summary(db, member_id=member_id)
    assert (summary_now.balance, summary_now.held) == (balance, 500_000)
    assert (await wallet.list_withdrawals(db, member_id=member_id, page=0)).total == 1

    home = await open_wallet(siti, balance=balance)
    assert "Ditahan untuk penarikan: " + rp(500_000) in home["text"]
    assert "Tersedia: " + rp(balance - 500_000) in home["text"]

    # Status, then cancel (asked once more): the hold is released.
    await siti.press(msg("wallet.button.withdrawals"))
    await siti.wait_for_bot_message(contains=withdrawal.reference)
    await siti.press(f"{withdrawal.reference} · {rp(500_000)}")
    detail = await siti.wait_for_bot_message(
        contains=f"{stem('wallet.withdraw.detail')} {withdrawal.reference}"
    )
    assert msg("wallet.status.withdrawal.pending") in detail["text"]
    await siti.press(msg("wallet.button.cancel_withdrawal"))
    await siti.wait_for_bot_message(contains=stem("wallet.withdraw.cancel_ask"))
    await siti.press(msg("wallet.button.yes_cancel"))
    await siti.wait_for_bot_message(
        contains=msg(
            "wallet.withdraw.cancel_done", reference=withdrawal.reference, amount=rp(500_000)
        )
    )
    stored = await wallet.get_withdrawal(db, member_id=member_id, withdrawal_id=withdrawal.id)
    assert stored.status is WithdrawalStatus.CANCELLED
    summary_now = await wallet.wallet_summary(db, member_id=member_id)
    assert (summary_now.balance, summary_now.held, summary_now.available) == (balance, 0, balance)


async def test_bad_cash_out_amounts_get_a_specific_hint_and_hold_nothing(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti, db, member_id = wallet_member.user, seeded_db, wallet_member.member_id
    await set_rules(db, withdrawal_daily_limit=1_000_000)
    balance = await fund(db, member_id)  # Rp 2.000.xxx
    await open_wallet(siti, balance=balance)
    await start_cash_out(wallet_member)
    for typed, hint in [
        ("0", msg("error.amount.not_positive")),
        ("-500000", msg("error.amount.not_positive")),
        ("20.000", msg("error.wallet.below_minimum", minimum=rp(50_000))),
        (
            "55000",
            msg("error.wallet.not_multiple", step=rp(10_000), lower=rp(50_000), upper=rp(60_000)),
        ),
        ("1e9", msg("error.amount.format")),
        ("NaN", msg("error.amount.format")),
        ("1" * 30, msg("error.amount.too_large")),
        ("abc", msg("error.amount.format")),
        ("🤑", msg("error.amount.format")),
        ("Rp 5 juta", msg("error.wallet.above_available", available=rp(balance))),
        (
            "1.100.000",
            msg("error.wallet.above_daily_limit", limit=rp(1_000_000), remaining=rp(1_000_000)),
        ),
    ]:
        await siti.send_text(typed)
        await hint_then_question(siti, hint, ASK_AMOUNT)
    await siti.send_document(b"%PDF-1.4", "nominal.pdf", mime_type="application/pdf")
    await hint_then_question(siti, msg("error.expected_text"), ASK_AMOUNT)
    assert (await wallet.list_withdrawals(db, member_id=member_id, page=0)).total == 0
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 0

    # Within the daily limit it goes through; what is left of the limit is then enforced.
    await siti.send_text("600000")
    await siti.wait_for_bot_message(contains=stem("wallet.withdraw.summary"))
    await siti.press(msg("wallet.button.confirm"))
    await siti.wait_for_bot_message(contains=stem("wallet.withdraw.created"))
    await open_wallet(siti, balance=balance)
    await start_cash_out(wallet_member)
    await siti.send_text("500000")
    await hint_then_question(
        siti,
        msg("error.wallet.above_daily_limit", limit=rp(1_000_000), remaining=rp(400_000)),
        ASK_AMOUNT,
    )
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 600_000


async def test_back_and_cancel_on_the_summary_hold_nothing(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, wallet_member: WalletMember
) -> None:
    siti, db, member_id = wallet_member.user, seeded_db, wallet_member.member_id
    balance = await fund(db, member_id)
    await open_wallet(siti, balance=balance)
    await start_cash_out(wallet_member)
    await siti.send_text("300000")
    await siti.wait_for_bot_message(contains=stem("wallet.withdraw.summary"))
    await siti.send_text("400000")  # typed at the summary: the buttons are the answer
    await siti.wait_for_bot_message(contains=msg("wallet.confirm.use_buttons"))
    await siti.press(msg("nav.back"))
    await siti.wait_for_bot_message(contains=stem(ASK_AMOUNT))
    await siti.send_text("400000")
    summary = await siti.wait_for_bot_message(contains=stem("wallet.withdraw.summary"))
    assert rp(400_000) in summary["text"]
    await siti.press(msg("nav.cancel"))
    await siti.wait_for_bot_message(contains=msg("wallet.withdraw.cancelled_flow"))
    # The summary's Confirm is no longer valid: it makes nothing.
    await siti.press(msg("wallet.button.confirm"))
    alert = await wait_for_toast(sandbox, siti.user_id, msg("wallet.confirmation_expired"))
    assert alert["show_alert"]
    assert (await wallet.list_withdrawals(db, member_id=member_id, page=0)).total == 0
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 0


async def test_cash_out_in_english_survives_a_bot_restart(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, wallet_member: WalletMember
) -> None:
    siti, db, member_id = wallet_member.user, seeded_db, wallet_member.member_id
    balance = await fund(db, member_id)
    await siti.send_text("/language")
    await siti.wait_for_bot_message(contains=msg("language.choose").splitlines()[0])
    await siti.press(msg("language.name.en"))
    await siti.wait_for_bot_message(contains=msg("language.changed", "en"))

    home = await open_wallet(siti, balance=balance, language="en")
    assert f"{msg('wallet.movement.deposit', 'en')} · +{rp(balance, 'en')}" in home["text"]
    await start_cash_out(wallet_member, "en")
    await siti.send_text("Rp 1,5 juta")
    summary = await siti.wait_for_bot_message(contains=stem("wallet.withdraw.summary", "en"))
    assert "Amount: " + rp(1_500_000, "en") in summary["text"]

    await bot.restart()  # the conversation state lives in the database
    await siti.press(msg("wallet.button.confirm", "en"))
    created = await siti.wait_for_bot_message(contains=stem("wallet.withdraw.created", "en"))
    assert msg("wallet.status.withdrawal.pending", "en") in created["text"]
    assert (await wallet.wallet_summary(db, member_id=member_id)).held == 1_500_000
