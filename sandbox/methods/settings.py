"""Bot settings: the command menu (set/get/deleteMyCommands) and accepted no-op settings."""

from __future__ import annotations

import json
import re
from typing import Any

from sandbox.errors import bad_request
from sandbox.methods.base import MethodContext, api_method

COMMAND_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_COMMANDS = 100


def _scope_key(ctx: MethodContext) -> str:
    scope: Any = ctx.params.json("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    language = ctx.params.text("language_code") or ""
    return json.dumps(scope, sort_keys=True) + "|" + language


@api_method("setMyCommands")
async def set_my_commands(ctx: MethodContext) -> bool:
    commands = ctx.params.json("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    if len(commands) > MAX_COMMANDS:
        raise bad_request("too many commands")
    cleaned = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command = str(item.get("command", "")).lstrip("/")
        description = str(item.get("description", "")).strip()
        if not COMMAND_PATTERN.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(description) <= 256:
            raise bad_request("command description is empty or too long")
        cleaned.append({"command": command, "description": description})
    ctx.bot.commands[_scope_key(ctx)] = cleaned
    return True


@api_method("getMyCommands")
async def get_my_commands(ctx: MethodContext) -> list[dict[str, str]]:
    return list(ctx.bot.commands.get(_scope_key(ctx), []))


@api_method("deleteMyCommands")
async def delete_my_commands(ctx: MethodContext) -> bool:
    ctx.bot.commands.pop(_scope_key(ctx), None)
    return True


async def _accepted(ctx: MethodContext) -> bool:
    return True


for _name in ("setMyDescription", "setMyShortDescription", "setMyName", "setChatMenuButton"):
    api_method(_name)(_accepted)
