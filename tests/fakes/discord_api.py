"""A strict in-process fake of Discord (gateway v10 and REST API v10) for tests.

``FakeDiscordServer`` is an aiohttp server on 127.0.0.1 that the *real*, unmodified discord.py 2.7
(``discord.Client``, ``discord.AutoShardedClient``, ``app_commands.CommandTree``, ``ui.View``,
``ui.Modal``) talks to.  ``with server.patch_library():`` points ``discord.http.Route.BASE`` and
``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`` at it for the duration of the block.

It is meant to be at least as strict as Discord, so that a passing test says something about the
real bot:

* Gateway: HELLO → IDENTIFY (token, intents, shard checked; close 4004/4010/4013/4014 like
  Discord) → READY → GUILD_CREATE per guild of the shard; heartbeats ACKed; zlib-stream transport
  compression when asked for (discord.py asks); GUILD_MEMBERS_CHUNK for member requests; events
  routed to the shard ``(guild_id >> 22) % shard_count`` (DMs to shard 0) and filtered by intents;
  without MESSAGE_CONTENT the content of other users' guild messages is blanked unless they mention
  the bot.  RESUME is answered with INVALID_SESSION (the library then identifies anew).
* REST: ``Authorization: Bot <token>`` required (401 otherwise) except on the interaction callback
  and webhook-token routes (as on Discord); messages, embeds, components, allowed mentions,
  attachments, modals and application commands are validated with Discord's limits and refused
  with Discord's error JSON (``{"code", "message", "errors"}``); unknown channels, messages,
  users, guilds and routes are 404s; DMs to users who block them or share no guild with the bot
  are 403 code 50007.  Per-route buckets (messages: per channel) and a global limit send
  ``X-RateLimit-*`` headers on every response and answer 429 with ``retry_after`` when exceeded.
* Interactions: exactly one initial response within ``interaction_timeout`` (3 s) of dispatch
  (later: 404 code 10062; twice: 400 code 40060); follow-ups and edits through the webhook routes
  for ``token_lifetime`` (15 min); a deferred response is replaced by the first follow-up, as on
  Discord; the bot gets MESSAGE_CREATE/UPDATE/DELETE for its own non-ephemeral messages, so an
  adapter that reacts to itself loops here as it would in production.

Three kinds of API live here:

* HTTP/gateway side: what discord.py uses (``api_base``, ``gateway_url``).
* World side (test code): ``add_user``, ``add_guild``, ``add_role``, ``add_member``,
  ``remove_member``, ``kick_bot``, ``block_dms`` set up the world (after the client connected they
  are dispatched live; ``await settle()`` waits until they went out); ``push_message``,
  ``push_dm``, ``push_slash_command``, ``push_button``, ``push_select``, ``push_modal_submit`` are
  what users do; ``drop_connections`` is a gateway restart.  Misuse by the *test* (unknown
  command, a button that is not there, a modal value Discord's client would not let through)
  raises ``AssertionError``.
* Inspection side: ``sent``, ``interactions``, ``commands``, ``errors`` (every 4xx the fake
  returned and every gateway close it forced, with a reason; 429s are counted in
  ``rate_limited`` / ``rate_limit_log`` instead), ``calls``, ``sessions``, ``messages_in``,
  ``dms_to``, ``message``, ``wait_for_sent``, ``wait_for_call``, ``wait_until_ready``.

All world/inspection methods must be called from the event loop that runs the server.
50035 bodies have Discord's shape (``{"errors": {"content": {"_errors": [{"code", "message"}]}}}``)
with Discord's codes for the common rules (``BASE_TYPE_MAX_LENGTH`` ...); the codes of rarer rules
(component and command specifics) are descriptive guesses: assert on the error's field path and
the numeric code, not on those strings.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import hashlib
import itertools
import json
import math
import re
import secrets
import socket
import time
import unicodedata
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

import discord.gateway
import discord.http
import yarl
from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes import discord_events as events

JSONDict = dict[str, Any]
OptionValue = str | int | float | bool
ErrorPath = tuple[str | int, ...]

API_VERSION: Final = 10
DISCORD_EPOCH_MS: Final = 1_420_070_400_000

# ---------------------------------------------------------------------------- limits
MAX_CONTENT: Final = 2000
MAX_EMBEDS: Final = 10
MAX_EMBED_TOTAL: Final = 6000
MAX_FILES: Final = 10
MAX_FILE_BYTES: Final = 10 * 1024 * 1024
MAX_ROWS: Final = 5
MAX_ROW_WIDTH: Final = 5
MAX_V2_COMPONENTS: Final = 40
MAX_CUSTOM_ID: Final = 100
MAX_BUTTON_LABEL: Final = 80
MAX_MODAL_TITLE: Final = 45
MAX_MODAL_COMPONENTS: Final = 5
MAX_TEXT_INPUT_LABEL: Final = 45
MAX_TEXT_INPUT_LENGTH: Final = 4000
MAX_PLACEHOLDER: Final = 100
MAX_COMMANDS: Final = 100
MAX_OPTIONS: Final = 25
MAX_CHOICES: Final = 25
MAX_NONCE: Final = 25
NONCE_WINDOW: Final = 180.0
"""Seconds Discord remembers an enforced nonce (its docs: "the past few minutes")."""

# ---------------------------------------------------------------------------- gateway intents
GUILDS: Final = 1 << 0
GUILD_MEMBERS: Final = 1 << 1
GUILD_PRESENCES: Final = 1 << 8
GUILD_MESSAGES: Final = 1 << 9
DIRECT_MESSAGES: Final = 1 << 12
MESSAGE_CONTENT: Final = 1 << 15
#: Every intent bit Discord defines (0..25, 22 and 23 unused; discord.py never sends those).
KNOWN_INTENTS: Final = (1 << 26) - 1

# ---------------------------------------------------------------------------- permissions
CREATE_INSTANT_INVITE: Final = 1 << 0
ADMINISTRATOR: Final = 1 << 3
MANAGE_GUILD: Final = 1 << 5
ADD_REACTIONS: Final = 1 << 6
VIEW_CHANNEL: Final = 1 << 10
SEND_MESSAGES: Final = 1 << 11
MANAGE_MESSAGES: Final = 1 << 13
EMBED_LINKS: Final = 1 << 14
ATTACH_FILES: Final = 1 << 15
READ_MESSAGE_HISTORY: Final = 1 << 16
MENTION_EVERYONE: Final = 1 << 17
USE_EXTERNAL_EMOJIS: Final = 1 << 18
CONNECT: Final = 1 << 20
SPEAK: Final = 1 << 21
CHANGE_NICKNAME: Final = 1 << 26
USE_APPLICATION_COMMANDS: Final = 1 << 31
SEND_MESSAGES_IN_THREADS: Final = 1 << 38
ALL_PERMISSIONS: Final = (1 << 51) - 1
EVERYONE_PERMISSIONS: Final = (
    CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
    | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | CONNECT | SPEAK
    | CHANGE_NICKNAME | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS
)  # fmt: skip
BOT_ROLE_PERMISSIONS: Final = EVERYONE_PERMISSIONS | events.MANAGE_EVENTS
"""As invited with the permissions the bot asks for (Manage Events: meetings as events)."""
#: What ``app_permissions`` holds in a DM with the bot (per Discord's interaction docs).
DM_APP_PERMISSIONS: Final = ATTACH_FILES | EMBED_LINKS | MENTION_EVERYONE | USE_EXTERNAL_EMOJIS

# ---------------------------------------------------------------------------- message flags
SUPPRESS_EMBEDS: Final = 1 << 2
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
SUPPRESS_NOTIFICATIONS: Final = 1 << 12
IS_VOICE_MESSAGE: Final = 1 << 13
IS_COMPONENTS_V2: Final = 1 << 15
CHANNEL_MESSAGE_FLAGS: Final = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
INTERACTION_MESSAGE_FLAGS: Final = CHANNEL_MESSAGE_FLAGS | EPHEMERAL

# ---------------------------------------------------------------------------- application flags
GATEWAY_PRESENCE_LIMITED: Final = 1 << 13
GATEWAY_GUILD_MEMBERS_LIMITED: Final = 1 << 15
GATEWAY_MESSAGE_CONTENT_LIMITED: Final = 1 << 19

# ---------------------------------------------------------------------------- channel/message types
GUILD_TEXT: Final = 0
DM: Final = 1
DEFAULT_MESSAGE: Final = 0
REPLY_MESSAGE: Final = 19
CHAT_INPUT_COMMAND_MESSAGE: Final = 20

# ---------------------------------------------------------------------------- interactions
APPLICATION_COMMAND: Final = 2
MESSAGE_COMPONENT: Final = 3
AUTOCOMPLETE: Final = 4
MODAL_SUBMIT: Final = 5
PONG: Final = 1
CHANNEL_MESSAGE: Final = 4
DEFERRED_CHANNEL_MESSAGE: Final = 5
DEFERRED_UPDATE_MESSAGE: Final = 6
UPDATE_MESSAGE: Final = 7
AUTOCOMPLETE_RESULT: Final = 8
MODAL: Final = 9
_CALLBACK_TYPE_NAMES: Final = {
    1: "PONG",
    4: "CHANNEL_MESSAGE_WITH_SOURCE",
    5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
    6: "DEFERRED_UPDATE_MESSAGE",
    7: "UPDATE_MESSAGE",
    8: "APPLICATION_COMMAND_AUTOCOMPLETE_RESULT",
    9: "MODAL",
    10: "PREMIUM_REQUIRED",
    12: "LAUNCH_ACTIVITY",
}
#: Callback types Discord accepts per interaction type (10 and 12 are refused here later).
_ALLOWED_CALLBACKS: Final = {
    APPLICATION_COMMAND: (4, 5, 9, 10, 12),
    MESSAGE_COMPONENT: (4, 5, 6, 7, 9, 10, 12),
    AUTOCOMPLETE: (8,),
    MODAL_SUBMIT: (4, 5, 6, 7, 10),
}

# ---------------------------------------------------------------------------- components
ACTION_ROW: Final = 1
BUTTON: Final = 2
STRING_SELECT: Final = 3
TEXT_INPUT: Final = 4
TEXT_DISPLAY: Final = 10
LABEL: Final = 18
SELECTS: Final = frozenset({3, 5, 6, 7, 8})
#: Components a Label may wrap (text input, selects, file upload, radio/checkbox groups).
LABEL_CHILDREN: Final = frozenset({3, 4, 5, 6, 7, 8, 19, 21, 22, 23})

# ---------------------------------------------------------------------------- application commands
CHAT_INPUT: Final = 1
SUB_COMMAND: Final = 1
SUB_COMMAND_GROUP: Final = 2
STRING: Final = 3
INTEGER: Final = 4
BOOLEAN: Final = 5
USER: Final = 6
CHANNEL: Final = 7
ROLE: Final = 8
MENTIONABLE: Final = 9
NUMBER: Final = 10
ATTACHMENT: Final = 11

#: Discord's 32 locales (https://discord.com/developers/docs/reference#locales).
LOCALES: Final = frozenset(
    {
        "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu",
        "nl", "no", "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru",
        "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
    }
)  # fmt: skip

# ---------------------------------------------------------------------------- gateway close codes
CLOSE_UNKNOWN_OPCODE: Final = 4001
CLOSE_DECODE_ERROR: Final = 4002
CLOSE_NOT_AUTHENTICATED: Final = 4003
CLOSE_AUTHENTICATION_FAILED: Final = 4004
CLOSE_ALREADY_AUTHENTICATED: Final = 4005
CLOSE_INVALID_SHARD: Final = 4010
CLOSE_INVALID_API_VERSION: Final = 4012
CLOSE_INVALID_INTENTS: Final = 4013
CLOSE_DISALLOWED_INTENTS: Final = 4014
_CLOSE_REASONS: Final = {
    4001: "Unknown opcode.",
    4002: "Decode error.",
    4003: "Not authenticated.",
    4004: "Authentication failed.",
    4005: "Already authenticated.",
    4010: "Invalid shard.",
    4012: "Invalid API version.",
    4013: "Invalid intent(s).",
    4014: "Disallowed intent(s).",
}

_ATTACHMENT_FIELD_RE: Final = re.compile(r"files\[(\d+)\]")
_MENTION_RE: Final = re.compile(r"<@!?(\d+)>")
_ROUTE_PARAM_RE: Final = re.compile(r"\{(\w+)\}")


# ============================================================================================
# Errors
# ============================================================================================


class DiscordHTTPError(Exception):
    """A REST error, rendered as Discord's ``{"code", "message", "errors"}`` body."""

    def __init__(
        self, status: int, code: int, message: str, errors: JSONDict | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> JSONDict:
        body: JSONDict = {"message": self.message, "code": self.code}
        if self.errors:
            body["errors"] = self.errors
        return body

    def describe(self) -> str:
        text = f"{self.status} code {self.code}: {self.message}"
        if self.errors:
            text += " " + json.dumps(self.errors, sort_keys=True)
        return text


def _not_found(code: int, what: str) -> DiscordHTTPError:
    return DiscordHTTPError(404, code, f"Unknown {what}")


def unknown_channel() -> DiscordHTTPError:
    return _not_found(10003, "Channel")


def unknown_message() -> DiscordHTTPError:
    return _not_found(10008, "Message")


def missing_access() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50001, "Missing Access")


def cannot_message_user() -> DiscordHTTPError:
    return DiscordHTTPError(403, 50007, "Cannot send messages to this user")


def empty_message() -> DiscordHTTPError:
    return DiscordHTTPError(400, 50006, "Cannot send an empty message")


def already_acknowledged() -> DiscordHTTPError:
    return DiscordHTTPError(400, 40060, "Interaction has already been acknowledged.")


def unknown_interaction() -> DiscordHTTPError:
    return _not_found(10062, "interaction")


def _invalid_callback_type(allowed: Sequence[int]) -> DiscordHTTPError:
    """What Discord answers e.g. to a MODAL response to a modal submit."""
    names = (f"<InteractionCallbackTypes.{_CALLBACK_TYPE_NAMES[t]}: {t}>" for t in allowed)
    errs = _FormErrors()
    errs.add(("type",), "BASE_TYPE_CHOICES", f"Value must be one of {{{', '.join(names)}}}.")
    return errs.error()


class _FormErrors:
    """Collects field errors and raises them as Discord's 50035 "Invalid Form Body"."""

    def __init__(self) -> None:
        self._items: list[tuple[ErrorPath, str, str]] = []

    def __bool__(self) -> bool:
        return bool(self._items)

    def add(self, path: ErrorPath, code: str, message: str) -> None:
        self._items.append((path, code, message))

    def nested(self) -> JSONDict:
        root: JSONDict = {}
        for path, code, message in self._items:
            node = root
            for key in path:
                node = node.setdefault(str(key), {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root

    def error(self) -> DiscordHTTPError:
        return DiscordHTTPError(400, 50035, "Invalid Form Body", self.nested())

    def raise_if_any(self) -> None:
        if self._items:
            raise self.error()


def _check_text(
    errs: _FormErrors,
    path: ErrorPath,
    value: object,
    *,
    max_len: int,
    min_len: int = 0,
    required: bool = False,
) -> None:
    """Discord's string rules: type, then length (``BASE_TYPE_*`` codes)."""
    if value is None:
        if required:
            errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        return
    if not isinstance(value, str):
        errs.add(path, "BASE_TYPE_STRING", "Could not interpret value as string.")
        return
    if min_len <= len(value) <= max_len:
        return
    if min_len == 0:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {max_len} or fewer in length.")
    else:
        message = f"Must be between {min_len} and {max_len} in length."
        errs.add(path, "BASE_TYPE_BAD_LENGTH", message)


def _check_list(
    errs: _FormErrors, path: ErrorPath, value: object, *, max_len: int, min_len: int = 0
) -> list[Any] | None:
    if not isinstance(value, list):
        errs.add(path, "BASE_TYPE_LIST", "Must be an array.")
        return None
    if len(value) > max_len:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {max_len} or fewer in length.")
    elif len(value) < min_len:
        errs.add(path, "BASE_TYPE_MIN_LENGTH", f"Must be {min_len} or more in length.")
    return value


def _as_snowflake(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _is_dict(errs: _FormErrors, path: ErrorPath, value: object) -> bool:
    if isinstance(value, dict):
        return True
    errs.add(path, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
    return False


# ============================================================================================
# Validation: messages (content, embeds, components, allowed mentions, attachments)
# ============================================================================================


@dataclass
class Upload:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    data: bytes
    content_type: str | None = None


def _validate_embed(errs: _FormErrors, path: ErrorPath, embed: JSONDict) -> int:
    """Check one embed against Discord's limits; return its character count."""
    total = 0
    for key, limit in (("title", 256), ("description", 4096)):
        _check_text(errs, (*path, key), embed.get(key), max_len=limit)
        total += len(embed.get(key) or "") if isinstance(embed.get(key), str) else 0
    for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
        part = embed.get(key)
        if isinstance(part, dict):
            _check_text(errs, (*path, key, sub), part.get(sub), max_len=limit, required=True)
            total += len(part.get(sub) or "") if isinstance(part.get(sub), str) else 0
    fields = embed.get("fields")
    if fields is not None:
        for index, item in enumerate(
            _check_list(errs, (*path, "fields"), fields, max_len=25) or []
        ):
            if not _is_dict(errs, (*path, "fields", index), item):
                continue
            for key, limit in (("name", 256), ("value", 1024)):
                value = item.get(key)
                where = (*path, "fields", index, key)
                _check_text(errs, where, value, max_len=limit, min_len=1, required=True)
                total += len(value) if isinstance(value, str) else 0
    color = embed.get("color")
    if color is not None and not (isinstance(color, int) and 0 <= color <= 0xFFFFFF):
        errs.add((*path, "color"), "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    return total


def validate_embeds(errs: _FormErrors, path: ErrorPath, embeds: object) -> None:
    items = _check_list(errs, path, embeds, max_len=MAX_EMBEDS)
    total = 0
    for index, embed in enumerate(items or []):
        if _is_dict(errs, (*path, index), embed):
            total += _validate_embed(errs, (*path, index), embed)
    if total > MAX_EMBED_TOTAL:
        errs.add(path, "MESSAGE_EMBEDS_TOO_LARGE", "Embed size exceeds maximum size of 6000")


def validate_allowed_mentions(errs: _FormErrors, path: ErrorPath, value: object) -> None:
    """Discord's allowed-mentions object: known keys, ``parse`` values, exclusive lists."""
    if value is None:
        return
    if not _is_dict(errs, path, value):
        return
    assert isinstance(value, dict)
    for key in value:
        if key not in {"parse", "roles", "users", "replied_user"}:
            errs.add((*path, key), "UNKNOWN_FIELD", f"Unknown field {key!r}.")
    parse = value.get("parse", [])
    for index, item in enumerate(_check_list(errs, (*path, "parse"), parse, max_len=3) or []):
        if item not in {"roles", "users", "everyone"}:
            message = "Value must be one of ('roles', 'users', 'everyone')."
            errs.add((*path, "parse", index), "BASE_TYPE_CHOICES", message)
    for kind in ("users", "roles"):
        ids = value.get(kind, [])
        for index, item in enumerate(_check_list(errs, (*path, kind), ids, max_len=100) or []):
            if _as_snowflake(item) is None:
                errs.add((*path, kind, index), "NUMBER_TYPE_COERCE", "Value is not snowflake.")
        if isinstance(parse, list) and kind in parse and ids:
            message = f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.'
            errs.add(path, "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE", message)
    replied = value.get("replied_user", False)
    if not isinstance(replied, bool):
        errs.add((*path, "replied_user"), "BASE_TYPE_BOOLEAN", "Must be either true or false.")


class _ComponentChecker:
    """Validates message components; tracks custom_id uniqueness across the message."""

    def __init__(self, errs: _FormErrors) -> None:
        self.errs = errs
        self.custom_ids: set[str] = set()
        self.count = 0

    def custom_id(self, path: ErrorPath, value: object) -> None:
        _check_text(self.errs, path, value, max_len=MAX_CUSTOM_ID, min_len=1, required=True)
        if isinstance(value, str):
            if value in self.custom_ids:
                message = "Component custom id cannot be duplicated"
                self.errs.add(path, "COMPONENT_CUSTOM_ID_DUPLICATED", message)
            self.custom_ids.add(value)

    def button(self, path: ErrorPath, button: JSONDict) -> None:
        style = button.get("style")
        if style not in (1, 2, 3, 4, 5, 6):
            message = "Value must be one of {1, 2, 3, 4, 5, 6}."
            self.errs.add((*path, "style"), "BASE_TYPE_CHOICES", message)
            return
        _check_text(self.errs, (*path, "label"), button.get("label"), max_len=MAX_BUTTON_LABEL)
        if style == 5:
            self._link_button(path, button)
        elif style == 6:
            if _as_snowflake(button.get("sku_id")) is None:
                self.errs.add((*path, "sku_id"), "BASE_TYPE_REQUIRED", "This field is required")
        else:
            if button.get("url") is not None:
                message = "A non-link button must not have a url"
                self.errs.add((*path, "url"), "BUTTON_COMPONENT_URL_NOT_ALLOWED", message)
            self.custom_id((*path, "custom_id"), button.get("custom_id"))
        if style != 6 and not button.get("label") and not button.get("emoji"):
            message = "A button must have a label or an emoji"
            self.errs.add(path, "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", message)

    def _link_button(self, path: ErrorPath, button: JSONDict) -> None:
        url = button.get("url")
        _check_text(self.errs, (*path, "url"), url, max_len=512, min_len=1, required=True)
        if isinstance(url, str) and not url.startswith(("http://", "https://", "discord://")):
            self.errs.add((*path, "url"), "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        if button.get("custom_id") is not None:
            message = "A link button must not have a custom_id"
            self.errs.add((*path, "custom_id"), "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED", message)

    def select(self, path: ErrorPath, select: JSONDict) -> None:
        self.custom_id((*path, "custom_id"), select.get("custom_id"))
        _check_text(self.errs, (*path, "placeholder"), select.get("placeholder"), max_len=150)
        low, high = select.get("min_values", 1), select.get("max_values", 1)
        if not isinstance(low, int) or not 0 <= low <= 25:
            self.errs.add((*path, "min_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
        if not isinstance(high, int) or not 1 <= high <= 25:
            self.errs.add((*path, "max_values"), "NUMBER_TYPE_MAX", "int value should be <= 25.")
        if select.get("type") == STRING_SELECT:
            options = select.get("options")
            where = (*path, "options")
            for index, option in enumerate(
                _check_list(self.errs, where, options, max_len=25, min_len=1) or []
            ):
                if _is_dict(self.errs, (*where, index), option):
                    for key in ("label", "value"):
                        value = option.get(key)
                        _check_text(
                            self.errs, (*where, index, key), value, max_len=100, min_len=1,
                            required=True,
                        )  # fmt: skip

    def interactive(self, path: ErrorPath, component: JSONDict) -> None:
        self.count += 1
        kind = component.get("type")
        if kind == BUTTON:
            self.button(path, component)
        elif kind in SELECTS:
            self.select(path, component)
        else:
            message = 'Value of field "type" must be one of (2, 3, 5, 6, 7, 8).'
            self.errs.add((*path, "type"), "UNION_TYPE_CHOICES", message)

    def action_row(self, path: ErrorPath, row: object) -> None:
        self.count += 1
        if not _is_dict(self.errs, path, row):
            return
        assert isinstance(row, dict)
        if row.get("type") != ACTION_ROW:
            message = 'Value of field "type" must be one of (1,).'
            self.errs.add((*path, "type"), "UNION_TYPE_CHOICES", message)
            return
        where = (*path, "components")
        children = _check_list(
            self.errs, where, row.get("components"), max_len=MAX_ROW_WIDTH, min_len=1
        )
        if children is None:
            return
        if len(children) > 1 and any(
            isinstance(c, dict) and c.get("type") in SELECTS for c in children
        ):
            message = "The specified component exceeds the maximum width"
            self.errs.add(where, "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message)
        for index, child in enumerate(children):
            if _is_dict(self.errs, (*where, index), child):
                self.interactive((*where, index), child)

    def layout(self, path: ErrorPath, component: object) -> None:
        """Components V2 (``IS_COMPONENTS_V2``): walk containers, check what is interactive."""
        if not _is_dict(self.errs, path, component):
            return
        assert isinstance(component, dict)
        kind = component.get("type")
        if kind == ACTION_ROW:
            self.action_row(path, component)
            return
        self.count += 1
        for index, child in enumerate(component.get("components") or []):
            self.layout((*path, "components", index), child)
        accessory = component.get("accessory")
        if isinstance(accessory, dict) and accessory.get("type") == BUTTON:
            self.interactive((*path, "accessory"), accessory)


def validate_components(
    errs: _FormErrors, path: ErrorPath, components: object, *, v2: bool
) -> None:
    """Legacy: at most 5 action rows of at most 5 buttons (or one select); V2: ≤ 40 in all."""
    checker = _ComponentChecker(errs)
    rows = _check_list(errs, path, components, max_len=MAX_V2_COMPONENTS if v2 else MAX_ROWS)
    for index, row in enumerate(rows or []):
        if v2:
            checker.layout((*path, index), row)
        else:
            checker.action_row((*path, index), row)
    if v2 and checker.count > MAX_V2_COMPONENTS:
        message = f"Must be {MAX_V2_COMPONENTS} or fewer in length."
        errs.add(path, "BASE_TYPE_MAX_LENGTH", message)


def validate_message(
    payload: JSONDict,
    uploads: Sequence[Upload],
    *,
    prefix: ErrorPath = (),
    allowed_flags: int = CHANNEL_MESSAGE_FLAGS,
    existing_attachments: frozenset[int] = frozenset(),
) -> _FormErrors:
    """Validate the fields of a message create/edit payload (not emptiness: see callers)."""
    errs = _FormErrors()
    _check_text(errs, (*prefix, "content"), payload.get("content"), max_len=MAX_CONTENT)
    flags = payload.get("flags")
    if flags is not None and (not isinstance(flags, int) or flags & ~allowed_flags):
        message = f"Only flags in {allowed_flags} may be set here."
        errs.add((*prefix, "flags"), "MESSAGE_FLAGS_INVALID", message)
    v2 = isinstance(flags, int) and bool(flags & IS_COMPONENTS_V2)
    if payload.get("embeds") is not None:
        validate_embeds(errs, (*prefix, "embeds"), payload["embeds"])
    if payload.get("components") is not None:
        validate_components(errs, (*prefix, "components"), payload["components"], v2=v2)
    if v2 and (payload.get("content") or payload.get("embeds")):
        message = "content and embeds cannot be used with IS_COMPONENTS_V2"
        errs.add(
            (*prefix, "content"), "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2", message
        )
    validate_allowed_mentions(errs, (*prefix, "allowed_mentions"), payload.get("allowed_mentions"))
    nonce = payload.get("nonce")
    if isinstance(nonce, str) and len(nonce) > MAX_NONCE:
        errs.add((*prefix, "nonce"), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if payload.get("tts") is not None and not isinstance(payload.get("tts"), bool):
        errs.add((*prefix, "tts"), "BASE_TYPE_BOOLEAN", "Must be either true or false.")
    _validate_attachment_refs(
        errs, prefix, payload.get("attachments"), uploads, existing_attachments
    )
    if len(uploads) > MAX_FILES:
        errs.add((*prefix, "attachments"), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    return errs


def _validate_attachment_refs(
    errs: _FormErrors,
    prefix: ErrorPath,
    attachments: object,
    uploads: Sequence[Upload],
    existing: frozenset[int],
) -> None:
    if attachments is None:
        return
    path = (*prefix, "attachments")
    indexes = {upload.index for upload in uploads}
    for position, item in enumerate(_check_list(errs, path, attachments, max_len=MAX_FILES) or []):
        if not _is_dict(errs, (*path, position), item):
            continue
        ref = _as_snowflake(item.get("id"))
        if ref is None or (ref not in indexes and ref not in existing):
            message = "Attachment references an unknown upload or attachment"
            errs.add((*path, position, "id"), "ATTACHMENT_NOT_FOUND", message)
        _check_text(errs, (*path, position, "description"), item.get("description"), max_len=1024)


def _has_body(payload: Mapping[str, Any], uploads: Sequence[Upload]) -> bool:
    content = payload.get("content")
    return bool(
        (isinstance(content, str) and content.strip())
        or payload.get("embeds")
        or payload.get("components")
        or payload.get("sticker_ids")
        or payload.get("poll")
        or uploads
    )


# ============================================================================================
# Validation: modals
# ============================================================================================


class _ModalChecker:
    def __init__(self, errs: _FormErrors) -> None:
        self.errs = errs
        self.custom_ids: set[str] = set()

    def text_input(self, path: ErrorPath, item: JSONDict, *, in_label: bool) -> None:
        errs = self.errs
        _check_text(
            errs, (*path, "custom_id"), item.get("custom_id"), max_len=100, min_len=1, required=True
        )
        custom_id = item.get("custom_id")
        if isinstance(custom_id, str):
            if custom_id in self.custom_ids:
                message = "Component custom id cannot be duplicated"
                errs.add((*path, "custom_id"), "COMPONENT_CUSTOM_ID_DUPLICATED", message)
            self.custom_ids.add(custom_id)
        if item.get("style") not in (1, 2):
            errs.add((*path, "style"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
        # The legacy row form needs the text input's own label; inside a Label it is optional.
        _check_text(
            errs, (*path, "label"), item.get("label"), max_len=MAX_TEXT_INPUT_LABEL,
            min_len=1, required=not in_label,
        )  # fmt: skip
        _check_text(errs, (*path, "placeholder"), item.get("placeholder"), max_len=MAX_PLACEHOLDER)
        _check_text(errs, (*path, "value"), item.get("value"), max_len=MAX_TEXT_INPUT_LENGTH)
        self._lengths(path, item)

    def _lengths(self, path: ErrorPath, item: JSONDict) -> None:
        low, high = item.get("min_length"), item.get("max_length")
        if low is not None and (not isinstance(low, int) or not 0 <= low <= MAX_TEXT_INPUT_LENGTH):
            message = f"int value should be between 0 and {MAX_TEXT_INPUT_LENGTH}."
            self.errs.add((*path, "min_length"), "NUMBER_TYPE_MAX", message)
        if high is not None and (
            not isinstance(high, int) or not 1 <= high <= MAX_TEXT_INPUT_LENGTH
        ):
            message = f"int value should be between 1 and {MAX_TEXT_INPUT_LENGTH}."
            self.errs.add((*path, "max_length"), "NUMBER_TYPE_MAX", message)
        if isinstance(low, int) and isinstance(high, int) and low > high:
            message = "min_length must be less than or equal to max_length"
            self.errs.add((*path, "min_length"), "TEXT_INPUT_MIN_GREATER_THAN_MAX", message)

    def top_level(self, path: ErrorPath, component: object) -> None:
        if not _is_dict(self.errs, path, component):
            return
        assert isinstance(component, dict)
        kind = component.get("type")
        if kind == ACTION_ROW:
            self._row(path, component)
        elif kind == LABEL:
            self._label(path, component)
        elif kind == TEXT_DISPLAY:
            content = component.get("content")
            _check_text(
                self.errs, (*path, "content"), content, max_len=4000, min_len=1, required=True
            )
        else:
            message = 'Value of field "type" must be one of (1, 10, 18).'
            self.errs.add((*path, "type"), "UNION_TYPE_CHOICES", message)

    def _row(self, path: ErrorPath, row: JSONDict) -> None:
        where = (*path, "components")
        children = _check_list(self.errs, where, row.get("components"), max_len=1, min_len=1)
        for index, child in enumerate(children or []):
            if not _is_dict(self.errs, (*where, index), child):
                continue
            if child.get("type") != TEXT_INPUT:
                message = 'Value of field "type" must be one of (4,).'
                self.errs.add((*where, index, "type"), "UNION_TYPE_CHOICES", message)
                continue
            self.text_input((*where, index), child, in_label=False)

    def _label(self, path: ErrorPath, label: JSONDict) -> None:
        errs = self.errs
        _check_text(
            errs, (*path, "label"), label.get("label"), max_len=45, min_len=1, required=True
        )
        _check_text(errs, (*path, "description"), label.get("description"), max_len=100)
        child = label.get("component")
        where = (*path, "component")
        if child is None:
            errs.add(where, "BASE_TYPE_REQUIRED", "This field is required")
            return
        if not _is_dict(errs, where, child):
            return
        kind = child.get("type")
        if kind not in LABEL_CHILDREN:
            message = f'Value of field "type" must be one of {tuple(sorted(LABEL_CHILDREN))}.'
            errs.add((*where, "type"), "UNION_TYPE_CHOICES", message)
        elif kind == TEXT_INPUT:
            self.text_input(where, child, in_label=True)
        else:
            _check_text(
                errs,
                (*where, "custom_id"),
                child.get("custom_id"),
                max_len=100,
                min_len=1,
                required=True,
            )


def validate_modal(data: object) -> _FormErrors:
    """A MODAL (type 9) callback's ``data``: custom_id, title 1–45, 1–5 components.

    Accepts the legacy form (action row holding one text input, which then needs its own label)
    and the Label (type 18) form discord.py 2.7 sends for ``ui.Label``; text displays too.
    """
    errs = _FormErrors()
    if not _is_dict(errs, ("data",), data):
        return errs
    assert isinstance(data, dict)
    _check_text(
        errs, ("data", "custom_id"), data.get("custom_id"), max_len=100, min_len=1, required=True
    )
    _check_text(
        errs,
        ("data", "title"),
        data.get("title"),
        max_len=MAX_MODAL_TITLE,
        min_len=1,
        required=True,
    )
    checker = _ModalChecker(errs)
    components = _check_list(
        errs, ("data", "components"), data.get("components"),
        max_len=MAX_MODAL_COMPONENTS, min_len=1,
    )  # fmt: skip
    for index, component in enumerate(components or []):
        checker.top_level(("data", "components", index), component)
    return errs


# ============================================================================================
# Validation: application commands
# ============================================================================================


def valid_command_name(name: object, *, chat_input: bool = True) -> bool:
    """Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lower case where cased.

    User and message commands may be mixed case with spaces: only the length is checked there.
    """
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not chat_input:
        return True
    for char in name:
        if char in "-_'":
            continue
        category = unicodedata.category(char)
        if category[0] not in "LNM" or char.lower() != char:
            return False
    return True


class _CommandChecker:
    def __init__(self, errs: _FormErrors) -> None:
        self.errs = errs

    def name(self, path: ErrorPath, value: object, *, chat_input: bool = True) -> None:
        if value is None:
            self.errs.add(path, "BASE_TYPE_REQUIRED", "This field is required")
        elif not valid_command_name(value, chat_input=chat_input):
            message = (
                "Command name is invalid" if chat_input else "Must be between 1 and 32 in length."
            )
            self.errs.add(path, "APPLICATION_COMMAND_INVALID_NAME", message)

    def description(self, path: ErrorPath, value: object) -> None:
        _check_text(self.errs, path, value, max_len=100, min_len=1, required=True)

    def localizations(
        self, path: ErrorPath, value: object, check: Callable[[ErrorPath, object], None]
    ) -> None:
        """Keys must be Discord locales; values obey the same rule as the base field."""
        if value is None:
            return
        if not _is_dict(self.errs, path, value):
            return
        assert isinstance(value, dict)
        for locale, text in value.items():
            if locale not in LOCALES:
                message = f'Value "{locale}" is not a valid enum value.'
                self.errs.add((*path, locale), "ENUM_TYPE_COERCE", message)
            else:
                check((*path, locale), text)

    def command(self, path: ErrorPath, command: object) -> None:
        if not _is_dict(self.errs, path, command):
            return
        assert isinstance(command, dict)
        kind = command.get("type", CHAT_INPUT)
        if kind not in (1, 2, 3, 4):
            self.errs.add(
                (*path, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}."
            )
            return
        chat = kind == CHAT_INPUT
        self.name((*path, "name"), command.get("name"), chat_input=chat)
        self.localizations(
            (*path, "name_localizations"), command.get("name_localizations"),
            lambda where, text: self.name(where, text, chat_input=chat),
        )  # fmt: skip
        if chat:
            self.description((*path, "description"), command.get("description"))
            self.localizations(
                (*path, "description_localizations"), command.get("description_localizations"),
                self.description,
            )  # fmt: skip
            self.options((*path, "options"), command.get("options"), depth=0)
        elif command.get("description"):
            message = "Only chat input commands have a description"
            self.errs.add(
                (*path, "description"), "APPLICATION_COMMAND_DESCRIPTION_INVALID", message
            )
        self._permissions(path, command)

    def _permissions(self, path: ErrorPath, command: JSONDict) -> None:
        value = command.get("default_member_permissions")
        if value is not None and _as_snowflake(value) is None:
            self.errs.add(
                (*path, "default_member_permissions"), "NUMBER_TYPE_COERCE", "Value is not int."
            )
        contexts = command.get("contexts")
        if contexts is not None and (
            not isinstance(contexts, list) or any(c not in (0, 1, 2) for c in contexts)
        ):
            self.errs.add(
                (*path, "contexts"), "BASE_TYPE_CHOICES", "Value must be one of {0, 1, 2}."
            )
        integration_types = command.get("integration_types")
        if integration_types is not None and (
            not isinstance(integration_types, list)
            or any(c not in (0, 1) for c in integration_types)
        ):
            message = "Value must be one of {0, 1}."
            self.errs.add((*path, "integration_types"), "BASE_TYPE_CHOICES", message)

    def options(self, path: ErrorPath, options: object, *, depth: int) -> None:
        if options is None:
            return
        items = _check_list(self.errs, path, options, max_len=MAX_OPTIONS)
        if not items:
            return
        names: set[str] = set()
        seen_optional = False
        kinds = [o.get("type") for o in items if isinstance(o, dict)]
        if any(k in (1, 2) for k in kinds) and any(k not in (1, 2) for k in kinds):
            message = "Sub-commands and options cannot be mixed"
            self.errs.add(path, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", message)
        for index, option in enumerate(items):
            if not _is_dict(self.errs, (*path, index), option):
                continue
            self.option((*path, index), option, depth=depth)
            name = option.get("name")
            if isinstance(name, str):
                if name in names:
                    message = "Option names must be unique"
                    self.errs.add(
                        (*path, index, "name"),
                        "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                        message,
                    )
                names.add(name)
            if option.get("required"):
                if seen_optional:
                    message = "Required options must be placed before non-required options"
                    self.errs.add(
                        (*path, index, "required"),
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        message,
                    )
            elif option.get("type") not in (1, 2):
                seen_optional = True

    def option(self, path: ErrorPath, option: JSONDict, *, depth: int) -> None:
        kind = option.get("type")
        if kind not in range(1, 12):
            self.errs.add(
                (*path, "type"), "BASE_TYPE_CHOICES", "Value must be one of {1, ..., 11}."
            )
            return
        self.name((*path, "name"), option.get("name"))
        self.localizations(
            (*path, "name_localizations"), option.get("name_localizations"), self.name
        )
        self.description((*path, "description"), option.get("description"))
        self.localizations(
            (*path, "description_localizations"), option.get("description_localizations"),
            self.description,
        )  # fmt: skip
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            self._subcommand(path, option, depth=depth)
            return
        self._choices(path, option)
        self._ranges(path, option)

    def _subcommand(self, path: ErrorPath, option: JSONDict, *, depth: int) -> None:
        kind = option["type"]
        if option.get("required"):
            message = "Sub-commands cannot be required"
            self.errs.add(
                (*path, "required"), "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", message
            )
        if depth >= (1 if kind == SUB_COMMAND_GROUP else 2):
            message = "Sub-commands nest at most two levels deep"
            self.errs.add((*path, "type"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", message)
        children = option.get("options") or []
        if kind == SUB_COMMAND_GROUP and any(
            not isinstance(c, dict) or c.get("type") != SUB_COMMAND for c in children
        ):
            message = "A sub-command group may only contain sub-commands"
            self.errs.add((*path, "options"), "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", message)
        self.options((*path, "options"), option.get("options"), depth=depth + 1)

    def _choices(self, path: ErrorPath, option: JSONDict) -> None:
        choices = option.get("choices")
        if choices is None:
            return
        kind = option["type"]
        if kind not in (STRING, INTEGER, NUMBER):
            message = "Only string, integer and number options may have choices"
            self.errs.add((*path, "choices"), "APPLICATION_COMMAND_OPTION_CHOICES_INVALID", message)
            return
        if option.get("autocomplete"):
            message = "Autocomplete and choices are mutually exclusive"
            self.errs.add(
                (*path, "autocomplete"), "APPLICATION_COMMAND_OPTION_AUTOCOMPLETE_INVALID", message
            )
        where = (*path, "choices")
        for index, choice in enumerate(
            _check_list(self.errs, where, choices, max_len=MAX_CHOICES) or []
        ):
            if not _is_dict(self.errs, (*where, index), choice):
                continue
            _check_text(
                self.errs,
                (*where, index, "name"),
                choice.get("name"),
                max_len=100,
                min_len=1,
                required=True,
            )
            self.localizations(
                (*where, index, "name_localizations"), choice.get("name_localizations"),
                lambda p, v: _check_text(self.errs, p, v, max_len=100, min_len=1, required=True),
            )  # fmt: skip
            self._choice_value((*where, index, "value"), kind, choice.get("value"))

    def _choice_value(self, path: ErrorPath, kind: int, value: object) -> None:
        if kind == STRING:
            _check_text(self.errs, path, value, max_len=100, min_len=1, required=True)
        elif kind == INTEGER and (isinstance(value, bool) or not isinstance(value, int)):
            self.errs.add(path, "NUMBER_TYPE_COERCE", "Value is not int.")
        elif kind == NUMBER and (isinstance(value, bool) or not isinstance(value, int | float)):
            self.errs.add(path, "NUMBER_TYPE_COERCE", "Value is not a number.")

    def _ranges(self, path: ErrorPath, option: JSONDict) -> None:
        kind = option["type"]
        for key in ("min_length", "max_length"):
            value = option.get(key)
            if value is None:
                continue
            low = 0 if key == "min_length" else 1
            if kind != STRING or not isinstance(value, int) or not low <= value <= 6000:
                message = f"int value should be between {low} and 6000 (string options only)."
                self.errs.add((*path, key), "NUMBER_TYPE_MAX", message)
        for key in ("min_value", "max_value"):
            value = option.get(key)
            if value is not None and (kind not in (INTEGER, NUMBER) or isinstance(value, bool)):
                message = "Only integer and number options have min_value/max_value"
                self.errs.add((*path, key), "APPLICATION_COMMAND_OPTION_RANGE_INVALID", message)


def validate_commands(commands: object) -> _FormErrors:
    """A bulk-overwrite body: ≤ 100 chat-input commands, unique (type, name), valid fields."""
    errs = _FormErrors()
    if not isinstance(commands, list):
        errs.add((), "BASE_TYPE_LIST", "Must be an array.")
        return errs
    checker = _CommandChecker(errs)
    seen: set[tuple[int, str]] = set()
    per_type: dict[int, int] = {}
    for index, command in enumerate(commands):
        checker.command((index,), command)
        if not isinstance(command, dict):
            continue
        kind = command.get("type", CHAT_INPUT)
        key = (kind, str(command.get("name")))
        if key in seen:
            message = "Application command names must be unique"
            errs.add((index, "name"), "APPLICATION_COMMANDS_DUPLICATE_NAME", message)
        seen.add(key)
        per_type[kind] = per_type.get(kind, 0) + 1
    if per_type.get(CHAT_INPUT, 0) > MAX_COMMANDS:
        errs.add((), "BASE_TYPE_MAX_LENGTH", f"Must be {MAX_COMMANDS} or fewer in length.")
    for kind in (2, 3):
        if per_type.get(kind, 0) > 15:
            errs.add((), "BASE_TYPE_MAX_LENGTH", "At most 15 user and 15 message commands.")
    return errs


# ============================================================================================
# Records (what tests inspect)
# ============================================================================================


def _walk_components(components: Sequence[Any]) -> Iterator[JSONDict]:
    """Every component, depth first, including children of rows, sections, labels."""
    for component in components:
        if not isinstance(component, dict):
            continue
        yield component
        yield from _walk_components(component.get("components") or [])
        for key in ("component", "accessory"):
            child = component.get(key)
            if isinstance(child, dict):
                yield from _walk_components([child])


@dataclass
class SentMessage:
    """One message the bot created (or edited: ``via == "edit"``)."""

    id: int
    channel_id: int
    guild_id: int | None
    is_dm: bool
    content: str
    embeds: list[JSONDict]
    components: list[JSONDict]
    attachments: list[tuple[str, bytes]]
    allowed_mentions: JSONDict | None
    flags: int
    via: str  # "channel" | "interaction" | "followup" | "edit"
    interaction_id: int | None = None
    reference: int | None = None
    recipient_id: int | None = None  # the user, for DMs

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    def buttons(self) -> list[tuple[str, str]]:
        """(label, custom_id) of every interactive button, in order."""
        return [
            (str(c.get("label") or ""), str(c["custom_id"]))
            for c in _walk_components(self.components)
            if c.get("type") == BUTTON and c.get("custom_id") is not None
        ]

    def link_buttons(self) -> list[tuple[str, str]]:
        """(label, url) of every link button."""
        return [
            (str(c.get("label") or ""), str(c["url"]))
            for c in _walk_components(self.components)
            if c.get("type") == BUTTON and c.get("style") == 5
        ]


@dataclass(eq=False)
class Interaction:
    """An interaction a (simulated) user caused, and how the bot answered it."""

    id: int
    token: str
    type: int
    user_id: int
    channel_id: int
    guild_id: int | None
    data: JSONDict
    locale: str = "nl"
    #: None until answered; 4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal.
    response_type: int | None = None
    #: The MODAL response's data (custom_id, title, components) if ``response_type == 9``.
    modal: JSONDict | None = None
    #: Number of initial-response attempts (accepted or refused).
    responses: int = 0
    #: For components: the message carrying the component.
    message_id: int | None = None
    #: The message the initial response created (types 4 and 5).
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    #: For modal submits: the interaction that opened the modal.
    parent: Interaction | None = None
    modal_submitted: bool = False
    payload: JSONDict = field(default_factory=dict, repr=False)
    dispatched_at: float = 0.0
    _answered: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def answered(self) -> bool:
        return self.response_type is not None

    def _mark_answered(self, response_type: int) -> None:
        self.response_type = response_type
        self._answered.set()

    async def wait_answered(self, timeout: float = 3) -> Interaction:  # noqa: ASYNC109
        """Wait until the bot sent its initial response; TimeoutError otherwise."""
        try:
            await asyncio.wait_for(self._answered.wait(), timeout)
        except TimeoutError:
            name = self.data.get("name") or self.data.get("custom_id")
            raise TimeoutError(f"interaction {name!r} (type {self.type}) not answered") from None
        return self


@dataclass
class ApiCall:
    """One REST request the fake answered."""

    method: str
    path: str
    status: int


# ============================================================================================
# World model
# ============================================================================================


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _username(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_.]", "_", name.lower()).strip("_.")
    return (slug or "user")[:32]


@dataclass
class _User:
    id: int
    name: str
    locale: str = "nl"
    bot: bool = False

    def to_api(self) -> JSONDict:
        data: JSONDict = {
            "id": str(self.id),
            "username": _username(self.name) if not self.bot else self.name,
            "discriminator": "0" if not self.bot else "0001",
            "global_name": None if self.bot else self.name,
            "avatar": None,
            "avatar_decoration_data": None,
            "banner": None,
            "accent_color": None,
            "public_flags": 0,
        }
        if self.bot:
            data["bot"] = True
        return data


@dataclass
class _Role:
    id: int
    name: str
    permissions: int
    position: int
    bot_id: int | None = None

    def to_api(self) -> JSONDict:
        data: JSONDict = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.bot_id is not None,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class _Member:
    user_id: int
    roles: list[int]
    joined_at: str = field(default_factory=_now_iso)

    def to_api(self, user: _User | None) -> JSONDict:
        data: JSONDict = {
            "roles": [str(role) for role in self.roles],
            "joined_at": self.joined_at,
            "nick": None,
            "avatar": None,
            "banner": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if user is not None:
            data["user"] = user.to_api()
        return data


@dataclass
class _Channel:
    id: int
    type: int
    name: str = ""
    guild_id: int | None = None
    recipient_id: int | None = None
    position: int = 0
    last_message_id: int | None = None


@dataclass
class _Guild:
    id: int
    name: str
    owner_id: int
    locale: str
    channel_ids: list[int]
    roles: dict[int, _Role]
    members: dict[int, _Member]
    joined_at: str = field(default_factory=_now_iso)
    manager_role_id: int | None = None


@dataclass
class _Message:
    id: int
    channel_id: int
    guild_id: int | None
    author_id: int
    content: str = ""
    type: int = DEFAULT_MESSAGE
    embeds: list[JSONDict] = field(default_factory=list)
    components: list[JSONDict] = field(default_factory=list)
    attachments: list[JSONDict] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    flags: int = 0
    mentions: list[int] = field(default_factory=list)
    allowed_mentions: JSONDict | None = None
    reference_id: int | None = None
    tts: bool = False
    nonce: str | int | None = None
    timestamp: str = field(default_factory=_now_iso)
    edited_timestamp: str | None = None
    interaction_id: int | None = None
    deleted: bool = False


@dataclass
class _Reply:
    status: int = 200
    body: Any = None  # JSON-able; None means "no content"


@dataclass
class _Call:
    request: web.Request
    params: dict[str, str]
    body: Any = None
    uploads: list[Upload] = field(default_factory=list)

    def snowflake(self, name: str) -> int:
        value = _as_snowflake(self.params[name])
        if value is None:
            raise DiscordHTTPError(404, 0, "404: Not Found")
        return value

    def json_object(self) -> JSONDict:
        if not isinstance(self.body, dict):
            raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.")
        return self.body


Handler = Callable[[_Call], Awaitable[_Reply]]


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    bucket: str
    major: str | None
    auth: bool


def _route(
    method: str,
    path: str,
    handler: Handler,
    *,
    bucket: str = "default",
    major: str | None = None,
    auth: bool = True,
) -> _Route:
    """A route; ``{name}`` segments become named groups."""
    regex = _ROUTE_PARAM_RE.sub(
        r"(?P<\1>[^/]+)", re.escape(path).replace("\\{", "{").replace("\\}", "}")
    )
    return _Route(method, re.compile(f"^{regex}$"), handler, bucket, major, auth)


class _DropConnection(Exception):
    """The request took effect; the connection closes before the answer."""


class _RateLimited(Exception):
    def __init__(self, retry_after: float, *, is_global: bool, bucket: str | None) -> None:
        super().__init__(f"rate limited for {retry_after:.3f}s")
        self.retry_after = retry_after
        self.is_global = is_global
        self.bucket = bucket


@dataclass
class _Window:
    """A fixed window, as Discord's buckets: ``limit`` requests, all refilled at ``reset_at``."""

    limit: int
    span: float
    remaining: int = 0
    reset_at: float = 0.0

    def refresh(self, now: float) -> None:
        if now >= self.reset_at:
            self.remaining = self.limit
            self.reset_at = now + self.span


class _RateLimiter:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._windows: dict[str, _Window] = {}

    def window(self, key: str, limit: int, span: float) -> _Window:
        window = self._windows.setdefault(key, _Window(limit, span))
        window.refresh(self._clock())
        return window

    def retry_after(self, window: _Window) -> float:
        return _ceil_ms(window.reset_at - self._clock())


def _ceil_ms(seconds: float) -> float:
    """Round *up* to milliseconds: a client sleeping this long never comes back too early."""
    return max(0.001, math.ceil(seconds * 1000) / 1000)


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
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._event.wait(), remaining)
        return True


# ============================================================================================
# Gateway sessions
# ============================================================================================


@dataclass
class _CloseFrame:
    code: int
    reason: str


class ShardSession:
    """One gateway websocket connection (read-only for tests)."""

    def __init__(self, ws: web.WebSocketResponse, compress: str | None) -> None:
        self.shard_id = 0
        self.shard_count = 1
        self.intents = 0
        self.session_id = ""
        self.compress = compress
        self.identified = False
        self.ready = False
        self.closed = False
        self.close_code: int | None = None
        self.heartbeats = 0
        self.identify: JSONDict = {}
        self.presence: JSONDict | None = None
        self.sequence = 0
        self._ws = ws
        self._compressor = zlib.compressobj() if compress == "zlib-stream" else None
        self._queue: asyncio.Queue[str | _CloseFrame] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="fake-discord-gateway-writer")

    def __repr__(self) -> str:
        state = "closed" if self.closed else "ready" if self.ready else "open"
        return f"<ShardSession shard={self.shard_id}/{self.shard_count} {state}>"

    @property
    def live(self) -> bool:
        return self.identified and not self.closed

    def handles(self, guild_id: int | None) -> bool:
        """Discord's routing: ``(guild_id >> 22) % shard_count``; DMs go to shard 0."""
        if guild_id is None:
            return self.shard_id == 0
        return (guild_id >> 22) % self.shard_count == self.shard_id

    def send_op(self, op: int, data: Any) -> None:
        self._enqueue({"op": op, "d": data, "s": None, "t": None})

    def dispatch(self, event: str, data: Any) -> None:
        self.sequence += 1
        self._enqueue({"op": 0, "d": data, "s": self.sequence, "t": event})

    def close(self, code: int, reason: str = "") -> None:
        self._queue.put_nowait(_CloseFrame(code, reason or _CLOSE_REASONS.get(code, "")))

    async def flush(self) -> None:
        """Wait until everything queued so far went out (or the socket died)."""
        if not self._writer.done():
            await self._queue.join()

    def _enqueue(self, payload: JSONDict) -> None:
        if not self.closed:
            self._queue.put_nowait(json.dumps(payload, separators=(",", ":")))

    async def _write_loop(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                await self._write(item)
            except Exception:  # a dead socket must not kill the writer
                self.closed = True
            finally:
                self._queue.task_done()

    async def _write(self, item: str | _CloseFrame) -> None:
        if self.closed:
            return
        if isinstance(item, _CloseFrame):
            self.close_code = item.code
            self.closed = True
            await self._ws.close(code=item.code, message=item.reason.encode())
        elif self._compressor is not None:
            data = self._compressor.compress(item.encode())
            await self._ws.send_bytes(data + self._compressor.flush(zlib.Z_SYNC_FLUSH))
        else:
            await self._ws.send_str(item)

    async def stop(self) -> None:
        self.closed = True
        self._writer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer
        while not self._queue.empty():
            self._queue.get_nowait()
            self._queue.task_done()


# ============================================================================================
# The server
# ============================================================================================


class LibraryPatch:
    """Sets ``discord.http.Route.BASE`` and ``DiscordWebSocket.DEFAULT_GATEWAY``; restores them."""

    def __init__(self, api_base: str, gateway_url: str) -> None:
        self._api_base = api_base
        self._gateway = yarl.URL(gateway_url)
        self._saved: list[tuple[str, yarl.URL]] = []

    def __enter__(self) -> LibraryPatch:
        route, websocket = discord.http.Route, discord.gateway.DiscordWebSocket
        self._saved.append((route.BASE, websocket.DEFAULT_GATEWAY))
        route.BASE = self._api_base
        websocket.DEFAULT_GATEWAY = self._gateway
        return self

    def __exit__(self, *exc_info: object) -> None:
        base, gateway = self._saved.pop()
        discord.http.Route.BASE = base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

    async def __aenter__(self) -> LibraryPatch:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)


class FakeDiscordServer:
    """Fake Discord: ``async with FakeDiscordServer() as server, server.patch_library(): ...``.

    Settings beyond identity: ``shards`` (what GET /gateway/bot recommends; clients may identify
    with another count, as on Discord), which privileged intents the "developer portal" allows
    (``message_content_intent``, ``members_intent``, ``presence_intent``), rate limits as
    ``(requests, seconds)`` windows (``channel_limit`` per channel for send/edit/delete,
    ``webhook_limit`` per interaction token, ``route_limit`` for other routes, ``global_limit``
    for everything with the bot token; an int means per second), ``heartbeat_interval``
    (seconds, sent in HELLO), ``interaction_timeout`` (initial-response deadline),
    ``token_lifetime`` (follow-ups) and ``max_file_size`` (per upload).
    """

    def __init__(
        self,
        *,
        token: str = "fake-discord-token",
        application_id: int = 900,
        bot_user_id: int = 900,
        bot_name: str = "Leeratelier",
        shards: int = 1,
        message_content_intent: bool = True,
        members_intent: bool = True,
        presence_intent: bool = True,
        channel_limit: tuple[int, float] = (5, 5.0),
        global_limit: int | tuple[int, float] = 50,
        webhook_limit: tuple[int, float] = (5, 2.0),
        route_limit: tuple[int, float] = (50, 1.0),
        heartbeat_interval: float = 41.25,
        interaction_timeout: float = 3.0,
        token_lifetime: float = 15 * 60.0,
        max_file_size: int = MAX_FILE_BYTES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.application_id = application_id
        self.bot_user_id = bot_user_id
        self.bot_name = bot_name
        self.shards = shards
        self.message_content_intent = message_content_intent
        self.members_intent = members_intent
        self.presence_intent = presence_intent
        self.channel_limit = channel_limit
        self.global_limit = global_limit if isinstance(global_limit, tuple) else (global_limit, 1.0)
        self.webhook_limit = webhook_limit
        self.route_limit = route_limit
        self.heartbeat_interval = heartbeat_interval
        self.interaction_timeout = interaction_timeout
        self.token_lifetime = token_lifetime
        self.max_file_size = max_file_size
        self._clock = clock

        # inspection
        self.sent: list[SentMessage] = []
        self.interactions: list[Interaction] = []
        self.commands: dict[int | None, list[JSONDict]] = {}
        self.errors: list[str] = []
        self.calls: list[ApiCall] = []
        self.rate_limited = 0
        self.rate_limit_log: list[str] = []
        self.sessions: list[ShardSession] = []

        # world
        self._bot = _User(bot_user_id, bot_name, locale="en-US", bot=True)
        self._users: dict[int, _User] = {bot_user_id: self._bot}
        self._guilds: dict[int, _Guild] = {}
        self._channels: dict[int, _Channel] = {}
        self._dm_channels: dict[int, int] = {}
        self._messages: dict[int, _Message] = {}
        self._files: dict[int, tuple[str, bytes, str | None]] = {}
        self._blocked_dms: set[int] = set()
        self._events: dict[int, events.ScheduledEvent] = {}
        self._event_faults = 0
        self.wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        """Discord's own time: a scheduled event must start after it."""
        self._command_ids: dict[tuple[int | None, int, str], int] = {}
        self._interactions_by_id: dict[int, Interaction] = {}
        self._interactions_by_token: dict[str, Interaction] = {}
        self._snowflake = 0
        self._session_starts = 0

        # plumbing
        self._limiter = _RateLimiter(clock)
        self._sent_signal = _Signal()
        self._call_signal = _Signal()
        self._ready_signal = _Signal()
        self._routes = self._build_routes()
        self.nonce_window = NONCE_WINDOW
        self.nonce_hits = 0
        """Message creates answered with an earlier message because of enforce_nonce."""
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}
        self._faults: deque[str] = deque()
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # ------------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> FakeDiscordServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("server already started")
        app = web.Application(client_max_size=(MAX_FILES + 1) * self.max_file_size + 1024 * 1024)
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/gateway/", self._handle_gateway)
        app.router.add_get(
            "/attachments/{channel}/{attachment}/{filename}", self._handle_attachment
        )
        app.router.add_route("*", "/api/v{version}/{tail:.*}", self._handle_api)
        runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(runner, sock).start()
        self._runner = runner

    async def stop(self) -> None:
        for session in self.sessions:
            if not session.closed:
                session.close(1001, "Server going away")
        await asyncio.gather(*(s.flush() for s in self.sessions), return_exceptions=True)
        for session in self.sessions:
            await session.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("server not started")
        return self._port

    @property
    def api_base(self) -> str:
        """Set ``discord.http.Route.BASE`` to this (``patch_library`` does)."""
        return f"http://127.0.0.1:{self.port}/api/v{API_VERSION}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def patch_library(self) -> LibraryPatch:
        """Point discord.py's REST base and default gateway here; restored on exit.

        Usable as ``with`` and as ``async with`` (so it combines with the server's own block).
        """
        return LibraryPatch(self.api_base, self.gateway_url)

    # ------------------------------------------------------------------------ world set-up

    def add_user(self, user_id: int, name: str, *, locale: str = "nl") -> None:
        """Create (or rename) a user.  ``locale`` is their client language for interactions."""
        assert locale in LOCALES, f"{locale!r} is not a Discord locale"
        user = self._users.get(user_id)
        if user is None:
            self._users[user_id] = _User(user_id, name, locale)
        else:
            user.name, user.locale = name, locale

    def add_guild(
        self,
        guild_id: int,
        name: str,
        *,
        channels: dict[int, str],
        owner_id: int,
        locale: str = "en-US",
    ) -> None:
        """A guild the bot is in, with text channels; the owner becomes a member.

        Live (a session is up): dispatched as GUILD_CREATE, as when the bot is added to a guild.
        """
        assert guild_id not in self._guilds, f"guild {guild_id} exists"
        if owner_id not in self._users:
            self._users[owner_id] = _User(owner_id, f"owner-{owner_id}")
        everyone = _Role(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0)
        bot_role = _Role(self._next_id(), self.bot_name, BOT_ROLE_PERMISSIONS, 1, self.bot_user_id)
        guild = _Guild(
            guild_id, name, owner_id, locale, [], {everyone.id: everyone, bot_role.id: bot_role}, {}
        )
        guild.members[self.bot_user_id] = _Member(self.bot_user_id, [bot_role.id])
        guild.members[owner_id] = _Member(owner_id, [])
        for position, (channel_id, channel_name) in enumerate(channels.items()):
            assert channel_id not in self._channels, f"channel {channel_id} exists"
            self._channels[channel_id] = _Channel(
                channel_id, GUILD_TEXT, channel_name, guild_id, position=position
            )
            guild.channel_ids.append(channel_id)
        self._guilds[guild_id] = guild
        joined = functools.partial(self._guild_create_for, joined=True)
        self._dispatch_nowait("GUILD_CREATE", joined, guild_id, GUILDS)

    def add_role(
        self, guild_id: int, role_id: int, name: str, *, manage_guild: bool = False
    ) -> None:
        """A role; live: GUILD_ROLE_CREATE."""
        guild = self._guild(guild_id)
        assert role_id not in guild.roles, f"role {role_id} exists"
        permissions = MANAGE_GUILD if manage_guild else 0
        role = _Role(role_id, name, permissions, len(guild.roles))
        guild.roles[role_id] = role
        payload = {"guild_id": str(guild_id), "role": role.to_api()}
        self._dispatch_nowait("GUILD_ROLE_CREATE", payload, guild_id, GUILDS)

    def add_member(
        self,
        guild_id: int,
        user_id: int,
        *,
        manage_guild: bool = False,
        roles: tuple[int, ...] = (),
    ) -> None:
        """Make a user a member (``manage_guild`` gives a "Manage Server" role, as Discord would).

        Live: GUILD_MEMBER_ADD (GUILD_MEMBER_UPDATE if already a member); needs GUILD_MEMBERS.
        """
        guild = self._guild(guild_id)
        user = self._require_user(user_id)
        for role in roles:
            assert role in guild.roles, f"unknown role {role} in guild {guild_id}"
        role_ids = list(roles)
        if manage_guild:
            role_ids.append(self._manager_role(guild))
        existing = guild.members.get(user_id)
        if existing is not None:
            existing.roles = role_ids
            payload = {"guild_id": str(guild_id), **existing.to_api(user)}
            self._dispatch_nowait("GUILD_MEMBER_UPDATE", payload, guild_id, GUILD_MEMBERS)
            return
        member = _Member(user_id, role_ids)
        guild.members[user_id] = member
        payload = {"guild_id": str(guild_id), **member.to_api(user)}
        self._dispatch_nowait("GUILD_MEMBER_ADD", payload, guild_id, GUILD_MEMBERS)

    def remove_member(self, guild_id: int, user_id: int) -> None:
        """The user leaves; live: GUILD_MEMBER_REMOVE."""
        guild = self._guild(guild_id)
        assert user_id in guild.members, f"user {user_id} is not in guild {guild_id}"
        assert user_id != self.bot_user_id, "use kick_bot to remove the bot"
        del guild.members[user_id]
        payload = {"guild_id": str(guild_id), "user": self._users[user_id].to_api()}
        self._dispatch_nowait("GUILD_MEMBER_REMOVE", payload, guild_id, GUILD_MEMBERS)

    def kick_bot(self, guild_id: int) -> None:
        """The bot is removed from a guild; live: GUILD_DELETE.  Its channels then give 50001."""
        guild = self._guild(guild_id)
        assert self.bot_user_id in guild.members, "the bot is not in that guild"
        del guild.members[self.bot_user_id]
        self._dispatch_nowait("GUILD_DELETE", {"id": str(guild_id)}, guild_id, GUILDS)

    def fail_message_creates(self, *faults: str) -> None:
        """The next channel message creates fail, one fault each: ``"drop"`` creates the
        message and then drops the connection without answering (the sender cannot know it
        arrived); ``"502"`` answers 502 without creating anything."""
        for fault in faults:
            if fault not in ("drop", "502"):
                raise ValueError(f"unknown fault {fault!r}")
            self._faults.append(fault)

    def set_bot_permission(self, guild_id: int, permission: int, *, allowed: bool) -> None:
        """Grant or take away one permission of the bot's role (as a server admin would)."""
        guild = self._guild(guild_id)
        for role in guild.roles.values():
            if role.bot_id == self.bot_user_id:
                role.permissions = (
                    role.permissions | permission if allowed else role.permissions & ~permission
                )

    def fail_event_creates(self, count: int) -> None:
        """The next ``count`` scheduled-event creates drop the connection without creating
        anything (discord.py raises at once; a 5xx it would wait out itself)."""
        self._event_faults += count

    def scheduled_events(self, guild_id: int) -> list[JSONDict]:
        """The guild's scheduled events as the API shows them, oldest first."""
        bot = self._user_api(self.bot_user_id)
        return [e.to_api(bot) for e in self._events.values() if e.guild_id == guild_id]

    def block_dms(self, user_id: int) -> None:
        """DMs to this user fail with 403 code 50007 (they closed DMs or blocked the bot)."""
        self._require_user(user_id)
        self._blocked_dms.add(user_id)

    def unblock_dms(self, user_id: int) -> None:
        self._blocked_dms.discard(user_id)

    async def drop_connections(self, code: int = 1001) -> None:
        """Close every gateway connection, as Discord does when it restarts a gateway node.

        discord.py reconnects and tries to RESUME; sessions are not kept here, so it gets
        INVALID_SESSION and identifies anew (a fresh READY and GUILD_CREATEs).
        """
        live = [session for session in self.sessions if not session.closed]
        for session in live:
            session.close(code, "Going away")
        await asyncio.gather(*(session.flush() for session in live))

    def dm_channel_id(self, user_id: int) -> int:
        """The (stable) id of the DM channel between the bot and this user."""
        return self._dm_channel(self._require_user(user_id)).id

    # ------------------------------------------------------------------------ users act

    async def push_message(
        self,
        channel_id: int,
        user_id: int,
        content: str,
        *,
        mentions_bot: bool = False,
        reply_to: int | None = None,
    ) -> int:
        """A user posts a message (MESSAGE_CREATE); returns its id.

        ``mentions_bot`` prefixes ``<@bot>`` unless the content already mentions the bot.  A reply
        pings the replied-to author, as Discord's client does by default.
        """
        channel = self._require_channel(channel_id)
        user = self._require_user(user_id)
        self._check_can_post(channel, user_id)
        if channel.guild_id is not None:
            assert self._bot_in(self._guilds[channel.guild_id]), "the bot is not in that guild"
        if mentions_bot and not self._mentions(content, self.bot_user_id):
            content = f"<@{self.bot_user_id}> {content}"
        assert 0 < len(content) <= 4000, "Discord's client refuses empty or over-long messages"
        mentions = [uid for uid in self._mentioned_ids(content) if uid in self._users]
        reference = None
        if reply_to is not None:
            reference = self._messages.get(reply_to)
            assert reference is not None and reference.channel_id == channel_id, (
                f"message {reply_to} is not in channel {channel_id}"
            )
            if reference.author_id not in mentions:
                mentions.append(reference.author_id)
        message = _Message(
            self._next_id(), channel_id, channel.guild_id, user.id, content,
            REPLY_MESSAGE if reference else DEFAULT_MESSAGE, mentions=mentions,
            reference_id=reply_to,
        )  # fmt: skip
        self._store(message)
        await self._dispatch_message("MESSAGE_CREATE", message, require_session=True)
        return message.id

    async def push_dm(self, user_id: int, content: str) -> int:
        """A user writes to the bot in their DM channel (created if needed)."""
        return await self.push_message(self.dm_channel_id(user_id), user_id, content)

    async def push_slash_command(
        self,
        channel_id: int | None,
        user_id: int,
        name: str,
        options: Mapping[str, OptionValue] | None = None,
        *,
        locale: str | None = None,
        guild_id: int | None = None,
    ) -> Interaction:
        """A user runs a registered slash command (INTERACTION_CREATE type 2).

        ``channel_id`` None means the user's DM with the bot (unless ``guild_id`` is given: then
        the guild's first channel).  ``name`` may include a sub-command path ("groep sub").
        Options are checked against the registered command like Discord's client does (types,
        required, choices, ranges); user/channel/role options take ids and are resolved.
        """
        user = self._require_user(user_id)
        channel, guild = self._interaction_place(channel_id, user_id, guild_id)
        parts = name.split()
        command = self._find_command(parts[0], guild)
        self._check_command_usable(command, guild, user_id)
        built, resolved = self._command_options(command, parts[1:], options or {}, guild)
        data: JSONDict = {
            "id": str(command["id"]),
            "name": command["name"],
            "type": command["type"],
        }
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id") is not None:
            data["guild_id"] = command["guild_id"]
        return await self._dispatch_interaction(
            APPLICATION_COMMAND, user, channel, guild, data, locale
        )

    async def push_button(
        self, user_id: int, message_id: int, custom_id: str, *, locale: str | None = None
    ) -> Interaction:
        """A user clicks a button (INTERACTION_CREATE type 3) on a message that carries it."""
        message, component = self._clickable(user_id, message_id, custom_id, BUTTON)
        data: JSONDict = {"custom_id": custom_id, "component_type": BUTTON}
        if "id" in component:
            data["id"] = component["id"]
        return await self._component_interaction(user_id, message, data, locale)

    async def push_select(
        self,
        user_id: int,
        message_id: int,
        custom_id: str,
        values: Sequence[str],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """A user picks from a string select (INTERACTION_CREATE type 3)."""
        message, component = self._clickable(user_id, message_id, custom_id, STRING_SELECT)
        allowed = [str(option.get("value")) for option in component.get("options") or []]
        low, high = component.get("min_values", 1), component.get("max_values", 1)
        assert low <= len(values) <= high, f"select takes {low}..{high} values"
        assert all(value in allowed for value in values), f"values must be among {allowed}"
        data: JSONDict = {
            "custom_id": custom_id,
            "component_type": STRING_SELECT,
            "values": list(values),
        }
        return await self._component_interaction(user_id, message, data, locale)

    async def push_modal_submit(
        self,
        user_id: int,
        interaction: Interaction,
        values: Mapping[str, str],
        *,
        locale: str | None = None,
    ) -> Interaction:
        """The user submits the modal the bot opened on ``interaction`` (type 5).

        ``values`` are keyed by text input custom_id; required, min/max length are enforced as
        Discord's client does.  The submit data mirrors the modal's structure (rows or labels).
        """
        assert interaction.response_type == MODAL and interaction.modal is not None, (
            "that interaction did not get a MODAL response"
        )
        assert interaction.user_id == user_id, "only the user who opened the modal can submit it"
        assert not interaction.modal_submitted, "that modal was already submitted (it closes)"
        components = _modal_submission(interaction.modal, values)
        user = self._require_user(user_id)
        channel = self._channels[interaction.channel_id]
        guild = self._guilds.get(interaction.guild_id) if interaction.guild_id else None
        message = self._messages.get(interaction.message_id) if interaction.message_id else None
        data = {"custom_id": interaction.modal["custom_id"], "components": components}
        interaction.modal_submitted = True
        return await self._dispatch_interaction(
            MODAL_SUBMIT, user, channel, guild, data, locale, message=message, parent=interaction
        )

    # ------------------------------------------------------------------------ inspection

    def messages_in(self, channel_id: int) -> list[SentMessage]:
        """Records (sends and edits) in a channel, in order."""
        return [record for record in self.sent if record.channel_id == channel_id]

    def dms_to(self, user_id: int) -> list[SentMessage]:
        return [record for record in self.sent if record.is_dm and record.recipient_id == user_id]

    def message(self, message_id: int) -> JSONDict | None:
        """The current API object of a stored message (None if unknown or deleted)."""
        stored = self._messages.get(message_id)
        return None if stored is None or stored.deleted else self._message_api(stored)

    @property
    def identified_shards(self) -> list[tuple[int, int]]:
        """(shard_id, shard_count) of every live identified session."""
        return [(s.shard_id, s.shard_count) for s in self.sessions if s.live]

    async def wait_for_sent(self, count: int, timeout: float = 20) -> list[SentMessage]:  # noqa: ASYNC109
        """Wait until ``len(sent) >= count``; TimeoutError listing what was sent otherwise."""
        if await self._sent_signal.wait_for(lambda: len(self.sent) >= count, timeout):
            return self.sent[:count]
        described = ", ".join(f"{r.via}:{r.content!r}" for r in self.sent) or "nothing"
        raise TimeoutError(f"expected {count} messages within {timeout}s; sent so far: {described}")

    async def wait_for_call(
        self,
        method: str,
        path_contains: str,
        timeout: float = 20,  # noqa: ASYNC109
        *,
        start: int = 0,
    ) -> ApiCall:
        """Wait for a REST call (any status) among ``calls[start:]``: ``method`` and a path
        containing ``path_contains``.  Returns it; TimeoutError listing the calls otherwise."""

        def find() -> ApiCall | None:
            return next(
                (c for c in self.calls[start:] if c.method == method and path_contains in c.path),
                None,
            )

        if await self._call_signal.wait_for(lambda: find() is not None, timeout):
            found = find()
            assert found is not None
            return found
        described = ", ".join(f"{c.method} {c.path} {c.status}" for c in self.calls[start:])
        raise TimeoutError(f"no {method} *{path_contains}* within {timeout}s; calls: {described}")

    async def wait_until_ready(self, timeout: float = 20) -> list[ShardSession]:  # noqa: ASYNC109
        """Wait until, for the shard count clients identified with, every shard got READY and
        its GUILD_CREATEs.  (discord.py's own ``on_ready`` comes after ``guild_ready_timeout``.)
        """
        if await self._ready_signal.wait_for(lambda: self._ready_sessions() is not None, timeout):
            sessions = self._ready_sessions()
            assert sessions is not None
            return sessions
        raise TimeoutError(f"no complete set of ready shards within {timeout}s: {self.sessions}")

    async def settle(self) -> None:
        """Wait until every queued gateway event went out (after sync world changes)."""
        await asyncio.gather(*(s.flush() for s in self.sessions if not s.closed))

    def _ready_sessions(self) -> list[ShardSession] | None:
        live = [s for s in self.sessions if s.live and s.ready]
        if not live:
            return None
        count = max(s.shard_count for s in live)
        group = [s for s in live if s.shard_count == count]
        if {s.shard_id for s in group} >= set(range(count)):
            return group
        return None

    # ------------------------------------------------------------------------ ids & lookups

    def _next_id(self) -> int:
        """Time-based, strictly increasing snowflakes (so discord.py's snowflake_time works)."""
        candidate = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22
        self._snowflake = max(candidate, self._snowflake + 1)
        return self._snowflake

    def _require_user(self, user_id: int) -> _User:
        user = self._users.get(user_id)
        assert user is not None, f"unknown user {user_id}: add_user first"
        return user

    def _guild(self, guild_id: int) -> _Guild:
        guild = self._guilds.get(guild_id)
        assert guild is not None, f"unknown guild {guild_id}: add_guild first"
        return guild

    def _require_channel(self, channel_id: int) -> _Channel:
        channel = self._channels.get(channel_id)
        assert channel is not None, f"unknown channel {channel_id}"
        return channel

    def _manager_role(self, guild: _Guild) -> int:
        if guild.manager_role_id is None:
            role = _Role(self._next_id(), "Manage Server", MANAGE_GUILD, len(guild.roles))
            guild.roles[role.id] = role
            guild.manager_role_id = role.id
            payload = {"guild_id": str(guild.id), "role": role.to_api()}
            self._dispatch_nowait("GUILD_ROLE_CREATE", payload, guild.id, GUILDS)
        return guild.manager_role_id

    def _dm_channel(self, user: _User) -> _Channel:
        channel_id = self._dm_channels.get(user.id)
        if channel_id is None:
            channel_id = self._next_id()
            self._channels[channel_id] = _Channel(channel_id, DM, recipient_id=user.id)
            self._dm_channels[user.id] = channel_id
        return self._channels[channel_id]

    def _bot_in(self, guild: _Guild) -> bool:
        return self.bot_user_id in guild.members

    def _permissions(self, guild: _Guild, user_id: int) -> int:
        """Guild-level permissions: @everyone | roles; owner and administrators get all."""
        if user_id == guild.owner_id:
            return ALL_PERMISSIONS
        member = guild.members.get(user_id)
        permissions = guild.roles[guild.id].permissions
        for role_id in member.roles if member else []:
            permissions |= guild.roles[role_id].permissions
        return ALL_PERMISSIONS if permissions & ADMINISTRATOR else permissions

    def _mutual_guild(self, user_id: int) -> bool:
        return any(
            user_id in guild.members and self._bot_in(guild) for guild in self._guilds.values()
        )

    @staticmethod
    def _mentioned_ids(content: str) -> list[int]:
        return list(dict.fromkeys(int(match) for match in _MENTION_RE.findall(content)))

    def _mentions(self, content: str, user_id: int) -> bool:
        return user_id in self._mentioned_ids(content)

    def _check_can_post(self, channel: _Channel, user_id: int) -> None:
        if channel.guild_id is None:
            assert channel.recipient_id == user_id, "that DM channel belongs to another user"
            return
        guild = self._guilds[channel.guild_id]
        assert user_id in guild.members, f"user {user_id} is not a member of guild {guild.id}"

    # ------------------------------------------------------------------------ API objects

    def _user_api(self, user_id: int) -> JSONDict:
        user = self._users.get(user_id) or _User(user_id, f"user-{user_id}")
        return user.to_api()

    def _bot_api(self) -> JSONDict:
        return {
            **self._bot.to_api(),
            "verified": True,
            "mfa_enabled": False,
            "email": None,
            "flags": 0,
            "locale": "en-US",
        }

    def _channel_api(self, channel: _Channel, *, for_user: int | None = None) -> JSONDict:
        last = str(channel.last_message_id) if channel.last_message_id else None
        if channel.type == DM:
            assert channel.recipient_id is not None
            return {
                "id": str(channel.id),
                "type": DM,
                "last_message_id": last,
                "flags": 0,
                "recipients": [self._user_api(channel.recipient_id)],
            }
        assert channel.guild_id is not None
        data: JSONDict = {
            "id": str(channel.id),
            "type": GUILD_TEXT,
            "guild_id": str(channel.guild_id),
            "name": channel.name,
            "position": channel.position,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": last,
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        if for_user is not None:
            data["permissions"] = str(self._permissions(self._guilds[channel.guild_id], for_user))
        return data

    def _member_api(self, guild: _Guild, user_id: int, *, with_user: bool = True) -> JSONDict:
        user = self._users.get(user_id) if with_user else None
        return guild.members[user_id].to_api(user)

    def _guild_api(self, guild: _Guild) -> JSONDict:
        return {
            "id": str(guild.id),
            "name": guild.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str(guild.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": guild.locale,
            "features": [],
            "roles": [role.to_api() for role in guild.roles.values()],
            "emojis": [],
            "stickers": [],
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "max_members": 500000,
        }

    def _guild_create_for(
        self, session: ShardSession, guild_id: int, *, joined: bool = False
    ) -> JSONDict | None:
        """GUILD_CREATE as this session sees it: members only with GUILD_PRESENCES (else the bot
        alone), as Discord does; discord.py then asks for the rest with REQUEST_GUILD_MEMBERS.
        ``unavailable: false`` marks the backfill after READY; a guild the bot just *joined* has
        no ``unavailable`` at all (that is how discord.py tells guild_join from guild_available).
        """
        guild = self._guilds.get(guild_id)
        if guild is None or not self._bot_in(guild):
            return None
        if session.intents & GUILD_PRESENCES:
            member_ids = list(guild.members)
        else:
            member_ids = [self.bot_user_id]
        payload: JSONDict = {
            **self._guild_api(guild),
            "joined_at": guild.members[self.bot_user_id].joined_at,
            "large": False,
            "lazy": True,
            "member_count": len(guild.members),
            "members": [self._member_api(guild, uid) for uid in member_ids],
            "channels": [self._channel_api(self._channels[cid]) for cid in guild.channel_ids],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }
        if not joined:
            payload["unavailable"] = False
        return payload

    def _interaction_metadata(self, interaction: Interaction) -> JSONDict:
        data: JSONDict = {
            "id": str(interaction.id),
            "type": interaction.type,
            "user": self._user_api(interaction.user_id),
            "authorizing_integration_owners": interaction.payload.get(
                "authorizing_integration_owners", {}
            ),
        }
        if interaction.type == APPLICATION_COMMAND:
            data["name"] = interaction.data.get("name")
            data["command_type"] = interaction.data.get("type", CHAT_INPUT)
        if interaction.type == MESSAGE_COMPONENT and interaction.message_id:
            data["interacted_message_id"] = str(interaction.message_id)
        if interaction.parent is not None:
            data["triggering_interaction_metadata"] = self._interaction_metadata(interaction.parent)
        return data

    def _message_api(
        self, message: _Message, *, gateway: bool = False, nested: bool = False
    ) -> JSONDict:
        data: JSONDict = {
            "id": str(message.id),
            "channel_id": str(message.channel_id),
            "type": message.type,
            "content": message.content,
            "author": self._user_api(message.author_id),
            "timestamp": message.timestamp,
            "edited_timestamp": message.edited_timestamp,
            "tts": message.tts,
            "mention_everyone": False,
            "mentions": [self._user_api(uid) for uid in message.mentions],
            "mention_roles": [],
            "attachments": copy.deepcopy(message.attachments),
            "embeds": copy.deepcopy(message.embeds),
            "components": copy.deepcopy(message.components),
            "pinned": False,
            "flags": message.flags,
        }
        if message.nonce is not None:
            data["nonce"] = message.nonce
        interaction = self._interactions_by_id.get(message.interaction_id or 0)
        if interaction is not None:
            data["webhook_id"] = str(self.application_id)
            data["application_id"] = str(self.application_id)
            data["interaction_metadata"] = self._interaction_metadata(interaction)
        if message.reference_id is not None:
            data["message_reference"] = self._reference_api(message)
            if not nested:
                referenced = self._messages.get(message.reference_id)
                data["referenced_message"] = (
                    self._message_api(referenced, gateway=gateway, nested=True)
                    if referenced is not None and not referenced.deleted
                    else None
                )
        if gateway and message.guild_id is not None:
            data["guild_id"] = str(message.guild_id)
            guild = self._guilds.get(message.guild_id)
            if guild is not None and message.author_id in guild.members:
                data["member"] = self._member_api(guild, message.author_id, with_user=False)
        return data

    def _reference_api(self, message: _Message) -> JSONDict:
        reference: JSONDict = {
            "type": 0,
            "message_id": str(message.reference_id),
            "channel_id": str(message.channel_id),
        }
        if message.guild_id is not None:
            reference["guild_id"] = str(message.guild_id)
        return reference

    # ------------------------------------------------------------------------ gateway: dispatch

    def _dispatch_nowait(
        self,
        event: str,
        data: JSONDict | Callable[[ShardSession, int], JSONDict | None],
        guild_id: int | None,
        intent: int | None,
    ) -> list[ShardSession]:
        """Queue an event for every live session of the right shard that has the intent."""
        guild = self._guilds.get(guild_id) if guild_id is not None else None
        if guild is not None and not self._bot_in(guild) and event != "GUILD_DELETE":
            return []
        targets = [
            s for s in self.sessions
            if s.live and s.handles(guild_id) and (intent is None or s.intents & intent)
        ]  # fmt: skip
        for session in targets:
            if callable(data):
                assert guild_id is not None
                payload = data(session, guild_id)
                if payload is None:
                    continue
            else:
                payload = data
            session.dispatch(event, payload)
        return targets

    def _assert_session_for(self, guild_id: int | None) -> None:
        assert any(s.live and s.handles(guild_id) for s in self.sessions), (
            "no connected gateway session would receive this (is the client running?)"
        )

    async def _dispatch_message(
        self, event: str, message: _Message, *, require_session: bool = False
    ) -> None:
        """MESSAGE_CREATE/UPDATE; content hidden from sessions without MESSAGE_CONTENT unless it
        is a DM, the bot's own message, or mentions the bot (Discord's rule)."""
        if message.flags & EPHEMERAL:
            return
        if require_session:
            self._assert_session_for(message.guild_id)
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        full = self._message_api(message, gateway=True)
        visible = (
            message.guild_id is None
            or message.author_id == self.bot_user_id
            or self.bot_user_id in message.mentions
        )
        hidden = {**full, "content": "", "embeds": [], "attachments": [], "components": []}

        def shaped(session: ShardSession, _guild_id: int) -> JSONDict:
            return full if visible or session.intents & MESSAGE_CONTENT else hidden

        data = shaped if message.guild_id is not None else full
        targets = self._dispatch_nowait(event, data, message.guild_id, intent)
        await asyncio.gather(*(s.flush() for s in targets))

    async def _dispatch_message_delete(self, message: _Message) -> None:
        payload: JSONDict = {"id": str(message.id), "channel_id": str(message.channel_id)}
        if message.guild_id is not None:
            payload["guild_id"] = str(message.guild_id)
        intent = GUILD_MESSAGES if message.guild_id is not None else DIRECT_MESSAGES
        targets = self._dispatch_nowait("MESSAGE_DELETE", payload, message.guild_id, intent)
        await asyncio.gather(*(s.flush() for s in targets))

    # ------------------------------------------------------------------------ gateway: socket

    async def _handle_gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(timeout=2.0)  # close handshake; Discord gives ~1 s
        await ws.prepare(request)
        session = ShardSession(ws, request.query.get("compress"))
        self.sessions.append(session)
        problem = self._gateway_query_problem(request.query)
        if problem is not None:
            self._gateway_close(session, problem)
        else:
            session.send_op(10, {"heartbeat_interval": int(self.heartbeat_interval * 1000)})
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._gateway_receive(session, msg.data)
                elif msg.type == WSMsgType.BINARY:
                    self._gateway_close(session, CLOSE_DECODE_ERROR)
                if session.closed:
                    break
        finally:
            session.closed = True
            self._ready_signal.notify()
        return ws

    @staticmethod
    def _gateway_query_problem(query: Mapping[str, str]) -> int | None:
        if query.get("v") != str(API_VERSION):
            return CLOSE_INVALID_API_VERSION
        if query.get("encoding", "json") != "json":
            return CLOSE_DECODE_ERROR  # this fake speaks JSON only (discord.py does too)
        return None

    def _gateway_close(self, session: ShardSession, code: int) -> None:
        self.errors.append(f"gateway close {code}: {_CLOSE_REASONS.get(code, '')}")
        session.close(code)

    async def _gateway_receive(self, session: ShardSession, raw: str) -> None:
        try:
            message = json.loads(raw)
            op, data = message["op"], message.get("d")
        except (ValueError, KeyError, TypeError):
            self._gateway_close(session, CLOSE_DECODE_ERROR)
            return
        if op == 1:
            session.heartbeats += 1
            session.send_op(11, None)
        elif op == 2:
            await self._identify(session, data)
        elif op == 6:
            session.send_op(9, False)  # sessions are not kept: "cannot resume", identify anew
        elif not session.identified:
            self._gateway_close(session, CLOSE_NOT_AUTHENTICATED)
        elif op == 3:
            session.presence = data
        elif op == 4:
            pass  # voice state updates: accepted, not modelled
        elif op == 8:
            self._request_members(session, data)
        else:
            self._gateway_close(session, CLOSE_UNKNOWN_OPCODE)

    def _identify_problem(self, session: ShardSession, data: object) -> int | None:
        if session.identified:
            return CLOSE_ALREADY_AUTHENTICATED
        if not isinstance(data, dict) or data.get("token") != self.token:
            return CLOSE_AUTHENTICATION_FAILED
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~KNOWN_INTENTS:
            return CLOSE_INVALID_INTENTS
        allowed = {
            MESSAGE_CONTENT: self.message_content_intent,
            GUILD_MEMBERS: self.members_intent,
            GUILD_PRESENCES: self.presence_intent,
        }
        if any(intents & bit and not ok for bit, ok in allowed.items()):
            return CLOSE_DISALLOWED_INTENTS
        shard = data.get("shard", [0, 1])
        if (
            not isinstance(shard, list)
            or len(shard) != 2
            or not all(isinstance(n, int) for n in shard)
            or not 0 <= shard[0] < shard[1]
        ):
            return CLOSE_INVALID_SHARD
        return None

    async def _identify(self, session: ShardSession, data: object) -> None:
        problem = self._identify_problem(session, data)
        if problem is not None:
            self._gateway_close(session, problem)
            return
        assert isinstance(data, dict)
        session.identify = {**data, "token": "<redacted>"}
        session.intents = data["intents"]
        session.shard_id, session.shard_count = data.get("shard", [0, 1])
        session.session_id = secrets.token_hex(16)
        session.presence = data.get("presence")
        session.identified = True
        self._session_starts += 1
        session.dispatch("READY", self._ready_payload(session))
        for guild_id in self._guilds:
            if session.handles(guild_id) and session.intents & GUILDS:
                payload = self._guild_create_for(session, guild_id)
                if payload is not None:
                    session.dispatch("GUILD_CREATE", payload)
        await session.flush()
        session.ready = True
        self._ready_signal.notify()

    def _application_flags(self) -> int:
        flags = 0
        if self.presence_intent:
            flags |= GATEWAY_PRESENCE_LIMITED
        if self.members_intent:
            flags |= GATEWAY_GUILD_MEMBERS_LIMITED
        if self.message_content_intent:
            flags |= GATEWAY_MESSAGE_CONTENT_LIMITED
        return flags

    def _ready_payload(self, session: ShardSession) -> JSONDict:
        guilds = [
            {"id": str(gid), "unavailable": True}
            for gid, guild in self._guilds.items()
            if session.handles(gid) and self._bot_in(guild)
        ]
        return {
            "v": API_VERSION,
            "user": self._bot_api(),
            "guilds": guilds,
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(self.application_id), "flags": self._application_flags()},
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "session_type": "normal",
        }

    def _request_members(self, session: ShardSession, data: object) -> None:
        """REQUEST_GUILD_MEMBERS → one GUILD_MEMBERS_CHUNK.  Listing everyone needs the
        GUILD_MEMBERS intent (without it only ``user_ids`` lookups are answered)."""
        if not isinstance(data, dict):
            self._gateway_close(session, CLOSE_DECODE_ERROR)
            return
        guild_id = _as_snowflake(data.get("guild_id"))
        guild = self._guilds.get(guild_id or 0)
        if guild is None or guild_id is None or not session.handles(guild_id):
            return
        wanted = [_as_snowflake(u) for u in data.get("user_ids") or []]
        query = str(data.get("query") or "").lower()
        if wanted:
            ids = [uid for uid in wanted if uid in guild.members]
        elif session.intents & GUILD_MEMBERS:
            ids = [uid for uid in guild.members if self._users[uid].name.lower().startswith(query)]
        else:
            ids = []
        limit = data.get("limit") or 0
        if limit:
            ids = ids[:limit]
        chunk: JSONDict = {
            "guild_id": str(guild_id),
            "members": [self._member_api(guild, uid) for uid in ids if uid is not None],
            "chunk_index": 0,
            "chunk_count": 1,
            "not_found": [str(uid) for uid in wanted if uid not in guild.members],
        }
        if data.get("presences"):
            chunk["presences"] = []
        if data.get("nonce") is not None:
            chunk["nonce"] = data["nonce"]
        session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # ------------------------------------------------------------------------ interactions

    def _interaction_place(
        self, channel_id: int | None, user_id: int, guild_id: int | None
    ) -> tuple[_Channel, _Guild | None]:
        if channel_id is None and guild_id is not None:
            guild = self._guild(guild_id)
            assert guild.channel_ids, f"guild {guild_id} has no channels"
            channel_id = guild.channel_ids[0]
        if channel_id is None:
            return self._dm_channel(self._require_user(user_id)), None
        channel = self._require_channel(channel_id)
        self._check_can_post(channel, user_id)
        if channel.guild_id is None:
            return channel, None
        guild = self._guilds[channel.guild_id]
        assert guild_id is None or guild_id == guild.id, "channel is not in that guild"
        assert self._bot_in(guild), "the bot is not in that guild"
        return channel, guild

    def _find_command(self, name: str, guild: _Guild | None) -> JSONDict:
        scopes: list[int | None] = [guild.id, None] if guild is not None else [None]
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command["type"] == CHAT_INPUT:
                    return command
        where = f"guild {guild.id}" if guild else "DMs"
        registered = {scope: [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
        raise AssertionError(f"unknown command /{name} in {where}; registered: {registered}")

    def _check_command_usable(self, command: JSONDict, guild: _Guild | None, user_id: int) -> None:
        """Discord's client only offers a command where its contexts allow it and (in guilds) to
        members holding ``default_member_permissions``."""
        contexts = command.get("contexts")
        context = 0 if guild is not None else 1
        if contexts is not None:
            assert context in contexts, f"/{command['name']} is not available here ({contexts=})"
        elif guild is None:
            assert command.get("dm_permission") is not False, f"/{command['name']} is guild-only"
        required = command.get("default_member_permissions")
        if guild is not None and required is not None:
            needed = int(required) or ADMINISTRATOR  # "0": administrators only
            have = self._permissions(guild, user_id)
            assert needed and have & needed == needed, (
                f"/{command['name']} needs permissions {needed}; user {user_id} has {have}"
            )

    def _command_options(
        self,
        command: JSONDict,
        path: Sequence[str],
        values: Mapping[str, OptionValue],
        guild: _Guild | None,
    ) -> tuple[list[JSONDict], JSONDict]:
        level: list[JSONDict] = command.get("options") or []
        nesting: list[tuple[str, int]] = []
        for part in path:
            found = next((o for o in level if o["name"] == part and o["type"] in (1, 2)), None)
            assert found is not None, f"/{command['name']} has no sub-command {part!r}"
            nesting.append((part, found["type"]))
            level = found.get("options") or []
        assert not any(o["type"] in (1, 2) for o in level), "name the sub-command: 'cmd sub'"
        known = {o["name"] for o in level}
        unknown = set(values) - known
        assert not unknown, f"unknown options {sorted(unknown)}; the command has {sorted(known)}"
        resolved: JSONDict = {}
        built: list[JSONDict] = []
        for option in level:
            if option["name"] in values:
                value = self._option_value(option, values[option["name"]], guild, resolved)
                built.append({"name": option["name"], "type": option["type"], "value": value})
            else:
                assert not option.get("required"), f"required option {option['name']!r} missing"
        for name, kind in reversed(nesting):
            built = [{"name": name, "type": kind, "options": built}]
        return built, resolved

    def _option_value(
        self, option: JSONDict, value: OptionValue, guild: _Guild | None, resolved: JSONDict
    ) -> OptionValue:
        kind, name = option["type"], option["name"]
        checks: dict[int, Callable[[], OptionValue]] = {
            STRING: lambda: _string_option(option, value),
            INTEGER: lambda: _number_option(option, value, integer=True),
            NUMBER: lambda: _number_option(option, value, integer=False),
            BOOLEAN: lambda: _bool_option(value),
            USER: lambda: self._resolve_user(value, guild, resolved),
            CHANNEL: lambda: self._resolve_channel(option, value, guild, resolved),
            ROLE: lambda: self._resolve_role(value, guild, resolved),
            MENTIONABLE: lambda: self._resolve_mentionable(value, guild, resolved),
        }
        assert kind in checks, f"option {name!r} has type {kind}, which this fake cannot fill"
        result = checks[kind]()
        choices = option.get("choices")
        if choices:
            allowed = [choice["value"] for choice in choices]
            assert result in allowed, f"option {name!r}: {value!r} is not among {allowed}"
        return result

    def _resolve_user(self, value: OptionValue, guild: _Guild | None, resolved: JSONDict) -> str:
        user_id = _as_snowflake(value)
        assert user_id is not None and user_id in self._users, f"unknown user {value!r}"
        resolved.setdefault("users", {})[str(user_id)] = self._user_api(user_id)
        if guild is not None and user_id in guild.members:
            member = self._member_api(guild, user_id, with_user=False)
            member["permissions"] = str(self._permissions(guild, user_id))
            resolved.setdefault("members", {})[str(user_id)] = member
        return str(user_id)

    def _resolve_channel(
        self, option: JSONDict, value: OptionValue, guild: _Guild | None, resolved: JSONDict
    ) -> str:
        channel_id = _as_snowflake(value)
        channel = self._channels.get(channel_id or 0)
        assert channel is not None, f"unknown channel {value!r}"
        assert guild is not None and channel.guild_id == guild.id, "channel must be in this guild"
        types = option.get("channel_types")
        assert not types or channel.type in types, f"channel type must be one of {types}"
        data = self._channel_api(channel)
        data["permissions"] = str(ALL_PERMISSIONS)
        resolved.setdefault("channels", {})[str(channel.id)] = data
        return str(channel.id)

    def _resolve_role(self, value: OptionValue, guild: _Guild | None, resolved: JSONDict) -> str:
        role_id = _as_snowflake(value)
        assert guild is not None and role_id in guild.roles, f"unknown role {value!r} here"
        resolved.setdefault("roles", {})[str(role_id)] = guild.roles[role_id].to_api()
        return str(role_id)

    def _resolve_mentionable(
        self, value: OptionValue, guild: _Guild | None, resolved: JSONDict
    ) -> str:
        if guild is not None and _as_snowflake(value) in guild.roles:
            return self._resolve_role(value, guild, resolved)
        return self._resolve_user(value, guild, resolved)

    def _clickable(
        self, user_id: int, message_id: int, custom_id: str, kind: int
    ) -> tuple[_Message, JSONDict]:
        message = self._messages.get(message_id)
        assert message is not None and not message.deleted, f"unknown message {message_id}"
        component = next(
            (c for c in _walk_components(message.components) if c.get("custom_id") == custom_id),
            None,
        )
        assert component is not None and component.get("type") == kind, (
            f"message {message_id} has no component {custom_id!r} of type {kind}; it has "
            f"{[c.get('custom_id') for c in _walk_components(message.components)]}"
        )
        assert not component.get("disabled"), f"component {custom_id!r} is disabled"
        self._check_can_post(self._channels[message.channel_id], user_id)
        if message.flags & EPHEMERAL:
            owner = self._interactions_by_id.get(message.interaction_id or 0)
            assert owner is not None and owner.user_id == user_id, (
                "ephemeral: only its user sees it"
            )
        return message, component

    async def _component_interaction(
        self, user_id: int, message: _Message, data: JSONDict, locale: str | None
    ) -> Interaction:
        user = self._require_user(user_id)
        channel = self._channels[message.channel_id]
        guild = self._guilds.get(channel.guild_id) if channel.guild_id else None
        return await self._dispatch_interaction(
            MESSAGE_COMPONENT, user, channel, guild, data, locale, message=message
        )

    async def _dispatch_interaction(
        self,
        kind: int,
        user: _User,
        channel: _Channel,
        guild: _Guild | None,
        data: JSONDict,
        locale: str | None,
        *,
        message: _Message | None = None,
        parent: Interaction | None = None,
    ) -> Interaction:
        """Dispatch INTERACTION_CREATE; ``locale`` defaults to the user's (see ``add_user``)."""
        locale = locale or user.locale
        assert locale in LOCALES, f"{locale!r} is not a Discord locale"
        guild_id = guild.id if guild is not None else None
        self._assert_session_for(guild_id)
        interaction = Interaction(
            id=self._next_id(),
            token=secrets.token_urlsafe(48),
            type=kind,
            user_id=user.id,
            channel_id=channel.id,
            guild_id=guild_id,
            data=data,
            locale=locale,
            message_id=message.id if message is not None else None,
            parent=parent,
        )
        interaction.payload = self._interaction_payload(interaction, user, channel, guild, message)
        self.interactions.append(interaction)
        self._interactions_by_id[interaction.id] = interaction
        self._interactions_by_token[interaction.token] = interaction
        # The deadline runs from dispatch: the bot may answer before the flush below returns.
        interaction.dispatched_at = self._clock()
        targets = self._dispatch_nowait("INTERACTION_CREATE", interaction.payload, guild_id, None)
        await asyncio.gather(*(s.flush() for s in targets))
        return interaction

    def _interaction_payload(
        self,
        interaction: Interaction,
        user: _User,
        channel: _Channel,
        guild: _Guild | None,
        message: _Message | None,
    ) -> JSONDict:
        payload: JSONDict = {
            "id": str(interaction.id),
            "application_id": str(self.application_id),
            "type": interaction.type,
            "data": interaction.data,
            "channel_id": str(channel.id),
            "token": interaction.token,
            "version": 1,
            "locale": interaction.locale,
            "entitlements": [],
            "attachment_size_limit": self.max_file_size,
        }
        if guild is not None:
            permissions = self._permissions(guild, user.id)
            member = self._member_api(guild, user.id)
            member["permissions"] = str(permissions)
            payload |= {
                "guild_id": str(guild.id),
                "guild": {"id": str(guild.id), "locale": guild.locale, "features": []},
                "guild_locale": guild.locale,
                "channel": self._channel_api(channel, for_user=user.id),
                "member": member,
                "app_permissions": str(self._permissions(guild, self.bot_user_id)),
                "authorizing_integration_owners": {"0": str(guild.id)},
                "context": 0,
            }
        else:
            payload |= {
                "channel": self._channel_api(channel),
                "user": user.to_api(),
                "app_permissions": str(DM_APP_PERMISSIONS),
                "authorizing_integration_owners": {"0": "0"},
                "context": 1,
            }
        if message is not None:
            payload["message"] = self._message_api(message)
        return payload

    # ------------------------------------------------------------------------ messages (store)

    def _store(self, message: _Message) -> None:
        self._messages[message.id] = message
        channel = self._channels.get(message.channel_id)
        if channel is not None:
            channel.last_message_id = message.id

    def _record(
        self, message: _Message, via: str, interaction_id: int | None = None
    ) -> SentMessage:
        channel = self._channels[message.channel_id]
        record = SentMessage(
            id=message.id,
            channel_id=message.channel_id,
            guild_id=message.guild_id,
            is_dm=channel.type == DM,
            content=message.content,
            embeds=copy.deepcopy(message.embeds),
            components=copy.deepcopy(message.components),
            attachments=list(message.files),
            allowed_mentions=copy.deepcopy(message.allowed_mentions),
            flags=message.flags,
            via=via,
            interaction_id=interaction_id,
            reference=message.reference_id,
            recipient_id=channel.recipient_id,
        )
        self.sent.append(record)
        self._sent_signal.notify()
        return record

    def _attachment_objects(
        self, channel_id: int, uploads: Sequence[Upload], meta: object
    ) -> tuple[list[JSONDict], list[tuple[str, bytes]]]:
        described = {
            _as_snowflake(item.get("id")): item
            for item in (meta if isinstance(meta, list) else [])
            if isinstance(item, dict)
        }
        objects: list[JSONDict] = []
        files: list[tuple[str, bytes]] = []
        for upload in uploads:
            info = described.get(upload.index, {})
            filename = str(info.get("filename") or upload.filename)
            attachment_id = self._next_id()
            self._files[attachment_id] = (filename, upload.data, upload.content_type)
            url = (
                f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{attachment_id}/{filename}"
            )
            obj: JSONDict = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
            }
            if upload.content_type:
                obj["content_type"] = upload.content_type
            if info.get("description"):
                obj["description"] = info["description"]
            objects.append(obj)
            files.append((filename, upload.data))
        return objects, files

    def _check_uploads(self, uploads: Sequence[Upload]) -> None:
        if any(len(upload.data) > self.max_file_size for upload in uploads):
            raise DiscordHTTPError(413, 40005, "Request entity too large")

    def _new_message(
        self,
        channel: _Channel,
        payload: JSONDict,
        uploads: Sequence[Upload],
        *,
        prefix: ErrorPath = (),
        allowed_flags: int = CHANNEL_MESSAGE_FLAGS,
        interaction: Interaction | None = None,
    ) -> _Message:
        """Validate a create payload and build (not store) the message."""
        self._check_uploads(uploads)
        validate_message(
            payload, uploads, prefix=prefix, allowed_flags=allowed_flags
        ).raise_if_any()
        if not _has_body(payload, uploads):
            raise empty_message()
        reference_id = self._reference_target(channel, payload.get("message_reference"), prefix)
        attachments, files = self._attachment_objects(
            channel.id, uploads, payload.get("attachments")
        )
        content = payload.get("content") or ""
        kind = DEFAULT_MESSAGE
        if reference_id is not None:
            kind = REPLY_MESSAGE
        elif interaction is not None and interaction.type == APPLICATION_COMMAND:
            kind = CHAT_INPUT_COMMAND_MESSAGE
        return _Message(
            id=self._next_id(),
            channel_id=channel.id,
            guild_id=channel.guild_id,
            author_id=self.bot_user_id,
            content=content,
            type=kind,
            embeds=copy.deepcopy(payload.get("embeds") or []),
            components=_with_component_ids(payload.get("components") or []),
            attachments=attachments,
            files=files,
            flags=payload.get("flags") or 0,
            mentions=self._pinged(content, payload.get("allowed_mentions")),
            allowed_mentions=copy.deepcopy(payload.get("allowed_mentions")),
            reference_id=reference_id,
            tts=bool(payload.get("tts")),
            nonce=payload.get("nonce"),
            interaction_id=interaction.id if interaction is not None else None,
        )

    def _pinged(self, content: str, allowed: object) -> list[int]:
        mentioned = [uid for uid in self._mentioned_ids(content) if uid in self._users]
        if not isinstance(allowed, dict):
            return mentioned
        if "users" in (allowed.get("parse") or []):
            return mentioned
        listed = {_as_snowflake(u) for u in allowed.get("users") or []}
        return [uid for uid in mentioned if uid in listed]

    def _reference_target(
        self, channel: _Channel, reference: object, prefix: ErrorPath
    ) -> int | None:
        """A reply must point at a message in the same channel (unless fail_if_not_exists)."""
        if reference is None:
            return None
        errs = _FormErrors()
        path = (*prefix, "message_reference")
        if not isinstance(reference, dict):
            _is_dict(errs, path, reference)
            raise errs.error()
        target = self._messages.get(_as_snowflake(reference.get("message_id")) or 0)
        named_channel = _as_snowflake(reference.get("channel_id", channel.id))
        found = target is not None and not target.deleted and target.channel_id == channel.id
        if found and named_channel == channel.id:
            assert target is not None
            return target.id
        if reference.get("fail_if_not_exists", True):
            errs.add(path, "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")
            raise errs.error()
        return None

    def _edit_message(
        self,
        message: _Message,
        payload: JSONDict,
        uploads: Sequence[Upload],
        *,
        prefix: ErrorPath = (),
    ) -> _Message:
        """Validate and apply an edit; returns the stored (replaced) message."""
        self._check_uploads(uploads)
        existing = frozenset(int(a["id"]) for a in message.attachments)
        allowed = SUPPRESS_EMBEDS | IS_COMPONENTS_V2
        validate_message(
            payload, uploads, prefix=prefix, allowed_flags=allowed, existing_attachments=existing
        ).raise_if_any()
        edited = copy.copy(message)
        if "content" in payload:
            edited.content = payload["content"] or ""
            edited.mentions = self._pinged(edited.content, payload.get("allowed_mentions"))
        if "embeds" in payload:
            edited.embeds = copy.deepcopy(payload["embeds"] or [])
        if "components" in payload:
            edited.components = _with_component_ids(payload["components"] or [])
        if "allowed_mentions" in payload:
            edited.allowed_mentions = copy.deepcopy(payload["allowed_mentions"])
        if payload.get("flags") is not None:
            edited.flags = (message.flags & (EPHEMERAL | LOADING)) | payload["flags"]
        self._edit_attachments(edited, payload, uploads)
        edited.flags &= ~LOADING
        if not (edited.content.strip() or edited.embeds or edited.components or edited.attachments):
            raise empty_message()
        edited.edited_timestamp = _now_iso()
        self._messages[message.id] = edited
        return edited

    def _edit_attachments(
        self, edited: _Message, payload: JSONDict, uploads: Sequence[Upload]
    ) -> None:
        new_objects, new_files = self._attachment_objects(
            edited.channel_id, uploads, payload.get("attachments")
        )
        if "attachments" in payload:
            keep = {
                _as_snowflake(a.get("id"))
                for a in payload["attachments"] or []
                if isinstance(a, dict)
            }
            pairs = [
                (obj, pair)
                for obj, pair in zip(edited.attachments, edited.files, strict=True)
                if int(obj["id"]) in keep
            ]
            edited.attachments = [obj for obj, _ in pairs]
            edited.files = [pair for _, pair in pairs]
        edited.attachments = [*edited.attachments, *new_objects]
        edited.files = [*edited.files, *new_files]

    # ------------------------------------------------------------------------ REST plumbing

    def _build_routes(self) -> list[_Route]:
        channel, message = "/channels/{channel_id}", "/channels/{channel_id}/messages/{message_id}"
        commands, guild_commands = (
            "/applications/{app_id}",
            "/applications/{app_id}/guilds/{guild_id}",
        )
        hook, hook_message = (
            "/webhooks/{app_id}/{token}",
            "/webhooks/{app_id}/{token}/messages/{message_id}",
        )
        guild_events = "/guilds/{guild_id}/scheduled-events"
        in_channel: JSONDict = {"major": "channel_id"}
        in_guild: JSONDict = {"major": "guild_id"}
        webhook: JSONDict = {"bucket": "webhook", "major": "token", "auth": False}
        table: list[tuple[str, str, Handler, JSONDict]] = [
            ("GET", "/users/@me", self._get_me, {}),
            ("POST", "/users/@me/channels", self._create_dm, {}),
            ("GET", "/users/{user_id}", self._get_user, {}),
            ("GET", "/oauth2/applications/@me", self._get_application, {}),
            ("GET", "/applications/@me", self._get_application, {}),
            ("GET", "/gateway", self._get_gateway, {}),
            ("GET", "/gateway/bot", self._get_gateway_bot, {}),
            ("GET", channel, self._get_channel, in_channel),
            ("POST", f"{channel}/typing", self._typing, in_channel),
            ("POST", f"{channel}/messages", self._create_message, {**in_channel, "bucket": "send"}),
            ("GET", message, self._get_message, in_channel),
            ("PATCH", message, self._patch_message, {**in_channel, "bucket": "edit"}),
            ("DELETE", message, self._delete_message, {**in_channel, "bucket": "delete"}),
            ("GET", "/guilds/{guild_id}", self._get_guild, in_guild),
            ("GET", "/guilds/{guild_id}/members/{user_id}", self._get_member, in_guild),
            ("GET", f"{guild_events}", self._list_events, in_guild),
            ("POST", f"{guild_events}", self._create_event, in_guild),
            ("GET", f"{guild_events}/{{event_id}}", self._get_event, in_guild),
            ("PATCH", f"{guild_events}/{{event_id}}", self._patch_event, in_guild),
            ("DELETE", f"{guild_events}/{{event_id}}", self._delete_event, in_guild),
            ("GET", f"{commands}/commands", self._get_commands, {}),
            ("PUT", f"{commands}/commands", self._put_commands, {}),
            ("GET", f"{guild_commands}/commands", self._get_commands, in_guild),
            ("PUT", f"{guild_commands}/commands", self._put_commands, in_guild),
            ("POST", "/interactions/{interaction_id}/{token}/callback", self._callback,
             {"bucket": "interaction", "major": "interaction_id", "auth": False}),
            ("POST", hook, self._followup, webhook),
            ("GET", hook_message, self._get_webhook_message, webhook),
            ("PATCH", hook_message, self._patch_webhook_message, webhook),
            ("DELETE", hook_message, self._delete_webhook_message, webhook),
        ]  # fmt: skip
        return [
            _route(method, path, handler, **options) for method, path, handler, options in table
        ]

    def _match(self, method: str, path: str) -> tuple[_Route, dict[str, str]]:
        allowed = False
        for candidate in self._routes:
            found = candidate.pattern.match(path)
            if found is None:
                continue
            if candidate.method == method:
                return candidate, found.groupdict()
            allowed = True
        if allowed:
            raise DiscordHTTPError(405, 0, "405: Method Not Allowed")
        raise DiscordHTTPError(404, 0, f"404: Not Found (the fake has no route {method} {path})")

    def _bucket_limits(self, route: _Route) -> tuple[int, float]:
        if route.bucket in ("send", "edit", "delete"):
            return self.channel_limit
        if route.bucket == "webhook":
            return self.webhook_limit
        return self.route_limit

    @staticmethod
    def _bucket_hash(route: _Route) -> str:
        return hashlib.sha256(f"{route.method} {route.bucket}".encode()).hexdigest()[:32]

    def _take_rate_limit(self, route: _Route, params: Mapping[str, str]) -> tuple[_Window, str]:
        """Consume one request from the global (bot routes only) and the route's bucket."""
        global_window = None
        if route.auth:
            global_window = self._limiter.window("global", *self.global_limit)
            if global_window.remaining <= 0:
                retry = self._limiter.retry_after(global_window)
                raise _RateLimited(retry, is_global=True, bucket=None)
        major = params.get(route.major, "") if route.major else ""
        bucket_hash = self._bucket_hash(route)
        window = self._limiter.window(f"{bucket_hash}:{major}", *self._bucket_limits(route))
        if window.remaining <= 0:
            raise _RateLimited(
                self._limiter.retry_after(window), is_global=False, bucket=bucket_hash
            )
        if global_window is not None:
            global_window.remaining -= 1
        window.remaining -= 1
        return window, bucket_hash

    def _rate_headers(self, window: _Window, bucket_hash: str) -> dict[str, str]:
        reset_after = self._limiter.retry_after(window)
        return {
            "X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(max(0, window.remaining)),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Bucket": bucket_hash,
        }

    def _check_auth(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            raise DiscordHTTPError(401, 0, "401: Unauthorized")

    async def _read_call(self, request: web.Request, params: dict[str, str]) -> _Call:
        call = _Call(request, params)
        if not request.can_read_body:
            return call
        if request.content_type == "multipart/form-data":
            await self._read_multipart(call)
            return call
        raw = await request.read()
        if raw:
            try:
                call.body = json.loads(raw)
            except ValueError:
                raise DiscordHTTPError(
                    400, 50109, "The request body contains invalid JSON."
                ) from None
        return call

    async def _read_multipart(self, call: _Call) -> None:
        reader = await call.request.multipart()
        position = 0
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            data = bytes(await part.read())
            name = part.name or ""
            if name == "payload_json":
                try:
                    call.body = json.loads(data)
                except ValueError:
                    raise DiscordHTTPError(
                        400, 50109, "The request body contains invalid JSON."
                    ) from None
                continue
            found = _ATTACHMENT_FIELD_RE.fullmatch(name)
            index = int(found.group(1)) if found else position
            content_type = part.headers.get("Content-Type")
            call.uploads.append(Upload(index, part.filename or name, data, content_type))
            position += 1

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        headers = {"Via": "1.1 google"}
        reply: _Reply
        try:
            if request.match_info["version"] != str(API_VERSION):
                raise DiscordHTTPError(400, 50041, "Invalid API version provided.")
            route, params = self._match(request.method, path)
            if route.auth:
                self._check_auth(request)
            window, bucket_hash = self._take_rate_limit(route, params)
            headers |= self._rate_headers(window, bucket_hash)
            reply = await route.handler(await self._read_call(request, params))
        except _DropConnection:
            self._log_call(request.method, path, 0)
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)
        except _RateLimited as limited:
            return self._too_many(request.method, path, limited, headers)
        except DiscordHTTPError as error:
            self.errors.append(f"{request.method} {path}: {error.describe()}")
            reply = _Reply(error.status, error.body())
        except Exception as exc:  # a fake bug must be loud, not a 500 retry loop
            self.errors.append(f"{request.method} {path}: fake internal error {exc!r}")
            reply = _Reply(400, {"message": f"fake internal error: {exc!r}", "code": 0})
        self._log_call(request.method, path, reply.status)
        return self._response(reply, headers)

    def _log_call(self, method: str, path: str, status: int) -> None:
        self.calls.append(ApiCall(method, path, status))
        self._call_signal.notify()

    def _too_many(
        self, method: str, path: str, limited: _RateLimited, headers: dict[str, str]
    ) -> web.Response:
        self.rate_limited += 1
        scope = "global" if limited.is_global else "user"
        self.rate_limit_log.append(f"{method} {path}: {scope} retry_after={limited.retry_after}")
        self._log_call(method, path, 429)
        headers = {
            **headers,
            "Retry-After": str(math.ceil(limited.retry_after)),
            "X-RateLimit-Scope": scope,
        }
        if limited.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers |= {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset-After": f"{limited.retry_after:.3f}",
                "X-RateLimit-Bucket": limited.bucket or "",
            }
        body = {
            "message": "You are being rate limited.",
            "retry_after": limited.retry_after,
            "global": limited.is_global,
        }
        return self._response(_Reply(429, body), headers)

    @staticmethod
    def _response(reply: _Reply, headers: dict[str, str]) -> web.Response:
        if reply.body is None:
            return web.Response(
                status=204 if reply.status == 200 else reply.status, headers=headers
            )
        # discord.py only parses JSON when the Content-Type is exactly "application/json".
        headers = {**headers, "Content-Type": "application/json"}
        return web.Response(
            status=reply.status, body=json.dumps(reply.body).encode(), headers=headers
        )

    async def _handle_attachment(self, request: web.Request) -> web.StreamResponse:
        stored = self._files.get(int(request.match_info["attachment"]))
        if stored is None:
            return web.Response(status=404)
        _filename, data, content_type = stored
        return web.Response(body=data, content_type=content_type or "application/octet-stream")

    # ------------------------------------------------------------------------ REST: users, app

    async def _get_me(self, call: _Call) -> _Reply:
        return _Reply(body=self._bot_api())

    async def _get_user(self, call: _Call) -> _Reply:
        user_id = call.snowflake("user_id")
        if user_id not in self._users:
            raise _not_found(10013, "User")
        return _Reply(body=self._user_api(user_id))

    async def _get_application(self, call: _Call) -> _Reply:
        owner = _User(1, "developer").to_api()
        return _Reply(
            body={
                "id": str(self.application_id),
                "name": self.bot_name,
                "icon": None,
                "description": "",
                "summary": "",
                "type": None,
                "hook": True,
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "owner": owner,
                "team": None,
                "flags": self._application_flags(),
                "bot": self._bot.to_api(),
                "redirect_uris": [],
                "interactions_endpoint_url": None,
            }
        )

    async def _get_gateway(self, call: _Call) -> _Reply:
        return _Reply(body={"url": self.gateway_url})

    async def _get_gateway_bot(self, call: _Call) -> _Reply:
        return _Reply(
            body={
                "url": self.gateway_url,
                "shards": self.shards,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": max(0, 1000 - self._session_starts),
                    "reset_after": 14_400_000,
                    "max_concurrency": 1,
                },
            }
        )

    async def _create_dm(self, call: _Call) -> _Reply:
        body = call.json_object()
        user_id = _as_snowflake(body.get("recipient_id"))
        if user_id is None:
            errs = _FormErrors()
            errs.add(("recipient_id",), "BASE_TYPE_REQUIRED", "This field is required")
            errs.raise_if_any()
        user = self._users.get(user_id or 0)
        if user is None or user.bot:
            raise _not_found(10013, "User")
        return _Reply(body=self._channel_api(self._dm_channel(user)))

    # ------------------------------------------------------------------------ REST: channels

    def _channel_for_bot(self, call: _Call) -> _Channel:
        """The channel, if the bot can see it (10003 unknown; 50001 not in its guild)."""
        channel = self._channels.get(call.snowflake("channel_id"))
        if channel is None:
            raise unknown_channel()
        if channel.guild_id is not None and not self._bot_in(self._guilds[channel.guild_id]):
            raise missing_access()
        return channel

    def _check_dm_allowed(self, channel: _Channel) -> None:
        """DMs fail (50007) if the user blocks them or shares no guild with the bot."""
        if channel.type != DM:
            return
        assert channel.recipient_id is not None
        if channel.recipient_id in self._blocked_dms or not self._mutual_guild(
            channel.recipient_id
        ):
            raise cannot_message_user()

    async def _get_channel(self, call: _Call) -> _Reply:
        return _Reply(body=self._channel_api(self._channel_for_bot(call)))

    async def _typing(self, call: _Call) -> _Reply:
        self._check_dm_allowed(self._channel_for_bot(call))
        return _Reply()

    async def _create_message(self, call: _Call) -> _Reply:
        channel = self._channel_for_bot(call)
        self._check_dm_allowed(channel)
        fault = self._faults.popleft() if self._faults else None
        if fault == "502":
            raise DiscordHTTPError(502, 0, "502: Bad Gateway (no gateway available)")
        payload = call.json_object()
        earlier = self._earlier_with_nonce(payload)
        if earlier is not None:
            self.nonce_hits += 1
            reply = _Reply(body=self._message_api(earlier))
        else:
            message = self._new_message(channel, payload, call.uploads)
            self._store(message)
            self._remember_nonce(payload, message)
            self._record(message, "channel")
            await self._dispatch_message("MESSAGE_CREATE", message)
            reply = _Reply(body=self._message_api(message))
        if fault == "drop":
            raise _DropConnection
        return reply

    def _earlier_with_nonce(self, payload: JSONDict) -> _Message | None:
        """Discord: with ``enforce_nonce: true`` a create by the same author with a nonce
        seen in the past few minutes returns that message instead of creating one."""
        nonce = payload.get("nonce")
        if not payload.get("enforce_nonce") or nonce is None:
            return None
        seen = self._nonces.get((self.bot_user_id, str(nonce)))
        if seen is None or time.monotonic() - seen[0] > self.nonce_window:
            return None
        return self._messages.get(seen[1])

    def _remember_nonce(self, payload: JSONDict, message: _Message) -> None:
        nonce = payload.get("nonce")
        if payload.get("enforce_nonce") and nonce is not None:
            self._nonces[(self.bot_user_id, str(nonce))] = (time.monotonic(), message.id)

    def _channel_message(self, call: _Call, channel: _Channel) -> _Message:
        message = self._messages.get(call.snowflake("message_id"))
        if message is None or message.deleted or message.channel_id != channel.id:
            raise unknown_message()
        if message.flags & EPHEMERAL:
            raise unknown_message()  # ephemeral messages are invisible to channel routes
        return message

    async def _get_message(self, call: _Call) -> _Reply:
        channel = self._channel_for_bot(call)
        return _Reply(body=self._message_api(self._channel_message(call, channel)))

    async def _patch_message(self, call: _Call) -> _Reply:
        channel = self._channel_for_bot(call)
        message = self._channel_message(call, channel)
        if message.author_id != self.bot_user_id:
            raise DiscordHTTPError(403, 50005, "Cannot edit a message authored by another user")
        edited = self._edit_message(message, call.json_object(), call.uploads)
        self._record(edited, "edit")
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return _Reply(body=self._message_api(edited))

    async def _delete_message(self, call: _Call) -> _Reply:
        channel = self._channel_for_bot(call)
        message = self._channel_message(call, channel)
        if message.author_id != self.bot_user_id:
            if channel.guild_id is None:
                raise DiscordHTTPError(403, 50003, "Cannot execute action on a DM channel")
            if (
                not self._permissions(self._guilds[channel.guild_id], self.bot_user_id)
                & MANAGE_MESSAGES
            ):
                raise DiscordHTTPError(403, 50013, "Missing Permissions")
        message.deleted = True
        await self._dispatch_message_delete(message)
        return _Reply()

    # ------------------------------------------------------------------------ REST: guilds

    def _guild_for_bot(self, call: _Call) -> _Guild:
        guild = self._guilds.get(call.snowflake("guild_id"))
        if guild is None:
            raise _not_found(10004, "Guild")
        if not self._bot_in(guild):
            raise missing_access()
        return guild

    async def _get_guild(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        body = self._guild_api(guild)
        if call.request.query.get("with_counts") in ("true", "1"):
            body["approximate_member_count"] = len(guild.members)
            body["approximate_presence_count"] = 0
        return _Reply(body=body)

    async def _get_member(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        user_id = call.snowflake("user_id")
        if user_id not in guild.members:
            raise _not_found(10007, "Member")
        return _Reply(body=self._member_api(guild, user_id))

    # ------------------------------------------------------------------------ REST: events

    def _event_of(self, call: _Call, guild: _Guild) -> events.ScheduledEvent:
        found = self._events.get(call.snowflake("event_id"))
        if found is None or found.guild_id != guild.id:
            raise _not_found(10070, "Guild Scheduled Event")
        return found

    def _require_event_permission(self, guild: _Guild, event: events.ScheduledEvent | None) -> None:
        permissions = self._permissions(guild, self.bot_user_id)
        if permissions & events.MANAGE_EVENTS:
            return
        own = event is None or event.creator_id == self.bot_user_id
        if own and permissions & events.CREATE_EVENTS:
            return
        raise DiscordHTTPError(403, 50013, "Missing Permissions")

    def _checked(self, body: JSONDict, event: events.ScheduledEvent | None) -> None:
        problems = events.check(body, self.wall_clock(), event)
        if event is not None and "status" in body:
            allowed = events.NEXT_STATUS.get(event.status, set())
            if body["status"] != event.status and body["status"] not in allowed:
                problems.add("status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS", "Cannot move to it.")
        if event is not None and event.status in (events.COMPLETED, events.CANCELED):
            raise DiscordHTTPError(400, 180000, "Cannot modify a finished event")
        if problems:
            raise DiscordHTTPError(400, 50035, "Invalid Form Body", problems.errors)

    def _event_reply(self, event: events.ScheduledEvent) -> _Reply:
        return _Reply(body=event.to_api(self._user_api(event.creator_id)))

    async def _list_events(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        return _Reply(body=self.scheduled_events(guild.id))

    async def _get_event(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        return self._event_reply(self._event_of(call, guild))

    async def _create_event(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        self._require_event_permission(guild, None)
        if self._event_faults:
            self._event_faults -= 1
            raise _DropConnection
        body = call.json_object()
        self._checked(body, None)
        metadata = body.get("entity_metadata") or {}
        event = events.ScheduledEvent(
            id=self._next_id(),
            guild_id=guild.id,
            creator_id=self.bot_user_id,
            name=body["name"],
            description=body.get("description"),
            start=datetime.fromisoformat(body["scheduled_start_time"]),
            end=datetime.fromisoformat(body["scheduled_end_time"])
            if body.get("scheduled_end_time")
            else None,
            entity_type=body["entity_type"],
            location=metadata.get("location"),
        )
        self._events[event.id] = event
        return self._event_reply(event)

    async def _patch_event(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        event = self._event_of(call, guild)
        self._require_event_permission(guild, event)
        body = call.json_object()
        self._checked(body, event)
        events.apply(event, body)
        return self._event_reply(event)

    async def _delete_event(self, call: _Call) -> _Reply:
        guild = self._guild_for_bot(call)
        event = self._event_of(call, guild)
        self._require_event_permission(guild, event)
        del self._events[event.id]
        return _Reply()

    # ------------------------------------------------------------------------ REST: commands

    def _command_scope(self, call: _Call) -> int | None:
        if call.snowflake("app_id") != self.application_id:
            raise missing_access()
        if "guild_id" not in call.params:
            return None
        return self._guild_for_bot(call).id

    async def _get_commands(self, call: _Call) -> _Reply:
        return _Reply(body=copy.deepcopy(self.commands.get(self._command_scope(call), [])))

    async def _put_commands(self, call: _Call) -> _Reply:
        """Bulk overwrite: validated as a whole; ids are kept for unchanged (type, name)."""
        scope = self._command_scope(call)
        validate_commands(call.body).raise_if_any()
        stored = [self._stored_command(scope, command) for command in call.body]
        self.commands[scope] = stored
        return _Reply(body=copy.deepcopy(stored))

    def _stored_command(self, scope: int | None, command: JSONDict) -> JSONDict:
        kind = command.get("type", CHAT_INPUT)
        key = (scope, kind, command["name"])
        command_id = self._command_ids.setdefault(key, self._next_id())
        permissions = command.get("default_member_permissions")
        stored: JSONDict = {
            **copy.deepcopy(command),
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(self._next_id()),
            "type": kind,
            "description": command.get("description") or "",
            "default_member_permissions": None if permissions is None else str(permissions),
            "nsfw": bool(command.get("nsfw")),
            "integration_types": command.get("integration_types") or [0],
        }
        if scope is not None:
            stored["guild_id"] = str(scope)
            stored.pop("dm_permission", None)
        else:
            stored["dm_permission"] = command.get("dm_permission") is not False
        return stored

    # ------------------------------------------------------------------------ REST: interactions

    def _live_interaction(self, call: _Call) -> Interaction:
        interaction = self._interactions_by_id.get(call.snowflake("interaction_id"))
        if interaction is None or interaction.token != call.params["token"]:
            raise unknown_interaction()
        return interaction

    async def _callback(self, call: _Call) -> _Reply:
        """The initial response: once (40060 after), within ``interaction_timeout`` (10062)."""
        interaction = self._live_interaction(call)
        interaction.responses += 1
        if interaction.response_type is not None:
            raise already_acknowledged()
        if self._clock() - interaction.dispatched_at > self.interaction_timeout:
            raise unknown_interaction()
        body = call.json_object()
        kind = body.get("type")
        allowed = _ALLOWED_CALLBACKS.get(interaction.type, ())
        if not isinstance(kind, int) or kind not in allowed:
            raise _invalid_callback_type(allowed)
        data = body.get("data") or {}
        resource = await self._answer(interaction, kind, data, call.uploads)
        interaction._mark_answered(kind)
        return self._callback_reply(call, interaction, kind, resource)

    async def _answer(
        self, interaction: Interaction, kind: int, data: Any, uploads: Sequence[Upload]
    ) -> _Message | None:
        if not isinstance(data, dict):
            raise DiscordHTTPError(400, 50109, "The request body contains invalid JSON.")
        if kind == CHANNEL_MESSAGE:
            return await self._answer_message(interaction, data, uploads)
        if kind == DEFERRED_CHANNEL_MESSAGE:
            return await self._answer_deferred(interaction, data)
        if kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            return await self._answer_update(interaction, kind, data, uploads)
        if kind == MODAL:
            validate_modal(data).raise_if_any()
            interaction.modal = _with_component_ids(data)
            return None
        raise DiscordHTTPError(400, 50035, "Invalid Form Body", {
            "type": {"_errors": [{"code": "INTERACTION_CALLBACK_TYPE_UNSUPPORTED",
                                  "message": "This fake does not support that callback type."}]},
        })  # fmt: skip

    async def _answer_message(
        self, interaction: Interaction, data: JSONDict, uploads: Sequence[Upload]
    ) -> _Message:
        channel = self._channels[interaction.channel_id]
        message = self._new_message(
            channel, data, uploads, prefix=("data",), allowed_flags=INTERACTION_MESSAGE_FLAGS,
            interaction=interaction,
        )  # fmt: skip
        self._store(message)
        interaction.original_message_id = message.id
        self._record(message, "interaction", interaction.id)
        await self._dispatch_message("MESSAGE_CREATE", message)
        return message

    async def _answer_deferred(self, interaction: Interaction, data: JSONDict) -> _Message:
        flags = data.get("flags") or 0
        if not isinstance(flags, int) or flags & ~EPHEMERAL:
            errs = _FormErrors()
            errs.add(("data", "flags"), "MESSAGE_FLAGS_INVALID", "Only EPHEMERAL may be set here.")
            errs.raise_if_any()
        channel = self._channels[interaction.channel_id]
        kind = (
            CHAT_INPUT_COMMAND_MESSAGE
            if interaction.type == APPLICATION_COMMAND
            else DEFAULT_MESSAGE
        )
        message = _Message(
            self._next_id(), channel.id, channel.guild_id, self.bot_user_id, type=kind,
            flags=flags | LOADING, interaction_id=interaction.id,
        )  # fmt: skip
        self._store(message)
        interaction.original_message_id = message.id
        await self._dispatch_message("MESSAGE_CREATE", message)
        return message

    async def _answer_update(
        self, interaction: Interaction, kind: int, data: JSONDict, uploads: Sequence[Upload]
    ) -> _Message | None:
        target = self._messages.get(interaction.message_id or 0)
        if target is None or target.deleted:
            errs = _FormErrors()
            errs.add(
                ("type",), "INTERACTION_NO_MESSAGE", "This interaction has no message to update"
            )
            errs.raise_if_any()
        assert target is not None
        interaction.original_message_id = target.id
        if kind == DEFERRED_UPDATE_MESSAGE:
            return None
        edited = self._edit_message(target, data, uploads, prefix=("data",))
        self._record(edited, "edit", interaction.id)
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return edited

    def _callback_reply(
        self, call: _Call, interaction: Interaction, kind: int, message: _Message | None
    ) -> _Reply:
        if call.request.query.get("with_response") not in ("1", "true", "True"):
            return _Reply()
        info: JSONDict = {"id": str(interaction.id), "type": interaction.type}
        if interaction.original_message_id is not None and kind in (4, 5, 7):
            original = self._messages[interaction.original_message_id]
            info["response_message_id"] = str(original.id)
            info["response_message_loading"] = bool(original.flags & LOADING)
            info["response_message_ephemeral"] = bool(original.flags & EPHEMERAL)
        resource: JSONDict = {"type": kind}
        if message is not None and kind in (CHANNEL_MESSAGE, UPDATE_MESSAGE):
            resource["message"] = self._message_api(message)
        return _Reply(body={"interaction": info, "resource": resource})

    def _webhook_interaction(self, call: _Call) -> Interaction:
        """Follow-up/edit routes: application id + interaction token, valid ``token_lifetime``."""
        interaction = self._interactions_by_token.get(call.params["token"])
        if interaction is None or call.snowflake("app_id") != self.application_id:
            raise _not_found(10015, "Webhook")
        if self._clock() - interaction.dispatched_at > self.token_lifetime:
            raise DiscordHTTPError(401, 50027, "Invalid Webhook Token")
        if interaction.response_type is None:
            raise _not_found(10015, "Webhook")  # nothing to follow up before the initial response
        return interaction

    async def _followup(self, call: _Call) -> _Reply:
        """A follow-up message; the first one after a deferral replaces the loading message."""
        interaction = self._webhook_interaction(call)
        payload = call.json_object()
        original = self._messages.get(interaction.original_message_id or 0)
        if original is not None and original.flags & LOADING and not original.deleted:
            validate_message(
                payload, call.uploads, allowed_flags=INTERACTION_MESSAGE_FLAGS
            ).raise_if_any()
            message = self._edit_message(original, {**payload, "flags": None}, call.uploads)
        else:
            channel = self._channels[interaction.channel_id]
            message = self._new_message(
                channel, payload, call.uploads, allowed_flags=INTERACTION_MESSAGE_FLAGS,
                interaction=interaction,
            )  # fmt: skip
            self._store(message)
            interaction.followup_ids.append(message.id)
        self._record(message, "followup", interaction.id)
        event = (
            "MESSAGE_UPDATE" if message.id == interaction.original_message_id else "MESSAGE_CREATE"
        )
        await self._dispatch_message(event, message)
        if call.request.query.get("wait") in ("true", "1", "True"):
            return _Reply(body=self._message_api(message))
        return _Reply()

    def _webhook_message(self, call: _Call, interaction: Interaction) -> _Message:
        key = call.params["message_id"]
        message_id = interaction.original_message_id if key == "@original" else _as_snowflake(key)
        allowed = {interaction.original_message_id, *interaction.followup_ids}
        message = self._messages.get(message_id or 0)
        if message is None or message.deleted or message_id not in allowed:
            raise unknown_message()
        return message

    async def _get_webhook_message(self, call: _Call) -> _Reply:
        interaction = self._webhook_interaction(call)
        return _Reply(body=self._message_api(self._webhook_message(call, interaction)))

    async def _patch_webhook_message(self, call: _Call) -> _Reply:
        interaction = self._webhook_interaction(call)
        message = self._webhook_message(call, interaction)
        edited = self._edit_message(message, call.json_object(), call.uploads)
        self._record(edited, "edit", interaction.id)
        await self._dispatch_message("MESSAGE_UPDATE", edited)
        return _Reply(body=self._message_api(edited))

    async def _delete_webhook_message(self, call: _Call) -> _Reply:
        interaction = self._webhook_interaction(call)
        message = self._webhook_message(call, interaction)
        message.deleted = True
        if not message.flags & EPHEMERAL:
            await self._dispatch_message_delete(message)
        return _Reply()


# ============================================================================================
# Helpers: component ids, option values, modal submissions
# ============================================================================================


def _with_component_ids(value: Any) -> Any:
    """A deep copy with Discord's sequential component ``id``s filled in where missing."""
    result = copy.deepcopy(value)
    components = result.get("components") if isinstance(result, dict) else result
    used = {c["id"] for c in _walk_components(components or []) if isinstance(c.get("id"), int)}
    counter = itertools.count(1)
    for component in _walk_components(components or []):
        if "id" not in component or component["id"] is None:
            component["id"] = next(n for n in counter if n not in used)
    return result


def _string_option(option: JSONDict, value: OptionValue) -> str:
    assert isinstance(value, str), f"option {option['name']!r} takes a string"
    low, high = option.get("min_length", 0), option.get("max_length", 6000)
    assert low <= len(value) <= high, f"option {option['name']!r} takes {low}..{high} characters"
    return value


def _number_option(option: JSONDict, value: OptionValue, *, integer: bool) -> int | float:
    name = option["name"]
    assert not isinstance(value, bool), f"option {name!r} takes a number"
    if integer:
        assert isinstance(value, int), f"option {name!r} takes an integer"
        assert abs(value) <= 2**53, f"option {name!r}: integers are limited to ±2^53"
    else:
        assert isinstance(value, int | float), f"option {name!r} takes a number"
    low, high = option.get("min_value"), option.get("max_value")
    assert low is None or value >= low, f"option {name!r} must be >= {low}"
    assert high is None or value <= high, f"option {name!r} must be <= {high}"
    return value


def _bool_option(value: OptionValue) -> bool:
    assert isinstance(value, bool), "boolean options take True/False"
    return value


def _submitted_input(item: JSONDict, values: Mapping[str, str]) -> JSONDict:
    custom_id = item["custom_id"]
    value = values.get(custom_id, item.get("value") or "")  # a filled-in field stays filled
    assert isinstance(value, str), f"{custom_id!r}: text inputs take strings"
    if item.get("required", True):
        assert value, f"{custom_id!r} is required; Discord's client will not submit it empty"
    if value:
        low, high = item.get("min_length") or 0, item.get("max_length") or MAX_TEXT_INPUT_LENGTH
        assert low <= len(value) <= high, f"{custom_id!r} takes {low}..{high} characters"
    return {"type": TEXT_INPUT, "id": item["id"], "custom_id": custom_id, "value": value}


def _submitted_child(item: JSONDict, values: Mapping[str, str]) -> JSONDict:
    if item["type"] == TEXT_INPUT:
        return _submitted_input(item, values)
    custom_id = str(item.get("custom_id"))
    chosen = [values[custom_id]] if custom_id in values else []
    if item["type"] == STRING_SELECT and chosen:
        options = [str(o.get("value")) for o in item.get("options") or []]
        assert chosen[0] in options, f"{custom_id!r}: {chosen[0]!r} is not among {options}"
    if item.get("required", True):
        assert chosen, f"{custom_id!r} is required"
    return {"type": item["type"], "id": item["id"], "custom_id": custom_id, "values": chosen}


def _modal_submission(modal: JSONDict, values: Mapping[str, str]) -> list[JSONDict]:
    """The MODAL_SUBMIT ``components``, mirroring the modal (rows or labels) with values."""
    fields = {
        str(c["custom_id"]) for c in _walk_components(modal["components"]) if c.get("custom_id")
    }
    unknown = set(values) - fields
    assert not unknown, f"the modal has no inputs {sorted(unknown)}; it has {sorted(fields)}"
    submitted: list[JSONDict] = []
    for component in modal["components"]:
        kind = component["type"]
        if kind == ACTION_ROW:
            children = [_submitted_child(child, values) for child in component["components"]]
            submitted.append({"type": ACTION_ROW, "id": component["id"], "components": children})
        elif kind == LABEL:
            child = _submitted_child(component["component"], values)
            submitted.append({"type": LABEL, "id": component["id"], "component": child})
        else:
            submitted.append({"type": kind, "id": component["id"]})
    return submitted
