"""The handler core: turns one Incoming into replies, inside one unit of work."""

from __future__ import annotations

import asyncio
import difflib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.orm.base import instance_state
from sqlalchemy.orm.exc import StaleDataError

from bot.core import log_context
from bot.core.button_codec import ButtonStore
from bot.core.clock import Clock
from bot.core.context import Context, UserError
from bot.core.i18n import Catalogs, Translator, language_or_none
from bot.core.locks import KeyedLocks
from bot.core.router import ArgumentError, Router
from bot.dialogs.engine import DialogEngine
from bot.model.messages import (
    ChatRef,
    ConversationKey,
    EventKind,
    Incoming,
    Reply,
    Target,
    UserRef,
)
from bot.model.messenger import Messenger, SendJob
from search.tool_catalogue import ToolCatalogue
from storage.db import Database, DirectoryChange, ReadOnlyViolation
from storage.message_counter import MessageCounter
from storage.models import (
    Base,
    Community,
    DialogState,
    Identity,
    Member,
    Membership,
    Role,
)
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults

log = logging.getLogger(__name__)


VERSION_CHECK = timedelta(seconds=1)
KNOWN_FOR = timedelta(minutes=5)
"""How long chatter is counted from memory before one message goes through the database
again, so an erasure or a rejoin through another process reaches this one's counting."""
"""How often (at most) a process asks whether another one changed a member or community."""


@dataclass(frozen=True)
class Sender:
    """A sender in one chat as this process last read them: detached copies of their rows,
    merged into each unit of work without a query (`Session.merge(load=False)`), dropped as
    soon as one of those rows changes (storage/db.py reports every change after its commit)."""

    identity: Identity
    member: Member
    community: Community | None
    membership: Membership | None
    member_id: int = field(init=False)
    community_id: int | None = field(init=False)
    zone: ZoneInfo | None = field(init=False)
    """What counting chatter needs, as plain values (ORM attributes cost more to read)."""

    def __post_init__(self) -> None:
        community = self.community
        object.__setattr__(self, "member_id", self.member.id)
        object.__setattr__(self, "community_id", community.id if community else None)
        object.__setattr__(self, "zone", ZoneInfo(community.timezone) if community else None)

    @property
    def complete(self) -> bool:
        """Every column loaded (a row just inserted may still owe some): safe to keep."""
        rows: tuple[Base | None, ...] = (
            self.identity,
            self.member,
            self.community,
            self.membership,
        )
        return all(not instance_state(row).unloaded for row in rows if row is not None)


@dataclass
class _Attempt:
    """How far one try at a message got: a write refused while the handler ran says the
    command itself writes."""

    dispatching: bool = False
    no_dialog: bool = False
    """The conversation had no open form when the message came."""


@dataclass(frozen=True)
class _Mark:
    """When rows last changed, by whom, and when someone else last changed them before."""

    tick: int = 0
    by: object = None
    other_before: int = 0

    def then(self, tick: int, by: object) -> _Mark:
        return _Mark(tick, by, self.other_before if by is self.by else self.tick)

    def changed_for(self, task: object, since: int) -> bool:
        """Changed after `since` by anyone but `task` (whose own changes it holds)."""
        if self.tick <= since:
            return False
        return self.by is not task or self.by is None or self.other_before > since


class _NoSendsWhileReading:
    """The messenger of a read-only try: a send is a side effect, so the try becomes a writer
    (and sends once, then) instead of sending twice."""

    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        raise ReadOnlyViolation(f"a send to {target.platform}")

    async def send_in_turn(self, target: Target, job: SendJob, *, key: str) -> None:
        raise ReadOnlyViolation(f"a send to {target.platform}")

    def deduplicates(self, platform: str) -> bool:
        return False


def _merge_sender(session: Session, sender: Sender) -> Sender:
    """The sender's rows in this unit of work, without a query; in one hand-off to the
    session's greenlet (four awaited merges cost four)."""
    community, membership = sender.community, sender.membership
    return Sender(
        identity=session.merge(sender.identity, load=False),
        member=session.merge(sender.member, load=False),
        community=session.merge(community, load=False) if community else None,
        membership=session.merge(membership, load=False) if membership else None,
    )


class Core:
    def __init__(
        self,
        *,
        database: Database,
        router: Router,
        dialogs: DialogEngine,
        catalogs: Catalogs,
        clock: Clock,
        messenger: Messenger,
        counter: MessageCounter,
        defaults: CommunityDefaults,
        tools: ToolCatalogue,
        buttons: ButtonStore | None = None,
        coordinators: frozenset[str] = frozenset(),
        on_planned: Callable[[datetime], None] | None = None,
    ) -> None:
        self.database = database
        self.router = router
        self.dialogs = dialogs
        self.catalogs = catalogs
        self.clock = clock
        self.messenger = messenger
        self.counter = counter
        self.defaults = defaults
        self.coordinators = coordinators
        self.mirroring: frozenset[str] = frozenset()
        """The platforms whose adapter mirrors meetings as native events (set by the hub)."""
        self.tools = tools
        self.buttons = buttons or ButtonStore()
        self.on_planned = on_planned
        """Told the earliest due time of sends a handler planned, once they are committed."""
        self._locks = KeyedLocks()
        self._senders: dict[ConversationKey, Sender] = {}
        self._tick = 0
        self._changed_all = _Mark()
        self._changed_members: dict[int, _Mark] = {}
        self._changed_communities: dict[int, _Mark] = {}
        self._next_version_check = datetime.min.replace(tzinfo=UTC)
        self._confirmed_at: dict[ConversationKey, datetime] = {}
        self._handled_reads: dict[str, datetime] = {}
        self._no_dialog: set[ConversationKey] = set()
        """Conversations known to have no open form: no query for one at every message."""
        self._changed_dialogs: dict[ConversationKey, int] = {}
        self._changed_all_dialogs = 0
        self._writing_commands: set[str] = set()
        """Commands seen writing: they start as writers instead of trying to only read."""
        database.on_directory_change(self._directory_changed)

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Never raises: a failure is logged and answered in the member's language."""
        if msg.kind is EventKind.MESSAGE and not msg.for_bot and self._counted_quickly(msg):
            return []
        key = msg.key
        try:
            async with self._locks.hold(key):
                return await self._handle(msg, key)
        except Exception:
            log.exception("failed to handle a %s event on %s", msg.kind.value, msg.platform)
            return [Reply(self._fallback_translator(msg).text("error.generic"))]

    def _counted_quickly(self, msg: Incoming) -> bool:
        """Count ordinary group chatter of a known member without touching the database
        (counts add up in any order: no need to wait for the member's other messages)."""
        sender = self._senders.get(msg.key)
        if sender is None or sender.zone is None or sender.community_id is None:
            return False
        now = self.clock.now()
        confirmed = self._confirmed_at.get(msg.key)
        if confirmed is None or now - confirmed > KNOWN_FOR:
            return False
        day = now.astimezone(sender.zone).date()
        self.counter.add(sender.community_id, sender.member_id, day)
        return True

    async def _handle(self, msg: Incoming, key: ConversationKey) -> list[Reply]:
        """A command that may only read runs without the write lock; should it write after
        all, nothing has reached the database yet and it runs again as a writer."""
        if self._may_only_read(msg, key):
            attempt = _Attempt()
            try:
                return await self._attempt(msg, key, attempt, write=False)
            except ReadOnlyViolation:
                if attempt.dispatching:
                    self._writing_commands.add(msg.command)
        return await self._attempt(msg, key, _Attempt(), write=True)

    def _may_only_read(self, msg: Incoming, key: ConversationKey) -> bool:
        if msg.kind is not EventKind.COMMAND or msg.command in self._writing_commands:
            return False
        sender = self._senders.get(key)
        return sender is not None and self._still_true(msg, sender)

    async def _attempt(
        self, msg: Incoming, key: ConversationKey, attempt: _Attempt, *, write: bool
    ) -> list[Reply]:
        translator: Translator | None = None
        started = self._tick
        unit = self.database.session if write else self.database.reading
        try:
            async with unit() as session:
                # Trusting "no open form here" needs a fresh look: another process may have
                # opened one a moment ago (and this message answers it).
                await self._notice_other_processes(session, now=msg.key in self._no_dialog)
                repos = Repositories.bind(session)
                if msg.update_key and await self._handled_before(repos, msg.update_key, write):
                    log.info("a re-delivered %s update was handled before; ignored", msg.platform)
                    return []
                ctx, sender = await self._context(msg, key, repos, write=write)
                log_context.bind(community_id=ctx.community.id if ctx.community else None)
                attempt.dispatching = True
                translator = ctx.t
                replies = await self._dispatch(msg, ctx, attempt)
                if not write:
                    await session.flush()  # a handler's added rows are its writes too
                attempt.dispatching = False  # a reply hook's write (a first notice) is rare
                for hook in self.router.reply_hooks():
                    replies = await hook(msg, ctx, replies)
                replies = await self.buttons.seal(ctx.repos, msg.platform, replies, ctx.now())
            if msg.update_key and not write:
                self._handled_reads[msg.update_key] = self.clock.now()
            self._remember(msg, key, ctx, sender, started)
            self._remember_no_dialog(key, attempt, started)
            if ctx.planned and self.on_planned is not None:
                self.on_planned(min(ctx.planned))
            if msg.kind is EventKind.MESSAGE and not msg.for_bot:
                self._count(ctx)
            return replies
        except UserError as problem:
            translator = translator or self._fallback_translator(msg)
            return [Reply(translator.text(problem.key, **problem.values))]
        except StaleDataError:
            translator = translator or self._fallback_translator(msg)
            return [Reply(translator.text("dialog.busy"))]

    async def _handled_before(self, repos: Repositories, update_key: str, write: bool) -> bool:
        """A re-delivered update: a writer records its id in its own unit of work; a command
        that only reads checks, and its id is recorded in the next batch (`flush_handled`)."""
        if update_key in self._handled_reads:
            return True
        if not write:
            return await repos.updates.seen(update_key)
        return not await repos.updates.first_time(update_key, self.clock.now())

    async def flush_handled(self) -> None:
        """Record the ids of updates handled by commands that only read (every few seconds
        and at shutdown), without the write lock on their own path."""
        if not self._handled_reads:
            return
        pending, self._handled_reads = self._handled_reads, {}
        async with self.database.session() as session:
            await Repositories.bind(session).updates.record(pending)

    async def _notice_other_processes(self, session: AsyncSession, *, now: bool = False) -> None:
        """At most once a second (or `now`): did another process sharing the database change a
        member, a community or a form? Then nothing cached here can be trusted."""
        moment = self.clock.now()
        if not now and moment < self._next_version_check:
            return
        self._next_version_check = moment + VERSION_CHECK
        if await self.database.changed_elsewhere(session):
            self._directory_changed(DirectoryChange(everything=True))

    async def _context(
        self, msg: Incoming, key: ConversationKey, repos: Repositories, *, write: bool
    ) -> tuple[Context, Sender]:
        sender = self._senders.get(key)
        if sender is not None and self._still_true(msg, sender):
            sender = await self._merged(repos.session, sender)
        else:
            sender = await self._read_sender(msg, repos)
        return (
            Context(
                community=sender.community,
                member=sender.member,
                identity=sender.identity,
                membership=sender.membership,
                role=self._role(msg, sender.membership),
                t=self.catalogs.translator(self._language(msg, sender.member, sender.community)),
                catalogs=self.catalogs,
                repos=repos,
                clock=self.clock,
                messenger=self.messenger if write else _NoSendsWhileReading(),
                dialogs=self.dialogs,
                is_private=msg.chat.is_private,
                tools=self.tools,
                mirroring=self.mirroring,
            ),
            sender,
        )

    @staticmethod
    def _still_true(msg: Incoming, sender: Sender) -> bool:
        """The cached rows say what this message says (otherwise it brings a change)."""
        identity, membership = sender.identity, sender.membership
        if msg.user.display_name and identity.display_name != msg.user.display_name:
            return False
        if msg.user.dm_open and identity.private_chat_id is None:
            return False
        if msg.chat.is_private:
            return identity.private_chat_id == msg.chat.chat_id and not identity.dm_unreachable
        community = sender.community
        return (
            community is not None
            and not (msg.chat.title and community.title != msg.chat.title)
            and membership is not None
            and membership.left_at is None
            and membership.platform_admin == msg.user.is_admin
        )

    @staticmethod
    async def _merged(session: AsyncSession, sender: Sender) -> Sender:
        return await session.run_sync(_merge_sender, sender)

    async def _read_sender(self, msg: Incoming, repos: Repositories) -> Sender:
        """The sender's rows from the database, created or brought up to date as needed."""
        now = self.clock.now()
        member, identity = await repos.members.resolve(
            msg.user.platform, msg.user.user_id, msg.user.display_name, now
        )
        community: Community | None
        membership: Membership | None
        if msg.user.dm_open and identity.private_chat_id is None:
            identity.private_chat_id = msg.user.user_id  # reachable unless a DM is refused
        if msg.chat.is_private:
            if identity.private_chat_id != msg.chat.chat_id:
                identity.private_chat_id = msg.chat.chat_id
            if identity.dm_unreachable:
                identity.dm_unreachable = False
            membership = await repos.members.latest_membership(member.id)
            community = await repos.communities.get(membership.community_id) if membership else None
        else:
            community = await repos.communities.get_or_create(
                msg.platform, msg.chat.chat_id, msg.chat.title, self.defaults, now
            )
            membership = await repos.members.join(community.id, member.id, now)
            if membership.platform_admin != msg.user.is_admin:
                membership.platform_admin = msg.user.is_admin
        return Sender(identity, member, community, membership)

    def _directory_changed(self, change: DirectoryChange) -> None:
        """Drop what this process holds about the members and communities that changed."""
        self._tick += 1
        self._dialogs_changed(change)
        if change.everything:
            self._changed_all = self._changed_all.then(self._tick, change.by)
            self._senders.clear()
            return
        for member_id in change.members:
            mark = self._changed_members.get(member_id, _Mark())
            self._changed_members[member_id] = mark.then(self._tick, change.by)
        for community_id in change.communities:
            mark = self._changed_communities.get(community_id, _Mark())
            self._changed_communities[community_id] = mark.then(self._tick, change.by)
        self._senders = {
            key: sender
            for key, sender in self._senders.items()
            if sender.member_id not in change.members
            and sender.community_id not in change.communities
        }

    def _dialogs_changed(self, change: DirectoryChange) -> None:
        if change.all_dialogs or change.everything:
            self._changed_all_dialogs = self._tick
            self._no_dialog.clear()
            return
        for platform, chat_id, user_id in change.dialogs:
            key = ConversationKey(platform, chat_id, user_id)
            self._changed_dialogs[key] = self._tick
            self._no_dialog.discard(key)

    def _remember_no_dialog(self, key: ConversationKey, attempt: _Attempt, started: int) -> None:
        """Keep that the conversation has no open form, unless one was touched meanwhile
        (by this unit of work too: it may have just opened one)."""
        if not attempt.no_dialog or key in self._no_dialog:
            return
        if self._changed_all_dialogs > started or self._changed_dialogs.get(key, 0) > started:
            return
        self._no_dialog.add(key)

    def _changed_since(self, sender: Sender, tick: int) -> bool:
        """Did anyone but this task change the sender's rows since `tick`? (This task's own
        changes are in the rows it holds, committed.)"""
        me = asyncio.current_task()
        marks = [self._changed_all, self._changed_members.get(sender.member_id, _Mark())]
        if sender.community_id is not None:
            marks.append(self._changed_communities.get(sender.community_id, _Mark()))
        return any(mark.changed_for(me, tick) for mark in marks)

    def _role(self, msg: Incoming, membership: Membership | None) -> Role:
        """In a group the platform's word counts; in a private chat what was last seen there."""
        admin = msg.user.is_admin if not msg.chat.is_private else False
        return self._role_in(membership, admin=admin, ref=msg.user.ref)

    def _role_in(self, membership: Membership | None, *, admin: bool, ref: str) -> Role:
        if admin or ref in self.coordinators:
            return Role.COORDINATOR
        if membership is not None and (
            membership.role is Role.COORDINATOR or membership.platform_admin
        ):
            return Role.COORDINATOR
        return Role.MEMBER

    def _language(self, msg: Incoming, member: Member, community: Community | None) -> str:
        return (
            member.language
            or language_or_none(msg.user.language)
            or (community.language if community else self.defaults.language)
        )

    def _fallback_translator(self, msg: Incoming) -> Translator:
        return self.catalogs.translator(
            language_or_none(msg.user.language) or self.defaults.language
        )

    async def _dispatch(self, msg: Incoming, ctx: Context, attempt: _Attempt) -> list[Reply]:
        if msg.kind is EventKind.JOINED:
            return [ctx.reply("welcome.joined", name=ctx.member.display_name)]
        if msg.kind is EventKind.LEFT:
            if ctx.community is not None:
                await ctx.repos.members.leave(ctx.community.id, ctx.member.id, ctx.now())
            return []
        state: DialogState | None = None
        notices: list[Reply] = []
        if msg.key not in self._no_dialog:
            state, notices = await self.dialogs.current(msg, ctx)
        attempt.no_dialog = state is None and not notices
        if state is not None:
            await self._enter_dialog_community(ctx, state)
        if msg.kind is EventKind.FORM:
            return notices + await self.dialogs.submit(msg, ctx)
        if msg.kind is EventKind.BUTTON:
            return notices + await self._press(msg, ctx)
        if msg.kind is EventKind.COMMAND:
            replies = await self._command(msg, ctx)
            if state is not None:
                replies += await self._still_open(msg, ctx, state)
            return notices + replies
        if state is not None and msg.for_bot:
            return notices + await self.dialogs.answer(msg, ctx, state, msg.text)
        if msg.chat.is_private:
            handler = self.router.private_text
            answered = await handler(msg, ctx) if handler is not None else []
            return [*notices, *(answered or [ctx.reply("chat.private_hint")])]
        return notices

    async def _enter_dialog_community(self, ctx: Context, state: DialogState) -> None:
        """A form moved to the private chat still belongs to the group it was started in."""
        if state.community_id is None or (ctx.community and ctx.community.id == state.community_id):
            return
        ctx.community = await ctx.repos.communities.get(state.community_id)
        ctx.membership = await ctx.repos.members.find_membership(state.community_id, ctx.member.id)
        ctx.role = self._role_in(ctx.membership, admin=False, ref=ctx.identity.ref)

    async def direct_message_refused(self, user: UserRef, group: ChatRef | None) -> list[Reply]:
        """The platform refused a direct message to this member: remember it, and bring a
        form that was waiting for them in the private chat back to the group."""
        try:
            async with self.database.session() as session:
                repos = Repositories.bind(session)
                identity = await repos.members.find_identity(user.platform, user.user_id)
                if identity is None:
                    return []
                identity.dm_unreachable = True
                member = await repos.members.get(identity.member_id)
                language = member.language if member is not None else None
                t = self.catalogs.translator(language or language_or_none(user.language))
                if group is None or identity.private_chat_id is None:
                    return []
                moved = await self.dialogs.move(
                    repos, user, identity.private_chat_id, group.chat_id, t
                )
                name = user.display_name or (member.display_name if member is not None else "")
                replies = [Reply(t.text("dm.refused", name=name)), *moved]
                return await self.buttons.seal(repos, group.platform, replies, self.clock.now())
        except Exception:
            log.exception("could not record a refused direct message on %s", user.platform)
            return []

    async def known_communities(self, platform: str, chat_ids: Sequence[str]) -> set[str]:
        async with self.database.session() as session:
            return await Repositories.bind(session).communities.known_chats(platform, chat_ids)

    async def _still_open(self, msg: Incoming, ctx: Context, before: DialogState) -> list[Reply]:
        """After another command: remind the member of the form they left open."""
        after, _ = await self.dialogs.current(msg, ctx)
        if after is None or after is not before:  # not by id: SQLite reuses a deleted row's
            return []
        return [self.dialogs.reminder(ctx, after)]

    async def _command(self, msg: Incoming, ctx: Context) -> list[Reply]:
        command = self.router.find_command(msg.command)
        if command is None:
            return [self._unknown_command(msg, ctx)]
        if not command.allowed_for(ctx.role):
            return [ctx.reply("error.coordinators_only", command=f"/{msg.command}")]
        try:
            arguments = command.parse(msg)
        except ArgumentError as problem:
            return [self._argument_problem(msg, ctx, problem)]
        return list(await command.handler(replace(msg, arguments=arguments), ctx))

    @staticmethod
    def _argument_problem(msg: Incoming, ctx: Context, problem: ArgumentError) -> Reply:
        """One clear sentence in the member's language: which option, and what it takes."""
        option = problem.option
        return ctx.reply(
            f"error.option_{problem.problem.value}",
            command=f"/{msg.command}",
            option=option.shown_name(ctx.language),
            given=problem.given[:60],
            choices=", ".join(choice.value for choice in option.choices),
        )

    async def _press(self, msg: Incoming, ctx: Context) -> list[Reply]:
        opened = await self.buttons.open(ctx.repos, msg.action, msg.payload)
        handler = self.router.find_action(opened[0]) if opened is not None else None
        if opened is None or handler is None:
            return [ctx.reply("error.stale_button")]
        return list(await handler(replace(msg, action=opened[0], payload=opened[1]), ctx))

    def _unknown_command(self, msg: Incoming, ctx: Context) -> Reply:
        close = difflib.get_close_matches(msg.command, self.router.command_names(), n=1)
        if close:
            return ctx.reply(
                "error.unknown_command_suggest",
                command=f"/{msg.command}",
                suggestion=f"/{close[0]}",
            )
        return ctx.reply("error.unknown_command", command=f"/{msg.command}")

    def _count(self, ctx: Context) -> None:
        if ctx.community is not None:
            day = ctx.now().astimezone(ctx.zone()).date()
            self.counter.add(ctx.community.id, ctx.member.id, day)

    def _remember(
        self, msg: Incoming, key: ConversationKey, ctx: Context, sender: Sender, started: int
    ) -> None:
        """Keep the sender's rows for their next message, unless they changed meanwhile."""
        if ctx.sender_forgotten:
            self._forget(ctx.member.id)
        elif msg.kind is EventKind.LEFT:
            self._senders.pop(key, None)
        elif sender.complete and not self._changed_since(sender, started):
            self._senders[key] = sender
            self._confirmed_at[key] = self.clock.now()

    def _forget(self, member_id: int) -> None:
        """The member's data was erased: drop what this process still holds about them."""
        self._senders = {
            key: sender for key, sender in self._senders.items() if sender.member_id != member_id
        }
        self.counter.discard(member_id)
