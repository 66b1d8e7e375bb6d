"""Applying for a loan through the real bot in the sandbox: every step, the preview with
its costs and schedule, Confirm once, bad answers at each step, edits, the long schedule
as an image, English (both databases)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.domain.loan_lifecycle import LoanStatus
from backend.services import loan_applications
from backend.services.loan_products import list_active_products
from sandbox.testing import SandboxServer
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.loan_steps import (
    PREVIEW_TITLE,
    Borrower,
    answer,
    borrower,
    forge_button,
    hint_then,
    my_loans,
    pick_product,
    pick_tenor,
    second_line,
    start_application,
    type_amount,
    walk_dd_to_preview,
)
from tests.conversations.wallet_steps import now, rp, stem, wait_for_toast

__all__ = ["borrower"]


async def test_apply_from_the_menu_preview_confirm_and_see_it_in_my_loans(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, borrower: Borrower
) -> None:
    siti, db = borrower.user, seeded_db
    await siti.send_text("/menu")
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await siti.press(msg("loans.menu_button.apply"))
    await siti.wait_for_bot_message(contains=second_line("loans.ask.product"))
    await pick_product(siti, "Dana Darurat", 500_000, 3_000_000)
    amount_question = second_line(
        "loans.ask.amount", product="x", minimum=rp(500_000), maximum=rp(3_000_000)
    )

    # Bad amounts: each gets its own hint and the question again.
    for typed, hint in (
        ("sejuta-an", msg("error.amount.format")),
        ("💰💰", msg("error.amount.format")),
        ("1" * 30, msg("error.amount.too_large")),
        ("100.000", msg("error.loan.amount_range", minimum=rp(500_000), maximum=rp(3_000_000))),
        ("5 juta", msg("error.loan.amount_range", minimum=rp(500_000), maximum=rp(3_000_000))),
    ):
        await siti.send_text(typed)
        await hint_then(siti, hint, amount_question)

    tenor_question = await type_amount(siti, "1.000.000", (1, 6), 1_000_000)
    labels = [b["text"] for row in tenor_question["reply_markup"]["inline_keyboard"] for b in row]
    assert [msg("loans.tenor_button", months=m) for m in range(1, 7)] == labels[:6]

    # A tenor outside the product's range, from a tampered button, is refused.
    forge_button(sandbox, siti.user_id, tenor_question["message_id"], "ln_t:9")
    await siti.press("forged")
    await hint_then(
        siti, msg("error.loan.tenor_range", shortest=1, longest=6), stem("loans.ask.tenor")
    )
    await pick_tenor(siti, 3, "loans.ask.purpose")

    # A purpose too short, then a sticker-like emoji-free photo where text is expected.
    await siti.send_text("ok")
    await hint_then(siti, msg("error.loan.purpose", min=3, max=300), stem("loans.ask.purpose"))
    await siti.send_photo(b"\xff\xd8\xff\xe0 not a purpose")
    await hint_then(siti, msg("error.expected_text"), stem("loans.ask.purpose"))
    await siti.send_text("x" * 301)
    await hint_then(siti, msg("error.loan.purpose", min=3, max=300), stem("loans.ask.purpose"))
    await answer(siti, "Biaya berobat anak", "loans.ask.collateral_optional")
    await siti.press(msg("loans.button.no_collateral"))
    preview = await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))

    # The preview is the service's own figures: flat 2 %/month on 1 juta over 3 months.
    expected = await loan_applications.preview_loan(
        db,
        member_id=borrower.member_id,
        product_id=expected_product_id(await list_active_products(db), "DD"),
        amount=1_000_000,
        tenor_months=3,
        now=now(),
    )
    text = preview["text"]
    for fragment in (
        "Dana Darurat",
        "Nominal: " + rp(1_000_000),
        "Angsuran per bulan: " + rp(353_300),
        "Total bunga: " + rp(60_000),
        rp(10_000),
        "Total yang dibayar kembali: " + rp(1_060_000),
        "Dana yang Anda terima: " + rp(990_000),
        "0,0761 % per hari",
        "batas 0,3 % per hari",
        "353.300",
        "333.400",
        "Biaya berobat anak",
    ):
        assert fragment in text, fragment
    assert str(expected.first_due_date.year) in text
    assert "<pre>" in preview["html"]  # three rows: the table is in the message itself
    assert (await my_loans(db, borrower.member_id)).total == 0  # nothing before Confirm

    # Typing at the preview: the buttons are the answer.
    await siti.send_text("ya")
    await siti.wait_for_bot_message(contains=msg("loans.use_buttons"))
    await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))

    confirm_press = await siti.press(msg("loans.button.confirm"))
    done = await siti.wait_for_bot_message(contains=stem("loans.submitted"))
    loans = await my_loans(db, borrower.member_id)
    assert loans.total == 1
    loan = loans.items[0]
    assert loan.status is LoanStatus.SUBMITTED and loan.amount == 1_000_000
    assert loan.reference in done["text"] and msg("loans.status.submitted") in done["text"]

    # The same Confirm redelivered, and tapped again: still one loan.
    await sandbox.redeliver(confirm_press["update_id"], times=2)
    await siti.press(msg("loans.button.confirm"))
    await wait_for_toast(
        sandbox, siti.user_id, msg("loans.already_submitted", reference=loan.reference)
    )
    assert (await my_loans(db, borrower.member_id)).total == 1

    await siti.press(msg("loans.button.mine"))
    listing = await siti.wait_for_bot_message(contains=first_line("loans.mine.title", total=1))
    assert loan.reference in listing["text"]
    assert msg("loans.status.submitted") in listing["text"]


def expected_product_id(products: tuple, code: str) -> int:  # type: ignore[type-arg]
    return next(p.id for p in products if p.code == code)


async def test_a_productive_loan_with_collateral_photo_and_an_edit(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    """MUK requires collateral and is productive: business type and a description are
    required; the photo is optional. Edit changes the amount and returns to the preview.
    24 months is a long schedule: it arrives as an image before the preview."""
    siti, db = borrower.user, seeded_db
    await start_application(siti)
    await pick_product(siti, "Modal Usaha Kecil", 5_000_000, 25_000_000)
    await type_amount(siti, "10 juta", (6, 24), 10_000_000)
    await pick_tenor(siti, 24, "loans.ask.purpose")
    await answer(siti, "Beli mesin jahit kedua", "loans.ask.business_type")
    await siti.send_text("ab")
    await hint_then(
        siti, msg("error.loan.business_type", min=3, max=100), stem("loans.ask.business_type")
    )
    question = await answer(siti, "Konveksi rumahan", "loans.ask.collateral_required")
    labels = [b["text"] for row in question["reply_markup"]["inline_keyboard"] for b in row]
    assert msg("loans.button.no_collateral") not in labels
    await siti.send_text("ab")
    await hint_then(
        siti, msg("error.loan.collateral", min=3, max=500), stem("loans.ask.collateral_required")
    )
    await answer(siti, "BPKB motor Honda Beat 2019", "loans.ask.collateral_photo")
    await siti.send_text("ini fotonya")
    await hint_then(
        siti, msg("loans.collateral_photo_expected"), stem("loans.ask.collateral_photo")
    )
    sent = await siti.send_photo(b"\xff\xd8\xff\xe0 bpkb photo")

    image = await siti.wait_for_bot_message(
        contains=msg("loans.preview.image_caption", amount=rp(10_000_000), tenor=24)
    )
    assert image["photo"] and image["photo"]["width"] > 0 and image["photo"]["height"] > 0
    preview = await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))
    assert msg("loans.preview.schedule_in_image") in preview["text"]
    assert msg("loans.preview.photo_attached") in preview["text"]
    assert "Konveksi rumahan" in preview["text"] and "<pre>" not in (preview.get("html") or "")

    await siti.press(msg("loans.button.edit"))
    await siti.wait_for_bot_message(contains=msg("loans.edit.ask"))
    await siti.press(msg("loans.edit.tenor"))
    await siti.wait_for_bot_message(contains=stem("loans.ask.tenor"))
    await siti.press(msg("nav.back"))  # changing nothing: Back is the preview again
    await siti.wait_for_bot_message(
        contains=msg("loans.preview.image_caption", amount=rp(10_000_000), tenor=24)
    )
    await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))
    await siti.press(msg("loans.button.edit"))
    await siti.wait_for_bot_message(contains=msg("loans.edit.ask"))
    await siti.press(msg("loans.edit.amount"))
    await siti.wait_for_bot_message(
        contains=second_line(
            "loans.ask.amount", product="x", minimum=rp(5_000_000), maximum=rp(25_000_000)
        )
    )
    await siti.send_text("12.000.000")
    await siti.wait_for_bot_message(
        contains=msg("loans.preview.image_caption", amount=rp(12_000_000), tenor=24)
    )
    preview = await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))
    assert "Nominal: " + rp(12_000_000) in preview["text"]

    await siti.press(msg("loans.button.confirm"))
    await siti.wait_for_bot_message(contains=stem("loans.submitted"))
    loan = (await my_loans(db, borrower.member_id)).items[0]
    detail = await loan_applications.get_my_loan(db, member_id=borrower.member_id, loan_id=loan.id)
    assert (detail.loan.amount, detail.loan.tenor_months) == (12_000_000, 24)
    assert detail.business_type == "Konveksi rumahan"
    assert detail.collateral_description == "BPKB motor Honda Beat 2019"
    assert detail.collateral_file_id == sent["file_id"]


async def test_back_and_cancel_record_nothing(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    siti = borrower.user
    await start_application(siti)
    await pick_product(siti, "Dana Darurat", 500_000, 3_000_000)
    await type_amount(siti, "2 juta", (1, 6), 2_000_000)
    await siti.press(msg("nav.back"))
    await siti.wait_for_bot_message(
        contains=second_line(
            "loans.ask.amount", product="x", minimum=rp(500_000), maximum=rp(3_000_000)
        )
    )
    await siti.press(msg("nav.cancel"))
    await siti.wait_for_bot_message(contains=msg("loans.apply.cancelled"))
    await siti.send_text("1.000.000")  # no longer in the form
    await siti.wait_for_bot_message(contains=msg("fallback.unknown_text"))
    assert (await my_loans(seeded_db, borrower.member_id)).total == 0


async def test_changing_the_product_from_the_preview_asks_only_what_it_needs(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    """From an emergency-fund preview to a productive product: amount and tenor again, then
    the business type it needs; the purpose already given is kept."""
    siti = borrower.user
    await walk_dd_to_preview(siti)
    await siti.press(msg("loans.button.edit"))
    await siti.wait_for_bot_message(contains=msg("loans.edit.ask"))
    await siti.press(msg("loans.edit.product"))
    await siti.wait_for_bot_message(contains=second_line("loans.ask.product"))
    await pick_product(siti, "Modal Usaha Mikro", 1_000_000, 10_000_000)
    await type_amount(siti, "3 juta", (3, 12), 3_000_000)
    await pick_tenor(siti, 6, "loans.ask.business_type")
    await siti.send_text("Warung sembako")
    preview = await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))
    for fragment in ("Modal Usaha Mikro", rp(3_000_000), "Biaya berobat anak", "Warung sembako"):
        assert fragment in preview["text"], fragment
    await siti.press(msg("loans.button.confirm"))
    await siti.wait_for_bot_message(contains=stem("loans.submitted"))
    loan = (await my_loans(seeded_db, borrower.member_id)).items[0]
    assert (loan.product_code, loan.amount, loan.tenor_months) == ("MUM", 3_000_000, 6)


async def test_the_application_survives_a_restart(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    """The answers live in the FSM storage (the database): a deploy mid-form loses none."""
    siti = borrower.user
    await start_application(siti)
    await pick_product(siti, "Dana Darurat", 500_000, 3_000_000)
    await type_amount(siti, "1.000.000", (1, 6), 1_000_000)
    await bot.restart()
    await pick_tenor(siti, 3, "loans.ask.purpose")
    await answer(siti, "Biaya berobat anak", "loans.ask.collateral_optional")
    await siti.press(msg("loans.button.no_collateral"))
    preview = await siti.wait_for_bot_message(contains=first_line(PREVIEW_TITLE))
    assert "Nominal: " + rp(1_000_000) in preview["text"]


async def test_the_application_in_english(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    siti = borrower.user
    await siti.send_text("/language")
    await siti.wait_for_bot_message(contains=msg("language.choose"))
    await siti.press(msg("language.name.en"))
    await siti.wait_for_bot_message(contains=msg("language.changed", "en"))
    preview = await walk_dd_to_preview(siti, "en")
    text = preview["text"]
    for fragment in (
        "Emergency fund",
        "Monthly installment: " + rp(353_300, "en"),
        "Total to repay: " + rp(1_060_000, "en"),
        "0,0761 % a day",
        "cap 0,3 % a day",
        "353.300",  # kopdana writes numbers the Indonesian way in both languages
    ):
        assert fragment in text, fragment
    await siti.press(msg("loans.button.confirm", "en"))
    done = await siti.wait_for_bot_message(contains=stem("loans.submitted", "en"))
    assert msg("loans.status.submitted", "en") in done["text"]
