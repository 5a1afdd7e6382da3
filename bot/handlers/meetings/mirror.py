"""Meetings mirrored as the platform's own events (Discord Scheduled Events).

Each change to a meeting plans a `meeting.mirror` job row (planning.py); this runner carries
the due ones out through the EventMirror port: it claims a row, reads the meeting as it is
now (so a row planned before a move publishes the new time), calls the platform outside the
transaction and writes the event id back. Rows survive restarts; a temporary failure is tried
again with a back-off, a few times. Where the bot may not manage events, the row fails once,
the community is marked (coordinators see it in /instellingen) and one WARNING is logged per
community, not one per meeting; nobody in the group is told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.i18n import Catalogs
from bot.handlers.meetings.planning import KIND_MIRROR
from bot.model.messages import ChatTarget
from bot.model.messenger import DeliveryRefused
from bot.model.mirror import EventMirror, MirroredEvent, MirrorForbidden
from storage.db import Database
from storage.models import Community, EventMirrorState, Meeting, MeetingKind, SendState
from storage.repositories import Repositories

log = logging.getLogger(__name__)

BACKOFF = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1))
BATCH = 100
LEASE = timedelta(minutes=2)
"""A job `sending` for longer than this was interrupted (the process stopped): tried again."""


@dataclass(frozen=True)
class Step:
    """One call to the platform, prepared from the meeting as it is now."""

    send_id: int
    meeting_id: int
    community_id: int
    chat: ChatTarget
    event: MirroredEvent | None
    """What to publish; None to withdraw the event (the meeting was cancelled)."""
    event_id: str | None


class MeetingMirrors:
    def __init__(
        self, *, database: Database, clock: Clock, catalogs: Catalogs, mirror: EventMirror
    ) -> None:
        self._database = database
        self._clock = clock
        self._catalogs = catalogs
        self._mirror = mirror

    async def run_due(self) -> int:
        """Carry out every due job, one after another (so two jobs of one meeting never
        race to create its event); returns how many called the platform."""
        now = self._clock.now()
        async with self._database.session() as session:
            repos = Repositories.bind(session)
            await repos.schedule.release_jobs(KIND_MIRROR, now - LEASE)
            due = await repos.schedule.due_jobs(KIND_MIRROR, now, BATCH)
        called = 0
        for send_id in due:
            step = await self._prepare(send_id)
            if step is None:
                continue
            called += 1
            await self._record(step, await self._carry_out(step))
        return called

    async def _prepare(self, send_id: int) -> Step | None:
        now = self._clock.now()
        async with self._database.session() as session:
            repos = Repositories.bind(session)
            if not await repos.schedule.claim(send_id, now, "mirror"):
                return None
            send = await repos.schedule.get(send_id)
            meeting = (
                await repos.meetings.by_id(send.meeting_id) if send and send.meeting_id else None
            )
            community = await repos.communities.get(meeting.community_id) if meeting else None
            step = None
            if send is not None and meeting is not None and community is not None:
                step = self._step(send_id, community, meeting)
            if send is not None and step is None:
                send.state = SendState.SKIPPED
            return step

    def _step(self, send_id: int, community: Community, meeting: Meeting) -> Step | None:
        """What the platform must show now; None when there is nothing to do (cancelled and
        never shown, or already begun: Discord schedules nothing in the past)."""
        chat = ChatTarget(community.platform, community.chat_id)
        if meeting.cancelled:
            if meeting.mirror_event_id is None:
                return None
            return Step(send_id, meeting.id, community.id, chat, None, meeting.mirror_event_id)
        if meeting.starts_at <= self._clock.now():
            return None
        event = self._event(community, meeting)
        return Step(send_id, meeting.id, community.id, chat, event, meeting.mirror_event_id)

    def _event(self, community: Community, meeting: Meeting) -> MirroredEvent:
        t = self._catalogs.translator(community.language)
        key = "mirror.public_event" if meeting.kind is MeetingKind.PUBLIC else "mirror.meeting"
        return MirroredEvent(
            title=meeting.title,
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            location=meeting.place or community.title or meeting.title,
            description=t.plain(key, number=meeting.id, group=community.title),
        )

    async def _carry_out(self, step: Step) -> str | Exception:
        """The event id now shown, or what went wrong."""
        try:
            if step.event is None:
                if step.event_id is not None:
                    await self._mirror.withdraw_event(step.chat, step.event_id)
                return step.event_id or ""
            return await self._mirror.publish_event(step.chat, step.event, step.event_id)
        except Exception as error:  # every failure is recorded on the row, none stops the run
            return error

    async def _record(self, step: Step, result: str | Exception) -> None:
        now = self._clock.now()
        async with self._database.session() as session:
            repos = Repositories.bind(session)
            send = await repos.schedule.get(step.send_id)
            meeting = await repos.meetings.by_id(step.meeting_id)
            community = await repos.communities.get(step.community_id)
            if send is None or meeting is None or community is None:
                return
            if not isinstance(result, Exception):
                send.state, send.sent_at, send.last_error = SendState.SENT, now, None
                meeting.mirror_event_id = result or meeting.mirror_event_id
                community.event_mirror = EventMirrorState.ON
                return
            send.last_error = f"{type(result).__name__}: {result}"[:500]
            if isinstance(result, MirrorForbidden):
                send.state = SendState.FAILED
                if community.event_mirror is not EventMirrorState.FORBIDDEN:
                    log.warning(
                        "community %s: the bot may not manage events on %s; meetings are "
                        "not mirrored there (%s)",
                        community.id,
                        community.platform,
                        result,
                    )
                community.event_mirror = EventMirrorState.FORBIDDEN
            elif isinstance(result, DeliveryRefused) or send.attempts > len(BACKOFF):
                send.state = SendState.FAILED
                log.warning("meeting %s could not be mirrored: %s", meeting.id, result)
            else:
                send.state = SendState.PENDING
                send.due_at = now + BACKOFF[send.attempts - 1]
                log.info("meeting %s not mirrored yet, trying again: %s", meeting.id, result)
