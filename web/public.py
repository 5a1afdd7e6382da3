"""Public pages, no login: home, the tool catalogue with the same search as `/tool`, tool
cards and themes, public events with their `.ics`, and about the atelier.

Nothing here comes from a contribution that is not public; a logged-in member additionally
sees their own community's lessons on a tool card, by the chat's read rule.
"""

from __future__ import annotations

from dataclasses import replace
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.dialogs.personal_data import redact
from bot.text.calendar_file import filename_for
from storage.models import Meeting, MeetingKind, Tool, ToolStatus
from storage.repositories.experiments import Lesson
from storage.retention import RetentionPolicy
from web import calendar
from web.pages import Page, page
from web.tool_cards import ToolCards
from web.visitors import LANGUAGE_COOKIE

QUERY_LENGTH = 300
RESULTS = 20
THEMES_ON_HOME = 12
LESSONS_SHOWN = 5
EVENTS_SHOWN = 50


def tool_name(p: Page, tool: Tool) -> str:
    return tool.name_en if p.t.language == "en" and tool.name_en else tool.name


def tool_view(p: Page, tool: Tool) -> dict[str, object]:
    english = p.t.language == "en"
    return {
        "id": tool.id,
        "name": tool_name(p, tool),
        "summary": (tool.summary_en if english and tool.summary_en else tool.summary_nl),
        "when": (tool.when_to_use_en if english and tool.when_to_use_en else tool.when_to_use_nl),
        "steps": (tool.steps_en if english and tool.steps_en else tool.steps_nl),
        "level": tool.level,
        "effort": tool.effort,
        "tags": tool.tags,
        "source_name": tool.source_name,
        "source_url": tool.source_url
        if tool.source_url.startswith(("https://", "http://"))
        else "",
    }


@page
async def home(p: Page) -> Response:
    await p.services.tools.ensure(p.repos.tools, p.now())
    themes = p.services.tools.themes()[:THEMES_ON_HOME]
    events = await _public_events(p, 3)
    return p.render("home.html", themes=themes, events=events, count=len(p.services.tools))


@page
async def tools(p: Page) -> Response:
    query = " ".join(p.request.query_params.get("q", "").split())[:QUERY_LENGTH]
    if query and not p.within(p.services.limits.search):
        raise HTTPException(429)
    await p.services.tools.ensure(p.repos.tools, p.now())
    found: list[Tool] = []
    suggested: list[Tool] = []
    if query:
        cards: ToolCards = p.request.app.state.tool_cards
        matches = p.services.tools.search(query, RESULTS)
        found = await cards.approved_by_ids(p.repos.tools, [m.id for m in matches])
        if not found:
            near = p.services.tools.suggest(query, 3)
            suggested = await cards.approved_by_ids(p.repos.tools, [m.id for m in near])
    return p.render(
        "tools.html",
        query=query,
        results=[tool_view(p, tool) for tool in found],
        suggested=[tool_view(p, tool) for tool in suggested],
        themes=p.services.tools.themes(),
    )


@page
async def tool(p: Page) -> Response:
    found = await p.repos.tools.get(p.request.path_params["tool_id"])
    if found is None or found.status is not ToolStatus.APPROVED:
        raise HTTPException(404)
    lessons: list[Lesson] = await public_lessons(p, found.id)
    tried = 0
    if p.visitor is not None:
        experiments = p.repos.experiments
        community_id, viewer = p.visitor.community.id, p.visitor.viewer
        tried = await experiments.tried_tool(found.id, community_id, viewer)
        lessons = await experiments.lessons(found.id, community_id, viewer, LESSONS_SHOWN)
    return p.render("tool.html", tool=tool_view(p, found), lessons=lessons, tried=tried)


async def public_lessons(p: Page, tool_id: str) -> list[Lesson]:
    """Lessons of experiments whose author chose the public audience (`openbaar`), from any
    community, with the name rule applied and personal data masked."""
    found = await p.repos.experiments.public_lessons(tool_id, LESSONS_SHOWN)
    return [replace(lesson, learned=redact(lesson.learned)) for lesson in found]


@page
async def theme(p: Page) -> Response:
    tag = p.request.path_params["theme"]
    tools_of = [tool for tool in await p.repos.tools.approved() if tag in tool.tags]
    if not tools_of:
        raise HTTPException(404)
    return p.render("theme.html", theme=tag, results=[tool_view(p, tool) for tool in tools_of])


async def _public_events(p: Page, limit: int) -> list[dict[str, object]]:
    meetings = await p.repos.meetings.public_upcoming(p.now(), limit)
    shown = []
    for meeting in meetings:
        community = await p.repos.communities.get(meeting.community_id)
        zone = community.timezone if community else "Europe/Amsterdam"
        shown.append(
            {
                "id": meeting.id,
                "title": meeting.title,
                "when": p.when(meeting.starts_at, zone),
                "place": meeting.place,
                "community": (community.title if community else "") or "Leeratelier",
            }
        )
    return shown


@page
async def events(p: Page) -> Response:
    return p.render("events.html", events=await _public_events(p, EVENTS_SHOWN))


@page
async def event_ics(p: Page) -> Response:
    meeting = await p.repos.meetings.by_id(int(p.request.path_params["meeting_id"]))
    if meeting is None or meeting.kind is not MeetingKind.PUBLIC or meeting.cancelled:
        raise HTTPException(404)
    return await _ics(p, meeting)


async def _ics(p: Page, meeting: Meeting) -> Response:
    community = await p.repos.communities.get(meeting.community_id)
    if community is None:
        raise HTTPException(404)
    body = calendar.single(p.t, community, meeting)
    name = filename_for(meeting.title, meeting.starts_at.astimezone(ZoneInfo(community.timezone)))
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@page
async def about(p: Page) -> Response:
    retention = p.services.retention or RetentionPolicy()
    privacy = p.t.plain(
        "privacy.full",
        dialog_days=retention.dialog_days,
        delivery_days=retention.delivery_days,
        button_days=retention.button_days,
        ledger_months=retention.ledger_months,
    )
    return p.render("about.html", privacy=privacy.split("\n\n"))


@page
async def language(p: Page) -> Response:
    """Remember the language chosen on the page (for visitors who are not logged in)."""
    chosen = p.request.query_params.get("lang", "")
    back = p.request.query_params.get("back", "/")
    if not back.startswith("/") or back.startswith("//"):
        back = "/"
    response = p.redirect(back)
    if chosen in ("nl", "en"):
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 86400, samesite="lax")
    return response


def routes() -> list[BaseRoute]:
    return [
        Route("/", home),
        Route("/tools", tools),
        Route("/tools/{tool_id}", tool),
        Route("/themes/{theme}", theme),
        Route("/events", events),
        Route("/events/{meeting_id:int}.ics", event_ics),
        Route("/about", about),
        Route("/language", language),
    ]
