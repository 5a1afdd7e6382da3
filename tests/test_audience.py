"""The one read rule and the one name rule: every audience × attribution × reader, and the
Python rule (`may_read`) agreeing with the SQL rule (`visible_to`) on both backends."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from sqlalchemy import select

from storage.db import Database
from storage.models import (
    Attribution,
    Audience,
    Community,
    Experiment,
    ExperimentStatus,
    Member,
    Reflection,
)
from storage.repositories.audience import Viewer, may_read, shown_author, visible_to

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
COMBINATIONS = list(itertools.product(Audience, Attribution))


def _readers(home: int, other: int, author: int, colleague: int) -> dict[str, Viewer]:
    return {
        "author": Viewer.member(home, author),
        "member": Viewer.member(home, colleague),
        "coordinator": Viewer.member(home, colleague, coordinator=True),
        "another community's coordinator": Viewer.member(other, colleague, coordinator=True),
        "export": Viewer.outsider(),
        "public web": Viewer.public(),
    }


# reader → audiences it may read (of a contribution by "author" in the home community).
EXPECTED = {
    "author": set(Audience),
    "member": {Audience.GROUP, Audience.PUBLIC},
    "coordinator": set(Audience),
    "another community's coordinator": {Audience.PUBLIC},
    "export": {Audience.GROUP, Audience.PUBLIC},
    "public web": {Audience.PUBLIC},
}


async def test_every_audience_attribution_and_reader(database: Database) -> None:
    async with database.session() as session:
        home = Community(platform="console", chat_id="a", language="nl", timezone="UTC",
                         created_at=NOW)  # fmt: skip
        other = Community(platform="console", chat_id="b", language="nl", timezone="UTC",
                          created_at=NOW)  # fmt: skip
        author = Member(display_name="Anna", created_at=NOW)
        colleague = Member(display_name="Bert", created_at=NOW)
        session.add_all([home, other, author, colleague])
        await session.flush()
        for audience, attribution in COMBINATIONS:
            common = {"community_id": home.id, "author_member_id": author.id,
                      "audience": audience, "attribution": attribution}  # fmt: skip
            session.add(Experiment(what=f"{audience}/{attribution}", tags=[],
                                   status=ExperimentStatus.PLAN, created_at=NOW,
                                   updated_at=NOW, **common))  # fmt: skip
            session.add(Reflection(text=f"{audience}/{attribution}", created_at=NOW, **common))
        await session.flush()
        readers = _readers(home.id, other.id, author.id, colleague.id)
        for model in (Experiment, Reflection):
            rows = list(await session.scalars(select(model)))
            assert len(rows) == len(COMBINATIONS)
            for name, viewer in readers.items():
                in_sql = set(
                    await session.scalars(select(model.id).where(visible_to(viewer, model)))
                )
                in_python = {row.id for row in rows if may_read(viewer, row)}
                expected = {row.id for row in rows if row.audience in EXPECTED[name]}
                assert in_sql == in_python == expected, (model.__name__, name)


def test_the_name_rule_hides_only_anonymous_authors() -> None:
    assert shown_author(Attribution.NAMED, "Anna") == "Anna"
    assert shown_author(Attribution.ANONYMOUS, "Anna") is None
    assert shown_author(Attribution.NAMED, None) is None
