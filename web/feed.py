"""The member's calendar subscription: `/feed/<token>.ics`, polled by calendar apps.

The token is the only credential (calendar apps cannot log in); renewing it on the agenda
page revokes the old URL. Responses carry an ETag over the body and a Last-Modified of the
moment this process first served that version, and answer 304 to a matching conditional GET.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from web import calendar
from web.pages import Page, page

_FIRST_SEEN: dict[str, datetime] = {}
_REMEMBERED = 10_000


def _first_seen(etag: str, now: datetime) -> datetime:
    if etag not in _FIRST_SEEN:
        if len(_FIRST_SEEN) >= _REMEMBERED:
            _FIRST_SEEN.clear()
        _FIRST_SEEN[etag] = now.astimezone(UTC).replace(microsecond=0)
    return _FIRST_SEEN[etag]


@page
async def subscription(p: Page) -> Response:
    token = p.request.path_params["token"]
    member_id = await p.repos.web.feed_owner(token)
    member = await p.repos.members.get(member_id) if member_id is not None else None
    if member is None:
        raise HTTPException(404)
    memberships = await p.repos.members.memberships_of(member.id)
    communities = [c for m in memberships if (c := await p.repos.communities.get(m.community_id))]
    meetings = await p.repos.meetings.coming_of([c.id for c in communities], p.now())
    t = p.services.catalogs.translator(
        member.language or (communities[0].language if communities else None)
    )
    name = ", ".join(c.title for c in communities if c.title) or "Leeratelier"
    body = calendar.feed(t, communities, meetings, name)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    modified = _first_seen(etag, p.now())
    headers = {
        "etag": etag,
        "last-modified": format_datetime(modified, usegmt=True),
        "cache-control": "private, max-age=300",
    }
    if _not_modified(p, etag, modified):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)


def _not_modified(p: Page, etag: str, modified: datetime) -> bool:
    match = p.request.headers.get("if-none-match")
    if match is not None:
        return etag in [tag.strip() for tag in match.split(",")] or match.strip() == "*"
    since = p.request.headers.get("if-modified-since")
    if since is None:
        return False
    try:
        return modified <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def routes() -> list[BaseRoute]:
    return [Route("/feed/{token}.ics", subscription)]
