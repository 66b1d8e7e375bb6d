""" "My loans" through the real bot: the list with statuses and pages, a loan's page with
its terms and schedule (an image when long), withdrawing while allowed (both databases)."""

from __future__ import annotations

from backend.db.engine import Database
from backend.domain.loan_lifecycle import LoanStatus
from backend.services import loan_applications
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.loan_steps import Borrower, borrower
from tests.conversations.wallet_steps import rp, stem
from tests.loan_factories import force_status, set_rules, submit

__all__ = ["borrower"]


def detail_title(reference: str) -> str:
    """The first line of a loan's page: ``Pinjaman LN-…``."""
    return stem("loans.detail") + " " + reference


async def open_my_loans(borrower: Borrower, total: int) -> dict:  # type: ignore[type-arg]
    await borrower.user.send_text("/loans")
    await borrower.user.wait_for_bot_message(contains=msg("loans.home").splitlines()[1])
    await borrower.user.press(msg("loans.button.mine"))
    return await borrower.user.wait_for_bot_message(
        contains=first_line("loans.mine.title", total=total)
    )


async def test_withdraw_an_application_from_its_page(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    db, siti = seeded_db, borrower.user
    loan = await submit(db, borrower.member_id, "k1", code="DD", amount=1_000_000, tenor_months=3)
    reference = loan.loan.reference
    await open_my_loans(borrower, 1)
    await siti.press(f"{reference} · {rp(1_000_000)}")
    page = await siti.wait_for_bot_message(contains=detail_title(reference))
    text = page["text"]
    for fragment in (
        msg("loans.status.submitted"),
        "Dana Darurat",
        rp(353_300),
        rp(1_060_000),
        "333.400",  # the last installment's principal, in the table
        "Tambah stok dagangan warung",
    ):
        assert fragment in text, fragment

    await siti.press(msg("loans.button.withdraw"))
    await siti.wait_for_bot_message(
        contains=first_line("loans.withdraw.ask", reference=reference, amount=rp(1_000_000))
    )
    await siti.press(msg("loans.button.yes_withdraw"))
    await siti.wait_for_bot_message(contains=msg("loans.withdraw.done", reference=reference))
    detail = await loan_applications.get_my_loan(
        db, member_id=borrower.member_id, loan_id=loan.loan.id
    )
    assert detail.loan.status is LoanStatus.WITHDRAWN

    # The question's button pressed again: a replay, said as such.
    await siti.press(msg("loans.button.yes_withdraw"))
    await siti.wait_for_bot_message(contains=msg("loans.withdraw.already", reference=reference))

    listing = await open_my_loans(borrower, 1)
    assert msg("loans.status.withdrawn") in listing["text"]


async def test_a_funded_loan_can_no_longer_be_withdrawn(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    db, siti = seeded_db, borrower.user
    loan = await submit(db, borrower.member_id, "k1")
    reference = loan.loan.reference
    await open_my_loans(borrower, 1)
    await siti.press(f"{reference} · {rp(5_000_000)}")
    await siti.wait_for_bot_message(contains=detail_title(reference))
    await siti.press(msg("loans.button.withdraw"))
    await siti.wait_for_bot_message(
        contains=msg("loans.withdraw.ask", reference=reference, amount=rp(5_000_000)).splitlines()[
            0
        ][:30]
    )
    await force_status(db, loan.loan.id, LoanStatus.FUNDED.value)  # funded meanwhile
    await siti.press(msg("loans.button.yes_withdraw"))
    await siti.wait_for_bot_message(
        contains=msg(
            "loans.withdraw.too_late", reference=reference, status=msg("loans.status.funded")
        )
    )
    detail = await loan_applications.get_my_loan(
        db, member_id=borrower.member_id, loan_id=loan.loan.id
    )
    assert detail.loan.status is LoanStatus.FUNDED

    await siti.press(msg("loans.button.mine"))
    await siti.wait_for_bot_message(contains=first_line("loans.mine.title", total=1))
    await siti.press(f"{reference} · {rp(5_000_000)}")
    page = await siti.wait_for_bot_message(contains=detail_title(reference))
    labels = [b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row]
    assert msg("loans.button.withdraw") not in labels
    assert msg("loans.status.funded") in page["text"]


async def test_a_long_schedule_arrives_as_an_image_and_the_list_has_pages(
    bot: BotHarness, seeded_db: Database, borrower: Borrower
) -> None:
    db, siti = seeded_db, borrower.user
    await set_rules(db, max_open_applications=10, max_exposure=0)
    long_loan = await submit(
        db,
        borrower.member_id,
        "long",
        code="MUK",
        amount=10_000_000,
        tenor_months=24,
        collateral_description="BPKB motor",
    )
    for n in range(5):
        await submit(db, borrower.member_id, f"k{n}", amount=1_000_000 + n * 100_000)
    first = await open_my_loans(borrower, 6)
    assert msg("nav.page_of", page=1, pages=2) in first["text"]
    assert long_loan.loan.reference not in first["text"]  # newest first, 5 a page
    await siti.press(msg("nav.next_page"))
    second = await siti.wait_for_bot_message(
        contains=msg("nav.page_of", page=2, pages=2), edits=True
    )
    assert long_loan.loan.reference in second["text"]

    await siti.press(f"{long_loan.loan.reference} · {rp(10_000_000)}")
    image = await siti.wait_for_bot_message(contains=long_loan.loan.reference)
    assert image["photo"] and image["photo"]["width"] > 0
    page = await siti.wait_for_bot_message(contains=msg("loans.detail.schedule_in_image"))
    assert detail_title(long_loan.loan.reference) in page["text"]
