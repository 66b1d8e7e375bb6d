"""The Bot API over raw HTTP: envelopes, parameter encodings, updates and error answers."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from sandbox.testing import SandboxServer, SandboxUser

TOKEN = "7000000001:sandbox-token"


async def call(sandbox: SandboxServer, method: str, **params: Any) -> httpx.Response:
    return await sandbox.client.post(f"/bot{TOKEN}/{method}", json=params)


async def result(sandbox: SandboxServer, method: str, **params: Any) -> Any:
    response = await call(sandbox, method, **params)
    body = response.json()
    assert response.status_code == 200 and body["ok"], body
    return body["result"]


async def test_get_me_answers_in_every_encoding(sandbox: SandboxServer) -> None:
    by_get = await sandbox.client.get(f"/bot{TOKEN}/getMe")
    by_json = await sandbox.client.post(f"/bot{TOKEN}/getme", json={})
    by_form = await sandbox.client.post(f"/bot{TOKEN}/GETME", data={"x": "1"})
    for response in (by_get, by_json, by_form):
        assert response.status_code == 200
        me = response.json()["result"]
        assert me["id"] == 7000000001
        assert me["is_bot"] is True
        assert me["username"] == "kopdana_sandbox_bot"


async def test_unknown_method_and_malformed_token_answer_404(sandbox: SandboxServer) -> None:
    unknown = await call(sandbox, "sendSticker", chat_id=7001)
    assert unknown.status_code == 404
    assert unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    malformed = await sandbox.client.get("/botnot-a-token/getMe")
    assert malformed.status_code == 404


async def test_offset_confirms_earlier_updates_and_limit_caps_the_batch(
    sandbox: SandboxServer,
) -> None:
    user = sandbox.user(7002)
    ids = [(await user.send_text(f"pesan {n}"))["update_id"] for n in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3
    first = await result(sandbox, "getUpdates", limit=2)
    assert [u["update_id"] for u in first] == ids[:2]
    again = await result(sandbox, "getUpdates")
    assert [u["update_id"] for u in again] == ids, "unconfirmed updates are handed out again"
    rest = await result(sandbox, "getUpdates", offset=ids[1] + 1)
    assert [u["update_id"] for u in rest] == ids[2:]
    assert await result(sandbox, "getUpdates", offset=ids[2] + 1) == []
    assert rest[0]["message"]["text"] == "pesan 2"
    assert rest[0]["message"]["chat"] == {
        "id": 7002,
        "type": "private",
        "first_name": "Budi",
        "last_name": "Santoso",
        "username": "budi_santoso",
    }


async def test_negative_offset_keeps_only_the_newest_updates(sandbox: SandboxServer) -> None:
    user = sandbox.user(7002)
    ids = [(await user.send_text(f"m{n}"))["update_id"] for n in range(4)]
    newest = await result(sandbox, "getUpdates", offset=-1)
    assert [u["update_id"] for u in newest] == ids[-1:]
    assert [u["update_id"] for u in await result(sandbox, "getUpdates")] == ids[-1:]


async def test_long_polling_wakes_up_as_soon_as_an_update_arrives(
    sandbox: SandboxServer,
) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(call(sandbox, "getUpdates", timeout=20))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await sandbox.user(7003).send_text("halo")
    updates = (await asyncio.wait_for(poll, 3)).json()["result"]
    assert [u["message"]["text"] for u in updates] == ["halo"]
    assert time.monotonic() - started < 2


async def test_long_polling_times_out_with_an_empty_list(sandbox: SandboxServer) -> None:
    started = time.monotonic()
    assert await result(sandbox, "getUpdates", timeout=1) == []
    assert 0.9 < time.monotonic() - started < 3


async def test_a_second_poller_terminates_the_first_with_409(sandbox: SandboxServer) -> None:
    first = asyncio.create_task(call(sandbox, "getUpdates", timeout=20))
    await asyncio.sleep(0.2)
    second = asyncio.create_task(call(sandbox, "getUpdates", timeout=0))
    terminated = await asyncio.wait_for(first, 3)
    assert terminated.status_code == 409
    assert "terminated by other getUpdates request" in terminated.json()["description"]
    assert (await second).status_code == 200


async def test_sending_checks_the_chat(sandbox: SandboxServer) -> None:
    unknown = await call(sandbox, "sendMessage", chat_id=123, text="x")
    assert unknown.status_code == 400
    assert unknown.json()["description"] == "Bad Request: chat not found"
    not_started = await call(sandbox, "sendMessage", chat_id=7004, text="x")
    assert not_started.status_code == 403
    assert "bot can't initiate conversation" in not_started.json()["description"]
    missing = await call(sandbox, "sendMessage", text="x")
    assert missing.json()["description"] == "Bad Request: chat_id is empty"


async def test_a_user_who_blocked_the_bot_cannot_be_messaged(sandbox: SandboxServer) -> None:
    user = await sandbox.create_user(8100, "Rina", blocked_bot=False)
    await user.send_text("/start")
    await sandbox.create_user(8100, "Rina", blocked_bot=True)
    blocked = await call(sandbox, "sendMessage", chat_id=8100, text="x")
    assert blocked.status_code == 403
    assert blocked.json()["description"] == "Forbidden: bot was blocked by the user"


async def test_empty_text_and_whitespace_are_rejected(
    sandbox: SandboxServer, siti: SandboxUser
) -> None:
    for text in ("", "   \n ", "<b> </b>"):
        response = await call(sandbox, "sendMessage", chat_id=7001, text=text, parse_mode="HTML")
        assert response.status_code == 400
        assert response.json()["description"] == "Bad Request: message text is empty"


async def test_form_encoded_parameters_with_json_markup_are_understood(
    sandbox: SandboxServer, siti: SandboxUser
) -> None:
    markup = '{"inline_keyboard": [[{"text": "Ya", "callback_data": "ya"}]]}'
    response = await sandbox.client.post(
        f"/bot{TOKEN}/sendMessage",
        data={
            "chat_id": "7001",
            "text": "<b>Setuju?</b>",
            "parse_mode": "HTML",
            "reply_markup": markup,
        },
    )
    message = response.json()["result"]
    assert message["text"] == "Setuju?"
    assert message["entities"] == [{"offset": 0, "length": 7, "type": "bold"}]
    assert message["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ya"


async def test_edits_report_not_modified_and_missing_messages(
    sandbox: SandboxServer, siti: SandboxUser
) -> None:
    sent = await result(sandbox, "sendMessage", chat_id=7001, text="Saldo")
    same = await call(
        sandbox, "editMessageText", chat_id=7001, message_id=sent["message_id"], text="Saldo"
    )
    assert same.status_code == 400
    assert same.json()["description"].startswith("Bad Request: message is not modified")
    missing = await call(sandbox, "editMessageText", chat_id=7001, message_id=999, text="x")
    assert missing.json()["description"] == "Bad Request: message to edit not found"
    users_own = await call(sandbox, "editMessageText", chat_id=7001, message_id=1, text="x")
    assert users_own.json()["description"] == "Bad Request: message can't be edited"
    markup = {"inline_keyboard": [[{"text": "Lagi", "callback_data": "again"}]]}
    edited = await result(
        sandbox,
        "editMessageReplyMarkup",
        chat_id=7001,
        message_id=sent["message_id"],
        reply_markup=markup,
    )
    assert edited["reply_markup"] == markup
    assert "edit_date" in edited
    same_markup = await call(
        sandbox,
        "editMessageReplyMarkup",
        chat_id=7001,
        message_id=sent["message_id"],
        reply_markup=markup,
    )
    assert same_markup.status_code == 400


async def test_deleted_messages_show_in_the_transcript(
    sandbox: SandboxServer, siti: SandboxUser
) -> None:
    sent = await result(sandbox, "sendMessage", chat_id=7001, text="sementara")
    assert await result(sandbox, "deleteMessage", chat_id=7001, message_id=sent["message_id"])
    again = await call(sandbox, "deleteMessage", chat_id=7001, message_id=sent["message_id"])
    assert again.json()["description"] == "Bad Request: message to delete not found"
    events = await siti.transcript()
    assert [e["kind"] for e in events][-2:] == ["message", "delete"]
    assert events[-1]["deleted"] is True
    assert await siti.last_bot_message() is None


async def test_unknown_callback_query_ids_are_too_old(sandbox: SandboxServer) -> None:
    response = await call(sandbox, "answerCallbackQuery", callback_query_id="42")
    assert response.status_code == 400
    assert response.json()["description"] == (
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    )


async def test_commands_are_stored_per_scope_and_language(sandbox: SandboxServer) -> None:
    commands = [{"command": "start", "description": "Mulai"}]
    assert await result(sandbox, "setMyCommands", commands=commands)
    assert await result(sandbox, "getMyCommands") == commands
    assert await result(sandbox, "getMyCommands", language_code="en") == []
    bad = await call(sandbox, "setMyCommands", commands=[{"command": "Start!", "description": "x"}])
    assert bad.json()["description"] == "Bad Request: BOT_COMMAND_INVALID"
    assert await result(sandbox, "deleteMyCommands")
    assert await result(sandbox, "getMyCommands") == []


async def test_chat_actions_are_recorded(sandbox: SandboxServer, siti: SandboxUser) -> None:
    assert await result(sandbox, "sendChatAction", chat_id=7001, action="typing")
    wrong = await call(sandbox, "sendChatAction", chat_id=7001, action="dancing")
    assert wrong.status_code == 400
    actions = await sandbox.chat_actions(user_id=7001)
    assert [a["action"] for a in actions] == ["typing"]


async def test_stats_count_requests_per_method(sandbox: SandboxServer) -> None:
    await call(sandbox, "getMe")
    await call(sandbox, "getMe")
    await call(sandbox, "noSuchMethod")
    stats = await sandbox.stats()
    assert stats["requests"]["getMe"] == 2
    assert stats["errors"]["404"] == 1


async def test_setting_a_webhook_ends_a_waiting_poll_with_409(sandbox: SandboxServer) -> None:
    poll = asyncio.create_task(call(sandbox, "getUpdates", timeout=20))
    await asyncio.sleep(0.1)
    assert await result(sandbox, "setWebhook", url="http://127.0.0.1:9/hook")
    ended = await asyncio.wait_for(poll, 3)
    assert ended.status_code == 409
    assert ended.json()["description"] == (
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
        "delete the webhook first"
    )
