"""The daily sweep: finds passive members and plans their prompts, by the community's rules.

Runs once a day per community, at its prompt hour on working days (never in quiet hours,
weekends or on Dutch public holidays); the claim on `communities.last_sweep_on` makes one
process run it. What is planned goes out through the durable outbox like any reminder.

Rules, per member: at most one prompt per interval (default 14 days; peripheral members
twice as long; one cap across all their communities); none while paused or with prompts
off; after 3 unanswered prompts one question whether to go on instead; a member the bot
cannot message privately gets one gentle mention in the group, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.outbox import JobPlanner, Planner, to_group, to_member
from bot.handlers.participation.quiet_time import is_quiet, next_prompt_moment, quiet_from
from storage.models import Community, Level, ScheduledSend
from storage.repositories import Repositories
from storage.repositories.participation import PassiveMember, SweepMark

KIND_PROMPT = "nudge.prompt"
KIND_CHECK = "nudge.check"
KIND_MENTION = "nudge.mention"
KIND_DIGEST = "digest"
UNANSWERED_LIMIT = 3
DIGEST_STALE = timedelta(days=1)


@dataclass
class SweepResult:
    communities: int = 0
    prompts: int = 0
    checks: int = 0
    mentions: int = 0


def zone_of(community: Community) -> ZoneInfo:
    return ZoneInfo(community.timezone)


def sweep_due(community: Community, now: datetime) -> date | None:
    """The local day to sweep for, when this community's sweep is due now."""
    local = now.astimezone(zone_of(community))
    if community.last_sweep_on is not None and community.last_sweep_on >= local.date():
        return None
    if local.hour < community.prompt_hour or is_quiet(now, zone_of(community)):
        return None
    return local.date()


async def sweep(repos: Repositories, planner: JobPlanner) -> SweepResult:
    now = planner.now()
    result = SweepResult()
    communities = {c.id: c for c in await repos.participation.communities()}
    by_day: dict[date, list[int]] = {}
    for community in communities.values():
        day = sweep_due(community, now)
        if day is not None:
            by_day.setdefault(day, []).append(community.id)
    claimed = [
        communities[community_id]
        for day, ids in by_day.items()
        for community_id in await repos.participation.claim_sweep(ids, day)
    ]
    result.communities = len(claimed)
    if not claimed:
        return result
    passive = await repos.participation.passive(claimed, now)
    latest = await repos.participation.last_prompted(p.member_id for p in passive)
    marks: dict[SweepMark, list[int]] = {mark: [] for mark in SweepMark}
    sends: list[ScheduledSend] = []
    prompted: dict[int, PassiveMember] = {}
    for found in passive:
        community = communities[found.community_id]
        if found.member_id in prompted or _capped(
            found, community, latest.get(found.member_id), now
        ):
            continue
        planned = _plan_one(found, community, now)
        if planned is None:
            continue
        mark, send = planned
        marks[mark].append(found.membership_id)
        sends.append(send)
        prompted[found.member_id] = found
    await repos.participation.mark(marks, now)
    await repos.participation.add_sends(sends)
    prompt_sends = await repos.participation.sends_planned(KIND_PROMPT, now)
    await repos.participation.add_prompts(
        [
            {
                "community_id": prompted[member_id].community_id,
                "member_id": member_id,
                "send_id": send_id,
                "planned_at": now,
            }
            for member_id, send_id in prompt_sends.items()
        ]
    )
    if sends:
        planner.planned.append(now)
    result.prompts, result.checks, result.mentions = (
        len(marks[SweepMark.PROMPTED]),
        len(marks[SweepMark.CHECKED]),
        len(marks[SweepMark.MENTIONED]),
    )
    return result


def _capped(
    found: PassiveMember, community: Community, latest: datetime | None, now: datetime
) -> bool:
    if latest is None:
        return False
    interval = timedelta(days=community.prompt_interval_days)
    if found.level is Level.PERIPHERAL:
        interval *= 2
    return latest > now - interval


def _plan_one(
    found: PassiveMember, community: Community, now: datetime
) -> tuple[SweepMark, ScheduledSend] | None:
    stale = quiet_from(now, zone_of(community))
    if not found.reachable:
        if found.group_mention_at is not None:
            return None
        send = to_group(
            community, KIND_MENTION, now, now, member_id=found.member_id, stale_at=stale
        )
        return SweepMark.MENTIONED, send
    if found.unanswered_prompts >= UNANSWERED_LIMIT:
        if found.prompt_check_at is not None:
            return None
        return SweepMark.CHECKED, _direct(found, community, KIND_CHECK, now, stale)
    return SweepMark.PROMPTED, _direct(found, community, KIND_PROMPT, now, stale)


def _direct(
    found: PassiveMember, community: Community, kind: str, now: datetime, stale: datetime
) -> ScheduledSend:
    return to_member(community, found.member_id, found.user_id, kind, now, now, stale_at=stale)


async def plan_digests(repos: Repositories, planner: Planner) -> int:
    """Every community has its next weekly digest planned."""
    now = planner.now()
    communities = await repos.participation.communities()
    missing = await repos.digest.communities_without(KIND_DIGEST, [c.id for c in communities])
    for community in communities:
        if community.id in missing:
            due = next_digest(community, now)
            planner.plan(
                to_group(community, KIND_DIGEST, due, now, stale_at=due + timedelta(days=1))
            )
    return len(missing)


def next_digest(community: Community, after: datetime) -> datetime:
    zone = zone_of(community)
    local = after.astimezone(zone)
    days_ahead = (community.digest_weekday - local.weekday()) % 7
    candidate = local.replace(hour=community.digest_hour, minute=0, second=0, microsecond=0)
    candidate = candidate + timedelta(days=days_ahead)
    if candidate <= local:
        candidate += timedelta(days=7)
    return candidate.replace(tzinfo=zone)


def next_checkin(community: Community, due_on: date, now: datetime) -> datetime:
    """Near a pledge's end: from three days before its last day, at the prompt hour on a
    working day; never today or earlier (the member just made it): from tomorrow on."""
    zone = zone_of(community)
    wanted = datetime.combine(due_on - timedelta(days=3), time(0), tzinfo=zone)
    tomorrow = datetime.combine(
        now.astimezone(zone).date() + timedelta(days=1), time(0), tzinfo=zone
    )
    moment = next_prompt_moment(max(wanted, tomorrow), zone, community.prompt_hour)
    if moment.date() > due_on:
        return next_prompt_moment(tomorrow, zone, community.prompt_hour)
    return moment
