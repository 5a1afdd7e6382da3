"""Repositories: intention-revealing queries, one set per unit of work."""

from __future__ import annotations

from functools import cached_property

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


class Repositories:
    """The repositories of one unit of work, each made at its first use (a command uses two
    or three of the seventeen)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def bind(cls, session: AsyncSession) -> Repositories:
        return cls(session)

    @cached_property
    def communities(self) -> CommunityRepository:
        return CommunityRepository(self.session)

    @cached_property
    def members(self) -> MemberRepository:
        return MemberRepository(self.session)

    @cached_property
    def dialogs(self) -> DialogRepository:
        return DialogRepository(self.session)

    @cached_property
    def ledger(self) -> LedgerRepository:
        return LedgerRepository(self.session)

    @cached_property
    def buttons(self) -> ButtonRepository:
        return ButtonRepository(self.session)

    @cached_property
    def tools(self) -> ToolRepository:
        return ToolRepository(self.session)

    @cached_property
    def experiments(self) -> ExperimentRepository:
        return ExperimentRepository(self.session)

    @cached_property
    def reflections(self) -> ReflectionRepository:
        return ReflectionRepository(self.session)

    @cached_property
    def meetings(self) -> MeetingRepository:
        return MeetingRepository(self.session)

    @cached_property
    def schedule(self) -> ScheduleRepository:
        return ScheduleRepository(self.session)

    @cached_property
    def participation(self) -> ParticipationRepository:
        return ParticipationRepository(self.session)

    @cached_property
    def pledges(self) -> PledgeRepository:
        return PledgeRepository(self.session)

    @cached_property
    def digest(self) -> DigestRepository:
        return DigestRepository(self.session)

    @cached_property
    def replies(self) -> ReplyRepository:
        return ReplyRepository(self.session)

    @cached_property
    def web(self) -> WebRepository:
        return WebRepository(self.session)

    @cached_property
    def updates(self) -> HandledUpdateRepository:
        return HandledUpdateRepository(self.session)


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
