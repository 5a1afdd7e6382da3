"""The forum part's one service, for the chat and the web alike: who may read a contribution
(and so its replies), saving a reply as giving, and telling the author privately (the same
direct message serves the web's other notices, such as a decided proposal)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.i18n import Catalogs
from bot.model.messages import MemberTarget, Reply
from bot.model.messenger import DeliveryRefused, Messenger
from storage.models import Community, ContributionReply, Experiment, Member, Reflection
from storage.repositories import Repositories
from storage.repositories.experiments import Viewer, may_read
from storage.repositories.ledger import ActivityKind
from storage.repositories.replies import Subject

log = logging.getLogger(__name__)

REPLY_LENGTH = 2000


@dataclass(frozen=True)
class Readable:
    subject: Subject
    contribution: Experiment | Reflection

    @property
    def author_id(self) -> int | None:
        return self.contribution.author_member_id


async def readable(
    repos: Repositories, community_id: int, viewer: Viewer, subject: Subject
) -> Readable | None:
    """The contribution, when it exists in this community and the viewer may read it (the one
    read rule of storage.repositories.audience)."""
    item: Experiment | Reflection | None
    if subject.kind == "experiment":
        item = await repos.experiments.get(community_id, subject.id)
    else:
        item = await repos.reflections.get(community_id, subject.id)
    if item is None or not may_read(viewer, item):
        return None
    return Readable(subject, item)


async def post_reply(
    repos: Repositories,
    *,
    community: Community,
    author: Member,
    about: Readable,
    text: str,
    now: datetime,
) -> ContributionReply:
    """Save the reply; it counts as giving for the one who replies."""
    saved = await repos.replies.add(community.id, author.id, about.subject, text, now)
    await repos.ledger.record(
        community.id, author.id, ActivityKind.REPLY, now, subject=str(about.subject)
    )
    return saved


async def tell_author(
    repos: Repositories,
    messenger: Messenger,
    catalogs: Catalogs,
    *,
    community: Community,
    replier: Member,
    about: Readable,
    text: str,
) -> bool:
    """A direct message to the contribution's author (not when they reply themselves)."""
    author_id = about.author_id
    if author_id is None or author_id == replier.id:
        return False
    author = await repos.members.get(author_id)
    if author is None:
        return False
    t = catalogs.translator(author.language or community.language)
    key = f"reply.told_{about.subject.kind}"
    notice = Reply(t.text(key, name=replier.display_name, number=about.subject.id, text=text))
    return await send_privately(repos, messenger, author, community, notice)


async def send_privately(
    repos: Repositories, messenger: Messenger, member: Member, community: Community, reply: Reply
) -> bool:
    """A direct message to a member on any platform that takes one (the community's first)."""
    identities = await repos.members.identities_of(member.id)
    ordered = sorted(
        (i for i in identities if not i.dm_unreachable),
        key=lambda i: (i.platform != community.platform, not i.reachable_privately),
    )
    for identity in ordered:
        try:
            await messenger.send(MemberTarget(identity.platform, identity.user_id), [reply])
            return True
        except DeliveryRefused:
            await repos.members.set_dm_unreachable(identity.platform, identity.user_id, True)
        except Exception:
            log.exception("could not send a direct message on %s", identity.platform)
    return False
