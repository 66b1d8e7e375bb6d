"""/connect through the real bot in the sandbox: consent, adding each kind, sharing
contacts, the summary, changing and removing, withdrawing consent (data gone, score back
to 0), and declining (nothing stored) — on both databases."""

from __future__ import annotations

import pytest

from backend.db.engine import Database
from backend.domain.connect_names import EntryKind, PlaceLevel
from backend.domain.connect_rules import ENTRY_LIMITS
from backend.services import connect_profiles, connect_scores
from conversations.connect.views import KIND_KEYS
from sandbox.testing import SandboxServer
from tests.connect_factories import NOW, consenting_member, phone_of, works_at
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.connect_steps import (
    ConnectMember,
    agree,
    answer,
    consent_rows,
    make_member,
    open_kind,
    saved,
    tables,
    to_summary,
)
from tests.conversations.loan_steps import forge_button
from tests.conversations.wallet_steps import stem


@pytest.fixture
async def siti(seeded_db: Database, sandbox: SandboxServer) -> ConnectMember:
    return await make_member(seeded_db, sandbox)


async def test_a_member_shares_each_kind_and_a_contact_then_sees_them_in_the_summary(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    await agree(user)
    assert await tables(db, siti.member_id) == (True, 0, 0)

    # A workplace: name, current, since when.
    await open_kind(user, "connect.kind.workplace", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.workplace"))
    await answer(user, "PT Telkom Indonesia", stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_now"))
    await user.wait_for_bot_message(contains=stem("connect.ask.years_current"))
    await answer(user, "2018", saved("PT Telkom Indonesia · saat ini · sejak 2018"))

    # A school: the level by button, the name without it, the year.
    await to_summary(user)
    await open_kind(user, "connect.kind.school", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=msg("connect.ask.school_level"))
    await user.press(msg("connect.school_level.sma"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.school"))
    await answer(user, "Negeri 3 Bandung", msg("connect.ask.school_year"))
    await answer(user, "2008", saved("SMA Negeri 3 Bandung · 2008"))

    # A place: the level by button, the registration address as a reminder, the city.
    await to_summary(user)
    await open_kind(user, "connect.kind.place", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=msg("connect.ask.place_level"))
    await user.press(msg("connect.place_level.kelurahan"))
    question = await user.wait_for_bot_message(contains=stem("connect.ask.name.kelurahan"))
    assert "Jl. Melati No. 5, RT 01/RW 02, Kebayoran Baru, Jakarta Selatan" in question["text"]
    await answer(user, "Lebak Siliwangi", msg("connect.ask.area", name="Lebak Siliwangi"))
    await answer(user, "Kota Bandung", saved("Kelurahan/desa: Lebak Siliwangi, Kota Bandung"))

    # A community, and a cooperative event.
    await to_summary(user)
    await open_kind(user, "connect.kind.community", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.community"))
    await answer(user, "Asosiasi UMKM Coblong", saved("Asosiasi UMKM Coblong"))
    await to_summary(user)
    await open_kind(user, "connect.kind.event", 0)
    await user.press(msg("connect.button.add"))
    await answer(user, "RAT 2025 Cabang Bandung", saved("RAT 2025 Cabang Bandung"))

    # Two contacts from the phone book, one of them a member: only counts come back.
    await to_summary(user)
    await open_kind(user, "connect.kind.contacts", 0)
    await user.press(msg("connect.button.share_contact"))
    await user.wait_for_bot_message(contains=first_line("connect.ask.contact"))
    colleague = await consenting_member(db, 2, branch_code="BDG01")
    await user.send_contact(False, phone_number=phone_of(2), first_name="Budi")
    reply = await user.wait_for_bot_message(contains=msg("connect.contact.saved", count=1))
    assert "Budi" not in reply["text"]
    await user.send_contact(False, phone_number="0857 1111 2222", first_name="Tukang Sayur")
    await user.wait_for_bot_message(contains=msg("connect.contact.saved", count=2))
    await user.press(msg("connect.button.done"))
    page = await user.wait_for_bot_message(contains=first_line("connect.contacts.page"))
    assert msg("connect.contacts.page", count=2).splitlines()[1] in page["text"]

    await user.send_text("/connect")
    summary = await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    for line in (
        "PT Telkom Indonesia · saat ini · sejak 2018",
        "SMA Negeri 3 Bandung · 2008",
        "Kelurahan/desa: Lebak Siliwangi, Kota Bandung",
        "Asosiasi UMKM Coblong",
        "RAT 2025 Cabang Bandung",
        msg("connect.summary.contacts", count=2),
    ):
        assert line in summary["text"]
    assert colleague.full_name not in summary["text"]
    profile = await connect_profiles.connect_profile(db, member_id=siti.member_id)
    assert [(e.kind, e.name) for e in profile.entries] == [
        (EntryKind.COMMUNITY, "Asosiasi UMKM Coblong"),
        (EntryKind.EVENT, "RAT 2025 Cabang Bandung"),
        (EntryKind.PLACE, "Lebak Siliwangi"),
        (EntryKind.SCHOOL, "SMA Negeri 3 Bandung"),
        (EntryKind.WORKPLACE, "PT Telkom Indonesia"),
    ]
    place = profile.entries_of(EntryKind.PLACE)[0]
    assert (place.place_level, place.area) == (PlaceLevel.KELURAHAN, "Kota Bandung")
    assert profile.contact_count == 2


async def test_changing_and_removing_entries_and_a_contact(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    await agree(user)
    await works_at(db, siti.member_id, "PT Telkom Indonesia")
    await connect_profiles.add_entry(
        db, member_id=siti.member_id, kind=EntryKind.COMMUNITY, name="Klub Lari Coblong",
        now=NOW,
    )  # fmt: skip
    await connect_profiles.add_contact(db, member_id=siti.member_id, phone=phone_of(7), now=NOW)

    # Change the workplace: it was the current one, it becomes a past one with years.
    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    await open_kind(user, "connect.kind.workplace", 1)
    await user.press("PT Telkom Indonesia")
    await user.wait_for_bot_message(contains="PT Telkom Indonesia · saat ini")
    await user.press(msg("connect.button.edit"))
    question = await user.wait_for_bot_message(contains=stem("connect.ask.name.workplace"))
    assert msg("connect.ask.current_name", name="PT Telkom Indonesia") in question["text"]
    await answer(user, "PT Bank Rakyat Indonesia", stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_past"))
    await user.wait_for_bot_message(contains=stem("connect.ask.years_past"))
    await answer(user, "2010 - 2017", saved("PT Bank Rakyat Indonesia · dulu · 2010–2017"))
    (workplace,) = (
        await connect_profiles.connect_profile(db, member_id=siti.member_id)
    ).entries_of(EntryKind.WORKPLACE)
    assert (workplace.name, workplace.current, workplace.year, workplace.end_year) == (
        "PT Bank Rakyat Indonesia", False, 2010, 2017,
    )  # fmt: skip

    # Remove the community.
    await to_summary(user)
    await open_kind(user, "connect.kind.community", 1)
    await user.press("Klub Lari Coblong")
    await user.wait_for_bot_message(contains="Klub Lari Coblong")
    await user.press(msg("connect.button.remove"))
    await user.wait_for_bot_message(contains=msg("connect.removed", entry="Klub Lari Coblong"))
    profile = await connect_profiles.connect_profile(db, member_id=siti.member_id)
    assert profile.entries_of(EntryKind.COMMUNITY) == ()

    # Remove the contact by typing its number as people write it.
    await to_summary(user)
    await open_kind(user, "connect.kind.contacts", 1)
    await user.press(msg("connect.button.remove_contact"))
    await user.wait_for_bot_message(contains=stem("connect.ask.contact_remove"))
    await answer(user, "0812-5550-0007", msg("connect.contact.removed", count=0))
    assert await tables(db, siti.member_id) == (True, 1, 0)


async def test_withdrawing_consent_deletes_the_data_for_good_and_the_score_falls_to_0(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user, db = siti.user, seeded_db
    colleague = await consenting_member(db, 2, branch_code="BDG01")  # not Siti's branch
    await works_at(db, colleague.id, "Telkom")
    await agree(user)
    await open_kind(user, "connect.kind.workplace", 0)
    await user.press(msg("connect.button.add"))
    await answer(user, "PT Telkom Indonesia (Persero) Tbk", stem("connect.ask.workplace_current"))
    await user.press(msg("connect.button.work_now"))
    await user.wait_for_bot_message(contains=stem("connect.ask.years_current"))
    await user.press(msg("connect.button.skip"))
    await user.wait_for_bot_message(contains=saved("PT Telkom Indonesia (Persero) Tbk · saat ini"))
    await to_summary(user)
    await open_kind(user, "connect.kind.contacts", 0)
    await user.press(msg("connect.button.share_contact"))
    await user.send_contact(False, phone_number=phone_of(2), first_name="Budi")
    await user.wait_for_bot_message(contains=msg("connect.contact.saved", count=1))

    scores = await connect_scores.score_borrowers(
        db, financier_id=colleague.id, borrower_ids=[siti.member_id]
    )
    assert scores[siti.member_id].value == 9
    assert await tables(db, siti.member_id) == (True, 1, 1)

    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    await user.press(msg("connect.button.withdraw"))
    question = await user.wait_for_bot_message(contains=first_line("connect.withdraw.ask"))
    assert msg("connect.withdraw.ask", entries=1, contacts=1).splitlines()[2] in question["text"]
    await user.press(msg("connect.button.withdraw_do"))
    await user.wait_for_bot_message(contains=msg("connect.withdraw.done", entries=1, contacts=1))

    assert await tables(db, siti.member_id) == (False, 0, 0)
    for financier, borrower in ((colleague.id, siti.member_id), (siti.member_id, colleague.id)):
        score = (
            await connect_scores.score_borrowers(
                db, financier_id=financier, borrower_ids=[borrower]
            )
        )[borrower]
        assert (score.value, tuple(score.reasons)) == (0, ())
    # Coming back starts from the question again, with nothing left.
    await user.send_text("/connect")
    await user.wait_for_bot_message(contains=first_line("connect.intro"))


async def test_a_member_who_declines_has_nothing_stored(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, siti: ConnectMember
) -> None:
    user = siti.user
    await user.send_text("/menu")
    await user.wait_for_bot_message()
    await user.press(msg("connect.menu_button"))
    await user.wait_for_bot_message(contains=first_line("connect.intro"))
    await user.press(msg("connect.button.decline"))
    await user.wait_for_bot_message(contains=first_line("connect.declined"))
    assert await consent_rows(seeded_db, siti.member_id) == 0
    assert await tables(seeded_db, siti.member_id) == (False, 0, 0)

    # The Add button of an old page (or a tampered client) finds no consent: asked again.
    declined = await user.last_bot_message()
    assert declined is not None
    forge_button(sandbox, user.user_id, declined["message_id"], "cn_a:workplace")
    await user.press("forged")
    await user.wait_for_bot_message(contains=first_line("connect.intro"))
    assert await consent_rows(seeded_db, siti.member_id) == 0
    assert await tables(seeded_db, siti.member_id) == (False, 0, 0)


async def test_a_full_profile_of_long_names_still_fits_the_summary_and_each_page(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    """Telegram refuses texts over 4,096 characters: lists cut long names."""
    user, db = siti.user, seeded_db
    await agree(user)
    long = "Koperasi Simpan Pinjam Sejahtera Bersama " * 5  # ~200 characters with the suffix
    for kind, limit in ENTRY_LIMITS.items():
        for n in range(limit):
            await connect_profiles.add_entry(
                db, member_id=siti.member_id, kind=kind, name=f"{long[:190]} {n}", now=NOW,
                place_level=PlaceLevel.KELURAHAN if kind is EntryKind.PLACE else None,
                area=long[:195] if kind is EntryKind.PLACE else None,
            )  # fmt: skip
    await user.send_text("/connect")
    summary = await user.wait_for_bot_message(contains=first_line("connect.summary.header"))
    assert msg("connect.summary.more", count=17) in summary["text"]  # 20 events, 3 shown
    for kind, limit in ENTRY_LIMITS.items():
        page = await open_kind(user, KIND_KEYS[kind], limit)
        assert msg("connect.kind.full", max=limit) in page["text"]
        await to_summary(user)


async def test_back_and_cancel_leave_the_steps_without_storing(
    bot: BotHarness, seeded_db: Database, siti: ConnectMember
) -> None:
    user = siti.user
    await agree(user)
    await open_kind(user, "connect.kind.place", 0)
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=msg("connect.ask.place_level"))
    await user.press(msg("connect.place_level.kecamatan"))
    await answer(user, "Coblong", msg("connect.ask.area", name="Coblong"))
    await user.press(msg("nav.back"))
    await user.wait_for_bot_message(contains=stem("connect.ask.name.kecamatan"))
    await user.press(msg("nav.back"))
    await user.wait_for_bot_message(contains=msg("connect.kind.place"))
    await user.press(msg("connect.button.add"))
    await user.wait_for_bot_message(contains=msg("connect.ask.place_level"))
    await user.press(msg("connect.place_level.kecamatan"))
    await answer(user, "Coblong", msg("connect.ask.area", name="Coblong"))
    await user.press(msg("nav.cancel"))
    await user.wait_for_bot_message(contains=msg("connect.cancelled"))
    await user.send_text("Kota Bandung")  # no step any more: not taken as the city
    await user.wait_for_bot_message(contains=first_line("fallback.unknown_text"))
    assert await tables(seeded_db, siti.member_id) == (True, 0, 0)


async def test_someone_who_never_registered_is_told_how_to(
    bot: BotHarness, sandbox: SandboxServer
) -> None:
    stranger = await sandbox.create_user(7002, "Tono")
    await stranger.send_text("/connect")
    await stranger.wait_for_bot_message(contains=msg("error.member_not_found"))
