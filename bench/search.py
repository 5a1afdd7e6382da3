"""Speed and size of the tool search on generated catalogues of 1,000 and 10,000 tools.

The generated tools vary the real catalogue: names with a region and variant number, summaries
and tags recombined from two tools, and new Dutch compounds made from catalogue words, so the
vocabulary grows as it would in a larger catalogue.

Everything goes through the service layer the bot uses: the generated tools are imported into
a temporary SQLite database (storage.catalogue), a ToolCatalogue reads the approved tools and
builds its index, as at the bot's start. Printed per size, against the targets of issue 17:
- build: ToolIndex.build alone, and ToolCatalogue.start (reading the tools from SQLite too);
- index RSS: how much the process grew while building the index (resident set size);
- search p50 / p99 over the public set and the tuning half, and the first pass on its own;
- CPU time next to the wall-clock build and p99: on a machine shared with other work the
  wall clock mostly measures waiting for a core;
- an approved and an imported tool: from the change to being found, in this process (the
  catalogue takes the changed tools in directly, as the handlers do);
- another process: a second ToolCatalogue on the same PostgreSQL database (its own connection
  pool) polls as `/tool` would, from the approval until it finds the tool.

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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_quality import CATALOGUE_PATH, TUNING_PATH, load_documents, load_queries
from search import ToolDocument, ToolIndex, documents_from_catalogue
from search.analysis import Lemmatiser
from search.text import tokenize
from search.tool_catalogue import ToolCatalogue
from storage import catalogue, migrate
from storage.catalogue import CatalogueEntry
from storage.db import Database
from storage.models import ToolStatus
from storage.repositories.tools import Proposal, ToolRepository

SIZES = (1_000, 10_000)
PASSES = 10
TARGET_BUILD_S = 1.0
TARGET_P99_MS = 5.0
TARGET_RSS_MB = 60.0
TARGET_LOCAL_MS = 50.0
TARGET_REMOTE_S = 5.0
POLL_SECONDS = 0.05
NOW = datetime(2026, 11, 24, tzinfo=UTC)
LATER = NOW + timedelta(minutes=1)
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
    index_build_s: float
    index_build_cpu_s: float
    """CPU time of the build in all of the process's threads (tantivy indexes on its own)."""
    start_s: float
    rss_mb: float
    latencies_ms: tuple[float, ...]
    cold_ms: tuple[float, ...]
    cpu_ms: tuple[float, ...]
    """CPU time of each search in the searching thread: less disturbed by other load."""
    approved_ms: float
    imported_ms: float

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p99(self) -> float:
        return _percentile(self.latencies_ms, 0.99)

    @property
    def cpu_p99(self) -> float:
        return _percentile(self.cpu_ms, 0.99)


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(documents: list[ToolDocument], queries: Sequence[str]) -> Timing:
    before = _rss_mb()
    started, cpu = time.perf_counter(), time.process_time()
    index = ToolIndex.build(documents)
    index_build = time.perf_counter() - started
    index_build_cpu = time.process_time() - cpu
    rss = _rss_mb() - before
    del index
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(
            _measure(
                f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}",
                documents,
                queries,
                (index_build, index_build_cpu),
                rss,
            )
        )


async def _measure(
    url: str,
    documents: list[ToolDocument],
    queries: Sequence[str],
    index_build: tuple[float, float],
    rss: float,
) -> Timing:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        async with database.session() as session:
            await catalogue.import_entries(
                ToolRepository(session), catalogue_entries(documents), NOW
            )
        service = ToolCatalogue(starter=None)
        started = time.perf_counter()
        await service.start(database, NOW)
        start = time.perf_counter() - started
        timed = [_time_one(service.search, query) for _ in range(PASSES) for query in queries]
        approved = await _approve_and_find(database, service, "Wijkkompas bench")
        imported = await _import_and_find(database, service)
    finally:
        await database.dispose()
    latencies = tuple(wall for wall, _ in timed)
    return Timing(
        len(service),
        *index_build,
        start,
        rss,
        latencies,
        latencies[: len(queries)],
        tuple(cpu for _, cpu in timed),
        approved,
        imported,
    )


async def _propose(database: Database, name: str) -> str:
    async with database.session() as session:
        tool = await ToolRepository(session).propose(
            Proposal(name=name, summary="Bewoners brengen samen hun wijk in kaart."),
            proposer_member_id=None,  # type: ignore[arg-type]
            community_id=None,
            now=NOW,
        )
        return tool.id


async def _approve_and_find(database: Database, service: ToolCatalogue, name: str) -> float:
    """Milliseconds from the approval (as /voorstellen does it, a minute after the import) to
    finding the tool: the index taking it in, and the search (the commit that follows is the
    approval's own storage work)."""
    tool_id = await _propose(database, name)
    async with database.session() as session:
        tools = ToolRepository(session)
        (tool,) = await tools.by_ids([tool_id])
        await tools.decide(tool_id, ToolStatus.APPROVED, LATER)
        started = time.perf_counter()
        service.changed([tool])
        found = [match.id for match in service.search(name, 1)]
        elapsed = (time.perf_counter() - started) * 1000.0
    if found != [tool_id]:
        raise RuntimeError(f"the approved tool was not found: {found}")
    return elapsed


async def _import_and_find(database: Database, service: ToolCatalogue) -> float:
    """Milliseconds from importing one new catalogue entry (after the import's own storage
    work: its flush, and the commit that follows) to finding it."""
    entry = CatalogueEntry(
        id="bench-import",
        name="Buurtbarometer bench",
        aliases=(),
        summary_nl="Een korte peiling onder bewoners.",
        when_to_use_nl="",
        steps_nl=(),
        level=("uitvoering",),
        effort="1 uur",
        tags=("wijk",),
        source_name="",
        source_url="",
    )
    async with database.session() as session:
        tools = ToolRepository(session)
        report = await catalogue.import_entries(tools, [entry], LATER + timedelta(minutes=1))
        await session.flush()  # the import's own writes (every tool's place) are not timed
        started = time.perf_counter()
        service.changed(report.changed)
        found = [match.id for match in service.search("Buurtbarometer bench", 1)]
        elapsed = (time.perf_counter() - started) * 1000.0
    if found != ["bench-import"]:
        raise RuntimeError(f"the imported tool was not found: {found}")
    return elapsed


async def measure_other_process(url: str) -> float:
    """Seconds until a second catalogue on the same PostgreSQL database finds a tool the
    first one approved."""
    first_db, second_db = Database(url), Database(url)
    try:
        await migrate.upgrade(first_db)
        first, second = ToolCatalogue(), ToolCatalogue()
        await first.start(first_db, NOW)
        await second.start(second_db, NOW)
        tool_id = await _propose(first_db, "Straatgesprek bench")
        async with first_db.session() as session:
            tools = ToolRepository(session)
            (tool,) = await tools.by_ids([tool_id])
            await tools.decide(tool_id, ToolStatus.APPROVED, NOW)
            first.changed([tool])
        started = time.perf_counter()
        while time.perf_counter() - started < 30:
            async with second_db.session() as session:
                await second.ensure(ToolRepository(session), NOW)
            if [match.id for match in second.search("Straatgesprek bench", 1)] == [tool_id]:
                return time.perf_counter() - started
            await asyncio.sleep(POLL_SECONDS)
        raise RuntimeError("the other catalogue did not find the approved tool within 30 s")
    finally:
        await first_db.dispose()
        await second_db.dispose()


def catalogue_entries(documents: Sequence[ToolDocument]) -> list[CatalogueEntry]:
    """The generated tools as catalogue entries, effort and source taken from the real tool."""
    raw = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    real: dict[str, dict[str, Any]] = {str(entry["id"]): entry for entry in raw}
    entries = [_entry(document, real) for document in documents]
    again = documents_from_catalogue(entry.as_dict() for entry in entries)
    if again != list(documents):
        raise RuntimeError("catalogue entries must index as the generated tools")
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


def _time_one(search: Search, query: str) -> tuple[float, float]:
    """Milliseconds of wall-clock time and of CPU time in this thread."""
    started, cpu = time.perf_counter(), time.thread_time()
    search(query)
    return (time.perf_counter() - started) * 1000.0, (time.thread_time() - cpu) * 1000.0


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSES TARGET"


def _other_process() -> str:
    try:
        from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database
    except ImportError as error:
        return f"not measured ({error})"
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        return f"not measured ({problem})"
    try:
        url = asyncio.run(create_database(server, "bench_search"))
        seconds = asyncio.run(measure_other_process(url))
    finally:
        server.stop()
    return f"{seconds:.2f} s ({_verdict(seconds <= TARGET_REMOTE_S)})"


def main() -> None:
    base = load_documents()
    queries = [case.query for case in load_queries()] + [
        case.query for case in load_queries(TUNING_PATH)
    ]
    Lemmatiser.lemma("gekost")  # loaded once per process, like the bot after its first query
    print(
        f"{len(queries)} queries x {PASSES} passes per size. Targets at 10,000 tools: build <= "
        f"{TARGET_BUILD_S} s, p99 <= {TARGET_P99_MS} ms, index RSS <= {TARGET_RSS_MB} MB, "
        f"findable <= {TARGET_LOCAL_MS} ms here and <= {TARGET_REMOTE_S} s in another process."
    )
    print(f"machine load (1, 5, 15 min): {Path('/proc/loadavg').read_text().split()[:3]}")
    for size in SIZES:
        timing = measure(generate_catalogue(base, size), queries)
        print(
            f"{timing.size:>6} tools: build {timing.index_build_s:5.2f} s "
            f"({_verdict(timing.index_build_s <= TARGET_BUILD_S)}; CPU "
            f"{timing.index_build_cpu_s:4.2f} s; ToolCatalogue.start "
            f"{timing.start_s:4.2f} s) | index RSS {timing.rss_mb:5.1f} MB "
            f"({_verdict(timing.rss_mb <= TARGET_RSS_MB)})\n"
            f"{'':14}search p50 {timing.p50:5.2f} ms, p99 {timing.p99:5.2f} ms "
            f"({_verdict(timing.p99 <= TARGET_P99_MS)}; CPU p99 {timing.cpu_p99:5.2f} ms) | "
            "first pass p50 "
            f"{statistics.median(timing.cold_ms):5.2f} ms, max {max(timing.cold_ms):5.2f} ms\n"
            f"{'':14}approved tool findable after {timing.approved_ms:5.1f} ms "
            f"({_verdict(timing.approved_ms <= TARGET_LOCAL_MS)}), imported tool after "
            f"{timing.imported_ms:5.1f} ms ({_verdict(timing.imported_ms <= TARGET_LOCAL_MS)})"
        )
    print(f"approved tool findable in another process (PostgreSQL): {_other_process()}")


if __name__ == "__main__":
    main()
