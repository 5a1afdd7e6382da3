"""Who is looking: an anonymous reader, or a member logged in through a session cookie, in
one of their communities, with the role the chat would give them. Checked on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

from bot.core.i18n import Catalogs, Translator, language_or_none
from storage.db import Database, DirectoryChange
from storage.models import Community, Member, Membership, Role, WebSession
from storage.repositories import Repositories
from storage.repositories.experiments import Viewer
from storage.repositories.web import digest

SESSION_COOKIE = "leeratelier_session"
LANGUAGE_COOKIE = "leeratelier_lang"


@dataclass
class Visitor:
    member: Member
    community: Community
    membership: Membership
    session: WebSession
    coordinator: bool
    communities: list[Community]

    @property
    def viewer(self) -> Viewer:
        return Viewer.member(self.community.id, self.member.id, coordinator=self.coordinator)

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


class VisitorCache:
    """Who a session cookie belongs to, kept per process for the reading pages, so that a
    page costs no lookups before its own query. Forgotten when the database says a member,
    a community or a session changed (here at once; in another process sharing the database
    within `RECHECK` seconds). Writing pages always look the visitor up in their own unit of
    work: they change the rows they read."""

    RECHECK = 1.0
    MOST = 10_000

    def __init__(self, database: Database, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._known: dict[str, Visitor] = {}
        self._generation = 0
        self._version: int | None = None
        self._checked = -self.RECHECK
        self._monotonic = monotonic
        self._database = database
        database.on_directory_change(self.changed)

    def changed(self, change: DirectoryChange) -> None:
        if not (change.everything or change.members or change.communities):
            return
        self._generation += 1
        if change.everything:
            self._known.clear()
            return
        self._known = {
            key: known
            for key, known in self._known.items()
            if known.member.id not in change.members
            and not any(c.id in change.communities for c in known.communities)
        }

    async def visitor(
        self, request: Request, repos: Repositories, coordinators: frozenset[str], *, reading: bool
    ) -> Visitor | None:
        secret = request.cookies.get(SESSION_COOKIE)
        if not secret:
            return None
        if not reading:
            return await visitor_of(request, repos, coordinators)
        await self._notice_other_processes(repos)
        key = digest(secret)
        known = self._known.get(key)
        if known is not None and known.session.expires_at > _now(request):
            return known
        generation = self._generation
        found = await visitor_of(request, repos, coordinators)
        if found is not None and generation == self._generation:
            # nothing changed while it was read: the rows it came from are still the rows
            if len(self._known) >= self.MOST:
                self._known.clear()
            self._known[key] = found
        return found

    async def _notice_other_processes(self, repos: Repositories) -> None:
        if self._monotonic() - self._checked < self.RECHECK:
            return
        self._checked = self._monotonic()
        version = await self._database.directory_version(repos.session)
        if version != self._version:
            self._version = version
            self.changed(DirectoryChange(everything=True))


async def visitor_of(
    request: Request, repos: Repositories, coordinators: frozenset[str]
) -> Visitor | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return None
    now_session = await repos.web.session_of(secret, _now(request))
    if now_session is None:
        return None
    member = await repos.members.get(now_session.member_id)
    if member is None:
        return None
    memberships = await repos.members.memberships_of(member.id)
    current = next((m for m in memberships if m.community_id == now_session.community_id), None)
    if current is None:
        return None
    communities = [c for m in memberships if (c := await repos.communities.get(m.community_id))]
    community = next(c for c in communities if c.id == current.community_id)
    identities = await repos.members.identities_of(member.id)
    coordinator = (
        current.role is Role.COORDINATOR
        or current.platform_admin
        or any(identity.ref in coordinators for identity in identities)
    )
    return Visitor(member, community, current, now_session, coordinator, communities)


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.services.clock.now()
    return now


def translator_for(request: Request, catalogs: Catalogs, visitor: Visitor | None) -> Translator:
    """The member's language, else the one chosen on the page, else the browser's, else Dutch."""
    chosen = language_or_none(request.query_params.get("lang")) or language_or_none(
        request.cookies.get(LANGUAGE_COOKIE)
    )
    if visitor is not None:
        return catalogs.translator(chosen or visitor.member.language or visitor.community.language)
    header = request.headers.get("accept-language", "")
    browser = language_or_none(header.split(",")[0].split(";")[0].strip())
    return catalogs.translator(chosen or browser)
