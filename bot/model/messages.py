"""The platform-neutral message model: what adapters hand the core and what it answers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from bot.model.arguments import Arguments
from bot.model.markup import Text


class EventKind(StrEnum):
    MESSAGE = "message"
    COMMAND = "command"
    BUTTON = "button"
    FORM = "form"
    JOINED = "joined"
    LEFT = "left"


@dataclass(frozen=True)
class ChatRef:
    platform: str
    chat_id: str
    is_private: bool = False
    title: str = ""


@dataclass(frozen=True)
class UserRef:
    platform: str
    user_id: str
    display_name: str
    language: str | None = None
    is_admin: bool = False
    """The platform says this user administers the chat (group admin, Manage Server)."""
    dm_open: bool = False
    """The platform lets the bot write to this user directly without the user writing first
    (Discord). The core then counts the identity as privately reachable, with the user id as
    its private chat, until a direct message is refused."""

    @property
    def ref(self) -> str:
        return f"{self.platform}:{self.user_id}"


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """One member in one chat on one platform: what locks, dialogs, the guard and the core's
    caches are keyed by."""

    platform: str
    chat_id: str
    user_id: str


_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Incoming:
    chat: ChatRef
    user: UserRef
    kind: EventKind
    text: str = ""
    command: str = ""
    args: str = ""
    action: str = ""
    payload: str = ""
    form: str = ""
    form_values: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    addressed: bool = False
    """A group message meant for the bot: a reply to one of its messages or a mention.
    Only those can answer a form's question; other group chatter is just counted."""
    form_size: int = 0
    """At most this many fields fit in a native form (a Discord modal) the platform can show
    in answer to this event; 0 when it can show none (a typed message)."""
    options: Mapping[str, str | None] | None = None
    """A structured command's option values as the platform sent them (Discord slash options,
    by Dutch option name); None for a typed command, whose `args` text the router parses."""
    arguments: Arguments = field(default_factory=Arguments)
    """The command's arguments as typed values: set by the router before the handler runs."""
    update_key: str = ""
    """The platform's id of the update this came in (Telegram update id per bot, Discord
    interaction or message id): a re-delivered update is handled once. Empty: not tracked."""

    @property
    def platform(self) -> str:
        return self.chat.platform

    @property
    def key(self) -> ConversationKey:
        return ConversationKey(self.chat.platform, self.chat.chat_id, self.user.user_id)

    @property
    def for_bot(self) -> bool:
        return self.addressed or self.chat.is_private

    @classmethod
    def from_text(
        cls, chat: ChatRef, user: UserRef, text: str, *, addressed: bool = False
    ) -> Incoming:
        """A typed line: a command when it starts with `/`, otherwise a plain message."""
        parsed = parse_command(text)
        if parsed is None:
            return cls(chat, user, EventKind.MESSAGE, text=text, addressed=addressed)
        command, _addressee, args = parsed
        return cls(chat, user, EventKind.COMMAND, text=text, command=command, args=args)

    @classmethod
    def button(cls, chat: ChatRef, user: UserRef, action: str, payload: str = "") -> Incoming:
        return cls(chat, user, EventKind.BUTTON, action=action, payload=payload)

    @classmethod
    def form_submit(
        cls, chat: ChatRef, user: UserRef, form: str, values: Mapping[str, str]
    ) -> Incoming:
        return cls(
            chat, user, EventKind.FORM, form=form, form_values=MappingProxyType(dict(values))
        )


_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+(.*))?$", re.DOTALL)


def parse_command(text: str) -> tuple[str, str, str] | None:
    """`/Cmd@Bot  args` → ("cmd", "Bot", "args"); None when the text is no command."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    name, addressee, args = match.groups()
    return name.lower(), addressee or "", (args or "").strip()


@dataclass(frozen=True)
class Button:
    label: str
    action: str
    payload: str = ""


def payload_number(text: str) -> int:
    """A row number carried in a button's payload; 0, which names no row, for anything
    else (a forged or garbled payload)."""
    return int(text) if text.isdigit() else 0


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class FormChoiceView:
    value: str
    label: str


@dataclass(frozen=True)
class FormFieldView:
    name: str
    label: str
    placeholder: str = ""
    required: bool = False
    multiline: bool = False
    max_length: int = 4000
    choices: tuple[FormChoiceView, ...] = ()
    """A field answered by picking one of these (a select menu)."""
    value: str = ""
    """The current value, shown filled in (when editing)."""


@dataclass(frozen=True)
class FormView:
    """A whole form at once, for platforms that show forms natively (Discord modals); a long
    form comes in parts, each with the fields still open."""

    name: str
    title: str
    fields: tuple[FormFieldView, ...]


@dataclass(frozen=True)
class Reply:
    text: Text
    buttons: tuple[tuple[Button, ...], ...] = ()
    form: FormView | None = None
    attachment: Attachment | None = None
    private: bool = False
    """Only for the member who asked: a direct message or an ephemeral answer."""
    awaits_answer: bool = False
    """The member's next message answers this one (a forced reply where the platform has it)."""
    replaces_origin: bool = False
    """The new version of the message whose button was pressed (live RSVP counts): each
    adapter edits that message in place, within the platform's limits; where it cannot, the
    reply is dropped, never sent as a new message."""


@dataclass(frozen=True)
class ChatTarget:
    platform: str
    chat_id: str


@dataclass(frozen=True)
class MemberTarget:
    """A direct message to one platform identity."""

    platform: str
    user_id: str
    group: str | None = field(default=None, compare=False)
    """The group chat the member wrote in: where the bot says so when the platform refuses
    the direct message (the message itself stays private)."""


Target = ChatTarget | MemberTarget
