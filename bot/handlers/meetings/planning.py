"""Planning meetings: their occurrences, the series kept ahead, and the sends each one plans."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.context import Context
from bot.core.outbox import JobPlanner, Planner, to_group, to_member
from bot.handlers.meetings.offsets import offset_label, parse_offsets
from bot.text.recurrence import Recurrence
from storage.models import Community, Meeting, MeetingKind, RsvpAnswer
from storage.repositories import Repositories
from storage.repositories.ledger import ActivityKind

KIND_REMINDER = "meeting.reminder"
KIND_PERSONAL = "meeting.personal"
KIND_AFTER = "meeting.after"
KIND_FREE = "reminder.free"
KIND_CHANGED = "meeting.changed"
DURATION = timedelta(hours=2)
PERSONAL_BEFORE = timedelta(hours=1)
SOON = timedelta(minutes=15)  # a personal reminder asked for this late is not worth a message
HORIZON = timedelta(days=62)
MOST_AHEAD = 6


def plan_reminders(ctx: Planner, community: Community, meeting: Meeting) -> None:
    """The group reminders of one meeting, at the community's offsets (future ones only)."""
    now = ctx.now()
    for offset in parse_offsets(community.reminder_offsets):
        due = meeting.starts_at - offset
        if due > now:
            ctx.plan(
                to_group(
                    community,
                    KIND_REMINDER,
                    due,
                    now,
                    meeting_id=meeting.id,
                    stale_at=meeting.starts_at,
                    payload={"offset": offset_label(offset)},
                )
            )


def plan_personal(
    ctx: Context, community: Community, meeting: Meeting, member_id: int, user_id: str
) -> None:
    """A direct reminder an hour before (or now, when that hour has begun)."""
    due = max(ctx.now(), meeting.starts_at - PERSONAL_BEFORE)
    if due < meeting.starts_at:
        _plan_for_member(ctx, community, meeting, member_id, user_id, KIND_PERSONAL, due)


def plan_after(
    ctx: Planner, community: Community, meeting: Meeting, member_id: int, user_id: str
) -> None:
    """The invitation to reflect, when the meeting ends."""
    _plan_for_member(ctx, community, meeting, member_id, user_id, KIND_AFTER, meeting.ends_at)


def _plan_for_member(
    ctx: Planner,
    community: Community,
    meeting: Meeting,
    member_id: int,
    user_id: str,
    kind: str,
    due: datetime,
) -> None:
    stale = meeting.starts_at if kind == KIND_PERSONAL else meeting.ends_at + timedelta(days=3)
    send = to_member(
        community, member_id, user_id, kind, due, ctx.now(), meeting_id=meeting.id, stale_at=stale
    )
    ctx.plan(send)


async def replan(ctx: Context, community: Community, meeting: Meeting) -> None:
    """After a change: withdraw what was planned for this meeting and plan it anew."""
    await ctx.repos.schedule.cancel_for_meeting(meeting.id)
    if meeting.cancelled:
        return
    plan_reminders(ctx, community, meeting)
    for member_id in await ctx.repos.meetings.attendees(meeting.id):
        user_id = await _user_id_on(ctx.repos, member_id, community.platform)
        if user_id is None:
            continue
        if await ctx.repos.meetings.wants_reminder(meeting.id, member_id):
            plan_personal(ctx, community, meeting, member_id, user_id)
        plan_after(ctx, community, meeting, member_id, user_id)


async def tell_attendees(ctx: Context, community: Community, meeting: Meeting, change: str) -> None:
    """Those who said they come hear personally that the meeting moved or was cancelled
    (`change` "moved" or "cancelled"); the coordinator who changed it is not told."""
    for member_id in await ctx.repos.meetings.attendees(meeting.id):
        if member_id == ctx.member.id:
            continue
        user_id = await _user_id_on(ctx.repos, member_id, community.platform)
        if user_id is None:
            continue
        send = to_member(
            community,
            member_id,
            user_id,
            KIND_CHANGED,
            ctx.now(),
            ctx.now(),
            meeting_id=meeting.id,
            stale_at=meeting.starts_at if change == "moved" else None,
            payload={"change": change, "sequence": meeting.sequence},
        )
        ctx.plan(send)


class RsvpClosed(Exception):
    """The meeting is cancelled or over: an answer no longer counts."""


async def answer_rsvp(
    planner: Planner,
    repos: Repositories,
    community: Community,
    meeting: Meeting,
    member_id: int,
    answer: RsvpAnswer,
) -> None:
    """A member's RSVP, from a chat button or the web alike: the answer, the first one counted
    as taking, and for "ik kom" the invitation to reflect when the meeting ends."""
    now = planner.now()
    if meeting.cancelled or meeting.ends_at <= now:
        raise RsvpClosed
    first = await repos.meetings.answer(meeting.id, member_id, answer, now)
    if first:
        await repos.ledger.record(community.id, member_id, ActivityKind.RSVP, now)
    if answer is RsvpAnswer.YES:
        user_id = await _user_id_on(repos, member_id, community.platform)
        if user_id is not None:
            plan_after(planner, community, meeting, member_id, user_id)


async def _user_id_on(repos: Repositories, member_id: int, platform: str) -> str | None:
    for identity in await repos.members.identities_of(member_id):
        if identity.platform == platform:
            return identity.user_id
    return None


def occurrences(
    first: datetime, rule: Recurrence | None, zone: ZoneInfo, until: datetime
) -> list[datetime]:
    starts = [first]
    while rule is not None and len(starts) < MOST_AHEAD:
        following = rule.next_after(starts[-1], zone)
        if following > until:
            break
        starts.append(following)
    return starts


async def create_meeting(
    ctx: Context,
    start: datetime,
    title: str,
    place: str,
    kind: MeetingKind,
    rule: Recurrence | None,
    length: timedelta = DURATION,
) -> list[Meeting]:
    community = ctx.require_community()
    now = ctx.now()
    created: list[Meeting] = []
    for moment in occurrences(start, rule, ctx.zone(), now + HORIZON):
        meeting = await ctx.repos.meetings.add(
            Meeting(
                community_id=community.id,
                title=title,
                kind=kind,
                starts_at=moment,
                ends_at=moment + length,
                place=place,
                recurrence=rule.to_rule() if rule else None,
                created_by=ctx.member.id,
                created_at=now,
            )
        )
        meeting.series_id = created[0].id if created else (meeting.id if rule else None)
        plan_reminders(ctx, community, meeting)
        created.append(meeting)
    return created


async def extend_series(repos: Repositories, now: datetime) -> list[datetime]:
    """Keep every recurring meeting planned `HORIZON` ahead, with its reminders; returns the
    due times of the reminders planned."""
    planner = JobPlanner(repos, now)
    for last in await repos.meetings.recurring_heads():
        community = await repos.communities.get(last.community_id)
        if community is None or last.recurrence is None:
            raise RuntimeError("a series needs its community and its rule")
        rule = Recurrence.from_rule(last.recurrence)
        zone = ZoneInfo(community.timezone)
        start = rule.next_after(last.starts_at, zone)
        while start <= now + HORIZON:
            last = await repos.meetings.add(
                Meeting(
                    community_id=community.id,
                    series_id=last.series_id or last.id,
                    title=last.title,
                    kind=last.kind,
                    starts_at=start,
                    ends_at=start + (last.ends_at - last.starts_at),
                    place=last.place,
                    recurrence=last.recurrence,
                    created_by=last.created_by,
                    created_at=now,
                )
            )
            plan_reminders(planner, community, last)
            start = rule.next_after(start, zone)
    return planner.planned
