"""A real aiogram Bot against the sandbox: every answer parses into aiogram's types."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.methods import TelegramMethod
from aiogram.types import (
    BufferedInputFile,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from sandbox.testing import SandboxServer, SandboxUser
from tests.sandbox.conftest import png


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text=t, callback_data=d) for t, d in buttons]]
    )


async def test_html_message_with_inline_keyboard(bot: Bot, siti: SandboxUser) -> None:
    sent = await bot.send_message(
        7001,
        "<b>Pinjaman</b> Rp 1.500.000 &amp; <i>tenor</i> 6 bulan",
        parse_mode="HTML",
        reply_markup=keyboard(("Setuju", "loan:ok"), ("Batal", "loan:cancel")),
    )
    assert isinstance(sent, Message)
    assert sent.text == "Pinjaman Rp 1.500.000 & tenor 6 bulan"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [
        ("bold", 0, 8),
        ("italic", 24, 5),
    ]
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][1].callback_data == "loan:cancel"
    assert sent.from_user is not None and sent.from_user.is_bot
    event = await siti.wait_for_bot_message(contains="Pinjaman")
    assert event["html"].startswith("<b>Pinjaman</b> Rp 1.500.000 &amp; <i>tenor</i>")


async def test_reply_keyboard_contact_button_shares_the_users_own_phone(
    bot: Bot, siti: SandboxUser
) -> None:
    markup = ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text="Kirim nomor HP", request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
        is_persistent=True,
        input_field_placeholder="Tekan tombol di bawah",
    )
    sent = await bot.send_message(7001, "Bagikan nomor HP Anda", reply_markup=markup)
    assert sent.reply_markup is None, "reply keyboards are not echoed in the Message"
    shown = await siti.reply_keyboard()
    assert shown is not None
    assert shown["keyboard"][0][0] == {"text": "Kirim nomor HP", "request_contact": True}
    assert shown["input_field_placeholder"] == "Tekan tombol di bawah"

    await siti.press("Kirim nomor HP")
    updates = await bot.get_updates()
    message = updates[-1].message
    assert message is not None and message.contact is not None and message.from_user is not None
    assert message.contact.user_id == message.from_user.id == 7001
    assert message.contact.phone_number == "+6281234567801"

    await bot.send_message(7001, "Terima kasih", reply_markup=ReplyKeyboardRemove())
    assert await siti.reply_keyboard() is None
    await bot.send_message(7001, "Nama?", reply_markup=ForceReply(input_field_placeholder="Nama"))


async def test_edit_and_answer_a_button_press(bot: Bot, siti: SandboxUser) -> None:
    sent = await bot.send_message(7001, "Konfirmasi setoran?", reply_markup=keyboard(("Ya", "y")))
    press = await siti.press("Ya")
    updates = await bot.get_updates(offset=press["update_id"])
    query = updates[0].callback_query
    assert query is not None and query.message is not None
    assert query.data == "y" and query.message.message_id == sent.message_id
    assert await bot.answer_callback_query(query.id, text="Tercatat", show_alert=True)
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)

    edited = await bot.edit_message_text(
        "<b>Setoran dikonfirmasi</b>",
        chat_id=7001,
        message_id=sent.message_id,
        parse_mode="HTML",
    )
    assert isinstance(edited, Message)
    assert edited.text == "Setoran dikonfirmasi" and edited.edit_date is not None
    assert edited.reply_markup is None, "editing without reply_markup removes the keyboard"
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "<b>Setoran dikonfirmasi</b>",
            chat_id=7001,
            message_id=sent.message_id,
            parse_mode="HTML",
        )
    answers = [e for e in await siti.transcript() if e["kind"] == "callback_answer"]
    assert answers[0]["text"] == "Tercatat" and answers[0]["show_alert"] is True
    last = await siti.last_bot_message()
    assert last is not None and last["text"] == "Setoran dikonfirmasi" and last["edited"]


async def test_photo_upload_get_file_and_download(
    bot: Bot, siti: SandboxUser, sandbox: SandboxServer
) -> None:
    image = png(3, 2)
    sent = await bot.send_photo(
        7001,
        BufferedInputFile(image, "grafik.png"),
        caption="<i>Grafik</i> saldo",
        parse_mode="HTML",
    )
    assert sent.photo is not None and sent.caption == "Grafik saldo"
    assert (sent.photo[-1].width, sent.photo[-1].height) == (3, 2)
    assert sent.caption_entities is not None and sent.caption_entities[0].type == "italic"
    file = await bot.get_file(sent.photo[-1].file_id)
    assert file.file_path is not None
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == image

    again = await bot.send_photo(7001, sent.photo[-1].file_id)
    assert again.photo is not None and again.photo[0].file_id == sent.photo[-1].file_id
    event = await siti.wait_for_bot_message(contains="Grafik")
    page = await sandbox.client.get(event["photo"]["url"])
    assert page.content == image


async def test_document_upload_and_download(bot: Bot, siti: SandboxUser) -> None:
    content = b"nama,jumlah\nSiti,1500000\n"
    sent = await bot.send_document(
        7001, BufferedInputFile(content, "rekap.csv"), caption="Rekap pendana"
    )
    assert sent.document is not None
    assert sent.document.file_name == "rekap.csv"
    assert sent.document.mime_type == "text/csv"
    assert sent.document.file_size == len(content)
    file = await bot.get_file(sent.document.file_id)
    assert file.file_path is not None and file.file_path.endswith(".csv")
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == content


async def test_a_photo_that_is_not_an_image_is_refused(bot: Bot, siti: SandboxUser) -> None:
    with pytest.raises(TelegramBadRequest, match="IMAGE_PROCESS_FAILED"):
        await bot.send_photo(7001, BufferedInputFile(b"not an image", "x.jpg"))


async def test_text_limits_count_characters_after_html_parsing(bot: Bot, siti: SandboxUser) -> None:
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(7001, "a" * 4097)
    exactly = "<b>" + "a" * 2000 + "</b><i>" + "é" * 2096 + "</i>"
    sent = await bot.send_message(7001, exactly, parse_mode="HTML")
    assert sent.text is not None and len(sent.text) == 4096
    with pytest.raises(TelegramBadRequest, match="message caption is too long"):
        await bot.send_photo(7001, BufferedInputFile(png(), "p.png"), caption="c" * 1025)


async def test_callback_data_is_limited_to_64_bytes(bot: Bot, siti: SandboxUser) -> None:
    await bot.send_message(7001, "ok", reply_markup=keyboard(("ok", "é" * 32)))
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(7001, "x", reply_markup=keyboard(("x", "é" * 33)))


async def test_invalid_html_is_a_bad_request(bot: Bot, siti: SandboxUser) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(7001, "Saldo <Rp 1.000>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="can't parse entities: Can't find end tag"):
        await bot.send_message(7001, "<b>Saldo", parse_mode="HTML")


async def test_flood_control_raises_retry_after(
    bot: Bot, siti: SandboxUser, sandbox: SandboxServer
) -> None:
    await sandbox.set_config(per_chat_limit=2, per_chat_window_seconds=5)
    await bot.send_message(7001, "1")
    await bot.send_message(7001, "2")
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(7001, "3")
    assert 1 <= caught.value.retry_after <= 5
    stats = await sandbox.stats()
    assert stats["too_many_requests"] == 1
    await sandbox.set_config(per_chat_limit=20, retry_after=7, global_limit=1)
    await bot.send_message(7001, "4")
    with pytest.raises(TelegramRetryAfter) as fixed:
        await bot.send_photo(7001, BufferedInputFile(png(), "p.png"))
    assert fixed.value.retry_after == 7


async def test_unknown_methods_are_not_found(bot: Bot) -> None:
    class SendSticker(TelegramMethod[bool]):
        __returning__ = bool
        __api_method__ = "sendSticker"

    with pytest.raises(TelegramNotFound):
        await bot(SendSticker())


async def test_get_updates_conflicts_with_a_webhook(bot: Bot) -> None:
    assert await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook()
    assert await bot.get_updates() == []


async def test_files_can_be_sent_by_reachable_http_url(
    bot: Bot, siti: SandboxUser, sandbox: SandboxServer
) -> None:
    uploaded = await siti.send_photo(png(5, 5))
    url = f"{sandbox.base_url}/sandbox/api/files/{uploaded['file_id']}"
    sent = await bot.send_photo(7001, url)
    assert sent.photo is not None and (sent.photo[0].width, sent.photo[0].height) == (5, 5)
    with pytest.raises(TelegramBadRequest, match="failed to get HTTP URL content"):
        await bot.send_document(7001, f"{sandbox.base_url}/sandbox/api/files/missing")
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(7001, "AgACAgIAAxk-unknown")
