"""Speed of the tool search on generated catalogues of 1,000 and 10,000 tools.

The generated tools vary the real catalogue: names with a region and variant number, summaries
and tags recombined from two tools, and new Dutch compounds made from catalogue words, so the
vocabulary grows as it would in a larger catalogue.

Everything goes through the service layer the bot uses: the generated tools are imported into
a temporary SQLite database (storage.catalogue), a ToolCatalogue reads the approved tools and
builds its index, as at the bot's start (timed: "index build"), and each search is one
ToolCatalogue.search. Prints the p50 and p99 latency of one search over the development query
set; the first pass over the queries runs with an empty word cache and is also reported on its
own. For comparison it also times a whole lookup's storage work as `/tool` does it: one unit of
work with the freshness check, the search and the read of the tools to show.

    .venv/bin/python bench/search.py
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_quality import CATALOGUE_PATH, load_documents, load_queries
from search import ToolDocument, documents_from_catalogue
from search.text import tokenize
from search.tool_catalogue import ToolCatalogue
from storage import catalogue, migrate
from storage.catalogue import CatalogueEntry
from storage.db import Database
from storage.repositories.tools import ToolRepository

SIZES = (1_000, 10_000)
PASSES = 20
TARGET_P99_MS = 5.0
LOOKUP_PASSES = 3
NOW = datetime(2026, 11, 24, tzinfo=UTC)
REGIONS = (
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Groningen",
    "Eindhoven",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Zwolle",
    "Leeuwarden",
    "Maastricht",
    "Arnhem",
    "Haarlem",
    "Twente",
)

Search = Callable[[str], object]


def generate_catalogue(base: list[ToolDocument], size: int, seed: int = 7) -> list[ToolDocument]:
    """`size` tools: the base tools first, then deterministic variations on them."""
    if not base:
        return []
    rng = random.Random(seed)
    words = sorted({w for doc in base for w in tokenize(doc.summary) if 4 <= len(w) <= 9})
    generated = list(base[:size])
    for number in range(len(generated), size):
        tool, other = base[number % len(base)], rng.choice(base)
        generated.append(_variant(tool, other, number, words, rng))
    return generated


def _variant(
    tool: ToolDocument, other: ToolDocument, number: int, words: list[str], rng: random.Random
) -> ToolDocument:
    region = rng.choice(REGIONS)
    compounds = [rng.choice(words) + rng.choice(words) for _ in range(3)]
    borrowed = _first_sentence(other.summary)
    return replace(
        tool,
        id=f"{tool.id}-{number}",
        name=f"{tool.name} – {region} {number}",
        aliases=(*rng.sample(tool.aliases, min(3, len(tool.aliases))), f"{tool.name} {region}"),
        tags=(*rng.sample(tool.tags, min(4, len(tool.tags))), *other.tags[:2], compounds[0]),
        summary=f"{tool.summary} {borrowed} Toegepast in {region} rond {' en '.join(compounds)}.",
        when_to_use=rng.choice((tool.when_to_use, other.when_to_use)),
        steps=(
            *tool.steps[: rng.randint(min(2, len(tool.steps)), len(tool.steps))],
            *other.steps[:1],
        ),
    )


def _first_sentence(text: str) -> str:
    return text.split(". ")[0].rstrip(".") + "."


@dataclass(frozen=True)
class Timing:
    size: int
    build_seconds: float
    latencies_ms: tuple[float, ...]
    cold_ms: tuple[float, ...]
    exact: int
    """Queries whose hits equal those of exhaustive scoring (no MaxScore shortcuts)."""
    import_seconds: float
    lookup_ms: tuple[float, ...]
    """One lookup's storage work: a unit of work, the freshness check, search, reading tools."""

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return _percentile(self.latencies_ms, 0.99)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(documents: list[ToolDocument], queries: Sequence[str]) -> Timing:
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(
            _measure(f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}", documents, queries)
        )


async def _measure(url: str, documents: list[ToolDocument], queries: Sequence[str]) -> Timing:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        entries = catalogue_entries(documents)
        started = time.perf_counter()
        async with database.session() as session:
            await catalogue.import_entries(ToolRepository(session), entries, NOW)
        import_seconds = time.perf_counter() - started
        service = ToolCatalogue(starter=None)
        started = time.perf_counter()
        await service.start(database, NOW)
        build_seconds = time.perf_counter() - started
        latencies = [_time_one(service.search, query) for _ in range(PASSES) for query in queries]
        index = service.index
        exact = sum(index.search(query) == index.search_exhaustively(query) for query in queries)
        lookups = [
            await _time_lookup(database, service, query)
            for _ in range(LOOKUP_PASSES)
            for query in queries
        ]
    finally:
        await database.dispose()
    cold = tuple(latencies[: len(queries)])
    return Timing(
        len(service), build_seconds, tuple(latencies), cold, exact, import_seconds, tuple(lookups)
    )


async def _time_lookup(database: Database, service: ToolCatalogue, query: str) -> float:
    started = time.perf_counter()
    async with database.session() as session:
        tools = ToolRepository(session)
        await service.ensure(tools, NOW)
        await tools.approved_by_ids([match.id for match in service.search(query)])
    return (time.perf_counter() - started) * 1000.0


def catalogue_entries(documents: Sequence[ToolDocument]) -> list[CatalogueEntry]:
    """The generated tools as catalogue entries, effort and source taken from the real tool."""
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    real: dict[str, dict[str, Any]] = {str(entry["id"]): entry for entry in raw}
    entries = [_entry(document, real) for document in documents]
    again = documents_from_catalogue(entry.as_dict() for entry in entries)
    assert again == list(documents), "catalogue entries must index as the generated tools"
    return entries


def _entry(document: ToolDocument, real: dict[str, dict[str, Any]]) -> CatalogueEntry:
    origin = real.get(document.id) or real.get(document.id.rsplit("-", 1)[0], {})
    return CatalogueEntry(
        id=document.id,
        name=document.name,
        aliases=document.aliases,
        summary_nl=document.summary,
        when_to_use_nl=document.when_to_use,
        steps_nl=document.steps,
        level=document.level,
        effort=str(origin.get("effort", "")),
        tags=document.tags,
        source_name=str(origin.get("source_name", "")),
        source_url=str(origin.get("source_url", "")),
        summary_en=document.summary_en or None,
    )


def _time_one(search: Search, query: str) -> float:
    started = time.perf_counter()
    search(query)
    return (time.perf_counter() - started) * 1000.0


def main() -> None:
    base = load_documents()
    queries = [case.query for case in load_queries()]
    print(f"{len(queries)} queries x {PASSES} passes per size; target p99 <= {TARGET_P99_MS} ms")
    print("build = ToolCatalogue.start (read the approved tools from SQLite, build the index)")
    for size in SIZES:
        timing = measure(generate_catalogue(base, size), queries)
        verdict = "ok" if timing.p99 <= TARGET_P99_MS else "TOO SLOW"
        print(
            f"{timing.size:>6} tools: build {timing.build_seconds:5.2f} s | search p50 "
            f"{timing.p50:4.2f} ms, p99 {timing.p99:4.2f} ms ({verdict})\n"
            f"{'':14}first pass (empty word cache): p50 {statistics.median(timing.cold_ms):4.2f}"
            f" ms, max {max(timing.cold_ms):4.2f} ms | hits equal to exhaustive scoring: "
            f"{timing.exact}/{len(queries)} queries\n"
            f"{'':14}import into SQLite {timing.import_seconds:4.2f} s | whole /tool lookup "
            f"with the database: p50 {statistics.median(timing.lookup_ms):4.2f} ms, "
            f"p99 {_percentile(timing.lookup_ms, 0.99):4.2f} ms"
        )


if __name__ == "__main__":
    main()
