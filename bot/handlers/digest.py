"""Capability 6: the weekly digest to each group — what is new, and what is coming.

Planned per community at its day and hour (bot/nudging.py `plan_digests`); rendered from
the data as it is when it falls due, with the group's eyes (sharing levels applied by the
same rule as every list); not sent at all when nothing is new.
"""

from __future__ import annotations

from datetime import timedelta

from bot.core.outbox import SendContext
from bot.core.router import Router
from bot.handlers.meetings.rendering import meeting_text
from bot.handlers.participation.sweep import KIND_DIGEST, zone_of
from bot.handlers.reflections import ACTION_VIEW as ACTION_VIEW_REFLECTION
from bot.model.markup import Text
from bot.model.messages import Button, Reply
from storage.repositories.digest import Shared

WINDOW = timedelta(days=7)
LONGEST_WINDOW = timedelta(days=14)
MEETINGS_AHEAD = timedelta(days=21)
EXCERPT = 140
BUTTON_EXCERPT = 40
BUTTONS = 5


async def render_digest(ctx: SendContext) -> list[Reply] | None:
    until = ctx.send.due_at
    previous = await ctx.repos.digest.last_sent_before(ctx.community.id, KIND_DIGEST, until)
    since = max(previous or until - WINDOW, until - LONGEST_WINDOW)
    news = await ctx.repos.digest.news(ctx.community.id, since, until, until + MEETINGS_AHEAD)
    if not news.anything_new:
        return None
    t = ctx.t
    parts = [t.text("digest.title", community=ctx.community.title or t.plain("prompt.your_group"))]
    parts += _section(ctx, "digest.experiments", news.experiments, "digest.experiment")
    parts += _section(ctx, "digest.reflections", news.reflections, "digest.reflection")
    if news.tools:
        lines = [t.text("digest.tools")]
        lines += [t.text("digest.tool", name=tool.name) for tool in news.tools]
        parts.append(Text.join(lines))
    if news.kept_pledges:
        lines = [t.text("digest.pledges")]
        lines += [
            t.text("digest.pledge", name=item.author or "", what=item.text)
            for item in news.kept_pledges
        ]
        parts.append(Text.join(lines))
    if news.meetings:
        zone = zone_of(ctx.community)
        lines = [t.text("digest.meetings")]
        lines += [meeting_text(t, zone, meeting) for meeting in news.meetings]
        parts.append(Text.join(lines, "\n\n"))
    parts.append(t.text("digest.footer"))
    return [Reply(Text.join(parts, "\n\n"), _reflection_buttons(ctx, news.reflections))]


def _reflection_buttons(ctx: SendContext, items: list[Shared]) -> tuple[tuple[Button, ...], ...]:
    """A button per new reflection (the first few) that opens its card, to read and reply."""
    return tuple(
        (
            Button(
                ctx.t.plain("digest.button_reflection", text=_excerpt(item.text, BUTTON_EXCERPT)),
                ACTION_VIEW_REFLECTION,
                str(item.id),
            ),
        )
        for item in items[:BUTTONS]
    )


def _section(ctx: SendContext, heading: str, items: list[Shared], line: str) -> list[Text]:
    if not items:
        return []
    lines = [ctx.t.text(heading)]
    for item in items:
        author = item.author or ctx.t.plain("digest.anonymous")
        lines.append(ctx.t.text(line, number=item.id, text=_excerpt(item.text), author=author))
    return [Text.join(lines)]


def _excerpt(text: str, length: int = EXCERPT) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def register(router: Router) -> None:
    router.renderer(KIND_DIGEST, render_digest)
