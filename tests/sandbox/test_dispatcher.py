"""A real aiogram Dispatcher polling the sandbox, driven from the user side."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    Message,
    ReplyKeyboardMarkup,
)

from sandbox.testing import SandboxServer


def demo_router(seen: list[int]) -> Router:
    router = Router()

    @router.message(Command("start"))
    async def start(message: Message, command: CommandObject) -> None:
        seen.append(message.message_id)
        await message.answer(
            f"<b>Selamat datang</b>, {message.chat.first_name}! ref={command.args}",
            parse_mode="HTML",
            reply_markup=ReplyKeyboardMarkup(
                keyboard=[[KeyboardButton(text="Bagikan nomor", request_contact=True)]],
                resize_keyboard=True,
            ),
        )

    @router.message(F.contact)
    async def contact(message: Message) -> None:
        assert message.contact is not None and message.from_user is not None
        own = message.contact.user_id == message.from_user.id
        await message.answer(
            f"Nomor {message.contact.phone_number} {'milik Anda' if own else 'orang lain'}",
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(text="Lanjut", callback_data="next"),
                    ]
                ]
            ),
        )

    @router.callback_query(F.data == "next")
    async def next_step(query: CallbackQuery) -> None:
        await query.answer("Oke")
        assert isinstance(query.message, Message)
        await query.message.edit_text("Langkah berikutnya")

    return router


@contextlib.asynccontextmanager
async def polling(sandbox: SandboxServer, seen: list[int]) -> AsyncIterator[Bot]:
    bot = Bot(sandbox.bot_token, session=AiohttpSession(api=sandbox.telegram_api_server()))
    dispatcher = Dispatcher()
    dispatcher.include_router(demo_router(seen))
    task = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=5)
    )
    try:
        yield bot
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(task, 5)


async def test_a_conversation_with_a_polling_bot(sandbox: SandboxServer) -> None:
    seen: list[int] = []
    async with polling(sandbox, seen):
        dewi = sandbox.user(7003)
        await dewi.send_text("/start abc")
        welcome = await dewi.wait_for_bot_message()
        assert welcome["text"] == "Selamat datang, Dewi! ref=abc"
        assert welcome["html"].startswith("<b>Selamat datang</b>")

        await dewi.press("Bagikan nomor")
        confirmation = await dewi.wait_for_bot_message()
        assert confirmation["text"] == "Nomor +6281234567803 milik Anda"

        await dewi.press("Lanjut")
        edited = await dewi.wait_for_bot_message(edits=True)
        assert edited["kind"] == "edit" and edited["text"] == "Langkah berikutnya"
        answers = await sandbox.callback_answers(user_id=7003)
        assert [a["text"] for a in answers] == ["Oke"]


async def test_a_redelivered_update_reaches_the_handler_each_time(
    sandbox: SandboxServer,
) -> None:
    seen: list[int] = []
    async with polling(sandbox, seen):
        agus = sandbox.user(7004)
        sent = await agus.send_text("/start")
        await agus.wait_for_bot_message()
        await sandbox.redeliver(sent["update_id"], times=4)
        for _ in range(4):
            await agus.wait_for_bot_message()
        assert seen == [sent["message_id"]] * 5
