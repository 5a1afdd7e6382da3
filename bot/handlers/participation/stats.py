"""Capability 5 for coordinators: `/stats` — how the community takes part, privately.

Counts only, never names: nothing here says who is passive, and the answer always goes to
the coordinator alone (a direct message or an ephemeral reply), with a chart as a file.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from bot.core.context import Context
from bot.core.router import Router
from bot.model.markup import Text
from bot.model.messages import Attachment, Incoming, Reply
from bot.text.stats_chart import weekly_chart
from storage.models import Level, Role
from storage.repositories.participation import Window

WEEKS = 12


async def stats(_msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    now = ctx.now()
    repos = ctx.repos.participation
    levels = await repos.levels(community.id)
    recent = await repos.window(community.id, now - timedelta(weeks=4), now)
    before = await repos.window(community.id, now - timedelta(weeks=8), now - timedelta(weeks=4))
    longer = await repos.window(community.id, now - timedelta(weeks=WEEKS), now)
    weeks = await repos.weekly(community.id, _week_bounds(ctx, now))
    delivered, answered = await repos.prompt_response(community.id, now - timedelta(weeks=WEEKS))
    t = ctx.t
    lines = [
        t.text("stats.title", community=community.title or t.plain("prompt.your_group")),
        t.text(
            "stats.levels",
            core=levels[Level.CORE],
            active=levels[Level.ACTIVE],
            peripheral=levels[Level.PERIPHERAL],
            unknown=levels[None],
        ),
        _window_text(ctx, "stats.weeks4", recent),
        _window_text(ctx, "stats.weeks12", longer),
        _trend(ctx, recent.givers, before.givers),
        _response(ctx, delivered, answered),
    ]
    unknown = await ctx.repos.schedule.unknown_since(community.id, now - timedelta(weeks=WEEKS))
    if unknown:
        lines.append(t.text("stats.delivery_unknown", count=unknown, weeks=WEEKS))
    chart = weekly_chart(
        weeks,
        title=t.plain("stats.chart_title", weeks=WEEKS),
        givers=t.plain("stats.chart_givers"),
        takers=t.plain("stats.chart_takers"),
        week_label=t.plain("stats.chart_week"),
    )
    attachment = Attachment(f"deelname-{community.id}.png", chart, "image/png")
    return [Reply(Text.join(lines, "\n\n"), attachment=attachment, private=True)]


def _week_bounds(ctx: Context, now: datetime) -> list[datetime]:
    """Monday 00:00 local of each of the last weeks, and the moment after this week."""
    local = now.astimezone(ctx.zone())
    monday = datetime.combine(
        local.date() - timedelta(days=local.weekday()), time(0), tzinfo=ctx.zone()
    )
    return [monday - timedelta(weeks=WEEKS - 1 - i) for i in range(WEEKS)] + [
        now + timedelta(seconds=1)
    ]


def _window_text(ctx: Context, key: str, window: Window) -> Text:
    return ctx.text(key, givers=window.givers, takers=window.takers_only, silent=window.silent)


def _trend(ctx: Context, now: int, before: int) -> Text:
    """Members who gave in the last four weeks against the four weeks before."""
    key = (
        "stats.trend_up"
        if now > before
        else "stats.trend_down"
        if now < before
        else "stats.trend_flat"
    )
    return ctx.text(key, now=now, before=before)


def _response(ctx: Context, delivered: int, answered: int) -> Text:
    if not delivered:
        return ctx.text("stats.prompts_none")
    percent = round(100 * answered / delivered)
    return ctx.text("stats.prompts", sent=delivered, answered=answered, percent=percent)


def register(router: Router) -> None:
    router.command("stats", "stats", stats, help_key="help.cmd.stats", role=Role.COORDINATOR)
