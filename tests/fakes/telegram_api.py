"""A strict in-process fake of the Telegram Bot API for tests.

The fake is an aiohttp server on 127.0.0.1 that the *real* python-telegram-bot library talks to
(``ApplicationBuilder().token(t).base_url(server.base_url)``).  It is deliberately at least as
strict as Telegram: it parses HTML/MarkdownV2 like Telegram's TDLib parser, validates inline
keyboards, refuses messages to users who never started the bot and enforces Telegram's flood
limits, so that a passing test says something about the real bot.

Three kinds of API live here:

* HTTP side: ``{base_url}{token}/{method}`` with form-encoded, multipart or JSON bodies, answered
  with Telegram's ``{"ok": ..., "result"/"error_code"/"description"/"parameters"}`` envelope.
* World side (test code, not HTTP): ``add_user``, ``add_group``, ``push_message``, ... build the
  simulated users/chats and queue updates for ``getUpdates``.
* Inspection side: ``sent``, ``messages_to``, ``commands``, ``answered_callbacks``,
  ``wait_for_sent``, ``requests``.

All world/inspection methods must be called from the event loop that runs the server.
Where this fake is *stricter* than Telegram, the docstring of the rule says so.
"""

from __future__ import annotations

import asyncio
import copy
import json
import math
import re
import socket
import struct
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, overload
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from aiohttp import web

JSONDict = dict[str, Any]

BOT_ID: Final = 4242
BOT_USERNAME: Final = "LeerAtelierBot"
BOT_FIRST_NAME: Final = "Leeratelier"
#: Telegram's "GroupAnonymousBot", used as the actor of chat-member changes nobody else made.
ANONYMOUS_ADMIN_ID: Final = 1087968824

MAX_MESSAGE_LENGTH: Final = 4096
MAX_CAPTION_LENGTH: Final = 1024
MAX_CALLBACK_DATA_BYTES: Final = 64
MAX_CALLBACK_ANSWER_LENGTH: Final = 200
MAX_INLINE_BUTTONS: Final = 100
MAX_COMMANDS: Final = 100
MAX_UPLOAD_BYTES: Final = 50 * 1024 * 1024
SECRET_TOKEN_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"

#: Methods that count towards (and can be refused by) the flood limits.
RATE_LIMITED_METHODS: Final = frozenset(
    {"sendMessage", "sendDocument", "sendPhoto", "editMessageText", "editMessageReplyMarkup"}
)
#: Methods whose records are "new messages" (as opposed to edits) in ``messages_to``.
SEND_METHODS: Final = frozenset({"sendMessage", "sendDocument", "sendPhoto"})

ALL_UPDATE_TYPES: Final = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member",
        "chat_member", "chat_join_request", "chat_boost", "removed_chat_boost",
    }
)  # fmt: skip
#: Telegram's default when ``allowed_updates`` was never set (or set to ``[]``).
DEFAULT_ALLOWED_UPDATES: Final = ALL_UPDATE_TYPES - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}
CHAT_ACTIONS: Final = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
        "upload_document", "choose_sticker", "find_location", "record_video_note",
        "upload_video_note",
    }
)  # fmt: skip

NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_INVALID: Final = "query is too old and response timeout expired or query ID is invalid"
POLL_CONFLICT: Final = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
    "is running"
)
WEBHOOK_CONFLICT: Final = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)

_TOKEN_RE: Final = re.compile(r"\d+:[A-Za-z0-9_-]+")
_COMMAND_NAME_RE: Final = re.compile(r"[a-z0-9_]{1,32}")
_LANGUAGE_CODE_RE: Final = re.compile(r"[a-z]{2}")
_SECRET_TOKEN_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_HOST_RE: Final = re.compile(r"[\w-]+(?:\.[\w-]+)*\.?")
_WEBHOOK_PORTS: Final = frozenset({80, 88, 443, 8443})
# Entities Telegram detects in *incoming* (user) text.
_BOT_COMMAND_RE: Final = re.compile(
    r"(?<![\w/.@])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])"
)
_MENTION_RE: Final = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])")
_URL_RE: Final = re.compile(r"(?<!\S)https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error; rendered as Telegram's error envelope with the matching HTTP status."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    @classmethod
    def bad_request(cls, detail: str) -> ApiError:
        return cls(400, f"Bad Request: {detail}")

    @classmethod
    def forbidden(cls, detail: str) -> ApiError:
        return cls(403, f"Forbidden: {detail}")

    @classmethod
    def too_many_requests(cls, retry_after: int) -> ApiError:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    def envelope(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _entities_error(detail: str) -> ApiError:
    return ApiError.bad_request(f"can't parse entities: {detail}")


# --------------------------------------------------------------------------------------------
# Text formatting (ports of TDLib's parse_html / parse_markdown_v2 / parse_markdown)
# --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: Telegram's unit for entity offsets and text limits."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports parse errors as UTF-8 byte offsets into the original text."""
    return len(text[:index].encode("utf-8"))


def _is_space(char: str) -> bool:
    # "" stands for "end of input"; TDLib sees a NUL there, which it treats as a space.
    return char == "" or char in " \t\r\n\v\f"


@dataclass
class FormattedText:
    """Visible text plus Bot-API entity dicts (offsets/lengths in UTF-16 code units)."""

    text: str
    entities: list[JSONDict] = field(default_factory=list)


def normalize_link(url: str) -> str | None:
    """Return Telegram's normalized form of a link, or None if Telegram would refuse it.

    Bare hosts get ``http://`` and an empty path becomes ``/`` (Telegram returns
    ``https://example.org/`` for ``href="https://example.org"``).
    """
    url = url.strip()
    if not url or any(char.isspace() for char in url):
        return None
    if url.lower().startswith(("tg://", "ton://")):
        return url
    if "://" not in url:
        if "." not in url.split("/", 1)[0]:
            return None
        url = "http://" + url
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https", "ftp"):
        return None
    if not parts.hostname or not _HOST_RE.fullmatch(parts.hostname):
        return None
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, parts.query, parts.fragment))


class _Output:
    """Accumulates visible text while tracking the UTF-16 offset of its end."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self.utf16 = 0
        self.chars = 0

    def emit(self, text: str) -> None:
        self._parts.append(text)
        self.utf16 += utf16_len(text)
        self.chars += len(text)

    def text(self) -> str:
        return "".join(self._parts)


_HTML_TAG_TYPES: Final = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote",
}  # fmt: skip
_NAMED_HTML_ENTITIES: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    text_index: int


class _HtmlParser:
    """Port of TDLib's ``parse_html`` with one deliberate extra rule.

    Extra rule (stricter than Telegram unless ``lenient_ampersand``): an ``&`` that does not
    start a supported, ``;``-terminated entity is an error.  Telegram silently keeps such an
    ``&`` literally, but an unescaped ``&`` in bot output means user content was not escaped,
    which corrupts texts like ``a &lt; b``.
    """

    def __init__(self, source: str, *, lenient_ampersand: bool = False) -> None:
        self._src = source
        self._lenient = lenient_ampersand
        self._i = 0
        self._out = _Output()
        self._stack: list[_OpenTag] = []
        self._entities: list[JSONDict] = []

    def parse(self) -> FormattedText:
        while self._i < len(self._src):
            char = self._src[self._i]
            if char == "&":
                self._ampersand()
            elif char == "<":
                self._tag()
            else:
                self._out.emit(char)
                self._i += 1
        if self._stack:
            name = self._stack[-1].name
            raise _entities_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        for entity in self._entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return FormattedText(self._out.text(), _sorted_entities(self._entities))

    def _ch(self, index: int) -> str:
        return self._src[index] if index < len(self._src) else ""

    def _at(self, index: int) -> int:
        return _byte_offset(self._src, index)

    def _skip_spaces(self, index: int) -> int:
        while self._ch(index) != "" and _is_space(self._ch(index)):
            index += 1
        return index

    def _decode_entity(self, pos: int) -> tuple[str, int] | None:
        """Decode ``&...`` at ``pos``; return (character, index after it) or None."""
        end = pos + 1
        if self._ch(end) == "#":
            end += 1
            base, digits = 10, "0123456789"
            if self._ch(end) == "x":
                base, digits, end = 16, "0123456789abcdefABCDEF", end + 1
            value = 0
            while self._ch(end) != "" and self._ch(end) in digits:
                value = value * base + int(self._ch(end), base)
                end += 1
                if value >= 0x10FFFF:
                    return None
            if value == 0 or end - pos >= 10 or 0xD800 <= value <= 0xDFFF:
                return None
            char = chr(value)
        else:
            while self._ch(end).isascii() and self._ch(end).isalpha():
                end += 1
            named = _NAMED_HTML_ENTITIES.get(self._src[pos + 1 : end])
            if named is None:
                return None
            char = named
        if self._ch(end) == ";":
            end += 1
        return char, end

    def _ampersand(self) -> None:
        decoded = self._decode_entity(self._i)
        if decoded is not None and (self._lenient or self._src[decoded[1] - 1] == ";"):
            self._out.emit(decoded[0])
            self._i = decoded[1]
            return
        if not self._lenient:
            raise _entities_error(f'Unescaped "&" at byte offset {self._at(self._i)}')
        self._out.emit("&")
        self._i += 1

    def _tag(self) -> None:
        begin = self._i
        self._i += 1
        if self._ch(self._i) == "/":
            self._end_tag(begin)
        else:
            self._start_tag(begin)

    def _start_tag(self, begin: int) -> None:
        end = self._i
        while not _is_space(self._ch(end)) and self._ch(end) != ">":
            end += 1
        if self._ch(end) == "":
            raise _entities_error(f"Unclosed start tag at byte offset {self._at(begin)}")
        name = self._src[self._i : end].lower()
        if name not in _HTML_TAG_TYPES:
            raise _entities_error(
                f'Unsupported start tag "{name}" at byte offset {self._at(begin)}'
            )
        self._i, attributes = self._attributes(end, name, begin)
        argument = _html_tag_argument(name, attributes)
        if name == "span" and argument != "spoiler":
            raise _entities_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self._at(begin)}'
            )
        self._stack.append(_OpenTag(name, argument, self._out.utf16, self._out.chars))

    def _attributes(self, index: int, tag: str, begin: int) -> tuple[int, dict[str, str]]:
        """Parse attributes up to the closing ``>``; return (index after ``>``, attributes)."""
        attributes: dict[str, str] = {}
        while self._ch(index) != ">":
            index = self._skip_spaces(index)
            if self._ch(index) == ">":
                break
            name_begin = index
            while not _is_space(self._ch(index)) and self._ch(index) not in ("=", ">"):
                index += 1
            name = self._src[name_begin:index]
            if not name:
                raise _entities_error(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self._at(begin)}'
                )
            index = self._skip_spaces(index)
            if tag == "blockquote" and name == "expandable" and self._ch(index) != "=":
                attributes[name] = ""
                continue
            if self._ch(index) != "=":
                raise _entities_error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self._at(begin)}'
                )
            index = self._skip_spaces(index + 1)
            if self._ch(index) == "":
                offset = self._at(begin)
                raise _entities_error(f'Unclosed start tag "{tag}" at byte offset {offset}')
            index, attributes[name] = self._attribute_value(index)
            if self._ch(index) == "":
                raise _entities_error(f"Unclosed start tag at byte offset {self._at(begin)}")
        return index + 1, attributes

    def _attribute_value(self, index: int) -> tuple[int, str]:
        quote = self._ch(index)
        if quote not in ("'", '"'):
            start = index
            while (char := self._ch(index)) != "" and (
                (char.isascii() and char.isalnum()) or char in ".-"
            ):
                index += 1
            if not _is_space(self._ch(index)) and self._ch(index) != ">":
                offset = self._at(start)
                raise _entities_error(f"Unexpected end of name token at byte offset {offset}")
            return index, self._src[start:index].lower()
        index += 1
        value: list[str] = []
        while self._ch(index) not in (quote, ""):
            if self._ch(index) == "&" and (decoded := self._decode_entity(index)) is not None:
                value.append(decoded[0])
                index = decoded[1]
                continue
            value.append(self._ch(index))
            index += 1
        if self._ch(index) == quote:
            index += 1
        return index, "".join(value)

    def _end_tag(self, begin: int) -> None:
        if not self._stack:
            raise _entities_error(f"Unexpected end tag at byte offset {self._at(begin)}")
        end = self._i
        while not _is_space(self._ch(end)) and self._ch(end) != ">":
            end += 1
        end_name = self._src[begin + 2 : end]
        end = self._skip_spaces(end)
        if self._ch(end) != ">":
            raise _entities_error(f"Unclosed end tag at byte offset {self._at(begin)}")
        tag = self._stack.pop()
        if end_name and end_name.lower() != tag.name:
            raise _entities_error(
                f'Unmatched end tag at byte offset {self._at(begin)}, expected "</{tag.name}>", '
                f'found "</{end_name}>"'
            )
        self._i = end + 1
        self._close(tag)

    def _close(self, tag: _OpenTag) -> None:
        if self._out.utf16 == tag.utf16_offset:
            return  # Telegram drops empty entities
        entity: JSONDict = {
            "type": _HTML_TAG_TYPES[tag.name],
            "offset": tag.utf16_offset,
            "length": self._out.utf16 - tag.utf16_offset,
        }
        if tag.name == "a":
            url = normalize_link(tag.argument or self._out.text()[tag.text_index :])
            if url is None:
                return  # like Telegram: an invalid link silently loses its entity
            entity["url"] = url
        elif tag.name == "code" and tag.argument:
            entity["language"] = tag.argument  # only kept when merged into an enclosing <pre>
        elif tag.name == "pre":
            self._merge_code_into_pre(entity)
        elif tag.name == "blockquote" and tag.argument:
            entity["type"] = "expandable_blockquote"
        self._entities.append(entity)

    def _merge_code_into_pre(self, pre: JSONDict) -> None:
        last = self._entities[-1] if self._entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (pre["offset"], pre["length"])
        ):
            self._entities.pop()
            if last.get("language"):
                pre["language"] = last["language"]


def _html_tag_argument(tag: str, attributes: Mapping[str, str]) -> str:
    css_class = attributes.get("class", "")
    if tag == "a":
        return attributes.get("href", "")
    if tag == "code" and css_class.startswith("language-"):
        return css_class.removeprefix("language-")
    if tag == "span" and css_class.startswith("tg-"):
        return css_class.removeprefix("tg-")
    if tag == "blockquote" and "expandable" in attributes:
        return "1"
    return ""


def _sorted_entities(entities: Iterable[JSONDict]) -> list[JSONDict]:
    return sorted(entities, key=lambda entity: (entity["offset"], -entity["length"]))


_MDV2_RESERVED: Final = "_*[]()~`>#+-=|{}.!"
_MDV2_TYPE_NAMES: Final = {
    "bold": "Bold", "italic": "Italic", "underline": "Underline",
    "strikethrough": "Strikethrough", "spoiler": "Spoiler", "code": "Code", "pre": "Pre",
    "pre_code": "PreCode", "text_link": "TextUrl",
}  # fmt: skip


@dataclass
class _OpenMarkdown:
    kind: str
    argument: str
    utf16_offset: int
    text_index: int
    byte_offset: int


class _MarkdownV2Parser:
    """Port of TDLib's ``parse_markdown_v2`` (without custom emoji; ``>`` line blockquotes)."""

    def __init__(self, source: str) -> None:
        self._src = source
        self._i = 0
        self._out = _Output()
        self._stack: list[_OpenMarkdown] = []
        self._entities: list[JSONDict] = []
        self._blockquote_start: int | None = None

    def parse(self) -> FormattedText:
        while self._i < len(self._src):
            self._step()
        self._close_blockquote()
        if self._stack:
            open_ = self._stack[-1]
            raise _entities_error(
                f"Can't find end of {_MDV2_TYPE_NAMES[open_.kind]} entity at byte offset "
                f"{open_.byte_offset}"
            )
        return FormattedText(self._out.text(), _sorted_entities(self._entities))

    def _ch(self, index: int) -> str:
        return self._src[index] if index < len(self._src) else ""

    def _in_code(self) -> bool:
        return bool(self._stack) and self._stack[-1].kind in ("code", "pre", "pre_code")

    def _step(self) -> None:
        index = self._i
        char, following = self._src[index], self._ch(index + 1)
        if char == "\\" and following != "" and 0 < ord(following) <= 126:
            self._out.emit(following)
            self._i += 2
            return
        at_line_start = index == 0 or self._src[index - 1] == "\n"
        if char == ">" and at_line_start and not self._in_code():
            if self._blockquote_start is None:
                self._blockquote_start = self._out.utf16
            self._i += 1
            return
        if char == "\n" and self._blockquote_start is not None and following != ">":
            self._close_blockquote()
        reserved = "`" if self._in_code() else _MDV2_RESERVED
        if char not in reserved:
            self._out.emit(char)
            self._i += 1
        elif self._stack and self._is_entity_end(char, following):
            self._end_entity()
        else:
            self._start_entity(char, following)

    def _close_blockquote(self) -> None:
        start, self._blockquote_start = self._blockquote_start, None
        if start is not None and self._out.utf16 > start:
            length = self._out.utf16 - start
            self._entities.append({"type": "blockquote", "offset": start, "length": length})

    def _is_entity_end(self, char: str, following: str) -> bool:
        triple = char == "`" and following == "`" and self._ch(self._i + 2) == "`"
        return {
            "bold": char == "*",
            "italic": char == "_" and following != "_",
            "underline": char == "_" and following == "_",
            "strikethrough": char == "~",
            "spoiler": char == "|" and following == "|",
            "code": char == "`",
            "pre": triple,
            "pre_code": triple,
            "text_link": char == "]",
        }[self._stack[-1].kind]

    def _start_entity(self, char: str, following: str) -> None:
        begin = self._i
        argument = ""
        if char == "_" and following == "_":
            kind, self._i = "underline", begin + 2
        elif char == "|" and following == "|":
            kind, self._i = "spoiler", begin + 2
        elif char == "`" and following == "`" and self._ch(begin + 2) == "`":
            kind, argument = self._start_pre()
        elif char in "_*~[`":
            simple = {"_": "italic", "*": "bold", "~": "strikethrough", "[": "text_link"}
            kind, self._i = simple.get(char, "code"), begin + 1
        else:
            raise _entities_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        offset = _byte_offset(self._src, begin)
        self._stack.append(_OpenMarkdown(kind, argument, self._out.utf16, self._out.chars, offset))

    def _start_pre(self) -> tuple[str, str]:
        index = self._i + 3
        language_end = index
        while not _is_space(self._ch(language_end)) and self._ch(language_end) != "`":
            language_end += 1
        kind, language = "pre", ""
        if index != language_end and self._ch(language_end) not in ("", "`"):
            kind, language, index = "pre_code", self._src[index:language_end], language_end
        if self._ch(index) in ("\n", "\r"):
            pair = self._ch(index + 1) in ("\n", "\r") and self._ch(index + 1) != self._ch(index)
            index += 2 if pair else 1
        self._i = index
        return kind, language

    def _end_entity(self) -> None:
        open_ = self._stack.pop()
        empty = self._out.utf16 == open_.utf16_offset
        entity: JSONDict = {
            "type": "pre" if open_.kind == "pre_code" else open_.kind,
            "offset": open_.utf16_offset,
            "length": self._out.utf16 - open_.utf16_offset,
        }
        if open_.kind in ("underline", "spoiler"):
            self._i += 2
        elif open_.kind in ("pre", "pre_code"):
            self._i += 3
            if open_.argument:
                entity["language"] = open_.argument
        elif open_.kind == "text_link":
            url = normalize_link(self._link_target(open_))
            if url is None:
                return
            entity["url"] = url
        else:
            self._i += 1
        if not empty:
            self._entities.append(entity)

    def _link_target(self, open_: _OpenMarkdown) -> str:
        """Consume ``](url)`` (or just ``]``) and return the raw URL."""
        index = self._i
        if self._ch(index + 1) != "(":
            self._i = index + 1
            return self._out.text()[open_.text_index :]
        index += 2
        begin = index
        url: list[str] = []
        while index < len(self._src) and self._src[index] != ")":
            following = self._ch(index + 1)
            if self._src[index] == "\\" and following != "" and 0 < ord(following) <= 126:
                url.append(following)
                index += 2
                continue
            url.append(self._src[index])
            index += 1
        if self._ch(index) != ")":
            offset = _byte_offset(self._src, begin)
            raise _entities_error(f"Can't find end of a URL at byte offset {offset}")
        self._i = index + 1
        return "".join(url)


def _parse_legacy_markdown(src: str) -> FormattedText:
    """Port of TDLib's ``parse_markdown`` (parse_mode "Markdown")."""
    out = _Output()
    entities: list[JSONDict] = []
    index = 0
    size = len(src)
    while index < size:
        char = src[index]
        following = src[index + 1] if index + 1 < size else ""
        if char == "\\" and following != "" and following in "_*`[":
            out.emit(following)
            index += 2
            continue
        if char not in "_*`[":
            out.emit(char)
            index += 1
            continue
        begin, end_char, index = index, "]" if char == "[" else char, index + 1
        is_pre = char == "`" and src[index : index + 2] == "``"
        language = ""
        if is_pre:
            index += 2
            language_end = index
            while (
                language_end < size
                and not _is_space(src[language_end])
                and src[language_end] not in "`"
            ):
                language_end += 1
            if index != language_end and language_end < size and src[language_end] != "`":
                language, index = src[index:language_end], language_end
            if index < size and src[index] in "\r\n":
                index += 1
        entity_offset = out.utf16
        while index < size and (
            src[index] != end_char or (is_pre and src[index + 1 : index + 3] != "``")
        ):
            out.emit(src[index])
            index += 1
        if index == size:
            raise _entities_error(
                f"Can't find end of the entity starting at byte offset {_byte_offset(src, begin)}"
            )
        if out.utf16 != entity_offset:
            entity: JSONDict = {"offset": entity_offset, "length": out.utf16 - entity_offset}
            if char == "[":
                url_text = src[begin + 1 : index]
                if src[index + 1 : index + 2] == "(":
                    url_start = index + 2
                    index = url_start
                    while index < size and src[index] != ")":
                        index += 1
                    url_text = src[url_start:index]
                url = normalize_link(url_text)
                if url is not None:
                    entities.append({"type": "text_link", "url": url, **entity})
            elif char == "`":
                entity["type"] = "pre" if is_pre else "code"
                if language:
                    entity["language"] = language
                entities.append(entity)
            else:
                entities.append({"type": "italic" if char == "_" else "bold", **entity})
        index += 3 if is_pre else 1
    return FormattedText(out.text(), _sorted_entities(entities))


_ENTITY_TYPES: Final = frozenset(
    {
        "mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number", "bold",
        "italic", "underline", "strikethrough", "spoiler", "blockquote", "expandable_blockquote",
        "code", "pre", "text_link", "text_mention", "custom_emoji",
    }
)  # fmt: skip


def _explicit_entities(raw: object, text: str) -> list[JSONDict]:
    """Validate an ``entities`` array; out-of-range entities are dropped like Telegram does."""
    if not isinstance(raw, list):
        raise ApiError.bad_request("can't parse entities JSON object")
    total = utf16_len(text)
    result: list[JSONDict] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise ApiError.bad_request("can't parse MessageEntity JSON object")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise ApiError.bad_request("can't parse MessageEntity JSON object")
        if item["type"] not in _ENTITY_TYPES:
            raise ApiError.bad_request(f'unsupported entity type "{item["type"]}"')
        if offset < 0 or length <= 0 or offset + length > total:
            continue
        entity = dict(item)
        if entity["type"] == "text_link":
            url = normalize_link(str(entity.get("url", "")))
            if url is None:
                continue
            entity["url"] = url
        result.append(entity)
    return _sorted_entities(result)


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip leading/trailing whitespace like Telegram, shifting/clipping entities."""
    text = formatted.text
    left_stripped = text.lstrip(" \t\r\n")
    shift = utf16_len(text[: len(text) - len(left_stripped)])
    result = left_stripped.rstrip(" \t\r\n")
    total = utf16_len(result)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(0, entity["offset"] - shift)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(result, entities)


def format_text(
    text: str,
    parse_mode: str | None,
    entities: object = None,
    *,
    lenient_ampersand: bool = False,
) -> FormattedText:
    """Turn (text, parse_mode, entities) into visible text + entities like the Bot API does.

    A non-empty ``parse_mode`` wins over ``entities`` (as in telegram-bot-api); the result is
    whitespace-trimmed.  Raises ApiError(400) on parse errors.
    """
    mode = (parse_mode or "").lower()
    if mode in ("", "none"):
        plain = FormattedText(text, [] if entities is None else _explicit_entities(entities, text))
        return _trim(plain)
    if mode == "html":
        return _trim(_HtmlParser(text, lenient_ampersand=lenient_ampersand).parse())
    if mode == "markdownv2":
        return _trim(_MarkdownV2Parser(text).parse())
    if mode == "markdown":
        return _trim(_parse_legacy_markdown(text))
    raise ApiError.bad_request("unsupported parse_mode")


def detect_incoming_entities(text: str) -> list[JSONDict]:
    """Entities Telegram adds to a user's plain-text message: bot_command, mention, url."""
    found: list[JSONDict] = []
    patterns = (("bot_command", _BOT_COMMAND_RE), ("mention", _MENTION_RE), ("url", _URL_RE))
    for kind, pattern in patterns:
        for match in pattern.finditer(text):
            found.append(
                {
                    "type": kind,
                    "offset": utf16_len(text[: match.start()]),
                    "length": utf16_len(match.group()),
                }
            )
    return _sorted_entities(found)


# --------------------------------------------------------------------------------------------
# Reply markup, commands and scopes
# --------------------------------------------------------------------------------------------

_BUTTON_ACTIONS: Final = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
)  # fmt: skip


def _button_error(detail: str) -> ApiError:
    return ApiError.bad_request(f"can't parse inline keyboard button: {detail}")


def _validate_inline_button(button: object) -> None:
    """Validate one inline button.

    Stricter than Telegram: more than one action field is refused (Telegram silently uses the
    first one it knows).
    """
    if not isinstance(button, dict):
        raise ApiError.bad_request("can't parse inline keyboard button: object expected")
    if not isinstance(button.get("text"), str):
        raise _button_error('Field "text" must be of type String')
    if not button["text"].strip():
        raise ApiError.bad_request("BUTTON_TEXT_INVALID")
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if not actions:
        raise _button_error("Text buttons are unallowed in the inline keyboard")
    if len(actions) > 1:
        raise _button_error(f"exactly one of the optional fields must be used, got {actions}")
    if "callback_data" in button:
        data = button["callback_data"]
        if not isinstance(data, str):
            raise _button_error('Field "callback_data" must be of type String')
        if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES:
            raise ApiError.bad_request("BUTTON_DATA_INVALID")
    if "url" in button and (
        not isinstance(button["url"], str) or normalize_link(button["url"]) is None
    ):
        raise ApiError.bad_request("BUTTON_URL_INVALID")


def _validate_rows(rows: object, name: str) -> list[list[object]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError.bad_request(f'Field "{name}" of the ReplyMarkup must be an Array of Arrays')
    return rows


def validate_reply_markup(raw: object, *, inline_only: bool = False) -> JSONDict:
    """Validate reply_markup (already JSON-decoded) and return it."""
    if not isinstance(raw, dict):
        raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" in raw:
        rows = _validate_rows(raw["inline_keyboard"], "inline_keyboard")
        if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
            raise ApiError.bad_request("reply markup is too long")
        for row in rows:
            for button in row:
                _validate_inline_button(button)
        return raw
    if inline_only:
        raise ApiError.bad_request("inline keyboard expected")
    if "keyboard" in raw:
        for row in _validate_rows(raw["keyboard"], "keyboard"):
            for button in row:
                text = button.get("text") if isinstance(button, dict) else button
                if not isinstance(text, str) or not text:
                    raise ApiError.bad_request(
                        "can't parse keyboard button: Text must be non-empty"
                    )
        return raw
    if "remove_keyboard" in raw:
        if raw["remove_keyboard"] is not True:
            raise ApiError.bad_request('Field "remove_keyboard" must be true')
        return raw
    if "force_reply" in raw:
        if raw["force_reply"] is not True:
            raise ApiError.bad_request('Field "force_reply" must be true')
        placeholder = raw.get("input_field_placeholder")
        if placeholder is not None and not (
            isinstance(placeholder, str) and len(placeholder) <= 64
        ):
            raise ApiError.bad_request("input field placeholder is too long")
        return raw
    raise ApiError.bad_request("can't parse reply keyboard markup JSON object")


@dataclass(frozen=True)
class BotCommandRecord:
    command: str
    description: str


def _parse_commands(raw: object) -> list[BotCommandRecord]:
    if not isinstance(raw, list):
        raise ApiError.bad_request("can't parse commands JSON object")
    if len(raw) > MAX_COMMANDS:
        raise ApiError.bad_request("too many commands specified")
    commands: list[BotCommandRecord] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ApiError.bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not _COMMAND_NAME_RE.fullmatch(command):
            raise ApiError.bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
            raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        commands.append(BotCommandRecord(command, description))
    return commands


_SCOPE_FIELDS: Final = {
    "default": (),
    "all_private_chats": (),
    "all_group_chats": (),
    "all_chat_administrators": (),
    "chat": ("chat_id",),
    "chat_administrators": ("chat_id",),
    "chat_member": ("chat_id", "user_id"),
}


def canonical_scope(scope: Mapping[str, Any] | None) -> JSONDict:
    """Reduce a BotCommandScope to its identifying fields (``None`` → default scope)."""
    if scope is None:
        return {"type": "default"}
    scope_type = scope.get("type")
    if not isinstance(scope_type, str) or scope_type not in _SCOPE_FIELDS:
        raise ApiError.bad_request("unsupported bot command scope type specified")
    result: JSONDict = {"type": scope_type}
    for name in _SCOPE_FIELDS[scope_type]:
        value = scope.get(name)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApiError.bad_request(f"{name} is empty")
        result[name] = value
    return result


def _scope_key(scope: Mapping[str, Any]) -> str:
    return json.dumps(scope, sort_keys=True, separators=(",", ":"))


# --------------------------------------------------------------------------------------------
# Records (what tests inspect)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentFile:
    """An uploaded file as the bot sent it (multipart part)."""

    filename: str
    content: bytes
    mime_type: str | None


@dataclass
class SentRecord:
    """One accepted outgoing message or edit.

    ``text``/``entities`` are the visible text and parsed entities (for sendDocument/sendPhoto
    ``entities`` are the caption entities).  ``document`` holds the uploaded file for both
    sendDocument and sendPhoto.  ``time`` comes from the server clock (monotonic by default).
    """

    method: str
    chat_id: int
    message_id: int
    text: str | None = None
    parse_mode: str | None = None
    entities: list[JSONDict] = field(default_factory=list)
    reply_markup: JSONDict | None = None
    document: SentFile | None = None
    caption: str | None = None
    reply_to_message_id: int | None = None
    time: float = 0.0
    params: JSONDict = field(default_factory=dict)


@dataclass(frozen=True)
class AnsweredCallback:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int
    time: float


@dataclass(frozen=True)
class DeletedMessage:
    chat_id: int
    message_id: int
    time: float


@dataclass(frozen=True)
class ChatActionRecord:
    chat_id: int
    action: str
    time: float


@dataclass(frozen=True)
class ApiCall:
    """Every HTTP request the fake answered, including rejected ones."""

    method: str
    params: JSONDict
    status: int
    description: str | None
    time: float


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None
    allowed_updates: list[str] | None
    max_connections: int
    ip_address: str | None
    has_custom_certificate: bool


# --------------------------------------------------------------------------------------------
# Simulated world
# --------------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    is_bot: bool = False
    started_bot: bool = False
    blocked_bot: bool = False

    def to_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        optional = {
            "last_name": self.last_name,
            "username": self.username,
            "language_code": self.language_code,
        }
        data.update({key: value for key, value in optional.items() if value is not None})
        return data

    def chat_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        return data


@dataclass
class FakeGroup:
    id: int
    title: str
    type: str
    creator_id: int | None
    admins: set[int] = field(default_factory=set)
    members: set[int] = field(default_factory=set)
    username: str | None = None
    bot_status: str = "member"  # member | administrator | left | kicked

    def chat_api(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type, "title": self.title}
        if self.username:
            data["username"] = self.username
        return data


FakeChat = FakeUser | FakeGroup


@dataclass
class _StoredMessage:
    chat_id: int
    message_id: int
    sender_id: int
    data: JSONDict


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    kind: str  # "document" | "photo"
    file: SentFile
    file_path: str


@dataclass
class _PendingCallback:
    query_id: str
    user_id: int
    created: float
    answered: bool = False


# --------------------------------------------------------------------------------------------
# Rate limiting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateLimits:
    """Flood limits; defaults follow Telegram's published numbers.

    * overall: at most ``global_max`` sends in any sliding ``global_window`` seconds;
    * per group: at most ``group_max`` sends in any sliding ``group_window`` seconds;
    * per private chat: token bucket refilled with one send per ``private_interval`` seconds,
      holding at most ``private_burst`` tokens (Telegram tolerates short bursts; "1 per second"
      is the sustained rate).  Use ``private_burst=1`` for the literal "1 per second" rule.

    Rejected (429) requests do not consume capacity.
    """

    global_max: int = 30
    global_window: float = 1.0
    group_max: int = 20
    group_window: float = 60.0
    private_burst: int = 3
    private_interval: float = 1.0


@dataclass
class _Bucket:
    tokens: float
    updated: float


class _RateLimiter:
    def __init__(self, limits: RateLimits, clock: Callable[[], float]) -> None:
        self.limits = limits
        self._clock = clock
        self._global: deque[float] = deque()
        self._groups: dict[int, deque[float]] = {}
        self._private: dict[int, _Bucket] = {}

    def reset(self) -> None:
        self._global.clear()
        self._groups.clear()
        self._private.clear()

    def acquire(self, chat_id: int, *, private: bool) -> int | None:
        """Consume capacity for one send; return a retry_after (seconds) if over a limit."""
        now = self._clock()
        limits = self.limits
        retry = _window_retry(self._global, now, limits.global_max, limits.global_window)
        if retry is not None:
            return retry
        if private:
            bucket = self._refill(chat_id, now)
            if bucket.tokens < 1 - 1e-9:
                return max(1, math.ceil((1 - bucket.tokens) * limits.private_interval))
            bucket.tokens -= 1
        else:
            window = self._groups.setdefault(chat_id, deque())
            retry = _window_retry(window, now, limits.group_max, limits.group_window)
            if retry is not None:
                return retry
            window.append(now)
        self._global.append(now)
        return None

    def _refill(self, chat_id: int, now: float) -> _Bucket:
        burst = float(self.limits.private_burst)
        bucket = self._private.setdefault(chat_id, _Bucket(burst, now))
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(burst, bucket.tokens + elapsed / self.limits.private_interval)
        bucket.updated = now
        return bucket


def _window_retry(window: deque[float], now: float, limit: int, span: float) -> int | None:
    while window and window[0] <= now - span:
        window.popleft()
    if len(window) >= limit:
        return max(1, math.ceil(window[0] + span - now))
    return None


# --------------------------------------------------------------------------------------------
# Small async helper
# --------------------------------------------------------------------------------------------


class _Signal:
    """Edge-triggered broadcast usable from sync code: ``notify()`` wakes all current waiters."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._event.wait(), remaining)
            except TimeoutError:
                return predicate()
        return True


# --------------------------------------------------------------------------------------------
# Request parameters
# --------------------------------------------------------------------------------------------


@dataclass
class _Params:
    """Request parameters from query string, form, multipart or JSON body."""

    values: JSONDict
    files: dict[str, SentFile]

    def has(self, name: str) -> bool:
        return name in self.values or name in self.files

    def string(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        try:
            return int(str(value).strip())
        except ValueError:
            raise ApiError.bad_request(f"invalid {name} specified") from None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, bool):
            return value
        return value is not None and str(value).strip().lower() in ("true", "1")

    def json(self, name: str, what: str) -> Any:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError.bad_request(f"can't parse {what} JSON object") from None

    def summary(self) -> JSONDict:
        summary = dict(self.values)
        for name, upload in self.files.items():
            summary[name] = f"<file {upload.filename!r}, {len(upload.content)} bytes>"
        return summary


async def _read_params(request: web.Request) -> _Params:
    values: JSONDict = dict(request.query)
    files: dict[str, SentFile] = {}
    if not request.body_exists:
        return _Params(values, files)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ApiError.bad_request("can't parse JSON encoded request") from None
        if not isinstance(body, dict):
            raise ApiError.bad_request("JSON object expected")
        values.update(body)
        return _Params(values, files)
    try:
        form = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, "Request Entity Too Large") from None
    for key, value in form.items():
        if isinstance(value, web.FileField):
            files[key] = SentFile(value.filename, value.file.read(), value.content_type or None)
        else:
            values[key] = value
    return _Params(values, files)


# --------------------------------------------------------------------------------------------
# Images (just enough to behave like Telegram's photo processing)
# --------------------------------------------------------------------------------------------


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG image, else None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (width, height) if width and height else None
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return (width, height) if width and height else None
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None
        marker = data[index + 1]
        if marker == 0xFF:
            index += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            index += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[index + 5 : index + 9])
            return (width, height) if width and height else None
        (segment_length,) = struct.unpack(">H", data[index + 2 : index + 4])
        index += 2 + segment_length
    return None


def _scaled(width: int, height: int, limit: int) -> tuple[int, int]:
    factor = min(1.0, limit / max(width, height))
    return max(1, round(width * factor)), max(1, round(height * factor))


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------

Handler = Callable[[_Params], Awaitable[Any]]


@dataclass
class _Described:
    """A successful result that carries Telegram's optional ``description`` (setWebhook...)."""

    result: Any
    description: str


class FakeTelegramServer:
    """Fake Bot API server; use as ``async with FakeTelegramServer(token=...) as server``."""

    def __init__(
        self,
        token: str = "4242:TEST-token",
        *,
        enforce_rate_limits: bool = True,
        rate_limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        lenient_ampersand: bool = False,
        allow_insecure_webhooks: bool = False,
        callback_query_timeout: float = 15.0,
        first_update_id: int = 100_000,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError(f"malformed bot token {token!r}")
        self.token = token
        self.enforce_rate_limits = enforce_rate_limits
        self.lenient_ampersand = lenient_ampersand
        self.allow_insecure_webhooks = allow_insecure_webhooks
        self.callback_query_timeout = callback_query_timeout
        self._clock = clock
        self._limiter = _RateLimiter(rate_limits or RateLimits(), clock)

        # inspection state
        self.sent: list[SentRecord] = []
        self.answered_callbacks: list[AnsweredCallback] = []
        self.deleted: list[DeletedMessage] = []
        self.chat_actions: list[ChatActionRecord] = []
        self.requests: list[ApiCall] = []
        self.rate_limit_hits = 0
        self.injected_429_hits = 0
        self.webhook: WebhookConfig | None = None

        # world state
        self._users: dict[int, FakeUser] = {}
        self._groups: dict[int, FakeGroup] = {}
        self._messages: dict[tuple[int, int], _StoredMessage] = {}
        self._last_message_id: dict[int, int] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_seq = 0
        self._callbacks: dict[str, _PendingCallback] = {}
        self._callback_seq = 0
        self._commands: dict[tuple[str, str], list[BotCommandRecord]] = {}
        self._injected: dict[str, deque[int]] = {}
        self._drops: dict[str, int] = {}

        # update queue
        self._updates: list[JSONDict] = []
        self._next_update_id = first_update_id
        self._allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
        self._poll_generation = 0
        self._waiting_polls = 0
        self._updates_signal = _Signal()
        self._sent_signal = _Signal()

        # HTTP
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._handlers: dict[str, Handler] = self._build_handlers()
        self._method_index = {name.lower(): name for name in self._handlers}

    # ---------------------------------------------------------------- lifecycle

    async def __aenter__(self) -> FakeTelegramServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_route("GET", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner
        self._closing = False

    async def stop(self) -> None:
        """Stop serving; pending long polls are answered with an empty result first."""
        self._closing = True
        self._updates_signal.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def base_url(self) -> str:
        """Pass to ``ApplicationBuilder().base_url()`` / ``Bot(base_url=...)``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/file/bot"

    @property
    def api_url(self) -> str:
        """``{base_url}{token}`` — append ``/methodName`` for raw HTTP requests."""
        return f"{self.base_url}{self.token}"

    # ---------------------------------------------------------------- world: users & chats

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": BOT_FIRST_NAME,
            "username": BOT_USERNAME,
        }

    def add_user(
        self,
        user_id: int,
        first_name: str,
        username: str | None = None,
        language_code: str | None = None,
        *,
        last_name: str | None = None,
        is_bot: bool = False,
    ) -> JSONDict:
        """Register a Telegram user; returns its Bot API ``User`` dict."""
        if user_id <= 0 or user_id == BOT_ID:
            raise ValueError("user ids must be positive and differ from the bot's id")
        user = FakeUser(user_id, first_name, username, language_code, last_name, is_bot)
        self._users[user_id] = user
        return user.to_api()

    def add_group(
        self,
        chat_id: int,
        title: str,
        admins: Sequence[int] = (),
        *,
        members: Sequence[int] = (),
        creator_id: int | None = None,
        chat_type: str | None = None,
        username: str | None = None,
    ) -> JSONDict:
        """Register a group the bot is a member of; returns its Bot API ``Chat`` dict.

        ``chat_type`` defaults to "supergroup" for ids like -100xxxxxxxxxx, else "group".
        The creator defaults to the first admin; include ``BOT_ID`` in ``admins`` to make the
        bot an administrator.
        """
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        for user_id in [*admins, *members]:
            if user_id != BOT_ID and user_id not in self._users:
                raise ValueError(f"unknown user {user_id}; call add_user first")
        kind = chat_type or ("supergroup" if chat_id <= -1_000_000_000_000 else "group")
        human_admins = [user_id for user_id in admins if user_id != BOT_ID]
        group = FakeGroup(
            chat_id,
            title,
            kind,
            creator_id if creator_id is not None else (human_admins[0] if human_admins else None),
            admins=set(admins) - {BOT_ID},
            members=set(human_admins) | set(members),
            username=username,
            bot_status="administrator" if BOT_ID in admins else "member",
        )
        self._groups[chat_id] = group
        return group.chat_api()

    def user_started_bot(self, user_id: int) -> None:
        """The user pressed START: the bot may now message them privately."""
        user = self._user(user_id)
        user.started_bot = True
        user.blocked_bot = False

    def user_blocked_bot(self, user_id: int, *, notify: bool = True) -> JSONDict | None:
        """The user blocked the bot; returns the queued my_chat_member update if ``notify``."""
        user = self._user(user_id)
        user.blocked_bot = True
        if not notify:
            return None
        return self._enqueue_my_chat_member(user, user.id, "member", "kicked")

    def kick_bot(
        self, chat_id: int, *, by_user_id: int | None = None, notify: bool = True
    ) -> JSONDict | None:
        """Remove the bot from a group; later sends get 403.  Queues my_chat_member if notify."""
        group = self._group(chat_id)
        old_status, group.bot_status = group.bot_status, "kicked"
        if not notify:
            return None
        actor = self._actor(group, by_user_id)
        return self._enqueue_my_chat_member(group, actor, old_status, "kicked")

    def push_my_chat_member(
        self,
        chat_id: int,
        new_status: str,
        by_user_id: int | None = None,
        old_status: str | None = None,
    ) -> JSONDict:
        """Change the bot's own membership and queue the my_chat_member update.

        In a private chat (chat_id == user id) "kicked" means the user blocked the bot and
        "member" that they (re)started it.
        """
        if new_status not in ("member", "administrator", "left", "kicked"):
            raise ValueError(f"unsupported status {new_status!r}")
        chat = self._chat(chat_id)
        if isinstance(chat, FakeUser):
            previous = "kicked" if chat.blocked_bot else "member"
            chat.blocked_bot = new_status == "kicked"
            chat.started_bot = chat.started_bot or new_status == "member"
            actor = chat.id
        else:
            previous, chat.bot_status = chat.bot_status, new_status
            actor = self._actor(chat, by_user_id)
        return self._enqueue_my_chat_member(chat, actor, old_status or previous, new_status)

    # ---------------------------------------------------------------- world: updates

    def push_message(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """A user writes ``text`` in a chat; returns the queued update.

        Like Telegram, bot_command / mention / url entities are added, and writing in a
        private chat implies the user has started the bot.
        """
        user = self._user(user_id)
        chat = self._chat(chat_id)
        if isinstance(chat, FakeUser):
            if chat.id != user_id:
                raise ValueError("in a private chat only that user can write")
            user.started_bot = True
            user.blocked_bot = False
        else:
            self._require_bot_in_group(chat)
            chat.members.add(user_id)
        content: JSONDict = {"text": text}
        entities = detect_incoming_entities(text)
        if entities:
            content["entities"] = entities
        reply_to = None
        if reply_to_message_id is not None:
            reply_to = self._messages.get((chat_id, reply_to_message_id))
            if reply_to is None:
                raise ValueError(f"message {reply_to_message_id} not found in chat {chat_id}")
        stored = self._store_message(chat, user.to_api(), user_id, content, reply_to)
        return self._enqueue("message", stored.data)

    def push_callback_query(
        self,
        user_id: int,
        message_id: int,
        chat_id: int,
        data: str,
        *,
        check_button: bool = True,
    ) -> JSONDict:
        """A user presses an inline button of a bot message; returns the queued update.

        With ``check_button`` (default) the message must currently carry a button with this
        callback_data, as Telegram only delivers presses of existing buttons.
        """
        user = self._user(user_id)
        stored = self._messages.get((chat_id, message_id))
        if stored is None:
            raise ValueError(f"message {message_id} not found in chat {chat_id}")
        if check_button and data not in _callback_data_of(stored.data):
            raise ValueError(f"message {message_id} has no button with callback_data {data!r}")
        self._callback_seq += 1
        query_id = str(4_242_000_000_000_000_000 + self._callback_seq)
        self._callbacks[query_id] = _PendingCallback(query_id, user_id, self._clock())
        payload = {
            "id": query_id,
            "from": user.to_api(),
            "message": copy.deepcopy(stored.data),
            "chat_instance": str(abs(chat_id) * 7919 + 13),
            "data": data,
        }
        return self._enqueue("callback_query", payload)

    def push_new_members(
        self, chat_id: int, user_ids: Sequence[int], by_user_id: int | None = None
    ) -> JSONDict:
        """Users join a group (service message with new_chat_members); returns the update.

        Adding ``BOT_ID`` makes the bot a member again and also queues my_chat_member first.
        """
        group = self._group(chat_id)
        if BOT_ID in user_ids and group.bot_status in ("left", "kicked"):
            actor = self._actor(group, by_user_id)
            self._enqueue_my_chat_member(group, actor, group.bot_status, "member")
            group.bot_status = "member"
        self._require_bot_in_group(group)
        users = [self.bot_user if uid == BOT_ID else self._user(uid).to_api() for uid in user_ids]
        group.members.update(uid for uid in user_ids if uid != BOT_ID)
        sender_id = by_user_id if by_user_id is not None else user_ids[0]
        sender = self.bot_user if sender_id == BOT_ID else self._user(sender_id).to_api()
        stored = self._store_message(group, sender, sender_id, {"new_chat_members": users}, None)
        return self._enqueue("message", stored.data)

    def push_left_member(self, chat_id: int, user_id: int) -> JSONDict:
        """A user leaves a group (service message with left_chat_member); returns the update."""
        group = self._group(chat_id)
        self._require_bot_in_group(group)
        user = self._user(user_id)
        group.members.discard(user_id)
        group.admins.discard(user_id)
        content = {"left_chat_member": user.to_api()}
        stored = self._store_message(group, user.to_api(), user_id, content, None)
        return self._enqueue("message", stored.data)

    # ---------------------------------------------------------------- test controls

    def inject_429(self, method: str, retry_after: int, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail with 429 / retry_after."""
        canonical = self._method_index.get(method.lower())
        if canonical is None:
            raise ValueError(f"unknown method {method!r}")
        self._injected.setdefault(canonical, deque()).extend([retry_after] * times)

    def redeliver(self, update: JSONDict) -> None:
        """Offer an update again, with its own update_id: what Telegram does when the bot
        stopped before confirming it (its offset never reached Telegram)."""
        self._updates.append(copy.deepcopy(update))
        self._updates.sort(key=lambda known: int(known["update_id"]))
        self._updates_signal.notify()

    def drop_after(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take effect, then the connection drops
        before the answer: the bot cannot know whether the message arrived."""
        canonical = self._method_index.get(method.lower())
        if canonical is None:
            raise ValueError(f"unknown method {method!r}")
        self._drops[canonical] = self._drops.get(canonical, 0) + times

    def reset_rate_limits(self) -> None:
        self._limiter.reset()

    @property
    def rate_limits(self) -> RateLimits:
        return self._limiter.limits

    # ---------------------------------------------------------------- inspection

    def messages_to(self, chat_id: int) -> list[SentRecord]:
        """New messages (not edits) the bot sent to ``chat_id``, oldest first."""
        return [r for r in self.sent if r.chat_id == chat_id and r.method in SEND_METHODS]

    def commands(
        self, scope: Mapping[str, Any] | None = None, language_code: str | None = None
    ) -> list[BotCommandRecord]:
        """Commands stored for exactly this scope (default scope if None) and language."""
        key = (_scope_key(canonical_scope(scope)), language_code or "")
        return list(self._commands.get(key, []))

    def calls(self, method: str) -> list[ApiCall]:
        return [call for call in self.requests if call.method.lower() == method.lower()]

    def get_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        """Current state (after edits) of a message, or None if unknown/deleted."""
        stored = self._messages.get((chat_id, message_id))
        return copy.deepcopy(stored.data) if stored else None

    @property
    def pending_polls(self) -> int:
        """Number of getUpdates requests currently long-polling."""
        return self._waiting_polls

    @property
    def pending_updates(self) -> list[JSONDict]:
        """Updates not yet confirmed through getUpdates' offset."""
        return copy.deepcopy(self._updates)

    @overload
    async def wait_for_sent(
        self,
        predicate_or_count: int,
        timeout: float = 20.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> list[SentRecord]: ...

    @overload
    async def wait_for_sent(
        self,
        predicate_or_count: Callable[[SentRecord], bool],
        timeout: float = 20.0,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> SentRecord: ...

    async def wait_for_sent(
        self,
        predicate_or_count: int | Callable[[SentRecord], bool],
        timeout: float = 20.0,  # noqa: ASYNC109 - the public API takes a timeout on purpose
        *,
        start: int = 0,
    ) -> list[SentRecord] | SentRecord:
        """Wait until ``sent[start:]`` holds N records (returns them) or one matching record.

        Records sent before the call count too; pass ``start=len(server.sent)`` to only look at
        newer ones.  Raises TimeoutError listing what was sent.
        """
        if isinstance(predicate_or_count, int):
            count = predicate_or_count
            if await self._sent_signal.wait_for(lambda: len(self.sent) - start >= count, timeout):
                return self.sent[start : start + count]
            raise TimeoutError(f"expected {count} sends within {timeout}s; {self._describe_sent()}")
        predicate = predicate_or_count

        def find() -> SentRecord | None:
            return next((r for r in self.sent[start:] if predicate(r)), None)

        if await self._sent_signal.wait_for(lambda: find() is not None, timeout):
            match = find()
            assert match is not None
            return match
        raise TimeoutError(f"no matching send within {timeout}s; {self._describe_sent()}")

    def _describe_sent(self) -> str:
        items = [f"{r.method}(chat={r.chat_id}, text={r.text!r})" for r in self.sent]
        return "sent so far: " + (", ".join(items) or "nothing")

    async def flush_to_webhook(self, url: str | None = None) -> list[int]:
        """POST pending updates to ``url`` (default: the registered webhook) like Telegram.

        Updates answered with 2xx are removed from the queue.  Returns the HTTP statuses.
        """
        if self.webhook is None:
            raise RuntimeError("no webhook set")
        target = url or self.webhook.url
        statuses: list[int] = []
        for update in list(self._updates):
            status = await post_update_to_webhook(target, update, self.webhook.secret_token)
            statuses.append(status)
            if 200 <= status < 300:
                self._updates.remove(update)
        return statuses

    # ---------------------------------------------------------------- HTTP plumbing

    async def _handle_api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        canonical = self._method_index.get(name.lower(), name)
        params = _Params({}, {})
        try:
            self._check_token(token)
            handler = self._handlers.get(canonical)
            if handler is None:
                raise ApiError(404, "Not Found")
            params = await _read_params(request)
            self._check_injected_429(canonical)
            result = await handler(params)
            if self._drops.get(canonical):
                self._drops[canonical] -= 1
                self._log_call(canonical, params, 0, "connection dropped after the call")
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
        except ApiError as exc:
            self._log_call(canonical, params, exc.status, exc.description)
            return web.json_response(exc.envelope(), status=exc.status)
        body: JSONDict = {"ok": True}
        if isinstance(result, _Described):
            body["result"], body["description"] = result.result, result.description
        else:
            body["result"] = result
        self._log_call(canonical, params, 200, body.get("description"))
        return web.json_response(body)

    async def _handle_file(self, request: web.Request) -> web.Response:
        try:
            self._check_token(request.match_info["token"])
        except ApiError as exc:
            return web.json_response(exc.envelope(), status=exc.status)
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.file.content)
        return web.json_response(ApiError(404, "Not Found").envelope(), status=404)

    def _check_token(self, token: str) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ApiError(404, "Not Found")
        if token != self.token:
            raise ApiError(401, "Unauthorized")

    def _check_injected_429(self, method: str) -> None:
        queue = self._injected.get(method)
        if queue:
            self.injected_429_hits += 1
            raise ApiError.too_many_requests(queue.popleft())

    def _log_call(self, method: str, params: _Params, status: int, desc: str | None) -> None:
        self.requests.append(ApiCall(method, params.summary(), status, desc, self._clock()))

    def _build_handlers(self) -> dict[str, Handler]:
        return {
            "getMe": self._get_me,
            "logOut": self._log_out,
            "close": self._log_out,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendDocument": self._send_document,
            "sendPhoto": self._send_photo,
            "editMessageText": self._edit_message_text,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "answerCallbackQuery": self._answer_callback_query,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "getChat": self._get_chat,
            "getChatMember": self._get_chat_member,
            "getChatAdministrators": self._get_chat_administrators,
            "sendChatAction": self._send_chat_action,
            "leaveChat": self._leave_chat,
            "getFile": self._get_file,
        }

    # ---------------------------------------------------------------- world helpers

    def _user(self, user_id: int) -> FakeUser:
        user = self._users.get(user_id)
        if user is None:
            raise ValueError(f"unknown user {user_id}; call add_user first")
        return user

    def _group(self, chat_id: int) -> FakeGroup:
        group = self._groups.get(chat_id)
        if group is None:
            raise ValueError(f"unknown group {chat_id}; call add_group first")
        return group

    def _chat(self, chat_id: int) -> FakeChat:
        chat: FakeChat | None = self._users.get(chat_id) or self._groups.get(chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        return chat

    @staticmethod
    def _actor(group: FakeGroup, by_user_id: int | None) -> int:
        """Who made a membership change: the given user, else the creator, else anonymous."""
        if by_user_id is not None:
            return by_user_id
        return group.creator_id or ANONYMOUS_ADMIN_ID

    @staticmethod
    def _require_bot_in_group(group: FakeGroup) -> None:
        if group.bot_status in ("left", "kicked"):
            raise ValueError(f"the bot is {group.bot_status} in {group.id}; it gets no updates")

    def _user_api(self, user_id: int) -> JSONDict:
        if user_id == BOT_ID:
            return self.bot_user
        if user_id == ANONYMOUS_ADMIN_ID:
            return {"id": user_id, "is_bot": True, "first_name": "Group",
                    "username": "GroupAnonymousBot"}  # fmt: skip
        return self._user(user_id).to_api()

    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": self._next_update_id, kind: copy.deepcopy(payload)}
        self._next_update_id += 1
        self._updates.append(update)
        self._updates_signal.notify()
        return copy.deepcopy(update)

    def _enqueue_my_chat_member(
        self, chat: FakeChat, actor_id: int, old_status: str, new_status: str
    ) -> JSONDict:
        payload = {
            "chat": chat.chat_api(),
            "from": self._user_api(actor_id),
            "date": int(time.time()),
            "old_chat_member": self._member_dict(self.bot_user, old_status),
            "new_chat_member": self._member_dict(self.bot_user, new_status),
        }
        return self._enqueue("my_chat_member", payload)

    def _store_message(
        self,
        chat: FakeChat,
        sender: JSONDict,
        sender_id: int,
        content: JSONDict,
        reply_to: _StoredMessage | None,
    ) -> _StoredMessage:
        message_id = self._last_message_id.get(chat.id, 0) + 1
        self._last_message_id[chat.id] = message_id
        data: JSONDict = {
            "message_id": message_id,
            "from": sender,
            "chat": chat.chat_api(),
            "date": int(time.time()),
        }
        if reply_to is not None:
            data["reply_to_message"] = {
                key: value for key, value in reply_to.data.items() if key != "reply_to_message"
            }
        data.update(copy.deepcopy(content))
        stored = _StoredMessage(chat.id, message_id, sender_id, data)
        self._messages[(chat.id, message_id)] = stored
        return stored

    def _register_file(self, upload: SentFile, kind: str) -> _StoredFile:
        self._file_seq += 1
        seq = self._file_seq
        folder = "documents" if kind == "document" else "photos"
        suffix = upload.filename.rsplit(".", 1)[-1] if "." in upload.filename else "bin"
        stored = _StoredFile(
            file_id=f"BQACAgQAAxkD{kind[:3]}{seq:010d}",
            file_unique_id=f"AgAD{seq:06d}",
            kind=kind,
            file=upload,
            file_path=f"{folder}/file_{seq}.{suffix}",
        )
        self._files[stored.file_id] = stored
        return stored

    # ---------------------------------------------------------------- request helpers

    def _target_chat(self, params: _Params, name: str = "chat_id") -> FakeChat:
        raw = params.string(name)
        if raw is None or raw == "":
            raise ApiError.bad_request(f"{name} is empty")
        chat: FakeChat | None = None
        if raw.startswith("@"):
            chat = next((g for g in self._groups.values() if g.username == raw[1:]), None)
        elif raw.strip().lstrip("-").isdigit():
            chat_id = int(raw)
            chat = self._users.get(chat_id) or self._groups.get(chat_id)
        if chat is None:
            raise ApiError.bad_request("chat not found")
        return chat

    def _check_can_post(self, chat: FakeChat) -> None:
        if isinstance(chat, FakeUser):
            if chat.is_bot:
                raise ApiError.forbidden("bot can't send messages to bots")
            if chat.blocked_bot:
                raise ApiError.forbidden("bot was blocked by the user")
            if not chat.started_bot:
                raise ApiError.forbidden("bot can't initiate conversation with a user")
            return
        self._check_membership(chat)

    @staticmethod
    def _check_membership(group: FakeGroup) -> None:
        if group.bot_status == "kicked":
            raise ApiError.forbidden(f"bot was kicked from the {group.type} chat")
        if group.bot_status == "left":
            raise ApiError.forbidden(f"bot is not a member of the {group.type} chat")

    def _consume_rate_limit(self, chat: FakeChat) -> None:
        if not self.enforce_rate_limits:
            return
        retry_after = self._limiter.acquire(chat.id, private=isinstance(chat, FakeUser))
        if retry_after is not None:
            self.rate_limit_hits += 1
            raise ApiError.too_many_requests(retry_after)

    def _authorize_send(self, chat: FakeChat, method: str) -> None:
        """403 checks first, then the flood limits (which only count permitted sends)."""
        self._check_can_post(chat)
        if method in RATE_LIMITED_METHODS:
            self._consume_rate_limit(chat)

    def _formatted(
        self, params: _Params, name: str, mode_name: str, entities_name: str
    ) -> FormattedText:
        return format_text(
            params.string(name) or "",
            params.string(mode_name),
            params.json(entities_name, "entities"),
            lenient_ampersand=self.lenient_ampersand,
        )

    def _message_text(self, params: _Params) -> FormattedText:
        formatted = self._formatted(params, "text", "parse_mode", "entities")
        if not formatted.text:
            raise ApiError.bad_request("message text is empty")
        if utf16_len(formatted.text) > MAX_MESSAGE_LENGTH:
            raise ApiError.bad_request("message is too long")
        return formatted

    def _caption(self, params: _Params) -> FormattedText | None:
        formatted = self._formatted(params, "caption", "parse_mode", "caption_entities")
        if not formatted.text:
            return None
        if utf16_len(formatted.text) > MAX_CAPTION_LENGTH:
            raise ApiError.bad_request("message caption is too long")
        return formatted

    @staticmethod
    def _markup(params: _Params, *, inline_only: bool = False) -> JSONDict | None:
        raw = params.json("reply_markup", "reply keyboard markup")
        return None if raw is None else validate_reply_markup(raw, inline_only=inline_only)

    def _reply_target(self, params: _Params, chat: FakeChat) -> _StoredMessage | None:
        raw = params.json("reply_parameters", "reply parameters")
        if raw is not None:
            if not isinstance(raw, dict) or not isinstance(raw.get("message_id"), int):
                raise ApiError.bad_request("can't parse reply parameters JSON object")
            chat_id = raw.get("chat_id", chat.id)
            message_id: int | None = raw["message_id"]
            allow_missing = bool(raw.get("allow_sending_without_reply", False))
        else:
            chat_id = chat.id
            message_id = params.integer("reply_to_message_id")
            allow_missing = params.flag("allow_sending_without_reply")
        if message_id is None:
            return None
        target = self._messages.get((int(chat_id), message_id))
        if target is None and not allow_missing:
            raise ApiError.bad_request("message to be replied not found")
        return target

    def _input_file(self, params: _Params, name: str, kind: str) -> _StoredFile | SentFile:
        """The uploaded part, ``attach://`` part, or a previously returned file_id."""
        upload = params.files.get(name)
        if upload is None:
            ref = params.string(name)
            if not ref:
                raise ApiError.bad_request(f"there is no {name} in the request")
            if ref.startswith("attach://"):
                upload = params.files.get(ref.removeprefix("attach://"))
                if upload is None:
                    raise ApiError.bad_request(f"there is no {name} in the request")
            elif ref in self._files:
                stored = self._files[ref]
                if stored.kind != kind:
                    kinds = (stored.kind.capitalize(), kind.capitalize())
                    raise ApiError.bad_request("can't use file of type {} as {}".format(*kinds))
                return stored
            elif ref.startswith(("http://", "https://")):
                raise ApiError.bad_request("failed to get HTTP URL content")
            else:
                raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
        if not upload.content:
            raise ApiError.bad_request("file must be non-empty")
        if len(upload.content) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "Request Entity Too Large")
        return upload

    def _post(
        self,
        method: str,
        chat: FakeChat,
        params: _Params,
        content: JSONDict,
        *,
        markup: JSONDict | None,
        reply_to: _StoredMessage | None,
        text: FormattedText | None = None,
        caption: FormattedText | None = None,
        document: SentFile | None = None,
    ) -> JSONDict:
        """Store a bot message (already authorized) and record it; returns the Message dict."""
        if markup is not None and "inline_keyboard" in markup:
            content = {**content, "reply_markup": markup}  # only inline markup is echoed back
        stored = self._store_message(chat, self.bot_user, BOT_ID, content, reply_to)
        formatted = text or caption
        record = SentRecord(
            method=method,
            chat_id=chat.id,
            message_id=stored.message_id,
            text=text.text if text else None,
            parse_mode=params.string("parse_mode"),
            entities=list(formatted.entities) if formatted else [],
            reply_markup=markup,
            document=document,
            caption=caption.text if caption else None,
            reply_to_message_id=reply_to.message_id if reply_to else None,
            time=self._clock(),
            params=params.summary(),
        )
        self._record(record)
        return copy.deepcopy(stored.data)

    def _record(self, record: SentRecord) -> None:
        self.sent.append(record)
        self._sent_signal.notify()

    # ---------------------------------------------------------------- Bot API methods

    async def _get_me(self, params: _Params) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": True,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _log_out(self, params: _Params) -> bool:
        return True

    async def _get_updates(self, params: _Params) -> list[JSONDict]:
        """Long polling with Telegram's offset/limit/timeout/allowed_updates semantics.

        A newer getUpdates call terminates a pending one with 409 Conflict, like Telegram does
        when two bot instances poll at once.
        """
        if self.webhook is not None:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.integer("offset") or 0
        limit = min(100, max(1, params.integer("limit") or 100))
        timeout = max(0, params.integer("timeout") or 0)
        allowed = params.json("allowed_updates", "allowed updates")
        if allowed is not None:
            if not isinstance(allowed, list) or not all(isinstance(x, str) for x in allowed):
                raise ApiError.bad_request("can't parse allowed updates JSON object")
            self._allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or DEFAULT_ALLOWED_UPDATES
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.notify()  # lets an older pending poll notice it was superseded

        def ready() -> bool:
            superseded = generation != self._poll_generation
            return self._closing or superseded or bool(self._deliverable(limit))

        self._waiting_polls += 1
        try:
            await self._updates_signal.wait_for(ready, float(timeout))
        finally:
            self._waiting_polls -= 1
        if generation != self._poll_generation:
            raise ApiError(409, POLL_CONFLICT)
        return copy.deepcopy(self._deliverable(limit))

    def _confirm(self, offset: int) -> None:
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

    def _deliverable(self, limit: int) -> list[JSONDict]:
        allowed = [u for u in self._updates if _update_kind(u) in self._allowed_updates]
        return allowed[:limit]

    async def _set_webhook(self, params: _Params) -> _Described:
        url = params.string("url") or ""
        if not url:
            return await self._delete_webhook(params)
        self._validate_webhook_url(url)
        secret = params.string("secret_token")
        if secret is not None and not _SECRET_TOKEN_RE.fullmatch(secret):
            raise ApiError.bad_request("secret token contains unallowed characters")
        allowed = params.json("allowed_updates", "allowed updates")
        if allowed is not None and not isinstance(allowed, list):
            raise ApiError.bad_request("can't parse allowed updates JSON object")
        max_connections = params.integer("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise ApiError.bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        if allowed is not None:
            self._allowed_updates = frozenset(allowed) & ALL_UPDATE_TYPES or DEFAULT_ALLOWED_UPDATES
        self.webhook = WebhookConfig(
            url=url,
            secret_token=secret,
            allowed_updates=allowed,
            max_connections=max_connections,
            ip_address=params.string("ip_address"),
            has_custom_certificate="certificate" in params.files,
        )
        self._updates_signal.notify()
        return _Described(True, "Webhook was set")

    def _validate_webhook_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ApiError.bad_request("bad webhook: Failed to resolve host") from None
        insecure_ok = self.allow_insecure_webhooks and parts.scheme == "http"
        if parts.scheme != "https" and not insecure_ok:
            raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if not parts.hostname:
            raise ApiError.bad_request("bad webhook: Failed to resolve host")
        if port is not None and port not in _WEBHOOK_PORTS and not self.allow_insecure_webhooks:
            raise ApiError.bad_request(
                "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
            )

    async def _delete_webhook(self, params: _Params) -> _Described:
        if params.flag("drop_pending_updates"):
            self._updates.clear()
        was_set, self.webhook = self.webhook is not None, None
        return _Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def _get_webhook_info(self, params: _Params) -> JSONDict:
        info: JSONDict = {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.webhook is not None:
            info.update(
                url=self.webhook.url,
                has_custom_certificate=self.webhook.has_custom_certificate,
                max_connections=self.webhook.max_connections,
            )
            if self.webhook.allowed_updates is not None:
                info["allowed_updates"] = self.webhook.allowed_updates
            if self.webhook.ip_address:
                info["ip_address"] = self.webhook.ip_address
        return info

    async def _send_message(self, params: _Params) -> JSONDict:
        chat = self._target_chat(params)
        text = self._message_text(params)
        markup = self._markup(params)
        reply_to = self._reply_target(params, chat)
        self._authorize_send(chat, "sendMessage")
        content: JSONDict = {"text": text.text}
        if text.entities:
            content["entities"] = text.entities
        return self._post(
            "sendMessage", chat, params, content, markup=markup, reply_to=reply_to, text=text
        )

    async def _send_document(self, params: _Params) -> JSONDict:
        chat = self._target_chat(params)
        source = self._input_file(params, "document", "document")
        caption = self._caption(params)
        markup = self._markup(params)
        reply_to = self._reply_target(params, chat)
        self._authorize_send(chat, "sendDocument")
        if isinstance(source, _StoredFile):
            stored = source
        else:
            stored = self._register_file(source, "document")
        upload = stored.file
        document: JSONDict = {
            "file_name": upload.filename,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(upload.content),
        }
        if upload.mime_type:
            document["mime_type"] = upload.mime_type
        content = {"document": document, **_caption_content(caption)}
        return self._post(
            "sendDocument", chat, params, content,
            markup=markup, reply_to=reply_to, caption=caption, document=upload,
        )  # fmt: skip

    async def _send_photo(self, params: _Params) -> JSONDict:
        chat = self._target_chat(params)
        source = self._input_file(params, "photo", "photo")
        upload = source.file if isinstance(source, _StoredFile) else source
        size = image_size(upload.content)
        if size is None:
            raise ApiError.bad_request("IMAGE_PROCESS_FAILED")
        width, height = size
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise ApiError.bad_request("PHOTO_INVALID_DIMENSIONS")
        caption = self._caption(params)
        markup = self._markup(params)
        reply_to = self._reply_target(params, chat)
        self._authorize_send(chat, "sendPhoto")
        sizes = []
        for limit in (90, 1280):
            stored = self._register_file(upload, "photo")
            scaled_width, scaled_height = _scaled(width, height, limit)
            sizes.append({
                "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(upload.content), "width": scaled_width, "height": scaled_height,
            })  # fmt: skip
        content = {"photo": sizes, **_caption_content(caption)}
        return self._post(
            "sendPhoto", chat, params, content,
            markup=markup, reply_to=reply_to, caption=caption, document=upload,
        )  # fmt: skip

    def _editable_message(self, params: _Params) -> tuple[FakeChat, _StoredMessage]:
        if params.has("inline_message_id") and not params.has("chat_id"):
            raise ApiError.bad_request("MESSAGE_ID_INVALID")  # inline messages are not modelled
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise ApiError.bad_request("message identifier is not specified")
        stored = self._messages.get((chat.id, message_id))
        if stored is None:
            raise ApiError.bad_request("message to edit not found")
        if stored.sender_id != BOT_ID:
            raise ApiError.bad_request("message can't be edited")
        return chat, stored

    async def _edit_message_text(self, params: _Params) -> JSONDict:
        """editMessageText; like Telegram, omitting reply_markup removes the inline keyboard."""
        chat, stored = self._editable_message(params)
        if "text" not in stored.data:
            raise ApiError.bad_request("there is no text in the message to edit")
        text = self._message_text(params)
        markup = self._markup(params, inline_only=True)
        old = stored.data
        if (text.text, text.entities, markup) == (
            old.get("text"),
            old.get("entities", []),
            old.get("reply_markup"),
        ):
            raise ApiError.bad_request(NOT_MODIFIED)
        self._authorize_send(chat, "editMessageText")
        _set_or_pop(old, "entities", text.entities or None)
        _set_or_pop(old, "reply_markup", markup)
        old["text"] = text.text
        old["edit_date"] = int(time.time())
        self._record(
            SentRecord(
                "editMessageText", chat.id, stored.message_id, text=text.text,
                parse_mode=params.string("parse_mode"), entities=list(text.entities),
                reply_markup=markup, time=self._clock(), params=params.summary(),
            )
        )  # fmt: skip
        return copy.deepcopy(old)

    async def _edit_message_reply_markup(self, params: _Params) -> JSONDict:
        chat, stored = self._editable_message(params)
        markup = self._markup(params, inline_only=True)
        if markup == stored.data.get("reply_markup"):
            raise ApiError.bad_request(NOT_MODIFIED)
        self._authorize_send(chat, "editMessageReplyMarkup")
        _set_or_pop(stored.data, "reply_markup", markup)
        stored.data["edit_date"] = int(time.time())
        self._record(
            SentRecord(
                "editMessageReplyMarkup", chat.id, stored.message_id, reply_markup=markup,
                time=self._clock(), params=params.summary(),
            )
        )  # fmt: skip
        return copy.deepcopy(stored.data)

    async def _delete_message(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        if message_id is None:
            raise ApiError.bad_request("message identifier is not specified")
        if isinstance(chat, FakeGroup):
            self._check_membership(chat)
        stored = self._messages.get((chat.id, message_id))
        if stored is None:
            raise ApiError.bad_request("message to delete not found")
        if (
            isinstance(chat, FakeGroup)
            and stored.sender_id != BOT_ID
            and chat.bot_status != "administrator"
        ):
            raise ApiError.bad_request("message can't be deleted")
        del self._messages[(chat.id, message_id)]
        self.deleted.append(DeletedMessage(chat.id, message_id, self._clock()))
        return True

    async def _answer_callback_query(self, params: _Params) -> bool:
        query_id = params.string("callback_query_id") or ""
        pending = self._callbacks.get(query_id)
        if (
            pending is None
            or pending.answered
            or self._clock() - pending.created > self.callback_query_timeout
        ):
            raise ApiError.bad_request(QUERY_INVALID)
        text = params.string("text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise ApiError.bad_request("MESSAGE_TOO_LONG")
        pending.answered = True
        self.answered_callbacks.append(
            AnsweredCallback(
                callback_query_id=query_id,
                text=text,
                show_alert=params.flag("show_alert"),
                url=params.string("url"),
                cache_time=params.integer("cache_time") or 0,
                time=self._clock(),
            )
        )
        return True

    def _commands_key(self, params: _Params) -> tuple[str, str]:
        raw_scope = params.json("scope", "BotCommandScope")
        if raw_scope is not None and not isinstance(raw_scope, dict):
            raise ApiError.bad_request("can't parse BotCommandScope JSON object")
        scope = canonical_scope(raw_scope)
        if "chat_id" in scope:
            chat = self._users.get(scope["chat_id"]) or self._groups.get(scope["chat_id"])
            if chat is None:
                raise ApiError.bad_request("chat not found")
            if scope["type"] != "chat" and isinstance(chat, FakeUser):
                raise ApiError.bad_request("can't use this scope in private chats")
        if "user_id" in scope and scope["user_id"] not in self._users:
            raise ApiError.bad_request("user not found")
        language = params.string("language_code") or ""
        if language and not _LANGUAGE_CODE_RE.fullmatch(language):
            raise ApiError.bad_request("invalid language code specified")
        return _scope_key(scope), language

    async def _set_my_commands(self, params: _Params) -> bool:
        raw = params.json("commands", "commands")
        if raw is None:
            raise ApiError.bad_request('parameter "commands" is required')
        commands = _parse_commands(raw)
        key = self._commands_key(params)
        if commands:
            self._commands[key] = commands
        else:
            self._commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: _Params) -> list[JSONDict]:
        commands = self._commands.get(self._commands_key(params), [])
        return [{"command": c.command, "description": c.description} for c in commands]

    async def _delete_my_commands(self, params: _Params) -> bool:
        self._commands.pop(self._commands_key(params), None)
        return True

    async def _get_chat(self, params: _Params) -> JSONDict:
        chat = self._target_chat(params)
        if isinstance(chat, FakeGroup):
            self._check_membership(chat)
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                 "gifts_from_channels")  # fmt: skip
        return {
            **chat.chat_api(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": dict.fromkeys(gifts, False),
        }

    async def _get_chat_member(self, params: _Params) -> JSONDict:
        chat = self._target_chat(params)
        user_id = params.integer("user_id")
        if user_id is None:
            raise ApiError.bad_request("user_id is empty")
        if user_id != BOT_ID and user_id not in self._users:
            raise ApiError.bad_request("user not found")
        user_api = self._user_api(user_id)
        if isinstance(chat, FakeUser):
            return self._member_dict(user_api, "member")
        self._check_membership(chat)
        return self._member_dict(user_api, self._status_in(chat, user_id))

    async def _get_chat_administrators(self, params: _Params) -> list[JSONDict]:
        chat = self._target_chat(params)
        if isinstance(chat, FakeUser):
            raise ApiError.bad_request("there are no administrators in the private chat")
        self._check_membership(chat)
        ids = sorted(chat.admins | ({chat.creator_id} if chat.creator_id else set()))
        if chat.bot_status == "administrator":
            ids.append(BOT_ID)
        return [self._member_dict(self._user_api(i), self._status_in(chat, i)) for i in ids]

    @staticmethod
    def _status_in(group: FakeGroup, user_id: int) -> str:
        if user_id == BOT_ID:
            return group.bot_status
        if user_id == group.creator_id:
            return "creator"
        if user_id in group.admins:
            return "administrator"
        return "member" if user_id in group.members else "left"

    @staticmethod
    def _member_dict(user: JSONDict, status: str) -> JSONDict:
        """A ChatMember of the given status, with the fields PTB's de_json requires."""
        member: JSONDict = {"status": status, "user": user}
        if status == "creator":
            member["is_anonymous"] = False
        elif status == "administrator":
            rights = (
                "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
                "can_restrict_members", "can_promote_members", "can_change_info",
                "can_invite_users", "can_post_stories", "can_edit_stories", "can_delete_stories",
                "can_pin_messages",
            )  # fmt: skip
            member.update(dict.fromkeys(rights, True), can_be_edited=False, is_anonymous=False)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _send_chat_action(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        action = params.string("action")
        if action not in CHAT_ACTIONS:
            raise ApiError.bad_request("wrong parameter action in request")
        self._check_can_post(chat)
        self.chat_actions.append(ChatActionRecord(chat.id, action, self._clock()))
        return True

    async def _leave_chat(self, params: _Params) -> bool:
        chat = self._target_chat(params)
        if isinstance(chat, FakeUser):
            raise ApiError.bad_request("chat member status can't be changed in private chats")
        self._check_membership(chat)
        chat.bot_status = "left"
        return True

    async def _get_file(self, params: _Params) -> JSONDict:
        stored = self._files.get(params.string("file_id") or "")
        if stored is None:
            raise ApiError.bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.file.content),
            "file_path": stored.file_path,
        }


def _update_kind(update: Mapping[str, Any]) -> str:
    return next(key for key in update if key != "update_id")


def _callback_data_of(message: Mapping[str, Any]) -> set[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {button["callback_data"] for row in rows for button in row if "callback_data" in button}


def _caption_content(caption: FormattedText | None) -> JSONDict:
    if caption is None:
        return {}
    content: JSONDict = {"caption": caption.text}
    if caption.entities:
        content["caption_entities"] = caption.entities
    return content


def _set_or_pop(data: JSONDict, key: str, value: object) -> None:
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value


async def post_update_to_webhook(
    url: str,
    update: Mapping[str, Any],
    secret_token: str | None = None,
    *,
    request_timeout: float = 10.0,
) -> int:
    """POST an update to a bot's webhook the way Telegram does; returns the HTTP status.

    The JSON body is sent with ``X-Telegram-Bot-Api-Secret-Token`` when ``secret_token`` is set.
    """
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers[SECRET_TOKEN_HEADER] = secret_token
    client_timeout = aiohttp.ClientTimeout(total=request_timeout)
    async with (
        aiohttp.ClientSession(timeout=client_timeout) as session,
        session.post(url, data=json.dumps(update), headers=headers) as response,
    ):
        await response.read()
        return response.status
