"""Telegram's HTML parse mode: parse bot text into plain text + entities, and back to safe HTML.

`parse_html` follows the rules of Telegram's own parser (tdlib ``parse_html``): only the
documented tags are accepted, tags must nest and close, the named entities ``&lt; &gt; &amp;
&quot;`` and numeric character references are decoded, and any other ``&`` stays literal.
Errors carry Telegram's wording ("Unsupported start tag "x" at byte offset 0", ...); callers
prefix them with "Bad Request: can't parse entities: ".

Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
`render_html` turns text + entities into HTML for the web chat page, escaping everything
that is not one of the whitelisted formatting tags.
"""

from __future__ import annotations

import bisect
import html
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]

SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
SUPPORTED_TAGS = {*SIMPLE_TAGS, "a", "span", "tg-emoji", "blockquote"}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = " \t\r\n\f\v"


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message is Telegram's description."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    byte_offset: int
    start: int
    attributes: dict[str, str] = field(default_factory=dict)
    language: str | None = None


class _HtmlParser:
    """A single pass over the source, mirroring tdlib's parser and its error messages."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0
        self.out: list[str] = []
        self.out_len = 0
        self.stack: list[_OpenTag] = []
        self.entities: list[Entity] = []

    def byte_offset(self, index: int) -> int:
        return len(self.source[:index].encode("utf-8"))

    def peek(self, index: int | None = None) -> str:
        i = self.pos if index is None else index
        return self.source[i] if i < len(self.source) else ""

    def emit(self, text: str) -> None:
        self.out.append(text)
        self.out_len += utf16_len(text)

    def run(self) -> tuple[str, list[Entity]]:
        src = self.source
        while self.pos < len(src):
            char = src[self.pos]
            if char == "&":
                decoded, length = decode_entity(src, self.pos)
                self.emit(decoded)
                self.pos += length
            elif char == "<":
                if self.peek(self.pos + 1) == "/":
                    self.end_tag()
                else:
                    self.start_tag()
            else:
                nxt = self.pos
                while nxt < len(src) and src[nxt] not in "&<":
                    nxt += 1
                self.emit(src[self.pos : nxt])
                self.pos = nxt
        if self.stack:
            raise EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].name}"'
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.out), self.entities

    def read_until(self, stops: str) -> str:
        begin = self.pos
        while self.pos < len(self.source) and self.source[self.pos] not in stops:
            self.pos += 1
        return self.source[begin : self.pos]

    def skip_spaces(self) -> None:
        self.read_until_not(_SPACES)

    def read_until_not(self, chars: str) -> None:
        while self.pos < len(self.source) and self.source[self.pos] in chars:
            self.pos += 1

    def start_tag(self) -> None:
        begin = self.pos
        offset = self.byte_offset(begin)
        self.pos += 1
        name = self.read_until(_SPACES + ">").lower()
        if self.pos >= len(self.source):
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if name not in SUPPORTED_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        tag = _OpenTag(name=name, byte_offset=offset, start=self.out_len)
        while True:
            self.skip_spaces()
            if self.pos >= len(self.source):
                raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
            if self.peek() == ">":
                self.pos += 1
                break
            attr_name = self.read_until(_SPACES + "=>").lower()
            if not attr_name:
                raise EntityParseError(
                    f'Empty attribute name in the tag "{name}" at byte offset {offset}'
                )
            self.skip_spaces()
            if self.peek() != "=":
                tag.attributes[attr_name] = ""
                continue
            self.pos += 1
            self.skip_spaces()
            tag.attributes[attr_name] = self.attribute_value(name, offset)
        self.check_attributes(tag)
        self.stack.append(tag)

    def attribute_value(self, tag_name: str, offset: int) -> str:
        quote = self.peek()
        if not quote:
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        if quote not in "'\"":
            begin = self.pos
            while self.pos < len(self.source) and (
                self.source[self.pos].isalnum() or self.source[self.pos] in "-."
            ):
                self.pos += 1
            if self.pos == begin:
                raise EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag_name}" at byte offset {offset}'
                )
            return self.source[begin : self.pos]
        self.pos += 1
        raw = self.read_until(quote)
        if self.pos >= len(self.source):
            raise EntityParseError(f"Unclosed start tag at byte offset {offset}")
        self.pos += 1
        return decode_entities(raw)

    def check_attributes(self, tag: _OpenTag) -> None:
        if tag.name == "span" and tag.attributes.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {tag.byte_offset}'
            )
        if tag.name == "tg-emoji" and not tag.attributes.get("emoji-id", "").isdigit():
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {tag.byte_offset}'
            )
        if tag.name == "code":
            css = tag.attributes.get("class", "")
            if css.startswith("language-"):
                tag.language = css.removeprefix("language-")

    def end_tag(self) -> None:
        begin = self.pos
        offset = self.byte_offset(begin)
        self.pos += 2
        name = self.read_until(_SPACES + ">").lower()
        self.skip_spaces()
        if not self.stack:
            raise EntityParseError(f"Unexpected end tag at byte offset {offset}")
        if self.peek() != ">":
            raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
        self.pos += 1
        top = self.stack[-1]
        if name != top.name:
            raise EntityParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{top.name}>", '
                f'found "</{name}>"'
            )
        self.stack.pop()
        self.close(top)

    def close(self, tag: _OpenTag) -> None:
        length = self.out_len - tag.start
        if tag.name == "code" and tag.language and self.stack and self.stack[-1].name == "pre":
            self.stack[-1].language = tag.language
            return
        if length <= 0:
            return
        entity: Entity = {"offset": tag.start, "length": length}
        if tag.name in SIMPLE_TAGS:
            entity["type"] = SIMPLE_TAGS[tag.name]
            if tag.name == "pre" and tag.language:
                entity["language"] = tag.language
        elif tag.name == "span":
            entity["type"] = "spoiler"
        elif tag.name == "blockquote":
            expandable = "expandable" in tag.attributes
            entity["type"] = "expandable_blockquote" if expandable else "blockquote"
        elif tag.name == "tg-emoji":
            entity["type"] = "custom_emoji"
            entity["custom_emoji_id"] = tag.attributes["emoji-id"]
        else:  # "a"
            href = tag.attributes.get("href", "").strip()
            if not href:
                return
            if href.startswith("tg://user?id=") and href[13:].isdigit():
                entity["type"] = "text_mention"
                entity["user"] = {"id": int(href[13:]), "is_bot": False, "first_name": "User"}
            else:
                entity["type"] = "text_link"
                entity["url"] = href
        self.entities.append(entity)


def decode_entity(source: str, index: int) -> tuple[str, int]:
    """Decode the character reference at ``source[index] == "&"``; unknown ones stay literal."""
    end = source.find(";", index + 1, index + 12)
    if end == -1:
        return "&", 1
    body = source[index + 1 : end]
    if body in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[body], end - index + 1
    if body.startswith("#") and len(body) > 1:
        digits, base = (body[2:], 16) if body[1] in "xX" else (body[1:], 10)
        try:
            code = int(digits, base)
        except ValueError:
            return "&", 1
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end - index + 1
    return "&", 1


def decode_entities(text: str) -> str:
    """Decode all supported character references in an attribute value."""
    parts: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "&":
            decoded, length = decode_entity(text, i)
            parts.append(decoded)
            i += length
        else:
            parts.append(text[i])
            i += 1
    return "".join(parts)


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML into plain text and entities; raise EntityParseError when invalid."""
    return _HtmlParser(source).run()


def strip_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim surrounding whitespace as Telegram does, shifting and clipping the entities."""
    stripped = text.strip(_SPACES)
    if not stripped:
        return "", []
    head = utf16_len(text[: len(text) - len(text.lstrip(_SPACES))])
    total = utf16_len(stripped)
    result: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - head, 0)
        end = min(entity["offset"] + entity["length"] - head, total)
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return stripped, result


_RENDER_TAGS = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="tg-spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
}
_SAFE_SCHEMES = ("http://", "https://", "tg://", "mailto:", "tel:")


def _open_tag(text_part: str, entity: Entity) -> tuple[str, str]:
    kind = entity.get("type", "")
    if kind in _RENDER_TAGS:
        return _RENDER_TAGS[kind]
    url = entity.get("url") if kind == "text_link" else text_part if kind == "url" else None
    if url is not None:
        if not url.lower().startswith(_SAFE_SCHEMES):
            url = "http://" + url if kind == "url" else None
        if url:
            href = html.escape(url, quote=True)
            return f'<a href="{href}" target="_blank" rel="noopener noreferrer">', "</a>"
        return "", ""
    return f'<span class="tg-{html.escape(str(kind), quote=True)}">', "</span>"


def _snapped(text: str, entities: list[Entity]) -> list[Entity]:
    """Entities with bounds moved off the middle of surrogate pairs and clipped to the text."""
    valid = [0]
    for char in text:
        valid.append(valid[-1] + (2 if ord(char) > 0xFFFF else 1))
    total = valid[-1]

    def snap(position: int) -> int:
        return valid[bisect.bisect_right(valid, max(min(position, total), 0)) - 1]

    result = []
    for entity in entities:
        start = snap(int(entity.get("offset", 0)))
        end = snap(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if end > start:
            result.append({**entity, "offset": start, "length": end - start})
    return result


def render_html(text: str, entities: list[Entity] | None) -> str:
    """Render text + entities as HTML with only whitelisted tags; everything else is escaped."""
    units = text.encode("utf-16-le")

    def piece(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    ordered = sorted(_snapped(text, entities or []), key=lambda e: (e["offset"], -e["length"]))
    boundaries = sorted(
        {0, len(units) // 2}
        | {e["offset"] for e in ordered}
        | {e["offset"] + e["length"] for e in ordered}
    )
    out: list[str] = []
    stack: list[tuple[Entity, str]] = []
    for index, position in enumerate(boundaries):
        still_open = [item for item in stack if item[0]["offset"] + item[0]["length"] > position]
        if len(still_open) != len(stack):
            keep = 0
            while keep < len(still_open) and stack[keep] is still_open[keep]:
                keep += 1
            for _entity, closing in reversed(stack[keep:]):
                out.append(closing)
            for entity, _closing in still_open[keep:]:
                out.append(
                    _open_tag(piece(entity["offset"], entity["offset"] + entity["length"]), entity)[
                        0
                    ]
                )
            stack = still_open
        for entity in ordered:
            if entity["offset"] == position:
                opening, closing = _open_tag(piece(position, position + entity["length"]), entity)
                out.append(opening)
                stack.append((entity, closing))
        if index + 1 < len(boundaries):
            out.append(html.escape(piece(position, boundaries[index + 1]), quote=False))
    for _entity, closing in reversed(stack):
        out.append(closing)
    return "".join(out)
