"""Registration end to end: the real bot, the sandbox, a real database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from backend.db.engine import Database
from backend.db.models import Member
from backend.db.unit_of_work import UnitOfWork
from backend.domain.members import MemberStatus, Role
from backend.services.members import get_member
from sandbox.testing import SandboxServer, SandboxUser
from tests.conversations.conftest import BotHarness, first_line, msg
from tests.conversations.walk import (
    Answers,
    ask_and_expect,
    confirm,
    start_as_financier,
    walk_to_summary,
)


async def member_count(db: Database) -> int:
    async with UnitOfWork(db, write=False) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Member)) or 0)


async def assert_registered_as_typed(db: Database, telegram_user_id: int) -> None:
    member = await get_member(db, telegram_user_id=telegram_user_id)
    assert member.full_name == "Siti Rahayu"
    assert member.nik == "3174055708900002"
    assert member.birth_date == dt.date(1990, 8, 17)
    assert member.sex == "F"
    assert member.phone == "+6281234567801"
    assert member.branch.code == "BDG01"
    assert member.address == "Jl. Melati No. 5, RT 01/RW 02, Coblong, Bandung"
    assert (member.bank_name, member.bank_account_number) == ("BCA", "1234567890")
    assert member.bank_account_holder == "Siti Rahayu"
    assert member.roles == (Role.FINANCIER,)
    assert member.status is MemberStatus.AWAITING_VERIFICATION


async def test_a_member_registers_end_to_end_in_polling_mode(
    any_storage_bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    await walk_to_summary(siti)
    await confirm(siti)
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await assert_registered_as_typed(seeded_db, 7001)


async def test_a_member_registers_end_to_end_in_webhook_mode(
    webhook_bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    await walk_to_summary(siti)
    await confirm(siti)
    await assert_registered_as_typed(seeded_db, 7001)


async def test_nothing_is_stored_until_confirm_and_cancel_stores_nothing(
    bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    before = await member_count(seeded_db)
    await walk_to_summary(siti)
    assert await member_count(seeded_db) == before
    await siti.press(msg("nav.cancel"))
    await siti.wait_for_bot_message(contains=first_line("registration.cancelled"))
    assert await member_count(seeded_db) == before


@pytest.mark.parametrize(
    ("answer", "hint_key", "params"),
    [
        ("", None, {}),
        ("A" * 5000, "error.name.too_long", {"max": 100}),
        ("Siti 😀 Rahayu", "error.name.characters", {}),
        ("12345", "error.name.characters", {}),
    ],
)
async def test_a_bad_name_gets_a_hint_and_the_same_question(
    bot: BotHarness, siti: SandboxUser, answer: str, hint_key: str | None, params: dict[str, int]
) -> None:
    await start_as_financier(siti)
    if not answer:  # Telegram never delivers an empty text; a sticker is the nearest thing
        await siti.send_photo(b"\xff\xd8\xff\xe0 not really a photo")
        hint_key = "error.expected_text"
    else:
        # Telegram apps split a message longer than 4096 characters; the first part arrives.
        await siti.send_text(answer[:4096])
    assert hint_key is not None
    await siti.wait_for_bot_message(contains=first_line(hint_key, **params))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.full_name"))


async def test_every_bad_nik_and_birth_date_is_explained_and_asked_again(
    bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    await start_as_financier(siti)
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")
    for bad_nik, hint in [
        ("317405570890000", msg("error.nik.length", length=15)),
        ("31740557089000021", msg("error.nik.length", length=17)),
        ("3174O5570890OOO2", msg("error.nik.not_digits")),
        ("3174053208900002", msg("error.nik.birth_date")),
        ("3174055708900001", msg("error.duplicate_nik")),  # the seeded member Rina's NIK
    ]:
        await siti.send_text(bad_nik)
        await siti.wait_for_bot_message(contains=hint.splitlines()[0])
        await siti.wait_for_bot_message(contains=first_line("registration.ask.nik"))
    await ask_and_expect(siti, "3174 0557 0890 0002", "registration.ask.birth_date")
    for bad_date, hint in [
        ("18-08-1990", msg("error.nik_birth_date_mismatch")),
        ("17-08-2099", msg("error.birth_date.future")),
        ("31-02-1990", msg("error.birth_date.no_such_date")),
        ("kemarin", msg("error.birth_date.format")),
    ]:
        await siti.send_text(bad_date)
        await siti.wait_for_bot_message(contains=hint.splitlines()[0])
        await siti.wait_for_bot_message(contains=first_line("registration.ask.birth_date"))
    await ask_and_expect(siti, "17 Agustus 1990", "registration.ask.phone")
    assert await member_count(seeded_db) == 2  # only the seeded members


async def test_an_under_age_member_is_refused(bot: BotHarness, siti: SandboxUser) -> None:
    await start_as_financier(siti)
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")
    await ask_and_expect(siti, "3174055708100002", "registration.ask.birth_date")
    await siti.send_text("17-08-2010")
    await siti.wait_for_bot_message(contains=first_line("error.birth_date.too_young", min_age=18))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.birth_date"))


async def test_someone_elses_contact_is_refused(bot: BotHarness, siti: SandboxUser) -> None:
    await start_as_financier(siti)
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")
    await ask_and_expect(siti, "3174055708900002", "registration.ask.birth_date")
    await ask_and_expect(siti, "17-08-1990", "registration.ask.phone")
    await siti.send_contact(own=False, phone_number="+6281299990000", user_id=7002)
    await siti.wait_for_bot_message(contains=first_line("error.phone.not_own_contact"))
    await siti.send_text("081234567801")
    await siti.wait_for_bot_message(contains=first_line("error.phone.use_button"))
    await siti.press(msg("registration.button.share_phone"))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.branch"))


async def test_back_returns_to_the_previous_question_with_answers_kept(
    bot: BotHarness, siti: SandboxUser
) -> None:
    await start_as_financier(siti)
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")
    await siti.press(msg("nav.back"))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.full_name"))
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")


async def test_a_field_can_be_edited_from_the_summary(
    bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    await walk_to_summary(siti)
    await siti.press(msg("registration.button.edit"))
    await siti.wait_for_bot_message(contains=first_line("registration.ask_edit_field"))
    await siti.press(msg("registration.field.address"))
    await ask_and_expect(siti, "Jl. Kenanga No. 9, Sukajadi, Bandung", "registration.summary")
    await confirm(siti)
    member = await get_member(seeded_db, telegram_user_id=7001)
    assert member.address == "Jl. Kenanga No. 9, Sukajadi, Bandung"


async def test_registration_survives_a_bot_restart(
    bot: BotHarness, seeded_db: Database, siti: SandboxUser
) -> None:
    await start_as_financier(siti)
    await ask_and_expect(siti, "Siti Rahayu", "registration.ask.nik")
    await ask_and_expect(siti, "3174055708900002", "registration.ask.birth_date")
    await bot.restart()
    await ask_and_expect(siti, "17-08-1990", "registration.ask.phone")
    await siti.press(msg("registration.button.share_phone"))
    await siti.wait_for_bot_message(contains=first_line("registration.ask.branch"))
    await siti.press("Cabang Bandung Kota · Bandung")
    await siti.wait_for_bot_message(contains=first_line("registration.ask.address"))
    await ask_and_expect(siti, Answers().address, "registration.ask.bank_name")
    await siti.press("BCA")
    await siti.wait_for_bot_message(contains=first_line("registration.ask.bank_account_number"))
    await ask_and_expect(siti, "1234567890", "registration.ask.bank_account_holder")
    await siti.press(msg("registration.holder_is_me", name="Siti Rahayu"))
    await siti.wait_for_bot_message(contains=first_line("registration.summary"))
    await confirm(siti)
    await assert_registered_as_typed(seeded_db, 7001)


async def test_the_same_update_five_times_has_one_effect_and_one_reply(
    bot: BotHarness, seeded_db: Database, sandbox: SandboxServer, siti: SandboxUser
) -> None:
    await walk_to_summary(siti)
    pressed = await siti.press(msg("registration.button.confirm"))
    await sandbox.redeliver(pressed["update_id"], times=4)
    await siti.wait_for_bot_message(contains=first_line("menu.status_line", status="x")[:12])
    await siti.send_text("/help")  # a later update: once it is answered, the redeliveries were too
    await siti.wait_for_bot_message(contains=first_line("help.text"))
    done = first_line("registration.done", branch="x")[:20]
    replies = [
        e
        for e in await siti.transcript()
        if e["direction"] == "bot" and done in (e.get("text") or "")
    ]
    assert len(replies) == 1
    assert await member_count(seeded_db) == 3
