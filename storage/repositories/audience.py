"""The one read rule (who may read a contribution) and the one name rule (whose name is shown).

Every path that shows experiments or reflections (lists, details, filters, tool-card lessons,
the share button, digest, export, stats, the web) asks these, in Python (`may_read`) or in SQL
(`visible_to`); the two agree by construction and a matrix test walks both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import BindParameter, ColumnElement, and_, bindparam, false, or_, true

from storage.models import Attribution, Audience, Experiment, Reflection

GROUP_READS = (Audience.GROUP, Audience.PUBLIC)
"""What the community (and an export for funders) may read."""


@dataclass(frozen=True)
class Viewer:
    """Who reads.

    - a member or coordinator of `community_id` (None: of the community being read, for callers
      that already filtered on it);
    - `Viewer.outsider()`: an export of one community for funders; reads what the group may read
      (and masks it, see the export);
    - `Viewer.public()`: the public web pages and members of other communities: `openbaar` only.
    """

    member_id: int | None
    """None for an outsider: nobody's own items."""
    coordinator: bool
    community_id: int | None = None
    public_only: bool = False

    @classmethod
    def member(cls, community_id: int, member_id: int, *, coordinator: bool = False) -> Viewer:
        return cls(member_id, coordinator, community_id)

    @classmethod
    def outsider(cls) -> Viewer:
        """Reads what the group may read, nothing for coordinators only, nobody's own."""
        return cls(None, coordinator=False)

    @classmethod
    def public(cls) -> Viewer:
        """Reads only contributions whose audience is `openbaar`."""
        return cls(None, coordinator=False, public_only=True)


class Contribution(Protocol):
    """What the read rule needs of an experiment or a reflection."""

    community_id: int
    author_member_id: int | None
    audience: Audience
    attribution: Attribution


def may_read(viewer: Viewer, item: Contribution) -> bool:
    """The read rule in Python; `visible_to` is the same rule in SQL."""
    if item.audience is Audience.PUBLIC:
        return True
    if viewer.public_only:
        return False
    if viewer.community_id is not None and item.community_id != viewer.community_id:
        return False
    if item.author_member_id is not None and item.author_member_id == viewer.member_id:
        return True
    return viewer.coordinator or item.audience in GROUP_READS


def visible_to(
    viewer: Viewer,
    contribution: type[Experiment] | type[Reflection] = Experiment,
    *,
    bound: bool = False,
) -> ColumnElement[bool]:
    """The read rule as a SQL condition, for experiments and reflections alike. An item without
    author (left behind anonymously) is nobody's own.

    `bound`: the viewer's ids are the parameters `viewer_member` and `viewer_community`
    (`viewer_values`), so that a statement built once serves every viewer of the same kind.
    """
    public = contribution.audience == Audience.PUBLIC
    if viewer.public_only:
        return public
    own: ColumnElement[bool] = false()
    if viewer.member_id is not None:
        member: BindParameter[int] | int = bindparam("viewer_member") if bound else viewer.member_id
        own = and_(
            contribution.author_member_id.is_not(None),
            contribution.author_member_id == member,
        )
    inside = or_(
        contribution.audience.in_(GROUP_READS),
        true() if viewer.coordinator else false(),
        own,
    )
    if viewer.community_id is None:
        return or_(public, inside)
    community: BindParameter[int] | int = (
        bindparam("viewer_community") if bound else viewer.community_id
    )
    return or_(public, and_(contribution.community_id == community, inside))


def viewer_values(viewer: Viewer) -> dict[str, int | None]:
    """The parameters of `visible_to(viewer, bound=True)`."""
    return {"viewer_member": viewer.member_id, "viewer_community": viewer.community_id}


def shown_author(attribution: Attribution, name: str | None) -> str | None:
    """The author's name as readers see it: none for anonymous contributions (nor for those
    whose author was forgotten, whose name is None)."""
    return None if attribution is Attribution.ANONYMOUS else name
