"""Capability 5, commitments instead of nagging: `/voornemen` | `/pledge`.

"Dit kwartaal deel ik één experiment": the member says what they will share and by when;
the bot checks in once near the end (by direct message); a kept pledge counts as giving
and is celebrated in the weekly digest.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

from babel.dates import format_date

from bot.core.context import Context, UserError
from bot.core.i18n import Translator
from bot.core.outbox import SendContext, to_member
from bot.core.router import Router
from bot.dialogs.engine import ACTION_CHOOSE
from bot.dialogs.forms import Field, Form, FormValues, InvalidAnswer
from bot.handlers.participation.sweep import next_checkin
from bot.model.messages import Button, Incoming, Reply, payload_number
from bot.text.dates import Moment, Problem, Unclear, parse_moment
from bot.text.vocabulary import MONTHS, alternation
from storage.models import Community, Pledge
from storage.repositories.ledger import ActivityKind

FORM = "pledge"
KIND_CHECKIN = "pledge.checkin"
ACTION_KEPT = "pledge.kept"
ACTION_EXTEND = "pledge.extend"
ACTION_DROP = "pledge.drop"
EXTENSION = timedelta(weeks=2)
TEXT_LIMIT = 500
MINE = {"mijn", "mine", "lijst", "list"}
_BY = re.compile(r"\s+(?:tot|voor|by|until|before)\s+(?=\S)", re.IGNORECASE)
_END_OF_MONTH = re.compile(
    rf"\s*(?:(?:tot|voor|by|until|before)\s+)?(?:(?:het\s+)?eind(?:e)?|(?:the\s+)?end\s+of)"
    rf"\s+(?P<month>{alternation(MONTHS)})\.?\s*$",
    re.IGNORECASE,
)
_PERIODS = {
    "dit kwartaal": "quarter",
    "this quarter": "quarter",
    "deze maand": "month",
    "this month": "month",
    "dit jaar": "year",
    "this year": "year",
}


async def pledge(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    args = " ".join(msg.args.split())
    if args.casefold() in MINE:
        return [await _mine(ctx, community.id)]
    if not args:
        return await ctx.dialogs.start(msg, ctx, FORM)
    what, due = _read(args, ctx)
    if isinstance(due, date):
        return await _save(ctx, what, due)
    replies = await ctx.dialogs.start(msg, ctx, FORM, {"what": what})
    if due is None:
        return replies
    return [_asking(ctx, reply, due) if reply.awaits_answer else reply for reply in replies]


def _asking(ctx: Context, question: Reply, unclear: Unclear) -> Reply:
    """The date question, saying what was unclear about the date given ("which Friday?");
    the days to choose from are buttons too."""
    choices: tuple[Button, ...] = ()
    if unclear.problem is Problem.AMBIGUOUS and unclear.candidates:
        days = [c.date() for c in unclear.candidates]
        options = " / ".join(_day_text(ctx.t, day) for day in days)
        problem = ctx.text("pledge.which_day", options=options)
        choices = tuple(
            Button(_day_text(ctx.t, day), ACTION_CHOOSE, day.isoformat()) for day in days
        )
    elif unclear.problem is Problem.PAST:
        problem = ctx.text("pledge.date_past")
    else:
        problem = ctx.text("pledge.unclear_date")
    rows = ((choices,) if choices else ()) + question.buttons
    return replace(question, text=problem + "\n\n" + question.text, buttons=rows)


def _read(args: str, ctx: Context) -> tuple[str, date | Unclear | None]:
    """Split "één experiment delen tot 31 december" or "dit kwartaal deel ik ..." into
    what and the last day; no day when none is given."""
    today = ctx.now().astimezone(ctx.zone()).date()
    lowered = args.casefold()
    if match := _END_OF_MONTH.search(args):
        return args[: match.start()].strip(), _end_of_month(MONTHS[match["month"].lower()], today)
    for words, period in _PERIODS.items():
        if words in lowered:
            return args, _end_of(period, today)
    parts = _BY.split(args)
    if len(parts) > 1:
        result, rest = parse_moment(parts[-1], ctx.now(), ctx.zone(), need_time=False)
        if not rest.strip() and (
            isinstance(result, Moment) or result.problem is not Problem.UNREADABLE
        ):
            what = " ".join(parts[:-1]).strip()
            return what, result.start.date() if isinstance(result, Moment) else result
    return args, None


def _end_of_month(month: int, today: date) -> date:
    """ "tot eind januari": the last day of the next such month (this one if still to come)."""
    year = today.year if month >= today.month else today.year + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _end_of(period: str, today: date) -> date:
    if period == "month":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if period == "year":
        return today.replace(month=12, day=31)
    last_month = (today.month - 1) // 3 * 3 + 3
    return date(today.year, last_month, calendar.monthrange(today.year, last_month)[1])


def _day(text: str, ctx: Context) -> date | None:
    result, rest = parse_moment(text, ctx.now(), ctx.zone(), need_time=False)
    if isinstance(result, Unclear) or rest.strip():
        return None
    return result.start.date()


def _understand_day(answer: str, ctx: Context, _held: FormValues) -> str:
    lowered = answer.casefold().strip()
    today = ctx.now().astimezone(ctx.zone()).date()
    if lowered in _PERIODS:
        return _end_of(_PERIODS[lowered], today).isoformat()
    day = _day(answer, ctx)
    if day is None:
        raise InvalidAnswer("pledge.unclear_date")
    if day <= today:
        raise InvalidAnswer("pledge.date_past")
    return day.isoformat()


async def _completed(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    what, due = values["what"], values["due"]
    if what is None or due is None:
        raise RuntimeError("a pledge needs what and a due date")
    return await _save(ctx, what, date.fromisoformat(due))


async def _save(ctx: Context, what: str, due: date) -> list[Reply]:
    community = ctx.require_community()
    today = ctx.now().astimezone(ctx.zone()).date()
    if due <= today:
        raise UserError("pledge.date_past")
    if not what.strip():
        raise UserError("pledge.usage")
    item = await ctx.repos.pledges.add(
        Pledge(
            community_id=community.id,
            member_id=ctx.member.id,
            text=what.strip()[:TEXT_LIMIT],
            due_on=due,
            created_at=ctx.now(),
        )
    )
    saved = ctx.text("pledge.saved", what=item.text, date=_day_text(ctx.t, due))
    if not ctx.identity.reachable_privately:
        return [Reply(saved + "\n\n" + ctx.text("pledge.no_checkin"))]
    checkin = _plan_checkin(ctx, community, item)
    return [
        Reply(
            saved
            + "\n\n"
            + ctx.text("pledge.checkin_planned", date=_day_text(ctx.t, checkin.date()))
        )
    ]


def _plan_checkin(ctx: Context, community: Community, item: Pledge) -> datetime:
    """One check-in by direct message near the pledge's last day; returns when."""
    checkin = next_checkin(community, item.due_on, ctx.now())
    ctx.plan(
        to_member(
            community,
            ctx.member.id,
            ctx.identity.user_id,
            KIND_CHECKIN,
            checkin,
            ctx.now(),
            payload=_checkin_payload(item),
        )
    )
    return checkin


def _checkin_payload(item: Pledge) -> dict[str, object]:
    """The last day as planned: a check-in for a pledge extended since is left out."""
    return {"pledge_id": item.id, "due_on": item.due_on.isoformat()}


def _day_text(t: Translator, day: date) -> str:
    return format_date(day, "long", locale=t.language)


async def _mine(ctx: Context, community_id: int) -> Reply:
    pledges = await ctx.repos.pledges.open_of(community_id, ctx.member.id)
    if not pledges:
        return ctx.reply("pledge.none", private=not ctx.is_private)
    text = ctx.text("pledge.mine")
    rows: list[tuple[Button, ...]] = []
    for item in pledges:
        text = (
            text
            + "\n"
            + ctx.text(
                "pledge.line", number=item.id, what=item.text, date=_day_text(ctx.t, item.due_on)
            )
        )
        rows.append(_buttons(ctx.t, item))
    return Reply(text, tuple(rows), private=not ctx.is_private)


def _buttons(t: Translator, item: Pledge) -> tuple[Button, ...]:
    """Each button names its pledge (a member may have several); "more time" says until when."""
    payload = str(item.id)
    later = format_date(item.due_on + EXTENSION, "d MMM", locale=t.language)
    return (
        Button(t.plain("pledge.button_kept", number=item.id), ACTION_KEPT, payload),
        Button(
            t.plain("pledge.button_extend_to", number=item.id, date=later), ACTION_EXTEND, payload
        ),
        Button(t.plain("pledge.button_drop_n", number=item.id), ACTION_DROP, payload),
    )


async def render_checkin(ctx: SendContext) -> list[Reply] | None:
    item = await ctx.repos.pledges.get(int(ctx.send.payload.get("pledge_id", 0)))
    if item is None or item.kept_at is not None or item.dropped_at is not None:
        return None
    if ctx.send.payload.get("due_on") != item.due_on.isoformat():
        return None
    given = await ctx.repos.ledger.given_since(item.community_id, item.member_id, item.created_at)
    text = ctx.t.text("pledge.checkin", what=item.text, date=_day_text(ctx.t, item.due_on))
    if given:
        text = text + "\n\n" + ctx.t.text("pledge.checkin_given", count=given)
    return [Reply(text, (_buttons(ctx.t, item),))]


async def _own(msg: Incoming, ctx: Context) -> Pledge:
    item = await ctx.repos.pledges.get_own(payload_number(msg.payload), ctx.member.id)
    if item is None:
        raise UserError("error.stale_button")
    return item


async def on_kept(msg: Incoming, ctx: Context) -> list[Reply]:
    item = await _own(msg, ctx)
    if item.kept_at is not None:
        return [ctx.reply("pledge.already_kept")]
    item.kept_at = ctx.now()
    item.dropped_at = None
    await ctx.repos.ledger.record(
        item.community_id, ctx.member.id, ActivityKind.PLEDGE_KEPT, ctx.now()
    )
    return [ctx.reply("pledge.kept", what=item.text)]


async def on_extend(msg: Incoming, ctx: Context) -> list[Reply]:
    item = await _own(msg, ctx)
    if item.kept_at is not None or item.dropped_at is not None:
        raise UserError("error.stale_button")
    community = await ctx.repos.communities.get(item.community_id)
    if community is None:
        raise RuntimeError("a pledge belongs to a community")
    today = ctx.now().astimezone(ctx.zone()).date()
    item.due_on = max(item.due_on, today) + EXTENSION
    if ctx.identity.reachable_privately:
        _plan_checkin(ctx, community, item)
    return [ctx.reply("pledge.extended", date=_day_text(ctx.t, item.due_on))]


async def on_drop(msg: Incoming, ctx: Context) -> list[Reply]:
    item = await _own(msg, ctx)
    if item.kept_at is None:
        item.dropped_at = ctx.now()
    return [ctx.reply("pledge.dropped")]


def register(router: Router) -> None:
    router.command(
        "voornemen", "pledge", pledge, help_key="help.cmd.voornemen", args_key="help.args.voornemen"
    )
    router.action(ACTION_KEPT, on_kept)
    router.action(ACTION_EXTEND, on_extend)
    router.action(ACTION_DROP, on_drop)
    router.renderer(KIND_CHECKIN, render_checkin)
    router.form(
        Form(
            FORM,
            "pledge.title",
            (
                Field(
                    "what",
                    "pledge.ask_what",
                    "pledge.label_what",
                    required=True,
                    max_length=TEXT_LIMIT,
                ),
                Field(
                    "due",
                    "pledge.ask_due",
                    "pledge.label_due",
                    required=True,
                    understand=_understand_day,
                ),
            ),
            _completed,
        )
    )
