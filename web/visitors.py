"""Who is looking: an anonymous reader, or a member logged in through a session cookie, in
one of their communities, with the role the chat would give them. Checked on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

from bot.core.i18n import Catalogs, Translator, language_or_none
from storage.models import Community, Member, Membership, Role, WebSession
from storage.repositories import Repositories
from storage.repositories.experiments import Viewer

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
