"""Cash-in through the real bot in the sandbox: amount, transfer instructions, proof,
the treasurer's confirmation, cancelling, history (both databases)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.domain.wallet import DepositStatus
from backend.formatting import format_datetime
from backend.services import wallet, wallet_settings
from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, WalletMember, first_line, msg
from tests.conversations.wallet_steps import (
    bot_texts,
    confirm_deposit_as_treasurer,
    hint_then_question,
    now,
    open_wallet,
    rp,
    stem,
    wait_for_toast,
)
from tests.factories import branch_id
from tests.wallet_factories import as_staff, verified_financier

ASK_AMOUNT = "wallet.deposit.ask_amount"
SUMMARY_TITLE = stem("wallet.deposit.summary")
INSTRUCTIONS_TITLE = stem("wallet.deposit.instructions")


async def start_cash_in(member: WalletMember) -> None:
    await member.user.press(msg("wallet.button.deposit"))
    await member.user.wait_for_bot_message(contains=stem(ASK_AMOUNT))


async def test_cash_in_from_the_menu_to_the_credited_balance(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti, db = wallet_member.user, seeded_db
    await siti.send_text("/menu")
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await siti.press(msg("wallet.menu_button"))
    await siti.wait_for_bot_message(contains="Saldo: " + rp(0))
    await start_cash_in(wallet_member)

    # A quick pick reaches the summary; Back returns to the amount.
    await siti.press(rp(1_000_000))
    summary = await siti.wait_for_bot_message(contains=SUMMARY_TITLE)
    assert rp(1_000_000) in summary["text"] and "BRI" in summary["text"]
    await siti.press(msg("nav.back"))
    await siti.wait_for_bot_message(contains=stem(ASK_AMOUNT))

    # Typed with thousands dots; nothing is requested before Confirm.
    await siti.send_text("1.500.000")
    summary = await siti.wait_for_bot_message(contains=SUMMARY_TITLE)
    assert rp(1_500_000) in summary["text"]
    assert (await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)).total == 0
    await siti.press(msg("wallet.button.confirm"))
    instructions = await siti.wait_for_bot_message(contains=INSTRUCTIONS_TITLE)

    deposits = await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)
    assert deposits.total == 1
    deposit = deposits.items[0]
    assert deposit.amount == 1_500_000 and deposit.status is DepositStatus.PENDING
    text = instructions["text"]
    for fragment in (
        deposit.reference,
        "BRI",
        "1234567890",
        "Koperasi Kopdana Sejahtera",
        rp(deposit.transfer_amount),
        f"({deposit.unique_code:03d})",
        "WIB",
    ):
        assert fragment in text, fragment
    assert stem("wallet.deposit.unique_code_digits") in text

    # The proof as a photo: kept with the request, and the status says so.
    sent = await siti.send_photo(b"\xff\xd8\xff\xe0 transfer receipt")
    received = await siti.wait_for_bot_message(contains=deposit.reference)
    assert msg("wallet.status.deposit.proof_received") in received["text"]
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert (stored.proof_kind, stored.proof_file_id) == ("photo", sent["file_id"])
    await siti.press(msg("wallet.button.status"))
    detail = await siti.wait_for_bot_message(
        contains=f"{stem('wallet.deposit.detail')} {deposit.reference}"
    )
    assert msg("wallet.status.deposit.proof_received") in detail["text"]

    # The treasurer confirms; the dashboard shows the money and the movement.
    await confirm_deposit_as_treasurer(db, deposit.id, deposit.transfer_amount)
    home = await open_wallet(siti, balance=deposit.transfer_amount)
    assert f"{msg('wallet.movement.deposit')} · +{rp(deposit.transfer_amount)}" in home["text"]
    assert "Tersedia: " + rp(deposit.transfer_amount) in home["text"]


async def test_rupiah_in_words_and_cancelling_a_pending_request(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti, db = wallet_member.user, seeded_db
    await open_wallet(siti, balance=0)
    await start_cash_in(wallet_member)
    await siti.send_text("Rp 1,5 juta")
    summary = await siti.wait_for_bot_message(contains=SUMMARY_TITLE)
    assert rp(1_500_000) in summary["text"]
    await siti.press(msg("wallet.button.confirm"))
    await siti.wait_for_bot_message(contains=INSTRUCTIONS_TITLE)
    deposit = (await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)).items[0]

    await siti.press(msg("wallet.button.cancel_deposit"))
    await siti.wait_for_bot_message(contains=deposit.reference)
    await siti.press(msg("wallet.button.yes_cancel"))
    await siti.wait_for_bot_message(
        contains=msg("wallet.deposit.cancel_done", reference=deposit.reference)
    )
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert stored.status is DepositStatus.CANCELLED

    # The proof step ended with the request: a message now is no answer to anything.
    await siti.send_text("halo")
    await siti.wait_for_bot_message(contains=msg("fallback.unknown_text"))
    # Cancelling again from an old button is a replay, not a second change.
    await siti.press(msg("wallet.button.yes_cancel"))
    await siti.wait_for_bot_message(
        contains=msg("wallet.deposit.cancel_done", reference=deposit.reference)
    )


async def test_bad_amounts_get_a_specific_hint_and_request_nothing(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti = wallet_member.user
    await open_wallet(siti, balance=0)
    await start_cash_in(wallet_member)
    for typed, hint in [
        ("0", msg("error.amount.not_positive")),
        ("-500000", msg("error.amount.not_positive")),
        ("50000", msg("error.wallet.below_minimum", minimum=rp(100_000))),
        (
            "1.234.567",
            msg(
                "error.wallet.not_multiple",
                step=rp(50_000),
                lower=rp(1_200_000),
                upper=rp(1_250_000),
            ),
        ),
        ("1e9", msg("error.amount.format")),
        ("NaN", msg("error.amount.format")),
        ("9" * 30, msg("error.amount.too_large")),
        ("abc", msg("error.amount.format")),
        ("💰💰💰", msg("error.amount.format")),
        ("1,25 M", msg("error.amount.ambiguous")),
    ]:
        await siti.send_text(typed)
        await hint_then_question(siti, hint, ASK_AMOUNT)
    await siti.send_photo(b"\xff\xd8\xff\xe0 not an amount")
    await hint_then_question(siti, msg("error.expected_text"), ASK_AMOUNT)
    page = await wallet.list_deposits(seeded_db, member_id=wallet_member.member_id, page=0)
    assert page.total == 0

    await siti.press(msg("nav.cancel"))
    await siti.wait_for_bot_message(contains=msg("wallet.deposit.cancelled_flow"))
    # /wallet in the middle of a step is the command, not an amount.
    await siti.press(msg("wallet.button.home"))
    await siti.wait_for_bot_message(contains="Saldo: " + rp(0))
    await start_cash_in(wallet_member)
    await open_wallet(siti, balance=0)
    await siti.send_text("1500000")  # no longer an answer: the step ended
    await siti.wait_for_bot_message(contains=msg("fallback.unknown_text"))
    assert (
        await wallet.list_deposits(seeded_db, member_id=wallet_member.member_id, page=0)
    ).total == 0


async def test_only_a_photo_or_a_pdf_is_a_proof_and_confirm_twice_is_one_request(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, wallet_member: WalletMember
) -> None:
    siti, db = wallet_member.user, seeded_db
    await open_wallet(siti, balance=0)
    await start_cash_in(wallet_member)
    await siti.press(rp(500_000))
    await siti.wait_for_bot_message(contains=SUMMARY_TITLE)
    pressed = await siti.press(msg("wallet.button.confirm"))
    await siti.wait_for_bot_message(contains=INSTRUCTIONS_TITLE)
    await siti.press(msg("wallet.button.confirm"))  # the same button again
    await sandbox.redeliver(pressed["update_id"], times=4)
    deposits = await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)
    assert deposits.total == 1
    deposit = deposits.items[0]

    ask_proof = stem("wallet.deposit.ask_proof")
    for wrong in (
        lambda: siti.send_text("sudah transfer kak"),
        lambda: siti.send_document(b"PK\x03\x04", "bukti.docx"),
    ):
        await wrong()
        await siti.wait_for_bot_message(contains=msg("wallet.deposit.proof_expected"))
        await siti.wait_for_bot_message(contains=ask_proof)
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert stored.proof_file_id is None

    sent = await siti.send_document(
        b"%PDF-1.4 receipt", "bukti-transfer.pdf", mime_type="application/pdf"
    )
    await siti.wait_for_bot_message(contains=msg("wallet.status.deposit.proof_received"))
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert (stored.proof_kind, stored.proof_file_id) == ("document", sent["file_id"])
    assert stored.proof_file_name == "bukti-transfer.pdf"
    await wait_for_toast(
        sandbox, siti.user_id, msg("wallet.already_recorded", reference=deposit.reference)
    )
    assert len(await bot_texts(siti, INSTRUCTIONS_TITLE)) == 1
    assert (await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)).total == 1


async def test_history_is_paginated_and_opens_each_request(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti, db = wallet_member.user, seeded_db
    made = [
        await wallet.start_deposit(
            db,
            member_id=wallet_member.member_id,
            amount=100_000 * (i + 1),
            request_key=f"h{i}",
            now=now(),
        )
        for i in range(7)
    ]
    await open_wallet(siti, balance=0)
    await siti.press(msg("wallet.button.deposits"))
    first = await siti.wait_for_bot_message(
        contains=first_line("wallet.history.deposits_title", total=7)
    )
    assert "1/2" in first["text"]
    newest_first = [d.reference for d in reversed(made)]
    assert all(ref in first["text"] for ref in newest_first[:5])
    assert not any(ref in first["text"] for ref in newest_first[5:])

    await siti.press(msg("nav.next_page"))
    second = await siti.wait_for_bot_message(contains="2/2", edits=True)
    assert second["message_id"] == first["message_id"]
    assert all(ref in second["text"] for ref in newest_first[5:])
    await siti.press(msg("nav.previous_page"))
    await siti.wait_for_bot_message(contains="1/2", edits=True)

    newest = made[-1]  # the newest, on the first page
    await siti.press(f"{newest.reference} · {rp(newest.transfer_amount)}")
    detail = await siti.wait_for_bot_message(
        contains=f"{stem('wallet.deposit.detail')} {newest.reference}"
    )
    assert msg("wallet.status.deposit.pending") in detail["text"]
    assert msg("wallet.deposit.detail.no_proof") in detail["text"]

    # A proof can still be sent from the history.
    await siti.press(msg("wallet.button.send_proof"))
    await siti.wait_for_bot_message(contains=newest.reference)
    await siti.send_photo(b"\xff\xd8\xff\xe0 later receipt")
    await siti.wait_for_bot_message(contains=msg("wallet.status.deposit.proof_received"))
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=newest.id)
    assert stored.proof_kind == "photo"


async def test_no_receiving_account_is_explained_before_any_amount(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    db = seeded_db
    bandung = await branch_id(db, "BDG01")
    admin = await as_staff(db, "superadmin")
    for account in await wallet_settings.list_receiving_accounts(db, actor=admin):
        if account.branch_id == bandung:
            await wallet_settings.set_receiving_account_active(
                db, actor=admin, account_id=account.id, active=False, ip="10.0.0.1", now=now()
            )
    user = await sandbox.create_user(5003, "Dewi")
    member = await verified_financier(
        db, telegram_user_id=5003, nik="3273015708900003", phone="081234567893", branch_id=bandung
    )
    await open_wallet(user, balance=0)
    await user.press(msg("wallet.button.deposit"))
    await user.wait_for_bot_message(contains=msg("error.wallet.no_receiving_account"))
    assert (await wallet.list_deposits(db, member_id=member.id, page=0)).total == 0


async def test_the_deadline_is_in_the_members_branch_time_zone(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer
) -> None:
    user = await sandbox.create_user(5004, "Andi")
    member = await verified_financier(
        seeded_db,
        telegram_user_id=5004,
        nik="7371015708900005",
        phone="081234567894",
        branch_id=await branch_id(seeded_db, "MKS01"),  # Makassar: WITA, UTC+8
    )
    await open_wallet(user, balance=0)
    await user.press(msg("wallet.button.deposit"))
    await user.wait_for_bot_message(contains=stem(ASK_AMOUNT))
    await user.press(rp(500_000))
    await user.wait_for_bot_message(contains=SUMMARY_TITLE)
    await user.press(msg("wallet.button.confirm"))
    instructions = await user.wait_for_bot_message(contains=INSTRUCTIONS_TITLE)
    deposit = (await wallet.list_deposits(seeded_db, member_id=member.id, page=0)).items[0]
    deadline = format_datetime(deposit.deadline_at, "id", "Asia/Makassar")
    assert deadline.endswith("WITA") and deadline in instructions["text"]
    assert "Cabang Makassar" in instructions["text"]


async def test_leaving_the_proof_step_keeps_the_request_and_a_decided_one_stays_decided(
    bot: BotHarness, seeded_db: Database, wallet_member: WalletMember
) -> None:
    siti, db = wallet_member.user, seeded_db
    await open_wallet(siti, balance=0)
    await start_cash_in(wallet_member)
    await siti.press(rp(1_000_000))
    await siti.wait_for_bot_message(contains=SUMMARY_TITLE)
    await siti.press(msg("wallet.button.confirm"))
    await siti.wait_for_bot_message(contains=INSTRUCTIONS_TITLE)
    deposit = (await wallet.list_deposits(db, member_id=wallet_member.member_id, page=0)).items[0]
    await siti.press(msg("nav.cancel"))
    await siti.wait_for_bot_message(
        contains=msg("wallet.deposit.proof_left", reference=deposit.reference)
    )
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert stored.status is DepositStatus.PENDING

    # The transfer arrives and is confirmed; the old Cancel button changes nothing.
    await confirm_deposit_as_treasurer(db, deposit.id, deposit.transfer_amount)
    await siti.press(msg("wallet.button.cancel_deposit"))
    await siti.wait_for_bot_message(
        contains=msg(
            "wallet.request.already_decided",
            reference=deposit.reference,
            status=msg("wallet.status.deposit.confirmed"),
        )
    )
    stored = await wallet.get_deposit(db, member_id=wallet_member.member_id, deposit_id=deposit.id)
    assert stored.status is DepositStatus.CONFIRMED
    await open_wallet(siti, balance=deposit.transfer_amount)
