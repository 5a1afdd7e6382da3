"""Pages for coordinators: the `/stats` figures and chart (counts only, never names),
proposals to approve or reject, the community's settings, and the funder report as a
printable page. The role is checked on the server for every request."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel.dates import get_day_names
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.core import forum
from bot.dialogs.forms import InvalidAnswer
from bot.handlers.community_settings import DIGEST_HOURS, NUMBERS, set_digest_time
from bot.handlers.tools import EDIT_FIELDS, edit_defaults, proposal_edit
from bot.model.messages import Reply
from bot.text.stats_chart import weekly_chart
from storage.models import Attribution, Audience, Community, Level, Tool, ToolStatus
from storage.repositories.production import ProductionRepository
from web.pages import Page, page

WEEKS = 12
PROPOSALS_SHOWN = 50


def _week_bounds(zone: ZoneInfo, now: datetime) -> list[datetime]:
    local = now.astimezone(zone)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), time(0), tzinfo=zone)
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)] + [
        now + timedelta(seconds=1)
    ]


@page
async def stats(p: Page) -> Response:
    visitor = p.coordinator()
    community_id, now = visitor.community.id, p.now()
    figures = p.repos.participation
    levels = await figures.levels(community_id)
    recent = await figures.window(community_id, now - timedelta(weeks=4), now)
    before = await figures.window(community_id, now - timedelta(weeks=8), now - timedelta(weeks=4))
    longer = await figures.window(community_id, now - timedelta(weeks=WEEKS), now)
    delivered, answered = await figures.prompt_response(community_id, now - timedelta(weeks=WEEKS))
    t = p.t
    trend = (
        "stats.trend_up"
        if recent.givers > before.givers
        else "stats.trend_down"
        if recent.givers < before.givers
        else "stats.trend_flat"
    )
    lines = [
        t.plain(
            "stats.levels",
            core=levels[Level.CORE],
            active=levels[Level.ACTIVE],
            peripheral=levels[Level.PERIPHERAL],
            unknown=levels[None],
        ),
        t.plain(
            "stats.weeks4",
            givers=recent.givers,
            takers=recent.takers_only,
            silent=recent.silent,
        ),
        t.plain(
            "stats.weeks12",
            givers=longer.givers,
            takers=longer.takers_only,
            silent=longer.silent,
        ),
        t.plain(trend, now=recent.givers, before=before.givers),
        t.plain(
            "stats.prompts",
            sent=delivered,
            answered=answered,
            percent=round(100 * answered / delivered),
        )
        if delivered
        else t.plain("stats.prompts_none"),
    ]
    return p.render("stats.html", lines=lines)


@page
async def stats_chart(p: Page) -> Response:
    visitor = p.coordinator()
    weeks = await p.repos.participation.weekly(
        visitor.community.id, _week_bounds(p.zone(), p.now())
    )
    t = p.t
    chart = weekly_chart(
        weeks,
        title=t.plain("stats.chart_title", weeks=WEEKS),
        givers=t.plain("stats.chart_givers"),
        takers=t.plain("stats.chart_takers"),
        week_label=t.plain("stats.chart_week"),
    )
    return Response(chart, media_type="image/png", headers={"cache-control": "private"})


def _in_reach(community_id: int, tool: Tool) -> bool:
    return tool.community_id is None or tool.community_id == community_id


@page
async def proposals(p: Page) -> Response:
    visitor = p.coordinator()
    waiting = await p.repos.tools.pending(visitor.community.id)
    rows = []
    for tool in waiting[:PROPOSALS_SHOWN]:
        proposer = (
            await p.repos.members.get(tool.proposer_member_id) if tool.proposer_member_id else None
        )
        rows.append(
            {
                "id": tool.id,
                "name": tool.name,
                "summary": tool.summary_nl,
                "when": tool.when_to_use_nl,
                "source_url": tool.source_url,
                "tags": tool.tags,
                "level": tool.level,
                "effort": tool.effort,
                "by": proposer.display_name if proposer else p.t.plain("tools.proposer_unknown"),
                "at": p.when(tool.created_at),
            }
        )
    params = p.request.query_params
    return p.render(
        "proposals.html",
        rows=rows,
        decided=params.get("decided", ""),
        edited=params.get("edited", ""),
        more=len(waiting) - len(rows),
    )


@page
async def decide(p: Page) -> Response:
    visitor = p.coordinator()
    form = await p.form()
    verdict = {"approve": ToolStatus.APPROVED, "reject": ToolStatus.REJECTED}.get(
        str(form.get("decision", ""))
    )
    tool = await p.repos.tools.get(p.request.path_params["tool_id"])
    if verdict is None or tool is None or not _in_reach(visitor.community.id, tool):
        raise HTTPException(404)
    if tool.status is not ToolStatus.PENDING or not await p.repos.tools.decide(
        tool.id, verdict, p.now()
    ):
        raise HTTPException(409)
    if verdict is ToolStatus.APPROVED:
        p.services.tools.changed([tool])
    await _tell_proposer(p, tool, verdict)
    return p.redirect(f"/proposals?decided={verdict.value}")


WEB_PROBLEMS = {"dialog.required": "web.problem.empty", "dialog.too_long": "web.problem.too_long"}


@page
async def edit_proposal(p: Page) -> Response:
    """A coordinator corrects a proposal before deciding, by the chat's edit questions."""
    visitor = p.coordinator()
    tool = await p.repos.tools.get(p.request.path_params["tool_id"])
    if tool is None or not _in_reach(visitor.community.id, tool):
        raise HTTPException(404)
    if tool.status is not ToolStatus.PENDING:
        raise HTTPException(409)
    if p.request.method == "GET":
        return _proposal_form(p, tool, edit_defaults(tool))
    form = await p.form()
    answers = {field.name: str(form.get(field.name, "")) for field in EDIT_FIELDS}
    checked: dict[str, str | None] = {}
    for field in EDIT_FIELDS:
        try:
            checked[field.name] = field.checked(answers[field.name])
        except InvalidAnswer as invalid:
            key = WEB_PROBLEMS.get(invalid.key, invalid.key)
            problem = p.t.plain(key, **invalid.values)
            return _proposal_form(p, tool, answers, problem=(field.name, problem), status=400)
    if not await p.repos.tools.edit_proposal(tool.id, proposal_edit(checked), p.now()):
        raise HTTPException(409)
    return p.redirect(f"/proposals?edited={quote(tool.id)}#proposal-{quote(tool.id)}")


def _proposal_form(
    p: Page,
    tool: Tool,
    values: dict[str, str],
    *,
    problem: tuple[str, str] | None = None,
    status: int = 200,
) -> Response:
    return p.render(
        "proposal_edit.html",
        status=status,
        tool=tool,
        fields=EDIT_FIELDS,
        values=values,
        problem=problem,
    )


async def _tell_proposer(p: Page, tool: Tool, verdict: ToolStatus) -> None:
    """The proposer hears the outcome by direct message, as when decided in the chat."""
    visitor = p.coordinator()
    if tool.proposer_member_id is None:
        return
    proposer = await p.repos.members.get(tool.proposer_member_id)
    if proposer is None:
        return
    t = p.services.catalogs.translator(proposer.language or visitor.community.language)
    key = "tools.told_approved" if verdict is ToolStatus.APPROVED else "tools.told_rejected"
    notice = Reply(t.text(key, name=tool.name))
    await forum.send_privately(p.repos, p.services.messenger, proposer, visitor.community, notice)


@page
async def settings(p: Page) -> Response:
    """The community's settings: what `/instellingen` and `/deelniveau` set in the chat, by
    the same bounds, and the digest moved by the same service."""
    visitor = p.coordinator()
    community = visitor.community
    problem = None
    saved = False
    if p.request.method == "POST":
        form = await p.form()
        problem = await _save_settings(p, community, form)
        saved = problem is None
    return p.render(
        "settings.html",
        status=400 if problem else 200,
        community=community,
        numbers=NUMBERS,
        days=list(get_day_names("wide", locale=p.t.language).items()),
        digest_hours=DIGEST_HOURS,
        audiences=list(Audience),
        attributions=list(Attribution),
        problem=problem,
        saved=saved,
    )


async def _save_settings(p: Page, community: Community, form: FormData) -> str | None:
    """Everything or nothing: the name of the first value out of bounds, or None when saved."""
    numbers: dict[str, int] = {}
    for setting in NUMBERS:
        value = _number(form, setting.column)
        if value is None or not setting.lowest <= value <= setting.highest:
            return setting.column
        numbers[setting.column] = value
    weekday, hour = _number(form, "digest_weekday"), _number(form, "digest_hour")
    if weekday is None or hour is None or weekday > 6 or hour not in DIGEST_HOURS:
        return "digest"
    language = str(form.get("language", ""))
    audience = str(form.get("default_audience", ""))
    attribution = str(form.get("default_attribution", ""))
    if language not in ("nl", "en") or audience not in set(Audience):
        return "choice"
    if attribution not in set(Attribution):
        return "choice"
    community.language = language
    community.default_audience = Audience(audience)
    community.default_attribution = Attribution(attribution)
    for column, value in numbers.items():
        setattr(community, column, value)
    if (weekday, hour) != (community.digest_weekday, community.digest_hour):
        await set_digest_time(p, p.repos, community, weekday, hour)
    return None


def _number(form: FormData, name: str) -> int | None:
    raw = str(form.get(name, "")).strip()
    return int(raw) if raw.isdigit() else None


@page
async def report(p: Page) -> Response:
    visitor = p.coordinator()
    production = await ProductionRepository(p.repos.session).gather(visitor.community, p.now())
    return p.render("report.html", production=production)


def routes() -> list[BaseRoute]:
    return [
        Route("/stats", stats),
        Route("/stats/chart.png", stats_chart),
        Route("/proposals", proposals),
        Route("/proposals/{tool_id}", decide, methods=["POST"]),
        Route("/proposals/{tool_id}/edit", edit_proposal, methods=["GET", "POST"]),
        Route("/settings", settings, methods=["GET", "POST"]),
        Route("/report", report),
    ]
