"""The financiers' loan list through the real bot: scores and reasons per financier, sorting,
filters, pages, a loan's page, who is refused, forged buttons, and no raw profile data in
anything a financier receives (both databases)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from backend.db.engine import Database
from backend.domain.connect_score import Evidence
from backend.domain.loan_lifecycle import LoanStatus
from backend.formatting import format_number
from backend.services import loan_review, members
from backend.services.loan_market import MarketSort, get_open_loan
from conversations.market.callbacks import MarketLoan
from conversations.market.views import REASON_KEYS
from sandbox.testing import SandboxServer
from tests.connect_factories import consenting_member
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.loan_steps import forge_button
from tests.conversations.market_steps import (
    BRANCH,
    RAW_PROFILE,
    Event,
    Market,
    everything_the_bot_said,
    labels,
    list_title,
    market,
    open_loan,
    open_market,
    redrawn,
    score_line,
)
from tests.conversations.wallet_steps import rp
from tests.loan_factories import (
    NARRATIVE,
    NOW,
    as_staff,
    force_status,
    reviewed_loan,
    set_rules,
)

__all__ = ["market"]


def cards(event: Event) -> list[str]:
    """The list's cards, top to bottom (the first block is the title and filters)."""
    return event["text"].split("\n\n")[1:]


def borrower_line(first_name: str, language: str = "id") -> str:
    return msg("market.card.borrower", language, first_name=first_name, branch=BRANCH)


def open_button(number: int, first_name: str, amount: int) -> str:
    return msg("market.button.open", number=number, first_name=first_name, amount=rp(amount))


def filters(sort: str = "score", min_score: int = 0, product: str | None = None) -> str:
    return msg(
        "market.filters",
        sort=msg(f"market.sort.{sort}"),
        min_score=min_score,
        product=product or msg("market.product.all"),
    )


def test_every_reason_has_a_short_label_and_every_button_fits_telegram() -> None:
    assert set(REASON_KEYS) == set(Evidence)
    biggest = 10**10 - 1
    packed = MarketLoan(
        loan_id=biggest,
        sort=MarketSort.NEWEST,
        min_score=9,
        product_id=biggest,
        page=10**6 - 1,
    ).pack()
    assert len(packed.encode()) <= 64


async def refusals(sandbox: SandboxServer, user_id: int) -> int:
    """How many button presses the bot has answered with the invalid-button alert."""
    wanted = msg("market.button_invalid")
    answers = await sandbox.callback_answers(user_id)
    return sum(1 for a in answers if a.get("text") == wanted and a.get("show_alert"))


async def wait_for_refusals(sandbox: SandboxServer, user_id: int, count: int) -> None:
    for _ in range(200):
        if await refusals(sandbox, user_id) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} refusals, got {await refusals(sandbox, user_id)}")


async def test_two_financiers_see_their_own_scores_and_reasons_strongest_first(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    rina, agus = market.rina, market.agus
    listing = await open_market(rina, 2)
    budi, dewi = cards(listing)
    assert borrower_line("Budi") in budi and borrower_line("Dewi") in dewi
    # Rina works with Budi: 9 (capped), colleagues first, then the branch they share.
    assert score_line(9, "same_current_workplace", "same_branch") in budi
    assert score_line(1, "same_branch") in dewi
    assert budi.startswith("1. Modal Usaha Mikro · LN-")
    funding = msg(
        "market.card.funding", funded=rp(0), amount=rp(3_000_000), remaining=rp(3_000_000)
    )
    assert funding in budi
    assert msg("market.card.terms", amount=rp(3_000_000), tenor=6) in budi
    assert msg("market.card.purpose", purpose="Tambah stok dagangan warung") in budi
    assert msg("market.card.business", business_type="Warung sembako") in budi
    assert labels(listing)[:2] == [
        open_button(1, "Budi", 3_000_000),
        open_button(2, "Dewi", 8_000_000),
    ]

    # Agus, who reads English, went to school with Dewi in the same year: her loan first.
    await members.set_language(seeded_db, telegram_user_id=agus.user_id, language="en")
    listing = await open_market(agus, 2, "en")
    dewi, budi = cards(listing)
    assert borrower_line("Dewi", "en") in dewi
    assert score_line(7, "classmates", "same_branch", language="en") in dewi
    assert score_line(1, "same_branch", language="en") in budi
    assert "Micro business capital" in dewi and "Modal Usaha" not in listing["text"]
    await agus.press(
        msg("market.button.open", "en", number=1, first_name="Dewi", amount=rp(8_000_000))
    )
    await redrawn(agus, NARRATIVE)

    for financier in (rina, agus):
        said = await everything_the_bot_said(financier)
        assert [raw for raw in RAW_PROFILE if raw in said] == []


async def test_sorting_and_filters_redraw_the_same_message(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    rina = market.rina
    listing = await open_market(rina, 2)
    assert filters() in listing["text"] and "✓ " + msg("market.sort.score") in labels(listing)

    await rina.press(msg("market.sort.amount"))
    by_amount = await redrawn(rina, filters(sort="amount"))
    assert by_amount["kind"] == "edit" and by_amount["message_id"] == listing["message_id"]
    assert [borrower_line("Dewi"), borrower_line("Budi")] == [
        line for line in by_amount["text"].splitlines() if line.startswith("👤")
    ]
    assert "✓ " + msg("market.sort.amount") in labels(by_amount)

    await rina.press(msg("market.sort.newest"))
    newest = await redrawn(rina, filters(sort="newest"))
    assert borrower_line("Dewi") in cards(newest)[0]  # loan B was opened after loan A

    await rina.press(msg("market.button.min_score", score=8))
    strong = await redrawn(rina, filters(sort="newest", min_score=8))
    assert list_title(1) in strong["text"] and len(cards(strong)) == 1
    assert borrower_line("Budi") in cards(strong)[0]

    await rina.press(msg("market.button.any_score"))
    await redrawn(rina, filters(sort="newest"))
    await rina.press(msg("market.button.products", product=msg("market.product.all")))
    choice = await redrawn(rina, msg("market.products.ask"))
    assert labels(choice) == [
        "✓ " + msg("market.product.all_button"),
        "Dana Darurat",
        "Modal Usaha Kecil",
        "Modal Usaha Mikro",
        msg("market.button.back_to_list"),
    ]
    await rina.press("Dana Darurat")
    empty = await redrawn(rina, filters(sort="newest", product="Dana Darurat"))
    assert list_title(0) in empty["text"] and msg("market.empty") in empty["text"]
    await rina.press(msg("market.button.products", product="Dana Darurat"))
    await redrawn(rina, msg("market.products.ask"))
    await rina.press("Modal Usaha Mikro")
    both = await redrawn(rina, filters(sort="newest", product="Modal Usaha Mikro"))
    assert len(cards(both)) == 2 and both["message_id"] == listing["message_id"]


async def test_a_long_list_has_pages_of_five(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    db, rina = seeded_db, market.rina
    await set_rules(db, max_open_applications=10, max_exposure=0)
    for n in range(4):
        await open_loan(db, market.ids["budi"], f"more{n}", amount=1_000_000 + n * 100_000)
    first = await open_market(rina, 6)
    assert msg("nav.page_of", page=1, pages=2) in first["text"].splitlines()[0]
    assert len(cards(first)) == 5 and msg("nav.previous_page") not in labels(first)
    await rina.press(msg("nav.next_page"))
    second = await redrawn(rina, msg("nav.page_of", page=2, pages=2))
    assert len(cards(second)) == 1 and borrower_line("Dewi") in cards(second)[0]
    assert labels(second)[0] == open_button(1, "Dewi", 8_000_000)
    assert msg("nav.next_page") not in labels(second)
    await rina.press(msg("nav.previous_page"))
    again = await redrawn(rina, msg("nav.page_of", page=1, pages=2))
    assert again["message_id"] == first["message_id"]


async def test_a_loan_page_shows_the_narrative_and_the_schedule(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    db, agus = seeded_db, market.agus
    listing = await open_market(agus, 2)
    await agus.press(open_button(1, "Dewi", 8_000_000))
    page = await redrawn(agus, NARRATIVE)
    assert page["message_id"] == listing["message_id"]
    detail = await get_open_loan(db, financier_id=market.ids["agus"], loan_id=market.ids["loan_b"])
    text = page["text"]
    assert score_line(7, "classmates", "same_branch") in text
    assert msg("market.detail.installment", installment=rp(detail.installment), periods=6) in text
    assert msg("loans.schedule.title") in text
    for row in detail.installments:  # every installment and the balance after it
        assert format_number(Decimal(row.installment), "id") in text
        assert format_number(Decimal(row.balance), "id") in text
    assert "8.000.000" in text.split(msg("loans.schedule.total"))[1]  # Σ principal
    assert msg("market.button.schedule_image") not in labels(page)

    await agus.press(msg("market.button.back_to_list"))
    back = await redrawn(agus, list_title(2))
    assert back["message_id"] == listing["message_id"]


async def test_a_long_schedule_comes_as_an_image_on_request(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    db, rina = seeded_db, market.rina
    await set_rules(db, max_open_applications=10, max_exposure=0)
    loan_id = await open_loan(
        db,
        market.ids["budi"],
        "muk",
        code="MUK",
        amount=9_000_000,
        tenor_months=24,
        collateral_description="BPKB motor",
    )
    detail = await get_open_loan(db, financier_id=market.ids["rina"], loan_id=loan_id)
    await open_market(rina, 3)
    await rina.press(open_button(1, "Budi", 9_000_000))
    page = await redrawn(rina, msg("market.detail.schedule_as_image"))
    assert NARRATIVE in page["text"] and msg("loans.schedule.col.due_date") not in page["text"]
    await rina.press(msg("market.button.schedule_image"))
    photo = await rina.wait_for_bot_message(contains=detail.loan.reference)
    assert photo["photo"] and photo["kind"] == "message"


async def test_a_narrative_too_long_for_the_page_is_sent_whole_on_request(
    bot: BotHarness, seeded_db: Database, market: Market
) -> None:
    """4,000 characters of notes and a schedule do not fit Telegram's 4,096: the schedule
    becomes an image, the notes are shortened, and the whole notes come as a message."""
    db, rina = seeded_db, market.rina
    await set_rules(db, max_open_applications=10, max_exposure=0)
    story = ("Usaha katering rumahan, pelanggan tetap kantor sekitar & sekolah. " * 70)[:3990]
    story = story.rstrip() + " AKHIR"
    loan = await reviewed_loan(db, market.ids["budi"], "long", amount=4_000_000)
    officer, manager = await as_staff(db, "kredit.jkt"), await as_staff(db, "manager.jkt")
    await loan_review.save_narrative(
        db, actor=officer, loan_id=loan.loan.id, narrative=story, ip="x", now=NOW
    )
    await loan_review.approve_loan(
        db, actor=manager, loan_id=loan.loan.id, nonce="n-long", ip="x", now=NOW
    )
    await open_market(rina, 3)
    await rina.press(open_button(1, "Budi", 4_000_000))
    page = await redrawn(rina, msg("market.detail.narrative_cut"))
    assert len(page["text"].encode("utf-16-le")) // 2 <= 4096
    assert story[:500] in page["text"] and "AKHIR" not in page["text"]
    assert msg("market.detail.schedule_as_image") in page["text"]
    assert labels(page)[:2] == [msg("market.button.narrative"), msg("market.button.schedule_image")]
    await rina.press(msg("market.button.narrative"))
    whole = await rina.wait_for_bot_message(contains="AKHIR")
    assert story in whole["text"] and loan.loan.reference in whole["text"]


async def test_who_may_not_browse_is_told_why(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, market: Market
) -> None:
    budi = market.budi  # a verified borrower
    await budi.send_text("/market")
    await budi.wait_for_bot_message(contains=msg("error.loan_market.not_financier"))
    await budi.send_text("/menu")
    menu = await budi.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    assert msg("market.menu_button") not in labels(menu)

    waiting = await sandbox.create_user(700_006, "Joko")
    await consenting_member(seeded_db, 6)  # a financier not verified yet
    await waiting.send_text("/market")
    await waiting.wait_for_bot_message(contains=msg("error.loan_market.not_verified"))

    stranger = sandbox.user(7001)
    await stranger.send_text("/market")
    await stranger.wait_for_bot_message(contains=msg("error.loan_market.not_member"))

    # A verified financier finds the list next to the wallet in the menu.
    rina = market.rina
    await rina.send_text("/menu")
    menu = await rina.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    row = next(r for r in menu["reply_markup"]["inline_keyboard"] if len(r) == 2)
    assert [b["text"] for b in row] == [msg("wallet.menu_button"), msg("market.menu_button")]
    await rina.press(msg("market.menu_button"))
    listing = await rina.wait_for_bot_message(contains=list_title(2))
    assert listing["message_id"] != menu["message_id"]  # the menu stays where it was


async def test_forged_buttons_are_refused_politely(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, market: Market
) -> None:
    db, rina = seeded_db, market.rina
    listing = await open_market(rina, 2)
    message_id = listing["message_id"]
    forged = (
        "mk:score:42:0:1",  # a score beyond 9
        "mk:cheapest:0:0:1",  # no such order
        "mk:score:0:0:0",  # no page 0
        "mk:score:0:999:1",  # no such product
        "mk_o:abc:score:0:0:1",
        "mk_s:-1",
        "mk_p",
    )
    for count, data in enumerate(forged, start=1):
        forge_button(sandbox, rina.user_id, message_id, data)
        await rina.press_callback(message_id, data)
        await wait_for_refusals(sandbox, rina.user_id, count)

    # A well-formed button naming a loan that is not open for funding.
    submitted = await reviewed_loan(db, market.ids["dewi"], "c", amount=2_000_000)
    data = f"mk_o:{submitted.loan.id}:score:0:0:1"
    forge_button(sandbox, rina.user_id, message_id, data)
    await rina.press_callback(message_id, data)
    gone = await redrawn(rina, msg("error.loan.not_found"))
    assert labels(gone)[0] == msg("market.button.back_to_list")
    await rina.press(msg("market.button.back_to_list"))
    await redrawn(rina, list_title(2))

    # A loan funded or withdrawn after the list was shown: the same answer.
    await force_status(db, market.ids["loan_a"], LoanStatus.WITHDRAWN.value)
    await rina.press(open_button(1, "Budi", 3_000_000))
    await redrawn(rina, msg("error.loan.not_found"))
