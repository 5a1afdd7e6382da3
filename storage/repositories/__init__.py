"""Repositories: intention-revealing queries, one set per unit of work."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from storage.repositories.buttons import ButtonRepository
from storage.repositories.communities import CommunityRepository
from storage.repositories.dialogs import DialogRepository
from storage.repositories.digest import DigestRepository
from storage.repositories.experiments import ExperimentRepository
from storage.repositories.ledger import LedgerRepository
from storage.repositories.meetings import MeetingRepository
from storage.repositories.members import MemberRepository
from storage.repositories.participation import ParticipationRepository
from storage.repositories.pledges import PledgeRepository
from storage.repositories.reflections import ReflectionRepository
from storage.repositories.replies import ReplyRepository
from storage.repositories.schedule import ScheduleRepository
from storage.repositories.tools import ToolRepository
from storage.repositories.updates import HandledUpdateRepository
from storage.repositories.web import WebRepository


@dataclass(frozen=True)
class Repositories:
    session: AsyncSession
    communities: CommunityRepository
    members: MemberRepository
    dialogs: DialogRepository
    ledger: LedgerRepository
    buttons: ButtonRepository
    tools: ToolRepository
    experiments: ExperimentRepository
    reflections: ReflectionRepository
    meetings: MeetingRepository
    schedule: ScheduleRepository
    participation: ParticipationRepository
    pledges: PledgeRepository
    digest: DigestRepository
    replies: ReplyRepository
    web: WebRepository
    updates: HandledUpdateRepository

    @classmethod
    def bind(cls, session: AsyncSession) -> Repositories:
        return cls(
            session=session,
            communities=CommunityRepository(session),
            members=MemberRepository(session),
            dialogs=DialogRepository(session),
            ledger=LedgerRepository(session),
            buttons=ButtonRepository(session),
            tools=ToolRepository(session),
            experiments=ExperimentRepository(session),
            reflections=ReflectionRepository(session),
            meetings=MeetingRepository(session),
            schedule=ScheduleRepository(session),
            participation=ParticipationRepository(session),
            pledges=PledgeRepository(session),
            digest=DigestRepository(session),
            replies=ReplyRepository(session),
            web=WebRepository(session),
            updates=HandledUpdateRepository(session),
        )


__all__ = [
    "ButtonRepository",
    "CommunityRepository",
    "DialogRepository",
    "DigestRepository",
    "ExperimentRepository",
    "HandledUpdateRepository",
    "LedgerRepository",
    "MeetingRepository",
    "MemberRepository",
    "ParticipationRepository",
    "PledgeRepository",
    "ReflectionRepository",
    "ReplyRepository",
    "Repositories",
    "ScheduleRepository",
    "ToolRepository",
    "WebRepository",
]
