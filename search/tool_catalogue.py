"""The searchable tool catalogue of one process: an in-memory index over the approved tools.

The database is the source of truth; the index (storage/search) is a snapshot of its approved
tools. The snapshot is built at start (after the starter catalogue was imported into an empty
database), rebuilt at once when this process approves or imports tools, and rebuilt when
another process changed the catalogue: `ensure` compares a cheap fingerprint (count and latest
change of the approved tools) at most every `recheck` seconds.

It works inside the caller's unit of work (a ToolRepository bound to the caller's session), so
a handler that approves a tool sees it searchable in the same transaction and SQLite never
waits on a second connection. The index is immutable: a rebuild is made off the event loop and
swapped in whole, so a search never sees half of it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from search import SearchHit, ToolDocument, ToolIndex, documents_from_catalogue
from storage import catalogue
from storage.catalogue import STARTER_CATALOGUE, ImportReport
from storage.db import Database
from storage.models import Tool
from storage.repositories.tools import CatalogueFingerprint, ToolRepository

RECHECK_SECONDS = 30.0


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
class _Snapshot:
    index: ToolIndex
    names: Mapping[str, str]
    themes: tuple[Theme, ...]
    fingerprint: CatalogueFingerprint


class ToolCatalogue:
    def __init__(
        self,
        *,
        starter: Path | None = STARTER_CATALOGUE,
        recheck: float = RECHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.starter = starter
        self.recheck = recheck
        self._monotonic = monotonic
        self._snapshot: _Snapshot | None = None
        self._checked = 0.0
        self._requested = 0
        self._installed = 0

    @property
    def loaded(self) -> bool:
        return self._snapshot is not None

    def __len__(self) -> int:
        return len(self._snapshot.names) if self._snapshot else 0

    async def start(self, database: Database, now: datetime) -> ImportReport | None:
        """At process start: the starter catalogue into an empty database, then the index.

        Returns what the starter import did, or None when the catalogue was not empty.
        """
        try:
            async with database.session() as session:
                tools = ToolRepository(session)
                seeded = await self.seed_if_empty(tools, now)
                await self.reload(tools)
            return seeded
        except IntegrityError:
            # Another process imported the starter catalogue at the same moment: use theirs.
            async with database.session() as session:
                await self.reload(ToolRepository(session))
            return None

    async def seed_if_empty(self, tools: ToolRepository, now: datetime) -> ImportReport | None:
        if self.starter is None or not await tools.is_empty():
            return None
        entries = catalogue.load(self.starter)
        return await catalogue.import_entries(tools, entries, now)

    async def ensure(self, tools: ToolRepository, now: datetime) -> None:
        """Make the index current before a search: load it on first use, and pick up changes
        another process made (checked at most every `recheck` seconds)."""
        if self._snapshot is None:
            await self.seed_if_empty(tools, now)
            await self.reload(tools)
            return
        if self._monotonic() - self._checked < self.recheck:
            return
        if await tools.fingerprint() != self._snapshot.fingerprint:
            await self.reload(tools)
        else:
            self._checked = self._monotonic()

    async def reload(self, tools: ToolRepository) -> None:
        """Rebuild the index from the approved tools (after an approval or an import)."""
        self._requested += 1
        ticket = self._requested
        fingerprint = await tools.fingerprint()
        rows = await tools.approved()
        documents = _documents(rows)
        names = {tool.id: tool.name for tool in rows}
        index = await asyncio.to_thread(ToolIndex.build, documents)
        if ticket < self._installed:
            return  # a newer reload finished first
        self._installed = ticket
        self._snapshot = _Snapshot(index, names, _themes(rows), fingerprint)
        self._checked = self._monotonic()

    @property
    def index(self) -> ToolIndex:
        """The current index (for benchmarks and diagnostics)."""
        return self._current().index

    def search(self, query: str, limit: int = 3) -> list[ToolMatch]:
        """The best approved tools for a free-text query, best first."""
        snapshot = self._current()
        return _matches(snapshot, snapshot.index.search(query, limit))

    def suggest(self, query: str, limit: int = 3) -> list[ToolMatch]:
        """Tools whose name, alias or tag looks like the query: for 'did you mean'."""
        snapshot = self._current()
        return _matches(snapshot, snapshot.index.suggest(query, limit))

    def themes(self) -> tuple[Theme, ...]:
        """The tags of the approved tools with how many tools carry each, most used first."""
        return self._current().themes

    def _current(self) -> _Snapshot:
        if self._snapshot is None:
            raise RuntimeError("the tool catalogue is not loaded yet; call ensure() or start()")
        return self._snapshot


def _documents(rows: Sequence[Tool]) -> list[ToolDocument]:
    return documents_from_catalogue(catalogue.entry_of(tool).as_dict() for tool in rows)


def _themes(rows: Sequence[Tool]) -> tuple[Theme, ...]:
    counts = Counter(tag for tool in rows for tag in dict.fromkeys(tool.tags))
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0].casefold(), item[0]))
    return tuple(Theme(tag, count) for tag, count in ranked)


def _matches(snapshot: _Snapshot, hits: Sequence[SearchHit]) -> list[ToolMatch]:
    return [ToolMatch(hit.id, snapshot.names.get(hit.id, hit.id), hit.score) for hit in hits]
