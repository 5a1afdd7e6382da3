"""The searchable tool catalogue of one process: a tantivy index over the approved tools.

The database is the source of truth; the index (search/index.py) holds its approved tools. It
is built at start (after the starter catalogue was imported into an empty database) and then
kept current tool by tool: `reload` after this process approved or imported tools, and `ensure`
before a search, which compares a cheap fingerprint (count and latest change of the approved
tools) at most every `recheck` seconds, so a change made by another process sharing the
database is searchable within that time. Catching up reads only the tools changed since the
last change seen and adds, replaces or drops just those; only when the count still disagrees
(a clock that went backwards, a deleted row) is the whole index rebuilt.

A change this process makes itself (an approval, an import) goes into the index at once
through `changed`, without reading the database again; the next check still compares the
fingerprint, so a change that was rolled back is undone there.

It works inside the caller's unit of work (a ToolRepository bound to the caller's session), so
a handler that approves a tool sees it searchable in the same transaction and SQLite never
waits on a second connection. A whole rebuild is made off the event loop and swapped in whole,
so a search never sees half of it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError

from search.documents import SearchHit, ToolDocument, document_from_entry
from storage import catalogue
from storage.catalogue import STARTER_CATALOGUE, ImportReport
from storage.db import Database
from storage.models import Tool, ToolStatus
from storage.repositories.tools import CatalogueFingerprint, ToolRepository

if TYPE_CHECKING:
    from search.index import ToolIndex

ANSWERS_KEPT = 2048
RECHECK_SECONDS = 2.0


@dataclass(frozen=True)
class ToolMatch:
    id: str
    name: str
    score: float


@dataclass(frozen=True)
class Theme:
    tag: str
    count: int


@dataclass(frozen=True)
class _Listed:
    """What the catalogue keeps of a tool besides its index entry: its name and tags, and the
    change it was indexed at (so catching up skips what is indexed already)."""

    name: str
    tags: tuple[str, ...]
    updated_at: datetime


class ToolCatalogue:
    def __init__(
        self,
        *,
        starter: Path | None = STARTER_CATALOGUE,
        recheck: float = RECHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
        on_built: Callable[[], None] = lambda: None,
    ) -> None:
        """`on_built` runs after each index is installed (the hub settles the heap then)."""
        self.starter = starter
        self._on_built = on_built
        self.recheck = recheck
        self._monotonic = monotonic
        self._index: ToolIndex | None = None
        self._listed: dict[str, _Listed] = {}
        self._themes: tuple[Theme, ...] | None = None
        self.version = 0
        """Moves on with every change to the approved tools seen here (for readers' caches)."""
        self._answers: dict[tuple[str, int], list[ToolMatch]] = {}
        """Recent queries' results: the same question asked again (a popular search, a page
        reloaded) costs no ranking until the catalogue changes."""
        self._answers_version = 0
        self._fingerprint: CatalogueFingerprint | None = None
        self._checked = 0.0
        self._unconfirmed = False
        self._requested = 0
        self._installed = 0

    @property
    def loaded(self) -> bool:
        return self._index is not None

    def __len__(self) -> int:
        return len(self._listed)

    async def start(self, database: Database, now: datetime) -> ImportReport | None:
        """The starter catalogue into an empty database, then the index (the tools CLI).

        Returns what the starter import did, or None when the catalogue was not empty.
        """
        seeded = await self.seed(database, now)
        async with database.session() as session:
            await self.rebuild(ToolRepository(session))
        return seeded

    async def seed(self, database: Database, now: datetime) -> ImportReport | None:
        """At process start: the starter catalogue into an empty database. The index (and
        tantivy, the ranking rules and the synonyms with it) waits for the first `ensure`.

        Returns what the starter import did, or None when the catalogue was not empty.
        """
        try:
            async with database.session() as session:
                return await self.seed_if_empty(ToolRepository(session), now)
        except IntegrityError:
            # Another process imported the starter catalogue at the same moment: use theirs.
            return None

    async def seed_if_empty(self, tools: ToolRepository, now: datetime) -> ImportReport | None:
        if self.starter is None or not await tools.is_empty():
            return None
        entries = catalogue.load(self.starter)
        report = await catalogue.import_entries(tools, entries, now)
        # Another process may have committed the same import between the check and the
        # import's own read: then nothing was new here, and theirs counts.
        return report if report.created else None

    async def ensure(self, tools: ToolRepository, now: datetime) -> None:
        """Make the index current before a search: load it on first use, and pick up changes
        another process made (checked at most every `recheck` seconds)."""
        if self._index is None:
            await self.seed_if_empty(tools, now)
            await self.rebuild(tools)
            return
        if self._monotonic() - self._checked < self.recheck:
            return
        await self.reload(tools)

    async def reload(self, tools: ToolRepository) -> None:
        """Catch up with the database (after an approval or an import): only the tools that
        changed since the last change seen are added, replaced or dropped."""
        index = self._index
        if index is None:
            await self.rebuild(tools)
            return
        fingerprint = await tools.fingerprint()
        if fingerprint == self._fingerprint and not self._unconfirmed:
            self._checked = self._monotonic()
            return
        self._unconfirmed = False
        self._apply(await tools.changed_since(self._seen()))
        if len(index) != fingerprint.approved:
            self._apply(await self._flipped_at_last_change(tools))
        self._fingerprint = fingerprint
        self._checked = self._monotonic()
        if len(index) != fingerprint.approved:
            await self.rebuild(tools)

    def _seen(self) -> datetime | None:
        return self._fingerprint.last_change if self._fingerprint else None

    def changed(self, tools: Sequence[Tool]) -> None:
        """These tools were just approved, imported, edited or withdrawn in this process (in
        the caller's unit of work): the index takes them in at once. The next check confirms
        them against the database."""
        if self._index is None:
            return
        self._apply(tools)
        self._unconfirmed = True

    def _apply(self, tools: Sequence[Tool]) -> None:
        """Add, replace or drop these tools in the index (those indexed as they are: skipped)."""
        changed = [tool for tool in tools if not self._indexed_as(tool)]
        if not changed:
            return
        index = self._current()
        approved = [tool for tool in changed if tool.status is ToolStatus.APPROVED]
        index.remove([tool.id for tool in changed if tool.status is not ToolStatus.APPROVED])
        index.upsert(_documents(approved))
        for tool in changed:
            self._listed.pop(tool.id, None)
        self._listed.update(_listing(approved))
        self._themes = None
        self.version += 1

    def _indexed_as(self, tool: Tool) -> bool:
        listed = self._listed.get(tool.id)
        if tool.status is not ToolStatus.APPROVED:
            return listed is None
        return listed is not None and listed.updated_at == tool.updated_at

    async def _flipped_at_last_change(self, tools: ToolRepository) -> list[Tool]:
        """Tools changed at the very moment of the last change seen whose approval the index
        does not reflect (a clock that did not move on between an import and an approval).
        Read only when the counts disagree, since a whole import shares that moment."""
        seen = self._seen()
        if seen is None:
            return []
        listed = self._listed
        statuses = await tools.statuses_at(seen)
        return await tools.by_ids(
            [
                tool_id
                for tool_id, status in statuses.items()
                if (status is ToolStatus.APPROVED) != (tool_id in listed)
            ]
        )

    async def rebuild(self, tools: ToolRepository) -> None:
        """Build the whole index anew from the approved tools."""
        from search.index import ToolIndex  # tantivy: loaded with the first index

        self._requested += 1
        ticket = self._requested
        fingerprint = await tools.fingerprint()
        rows = await tools.approved()
        documents = _documents(rows)
        index = await asyncio.to_thread(ToolIndex.build, documents)
        if ticket < self._installed:
            return  # a newer rebuild finished first
        self._installed = ticket
        self._index = index
        self._listed = _listing(rows)
        self._themes = None
        self.version += 1
        self._fingerprint = fingerprint
        self._unconfirmed = False
        self._checked = self._monotonic()
        self._on_built()

    @property
    def index(self) -> ToolIndex:
        """The current index (for benchmarks and diagnostics)."""
        return self._current()

    def search(self, query: str, limit: int = 3) -> list[ToolMatch]:
        """The best approved tools for a free-text query, best first; none when no tool is a
        good match."""
        key = (query, limit)
        if self._answers_version != self.version:
            self._answers.clear()
            self._answers_version = self.version
        found = self._answers.get(key)
        if found is None:
            found = self._matches(self._current().search(query, limit))
            if len(self._answers) >= ANSWERS_KEPT:
                self._answers.clear()
            self._answers[key] = found
        return list(found)

    def suggest(self, text: str, limit: int = 3) -> list[ToolMatch]:
        """Tools whose name or alias looks like `text`: for 'did you mean'."""
        return self._matches(self._current().suggest(text, limit))

    def themes(self) -> tuple[Theme, ...]:
        """The tags of the approved tools with how many tools carry each, most used first."""
        self._current()
        if self._themes is None:
            self._themes = _themes(self._listed.values())
        return self._themes

    def with_theme(self, tag: str) -> list[str]:
        """The ids of the approved tools carrying this tag, in name order."""
        self._current()
        found = [
            (listed.name.casefold(), tool_id)
            for tool_id, listed in self._listed.items()
            if tag in listed.tags
        ]
        return [tool_id for _, tool_id in sorted(found)]

    def _current(self) -> ToolIndex:
        if self._index is None:
            raise RuntimeError("the tool catalogue is not loaded yet; call ensure() or start()")
        return self._index

    def _matches(self, hits: Sequence[SearchHit]) -> list[ToolMatch]:
        listed = self._listed
        return [
            ToolMatch(hit.id, listed[hit.id].name, hit.score) for hit in hits if hit.id in listed
        ]


def _documents(rows: Sequence[Tool]) -> list[ToolDocument]:
    return [document_from_entry(catalogue.entry_of(tool).as_dict()) for tool in rows]


def _listing(rows: Sequence[Tool]) -> dict[str, _Listed]:
    return {
        tool.id: _Listed(tool.name, tuple(dict.fromkeys(tool.tags)), tool.updated_at)
        for tool in rows
    }


def _themes(listed: Iterable[_Listed]) -> tuple[Theme, ...]:
    counts = Counter(tag for tool in listed for tag in tool.tags)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    return tuple(Theme(tag, count) for tag, count in ranked)
