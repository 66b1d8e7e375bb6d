"""The user side: users, messages, contacts, files, buttons, transcript, redelivery, config."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from sandbox.testing import SandboxServer, SandboxUser
from tests.sandbox.conftest import png


async def test_demo_users_are_seeded(sandbox: SandboxServer) -> None:
    users = (await sandbox.client.get("/sandbox/api/users")).json()
    names = {f"{u['first_name']} {u['last_name']}" for u in users}
    assert {"Siti Rahayu", "Budi Santoso", "Dewi Lestari", "Agus Pratama"} <= names
    assert all(u["phone_number"].startswith("+628") and u["language_code"] == "id" for u in users)


async def test_commands_carry_a_bot_command_entity(bot: Bot, sandbox: SandboxServer) -> None:
    await sandbox.user(7001).send_text("/start@kopdana_sandbox_bot ref123")
    message = (await bot.get_updates())[0].message
    assert message is not None and message.entities is not None
    assert (message.entities[0].type, message.entities[0].offset, message.entities[0].length) == (
        "bot_command",
        0,
        26,
    )


async def test_sharing_someone_elses_contact(bot: Bot, siti: SandboxUser) -> None:
    await siti.send_contact(own=False, phone_number="+6281300000000", first_name="Ibu")
    await siti.send_contact(own=False, phone_number="+6281300000001", user_id=7002)
    updates = await bot.get_updates()
    contacts = [u.message.contact for u in updates if u.message and u.message.contact]
    assert contacts[0].user_id is None and contacts[0].first_name == "Ibu"
    assert contacts[1].user_id == 7002


async def test_a_user_without_phone_cannot_share_own_contact(sandbox: SandboxServer) -> None:
    user = await sandbox.create_user(8200, "Tanpa", phone_number=None)
    with pytest.raises(AssertionError, match="has no phone_number"):
        await user.send_contact()


async def test_user_photos_and_documents_reach_the_bot_as_files(
    bot: Bot, siti: SandboxUser
) -> None:
    image = png(4, 3)
    await siti.send_photo(image, caption="Bukti transfer")
    await siti.send_document(b"%PDF-1.4 bukti", "bukti.pdf", mime_type="application/pdf")
    updates = await bot.get_updates()
    photo_message = updates[-2].message
    document_message = updates[-1].message
    assert photo_message is not None and photo_message.photo is not None
    assert photo_message.caption == "Bukti transfer"
    assert (photo_message.photo[-1].width, photo_message.photo[-1].height) == (4, 3)
    file = await bot.get_file(photo_message.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == image
    assert document_message is not None and document_message.document is not None
    assert document_message.document.file_name == "bukti.pdf"
    assert document_message.document.mime_type == "application/pdf"


async def test_pressing_buttons_by_label(bot: Bot, siti: SandboxUser) -> None:
    await bot.send_message(
        7001,
        "Menu",
        reply_markup=ReplyKeyboardMarkup(
            keyboard=[[KeyboardButton(text="Dasbor"), KeyboardButton(text="Batal")]]
        ),
    )
    await bot.send_message(
        7001,
        "Yakin?",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(text="Batal", callback_data="cancel"),
                    InlineKeyboardButton(text="Situs", url="https://example.org"),
                ]
            ]
        ),
    )
    newest_first = await siti.press("Batal")
    assert newest_first["action"] == "callback", "the newer inline button wins"
    by_text = await siti.press("Dasbor")
    assert by_text["action"] == "text"
    updates = await bot.get_updates()
    assert updates[-2].callback_query is not None
    assert updates[-2].callback_query.data == "cancel"
    assert updates[-1].message is not None and updates[-1].message.text == "Dasbor"
    with pytest.raises(AssertionError, match="available buttons") as caught:
        await siti.press("Tidak ada")
    assert "Dasbor" in str(caught.value) and "Situs" in str(caught.value)
    state = await siti.state()
    assert state["buttons"]["reply_keyboard"] == ["Dasbor", "Batal"]


async def test_pressing_a_callback_that_the_message_does_not_have_is_refused(
    bot: Bot, siti: SandboxUser
) -> None:
    sent = await bot.send_message(
        7001,
        "Pilih",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
        ),
    )
    with pytest.raises(AssertionError, match="no button with callback_data 'b'"):
        await siti.press_callback(sent.message_id, "b")
    result = await siti.press_callback(sent.message_id, "a")
    assert result["callback_query_id"]


async def test_redeliver_hands_out_the_same_update_again(
    bot: Bot, sandbox: SandboxServer, siti: SandboxUser
) -> None:
    sent = await siti.send_text("setor 1500000")
    first = await bot.get_updates()
    next_offset = first[-1].update_id + 1
    assert await bot.get_updates(offset=next_offset) == []
    await sandbox.redeliver(sent["update_id"], times=3)
    again = await bot.get_updates(offset=next_offset)
    assert [u.update_id for u in again] == [sent["update_id"]] * 3
    assert all(u.message and u.message.text == "setor 1500000" for u in again)
    assert await bot.get_updates(offset=next_offset) == []
    missing = await sandbox.client.post("/sandbox/api/updates/1/redeliver")
    assert missing.status_code == 404


async def test_injected_raw_updates_are_delivered(bot: Bot, sandbox: SandboxServer) -> None:
    update_id = await sandbox.inject_update(
        {
            "my_chat_member": {
                "chat": {"id": 7001, "type": "private", "first_name": "Siti"},
                "from": {"id": 7001, "is_bot": False, "first_name": "Siti"},
                "date": int(time.time()),
                "old_chat_member": {
                    "status": "member",
                    "user": {"id": 7000000001, "is_bot": True, "first_name": "Kopdana"},
                },
                "new_chat_member": {
                    "status": "kicked",
                    "until_date": 0,
                    "user": {"id": 7000000001, "is_bot": True, "first_name": "Kopdana"},
                },
            }
        }
    )
    updates = await bot.get_updates()
    assert updates[0].update_id == update_id
    assert updates[0].my_chat_member is not None
    assert updates[0].my_chat_member.new_chat_member.status == "kicked"


async def test_transcript_long_poll_returns_when_the_bot_answers(
    bot: Bot, siti: SandboxUser
) -> None:
    last = (await siti.transcript())[-1]["seq"]
    waiting = asyncio.create_task(siti.transcript(after=last, wait=10))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await bot.send_message(7001, "Halo Siti")
    events = await asyncio.wait_for(waiting, 3)
    assert [(e["direction"], e["text"]) for e in events] == [("bot", "Halo Siti")]


async def test_wait_for_bot_message_follows_the_users_actions(bot: Bot, siti: SandboxUser) -> None:
    await bot.send_message(7001, "satu")
    await bot.send_message(7001, "dua")
    assert (await siti.wait_for_bot_message())["text"] == "satu"
    assert (await siti.wait_for_bot_message())["text"] == "dua"
    await siti.send_text("lagi")
    await bot.send_message(7001, "tiga")
    assert (await siti.wait_for_bot_message(contains="tig"))["text"] == "tiga"
    with pytest.raises(AssertionError, match=r"within 0\.3s.*transcript tail") as caught:
        await siti.wait_for_bot_message(timeout=0.3)
    assert "'tiga'" in str(caught.value)


async def test_config_can_be_changed_at_runtime(sandbox: SandboxServer) -> None:
    changed = await sandbox.set_config(per_chat_limit=1, retry_after=None)
    assert changed["per_chat_limit"] == 1
    assert (await sandbox.client.get("/sandbox/api/config")).json()["per_chat_limit"] == 1
    bad = await sandbox.client.put("/sandbox/api/config", json={"no_such_field": 1})
    assert bad.status_code == 422
    negative = await sandbox.client.put("/sandbox/api/config", json={"global_limit": -1})
    assert negative.status_code == 422


async def test_reset_forgets_chats_but_keeps_users(
    bot: Bot, sandbox: SandboxServer, siti: SandboxUser
) -> None:
    await bot.send_message(7001, "halo")
    await sandbox.reset()
    assert await siti.transcript() == []
    assert await bot.get_updates() == []
    users = (await sandbox.client.get("/sandbox/api/users")).json()
    assert any(u["id"] == 7001 for u in users)


async def test_the_chat_page_and_its_assets_are_served(sandbox: SandboxServer) -> None:
    page = await sandbox.client.get("/")
    assert page.status_code == 200 and "/sandbox/static/app.js" in page.text
    script = await sandbox.client.get("/sandbox/static/app.js")
    assert script.status_code == 200 and "transcript" in script.text
    style = await sandbox.client.get("/sandbox/static/style.css")
    assert style.status_code == 200
