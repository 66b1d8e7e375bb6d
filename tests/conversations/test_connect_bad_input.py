"""/connect refuses bad input at each step with the service's own hint and asks again,
stores nothing meanwhile, and refuses forged buttons (both databases)."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import pytest

from backend.db.engine import Database
from backend.domain.connect_names import EntryKind
from backend.domain.connect_rules import EARLIEST_YEAR, ENTRY_LIMITS
from backend.services import connect_profiles
from sandbox.testing import SandboxServer
from tests.connect_factories import NOW, consenting_member, works_at
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.connect_steps import (
    SITI_PHONE,
    ConnectMember,
    agree,
    answer,
    hint_then_question,
    make_member,
    open_kind,
    saved,
    tables,
    to_summary,
)
from tests.conversations.loan_steps import forge_button
from tests.conversations.wallet_steps import stem

PNG = bytes.fromhex("89504e470d0a1a0a")


@pytest.fixture
async def siti(seeded_db: Database, sandbox: SandboxServer) -> ConnectMember:
    return await make_member(seeded_db, sandbox)


async def send_blank(sandbox: SandboxServer, member: ConnectMember) -> None:
    """A text of spaces only: Telegram's apps never send one, a client of the API may."""
    user = member.user.user_id
    await sandbox.inject_update(
        {
            "message": {
                "message_id": 900_001,
                "date": int(time.time()),
                "chat": {"id": user, "type": "private", "first_name": "Siti"},
                "from": {"id": user, "is_bot": False, "first_name": "Siti"},
                "text": "   ",
            }
        }
    )


async def test_bad_names_and_years_are_refused_and_asked_again(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    name_question = "connect.ask.name.workplace"
    await agree(user)
    await open_kind(user, "connect.kind.workplace", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=stem(name_question))

    await send_blank(sandbox, siti)
    await hint_then_question(user, "error.connect.entry.empty", name_question)
    await user.send_text("🎉🎉🎉")
    await hint_then_question(user, "error.connect.entry.characters", name_question)
    await user.send_text("Telkom " * 285 + "Jaya")  # 2,000 characters
    await hint_then_question(user, "error.connect.entry.too_long", name_question, max=200)
    await user.send_photo(PNG)
    await hint_then_question(user, "error.expected_text", name_question)
    assert await tables(db, siti.member_id) == (True, 0, 0)

    await answer(user, "PT Telkom Indonesia", stem("connect.ask.workplace_current"))
    await user.send_text("masih")
    await user.wait_for_bot_message(contains=msg("connect.use_buttons"))
    await user.wait_for_bot_message(contains=stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_past"))
    years_question = "connect.ask.years_past"
    await user.wait_for_bot_message(contains=stem(years_question))
    await user.send_text("dua ribu sepuluh")
    await hint_then_question(user, "error.connect.entry.years_format", years_question)
    await user.send_text("1900")
    this_year = dt.datetime.now(dt.UTC).year
    await hint_then_question(
        user, "error.connect.entry.year", years_question, min=EARLIEST_YEAR, max=this_year
    )
    await user.send_text("2019-2015")
    await hint_then_question(user, "error.connect.entry.year_order", years_question)
    assert await tables(db, siti.member_id) == (True, 0, 0)
    await answer(user, "2015-2019", saved("PT Telkom Indonesia · dulu · 2015–2019"))

    # The same workplace written another way is already there.
    await user.press(msg("connect.button.add"))
    await answer(user, "telkom indonesia", stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_now"))
    await user.wait_for_bot_message(contains=stem("connect.ask.years_current"))
    await user.press(msg("connect.button.skip"))
    await hint_then_question(user, "error.connect.duplicate", name_question)

    # A community about religion is refused; a kecamatan's city must be a name.
    await to_summary(user)
    await open_kind(user, "connect.kind.community", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.community"))
    await user.send_text("Pengajian Ibu-Ibu RT 5")
    await hint_then_question(user, "error.connect.entry.sensitive", "connect.ask.name.community")
    await to_summary(user)
    await open_kind(user, "connect.kind.place", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=msg("connect.ask.place_level"))
    await user.press(msg("connect.place_level.kecamatan"))
    await answer(user, "Coblong", msg("connect.ask.area", name="Coblong"))
    await user.send_text("🏙️")
    await hint_then_question(user, "error.connect.entry.characters", "connect.ask.area")
    await answer(user, "Kota Bandung", saved("Kecamatan: Coblong, Kota Bandung"))
    assert await tables(db, siti.member_id) == (True, 2, 0)


async def test_a_full_kind_offers_no_add_and_a_late_add_is_refused(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    limit = ENTRY_LIMITS[EntryKind.WORKPLACE]
    await agree(user)
    for n in range(limit - 1):
        await works_at(db, siti.member_id, f"PT Usaha Nomor {n + 1}", current=False)
    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    await open_kind(user, "connect.kind.workplace", limit - 1)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.workplace"))
    await works_at(db, siti.member_id, "PT Usaha Terakhir")  # meanwhile, from another phone

    await answer(user, "PT Telkom Indonesia", stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_now"))
    await user.wait_for_bot_message(contains=stem("connect.ask.years_current"))
    await user.press(msg("connect.button.skip"))
    await user.wait_for_bot_message(contains=msg("error.connect.limit", max=limit))
    page = await user.wait_for_bot_message(contains=msg("connect.kind.full", max=limit))
    labels = [b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row]
    assert msg("connect.button.add") not in labels
    await user.press(msg("connect.button.add"))  # the Add of the page shown before
    await user.wait_for_bot_message(contains=msg("error.connect.limit", max=limit))
    await user.wait_for_bot_message(contains=msg("connect.kind.full", max=limit))
    assert await tables(db, siti.member_id) == (True, limit, 0)


async def test_contacts_refuse_text_the_own_number_and_foreign_numbers(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    await agree(user)
    await open_kind(user, "connect.kind.contacts", 0)
    await user.press(msg("connect.button.share_contact"))
    await user.wait_for_bot_message(contains=first_line("connect.ask.contact"))
    await answer(user, "0812 5550 0002", msg("connect.contact.expected"))
    await user.send_contact()  # the member's own card
    await user.wait_for_bot_message(contains=msg("error.connect.contact.own"))
    await user.send_contact(False, phone_number="+1 415 555 0100", first_name="Sam")
    await user.wait_for_bot_message(contains=first_line("error.phone.format"))
    assert await tables(db, siti.member_id) == (True, 0, 0)
    await user.press(msg("connect.button.done"))
    await user.wait_for_bot_message(contains=first_line("connect.contacts.page"))

    await connect_profiles.add_contact(db, member_id=siti.member_id, phone="081255500002", now=NOW)
    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    await open_kind(user, "connect.kind.contacts", 1)
    await user.press(msg("connect.button.remove_contact"))
    await user.wait_for_bot_message(contains=stem("connect.ask.contact_remove"))
    await user.send_text("0812 9999 0000")
    await hint_then_question(user, "error.connect.contact_not_found", "connect.ask.contact_remove")
    await user.send_text(SITI_PHONE + "x")
    await hint_then_question(user, "error.phone.format", "connect.ask.contact_remove")
    assert await tables(db, siti.member_id) == (True, 0, 1)


async def test_forged_buttons_change_nothing(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    other = await consenting_member(db, 3)
    others_entry = await works_at(db, other.id, "PT Rahasia Sekali")
    summary = await agree(user)

    for data in (
        f"cn_e:{others_entry}",
        f"cn_ea:edit:{others_entry}",
        f"cn_ea:remove:{others_entry}",
    ):
        forge_button(sandbox, user.user_id, summary["message_id"], data)
        await user.press("forged")
        summary = await user.wait_for_bot_message(contains=msg("error.connect.entry_not_found"))
        assert "Rahasia" not in summary["text"]
    profile = await connect_profiles.connect_profile(db, member_id=other.id)
    assert [entry.name for entry in profile.entries] == ["PT Rahasia Sekali"]

    stale = msg("connect.button_stale")
    for count, data in enumerate(
        ("cn_k:religion", "cn_a:ethnicity", "cn_l:place:planet", "cn_l:event:sma"), start=1
    ):
        await user.send_text("/connect")
        summary = await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
        forge_button(sandbox, user.user_id, summary["message_id"], data)
        await user.press("forged")
        await answers_with_text(sandbox, user.user_id, stale, count)
    assert await tables(db, siti.member_id) == (True, 0, 0)


async def answers_with_text(sandbox: SandboxServer, user_id: int, text: str, count: int) -> None:
    """Wait until the bot has answered ``count`` button presses with ``text`` (an alert)."""
    for _attempt in range(200):
        answers = await sandbox.callback_answers(user_id)
        if sum(answer.get("text") == text for answer in answers) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"fewer than {count} answers {text!r} for user {user_id}")
