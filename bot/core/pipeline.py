"""The handler core: turns one Incoming into replies, inside one unit of work."""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm.exc import StaleDataError

from bot.core.clock import Clock
from bot.core.context import Context, UserError
from bot.core.i18n import Catalogs, Translator, language_or_none
from bot.core.locks import KeyedLocks
from bot.core.router import Router
from bot.dialogs.engine import DialogEngine
from bot.model.messages import ChatRef, EventKind, Incoming, Reply, UserRef
from bot.model.messenger import Messenger
from search.tool_catalogue import ToolCatalogue
from storage.db import Database
from storage.message_counter import MessageCounter
from storage.models import Community, DialogState, Member, Membership, Role
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class KnownSender:
    """What the fast path for ordinary group messages needs, cached after the first message."""

    community_id: int
    member_id: int
    timezone: ZoneInfo


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
        self.tools = tools
        self.on_planned = on_planned
        """Told the earliest due time of sends a handler planned, once they are committed."""
        self._locks = KeyedLocks()
        self._known: dict[tuple[str, str, str], KnownSender] = {}

    async def handle(self, msg: Incoming) -> list[Reply]:
        """Never raises: a failure is logged and answered in the member's language."""
        key = (msg.platform, msg.chat.chat_id, msg.user.user_id)
        try:
            async with self._locks.hold(key):
                if self._counted_quickly(msg, key):
                    return []
                return await self._handle(msg, key)
        except Exception:
            log.exception("failed to handle a %s event on %s", msg.kind.value, msg.platform)
            return [Reply(self._fallback_translator(msg).text("error.generic"))]

    def _counted_quickly(self, msg: Incoming, key: tuple[str, str, str]) -> bool:
        """Count ordinary group chatter of a known member without touching the database."""
        known = self._known.get(key)
        if known is None or msg.kind is not EventKind.MESSAGE or msg.for_bot:
            return False
        day = self.clock.now().astimezone(known.timezone).date()
        self.counter.add(known.community_id, known.member_id, day)
        return True

    async def _handle(self, msg: Incoming, key: tuple[str, str, str]) -> list[Reply]:
        translator: Translator | None = None
        try:
            async with self.database.session() as session:
                repos = Repositories.bind(session)
                if msg.update_key and not await repos.updates.first_time(
                    msg.update_key, self.clock.now()
                ):
                    log.info("a re-delivered %s update was handled before; ignored", msg.platform)
                    return []
                ctx = await self._context(msg, repos)
                translator = ctx.t
                replies = await self._dispatch(msg, ctx)
                for hook in self.router.reply_hooks():
                    replies = await hook(msg, ctx, replies)
            self._remember(msg, key, ctx)
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

    async def _context(self, msg: Incoming, repos: Repositories) -> Context:
        now = self.clock.now()
        member, identity = await repos.members.resolve(
            msg.user.platform, msg.user.user_id, msg.user.display_name, now
        )
        community: Community | None
        membership: Membership | None
        if msg.user.dm_open and identity.private_chat_id is None:
            identity.private_chat_id = msg.user.user_id  # reachable unless a DM is refused
        if msg.chat.is_private:
            identity.private_chat_id = msg.chat.chat_id
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
        return Context(
            community=community,
            member=member,
            identity=identity,
            membership=membership,
            role=self._role(msg, membership),
            t=self.catalogs.translator(self._language(msg, member, community)),
            catalogs=self.catalogs,
            repos=repos,
            clock=self.clock,
            messenger=self.messenger,
            router=self.router,
            dialogs=self.dialogs,
            is_private=msg.chat.is_private,
            tools=self.tools,
        )

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

    async def _dispatch(self, msg: Incoming, ctx: Context) -> list[Reply]:
        if msg.kind is EventKind.JOINED:
            return [ctx.reply("welcome.joined", name=ctx.member.display_name)]
        if msg.kind is EventKind.LEFT:
            if ctx.community is not None:
                await ctx.repos.members.leave(ctx.community.id, ctx.member.id, ctx.now())
            return []
        state, notices = await self.dialogs.current(msg, ctx)
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
                assert member is not None
                t = self.catalogs.translator(member.language or language_or_none(user.language))
                if group is None or identity.private_chat_id is None:
                    return []
                moved = await self.dialogs.move(
                    repos, user, identity.private_chat_id, group.chat_id, t
                )
                return [Reply(t.text("dm.refused", name=user.display_name)), *moved]
        except Exception:
            log.exception("could not record a refused direct message on %s", user.platform)
            return []

    async def _still_open(self, msg: Incoming, ctx: Context, before: DialogState) -> list[Reply]:
        """After another command: remind the member of the form they left open."""
        after, _ = await self.dialogs.current(msg, ctx)
        if after is None or after.id != before.id:
            return []
        return [self.dialogs.reminder(ctx, after)]

    async def _command(self, msg: Incoming, ctx: Context) -> list[Reply]:
        command = self.router.find_command(msg.command)
        if command is None:
            return [self._unknown_command(msg, ctx)]
        if not command.allowed_for(ctx.role):
            return [ctx.reply("error.coordinators_only", command=f"/{msg.command}")]
        return list(await command.handler(msg, ctx))

    async def _press(self, msg: Incoming, ctx: Context) -> list[Reply]:
        handler = self.router.find_action(msg.action)
        if handler is None:
            return [ctx.reply("error.stale_button")]
        return list(await handler(msg, ctx))

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

    def _remember(self, msg: Incoming, key: tuple[str, str, str], ctx: Context) -> None:
        if ctx.sender_forgotten:
            self._forget(ctx.member.id)
        elif msg.kind is EventKind.LEFT:
            self._known.pop(key, None)
        elif ctx.community is not None and not msg.chat.is_private:
            self._known[key] = KnownSender(ctx.community.id, ctx.member.id, ctx.zone())

    def _forget(self, member_id: int) -> None:
        """The member's data was erased: drop what this process still holds about them."""
        self._known = {
            key: known for key, known in self._known.items() if known.member_id != member_id
        }
        self.counter.discard(member_id)
