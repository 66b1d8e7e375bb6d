"""Validation of ``reply_markup``: inline keyboards, reply keyboards, removal and force-reply.

Telegram's rules that matter to a bot: ``callback_data`` is 1–64 **bytes**, an inline
button needs exactly one action, reply keyboard buttons may be plain strings.
"""

from __future__ import annotations

import json
from typing import Any

from sandbox.errors import bad_request
from sandbox.models import Json

_MARKUP_ERROR = "can't parse reply keyboard markup JSON object"
_INLINE_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


def parse_reply_markup(raw: Any, *, inline_only: bool = False) -> Json | None:
    """Validate and normalise a ``reply_markup`` parameter (object or JSON string)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise bad_request(_MARKUP_ERROR) from None
    if not isinstance(raw, dict):
        raise bad_request(_MARKUP_ERROR)
    if "inline_keyboard" in raw:
        return {"inline_keyboard": _inline_rows(raw["inline_keyboard"])}
    if inline_only:
        raise bad_request("inline keyboard expected")
    if "keyboard" in raw:
        return _reply_keyboard(raw)
    if raw.get("remove_keyboard") in (True, "true"):
        return {"remove_keyboard": True}
    if raw.get("force_reply") in (True, "true"):
        result: Json = {"force_reply": True}
        if raw.get("input_field_placeholder"):
            result["input_field_placeholder"] = str(raw["input_field_placeholder"])
        return result
    raise bad_request(_MARKUP_ERROR)


def _rows(value: Any, field: str, owner: str) -> list[list[Any]]:
    if not isinstance(value, list) or not all(isinstance(row, list) for row in value):
        raise bad_request(f'field "{field}" of the {owner} should be an Array of Arrays')
    return value


def _inline_rows(value: Any) -> list[list[Json]]:
    rows = _rows(value, "inline_keyboard", "InlineKeyboardMarkup")
    return [[_inline_button(button) for button in row] for row in rows]


def _inline_button(button: Any) -> Json:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str):
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [key for key in _INLINE_ACTIONS if key in button]
    if not actions:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= 64:
            raise bad_request("BUTTON_DATA_INVALID")
    if "url" in button:
        url = button["url"]
        if not isinstance(url, str) or not url.lower().startswith(_URL_SCHEMES):
            raise bad_request("BUTTON_URL_INVALID")
    return dict(button)


def _reply_keyboard(raw: Json) -> Json:
    rows = _rows(raw["keyboard"], "keyboard", "ReplyKeyboardMarkup")
    keyboard: list[list[Json]] = []
    for row in rows:
        normalised: list[Json] = []
        for button in row:
            if isinstance(button, str):
                normalised.append({"text": button})
            elif isinstance(button, dict) and isinstance(button.get("text"), str):
                normalised.append(dict(button))
            else:
                raise bad_request(
                    'can\'t parse keyboard button: Field "text" must be of type String'
                )
        keyboard.append(normalised)
    result: Json = {"keyboard": keyboard}
    for flag in ("is_persistent", "resize_keyboard", "one_time_keyboard", "selective"):
        if raw.get(flag) in (True, "true"):
            result[flag] = True
    if raw.get("input_field_placeholder"):
        result["input_field_placeholder"] = str(raw["input_field_placeholder"])
    return result
