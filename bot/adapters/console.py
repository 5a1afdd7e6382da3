"""The console adapter: one member in one local community, in the terminal.

Everything typed is addressed to the bot. Buttons show as numbered choices (type the
number), forms as one question at a time, files are written to a folder (their full path is
printed), and proactive messages appear while it waits for input. `/als <naam> [coördinator]`
(or `/as`) switches the member you play, to try the whole community alone: group messages and
reminders are shown to whoever plays at that moment, and a private message to a member played
earlier is shown marked with their name. At the end of the input (a pipe, or Ctrl-D) it asks
the hub to shut down.
"""

from __future__ import annotations

import asyncio
import re
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.text import Text as RichText

from bot.adapters.base import Capabilities, Host
from bot.model.markup import Style, Text
from bot.model.messages import (
    Button,
    ChatRef,
    ChatTarget,
    Incoming,
    MemberTarget,
    Reply,
    Target,
    UserRef,
)
from bot.model.messenger import DeliveryRefused, SendJob

PLATFORM = "console"
_COORDINATOR_WORDS = {"coördinator", "coordinator", "coord", "--coordinator"}
_MEMBER_WORDS = {"lid", "member"}
CHAT_ID = "local"

_RICH_STYLES = {
    Style.BOLD: "bold",
    Style.ITALIC: "italic",
    Style.CODE: "cyan",
    Style.LINK: "underline",
}


@dataclass(frozen=True)
class ConsoleOptions:
    user_name: str = "Gast"
    coordinator: bool = False
    community_title: str = "Leeratelier (lokaal)"
    files_dir: Path = field(default_factory=lambda: Path("leeratelier-bestanden"))


def user_id_for(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")
    return slug or "gast"


class ConsoleAdapter:
    platform = PLATFORM
    deduplicates = False
    capabilities = Capabilities(max_message_length=None, native_forms=False, direct_messages=True)

    def __init__(
        self,
        options: ConsoleOptions,
        *,
        input_stream: TextIO | None = None,
        output_stream: TextIO | None = None,
    ) -> None:
        self.options = options
        self._input = input_stream or sys.stdin
        output = output_stream or sys.stdout
        self._interactive = output.isatty() and self._input.isatty()
        self._console = Console(
            file=output,
            highlight=False,
            emoji=False,
            soft_wrap=True,
            force_terminal=self._interactive or None,
        )
        self.chat = ChatRef(PLATFORM, CHAT_ID, is_private=False, title=options.community_title)
        self.user = UserRef(
            PLATFORM,
            user_id_for(options.user_name),
            options.user_name,
            language=None,
            is_admin=options.coordinator,
            dm_open=True,
        )
        self._played: dict[str, UserRef] = {self.user.user_id: self.user}
        self._choices: tuple[Button, ...] = ()
        self._answering_privately = False
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._consumer: asyncio.Task[None] | None = None

    async def start(self, host: Host) -> None:
        loop = asyncio.get_running_loop()

        def read_lines() -> None:
            for line in self._input:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        threading.Thread(target=read_lines, name="console-input", daemon=True).start()
        self._consumer = asyncio.create_task(self._consume(host))
        self._prompt()

    async def stop(self) -> None:
        if self._consumer is not None and not self._consumer.done():
            self._consumer.cancel()
            await asyncio.gather(self._consumer, return_exceptions=True)

    @property
    def private_chat(self) -> ChatRef:
        return ChatRef(PLATFORM, self.user.user_id, is_private=True)

    def play(self, line: str) -> bool:
        """`/als Cor` or `/als Cor coördinator`: from now on you are that member. False when the
        line is not such a command."""
        command, _, rest = line.strip().partition(" ")
        if command.casefold() not in ("/als", "/as"):
            return False
        words = rest.split()
        said = words[-1].casefold() if words else ""
        role_said = said in _COORDINATOR_WORDS or said in _MEMBER_WORDS
        name = " ".join(words[:-1] if role_said else words)
        if not name:
            role = " · coördinator" if self.user.is_admin else ""
            self._console.print(
                RichText(f"(je speelt / you play: {self.user.display_name}{role})", style="dim")
            )
            return True
        user_id = user_id_for(name)
        known = self._played.get(user_id)
        coordinator = said in _COORDINATOR_WORDS if role_said else bool(known and known.is_admin)
        self.user = UserRef(PLATFORM, user_id, name, None, is_admin=coordinator, dm_open=True)
        self._played[user_id] = self.user
        self._choices = ()
        self._answering_privately = False
        role = " · coördinator" if self.user.is_admin else ""
        self._console.print(RichText(f"(je speelt nu / you now play: {name}{role})", style="dim"))
        return True

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        if isinstance(target, ChatTarget) and target.chat_id == self.chat.chat_id:
            self.show(replies)
        elif isinstance(target, MemberTarget) and target.user_id == self.user.user_id:
            self.show(replies, private=True)
        elif isinstance(target, MemberTarget) and target.user_id in self._played:
            self.show(replies, private=True, to=self._played[target.user_id].display_name)
        else:
            raise DeliveryRefused(f"the console has no chat for {target}")
        self._prompt()

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        """The terminal has no limits and one reader: every turn is now."""

        async def sender(replies: Sequence[Reply]) -> None:
            await self.send(target, replies)

        await job(sender)

    async def _consume(self, host: Host) -> None:
        while (line := await self._lines.get()) is not None:
            if self.play(line):
                self._prompt()
                continue
            msg = self.incoming(line.rstrip("\r\n"))
            if msg is not None:
                replies = await host.dispatch(msg)
                self.show(replies, private=msg.chat.is_private)
                if not any(reply.awaits_answer or reply.buttons for reply in replies):
                    self._answering_privately = False
            self._prompt()
        host.request_shutdown()

    def incoming(self, line: str) -> Incoming | None:
        """A typed line as the core sees it; a number picks one of the last choices shown."""
        line = line.strip()
        if not line:
            return None
        chat = self.private_chat if self._answering_privately else self.chat
        if line.isdigit() and 1 <= int(line) <= len(self._choices):
            button = self._choices[int(line) - 1]
            return Incoming.button(chat, self.user, button.action, button.payload)
        return Incoming.from_text(chat, self.user, line, addressed=True)

    def show(self, replies: Sequence[Reply], *, private: bool = False, to: str = "") -> None:
        """Print replies; private ones are marked, and the member's next line answers in the
        chat the last question came from (the private chat for a prompt or a moved form).
        A private message `to` a member you do not play now is shown, marked, without choices."""
        for reply in replies:
            if to:
                self._console.print(RichText(f"(privé voor / private to {to})", style="dim"))
                self._console.print(_to_rich(reply.text))
                if reply.attachment is not None:
                    self._save(reply.attachment.filename, reply.attachment.content)
                self._console.print()
                continue
            if reply.replaces_origin:
                self._console.print(RichText("(bijgewerkt / updated)", style="dim"))
            if private or reply.private:
                self._console.print(RichText("(privé)", style="dim"))
            if reply.awaits_answer or reply.buttons:
                self._answering_privately = private or reply.private
            self._console.print(_to_rich(reply.text))
            if reply.attachment is not None:
                self._save(reply.attachment.filename, reply.attachment.content)
            buttons = tuple(button for row in reply.buttons for button in row)
            if buttons:
                self._choices = buttons
                choices = "  ".join(f"[{i}] {b.label}" for i, b in enumerate(buttons, start=1))
                self._console.print(RichText(choices, style="bold"))
            self._console.print()

    def _save(self, filename: str, content: bytes) -> None:
        self.options.files_dir.mkdir(parents=True, exist_ok=True)
        path = (self.options.files_dir / Path(filename).name).resolve()
        path.write_bytes(content)
        self._console.print(RichText(f"📎 {path}", style="dim"))

    def _prompt(self) -> None:
        if self._interactive:
            self._console.print(RichText("» ", style="dim"), end="")


def _to_rich(text: Text) -> RichText:
    rich = RichText()
    for span in text.spans:
        label = span.text
        if span.style is Style.LINK and span.url and span.url != span.text:
            label = f"{span.text} ({span.url})"
        rich.append(label, style=_RICH_STYLES.get(span.style, ""))
    return rich
