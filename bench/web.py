"""Latency of the online platform under load: 200 concurrent clients on loopback against
uvicorn serving the real app, on SQLite and on PostgreSQL.

Two pages, as the issue names them: the catalogue search page (`/tools?q=…`, queries from the
development query set) over 10,000 generated tools, and a logged-in member's experiment list
(`/experiments`, the first page of 20) in a community of 1,000 experiments. The server runs in
this process exactly as in the hub (web.app on uvicorn in one event loop); the clients run in
a second process (aiohttp), so their own work does not count against the server's loop. The
rate limits are raised for the run: 200 clients share one loopback address.

Each page is first visited once per path, unmeasured, since the first search after start
loads the Dutch lemma dictionary (lazily on purpose: start-up and idle memory, issue 16); the
bench prints the slowest of those cold requests. Then each page is measured three ways:
- one client alone;
- 200 clients with no think time, each sending its next request the moment the last one is
  answered: the server's saturation. By Little's law the mean latency is clients / throughput,
  and the bench prints that bound, since a p99 of 30 ms with 200 such clients needs some 6,700
  requests a second;
- 200 members browsing at once, each reading a page for a random while (exponential, mean
  `--think` seconds) before the next, starting at random moments within the first think time.
  Several think times give several rows, so the rate at which the p99 still holds shows.

    .venv/bin/python bench/web.py [--clients 200] [--requests 10] [--think 1.0,0.5]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search import catalogue_entries, generate_catalogue
from bench.search_quality import load_documents, load_queries
from bot.app import heap
from bot.app.http_server import web_server
from bot.core.clock import ManualClock
from bot.core.i18n import Catalogs
from bot.core.web_links import WebLinks
from search.tool_catalogue import ToolCatalogue
from storage import catalogue, migrate
from storage.db import Database
from storage.models import Attribution, Audience, Experiment, ExperimentStatus
from storage.repositories import Repositories
from storage.repositories.communities import CommunityDefaults
from storage.repositories.tools import ToolRepository
from tests.harness import RecordingMessenger
from tests.support.postgres import PostgresServer, PostgresUnavailable, create_database
from web.app import create_app
from web.limits import RateLimits, Window
from web.services import WebServices
from web.visitors import SESSION_COOKIE

TOOLS = 10_000
EXPERIMENTS = 1_000
TARGET_P99_MS = 30.0
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


async def prepare(database: Database) -> tuple[ToolCatalogue, str]:
    """10,000 tools, a community with 1,000 experiments, and a session for one member."""
    await migrate.upgrade(database)
    entries = catalogue_entries(generate_catalogue(load_documents(), TOOLS))
    async with database.session() as session:
        await catalogue.import_entries(ToolRepository(session), entries, NOW)
    tools = ToolCatalogue(starter=None, on_built=heap.settle)  # as the hub makes it
    await tools.start(database, NOW)
    async with database.session() as session:
        repos = Repositories.bind(session)
        defaults = CommunityDefaults(language="nl", timezone="Europe/Amsterdam")
        community = await repos.communities.get_or_create("bench", "g", "Bench", defaults, NOW)
        member, _ = await repos.members.resolve("bench", "anna", "Anna", NOW)
        await repos.members.join(community.id, member.id, NOW)
        authors = [member.id]
        for index in range(20):
            other, _ = await repos.members.resolve("bench", f"m{index}", f"Lid {index}", NOW)
            await repos.members.join(community.id, other.id, NOW)
            authors.append(other.id)
        rng = random.Random(3)
        session.add_all(
            Experiment(
                community_id=community.id,
                author_member_id=rng.choice(authors),
                what=f"Experiment {number} met verhalen en cijfers",
                learned="Wat we leerden: samen betekenis geven werkt." if number % 3 else None,
                tags=["beeld", "verhalen"][: 1 + number % 2],
                status=list(ExperimentStatus)[number % 3],
                audience=[Audience.GROUP, Audience.COORDINATORS, Audience.PUBLIC][number % 3],
                attribution=Attribution.NAMED if number % 4 else Attribution.ANONYMOUS,
                created_at=NOW,
                updated_at=NOW,
            )
            for number in range(EXPERIMENTS)
        )
        await session.flush()
        secret = await repos.web.open_session(member.id, community.id, NOW)
    return tools, secret


@dataclass
class Run:
    """Latencies of the answered requests (ms), when each was sent (s), how many failed."""

    timings: list[float]
    sent_at: list[float]
    failed: int

    def rate(self) -> float:
        """Requests a second while the load is on: over the middle 80% of the sends, so the
        ramp-up and the last members' tail (a member's ten readings are a random sum, and the
        slowest of 200 such sums is about twice the mean) do not dilute it."""
        sent = sorted(self.sent_at)
        first, last = sent[len(sent) // 10], sent[len(sent) * 9 // 10]
        return (len(sent) * 8 // 10) / (last - first) if last > first else float(len(sent))


@dataclass
class PageRuns:
    """One page: its unmeasured warm-up (each path once after start), then each load."""

    warm_up: Run
    loads: dict[str, Run]


def _clients(
    base: str, paths: list[str], cookie: str, clients: int, each: int, think: float = 0.0
) -> Run:
    return asyncio.run(_load(base, paths, cookie, clients, each, think))


async def _load(
    base: str, paths: list[str], cookie: str, clients: int, each: int, think: float
) -> Run:
    import aiohttp

    timings: list[float] = []
    sent_at: list[float] = []
    failed = 0
    timeout = aiohttp.ClientTimeout(total=120)
    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(
        base, connector=connector, cookies={SESSION_COOKIE: cookie}, timeout=timeout
    ) as session:

        async def one_client(number: int) -> None:
            nonlocal failed
            reading = random.Random(number)
            if think:
                await asyncio.sleep(reading.uniform(0, think))
            for request in range(each):
                if think and request:
                    await asyncio.sleep(reading.expovariate(1 / think))
                path = paths[(number * each + request) % len(paths)]
                started = time.perf_counter()
                sent_at.append(started)
                try:
                    async with session.get(path) as response:
                        await response.read()
                        if response.status != 200:
                            failed += 1
                            continue
                except (aiohttp.ClientError, TimeoutError):
                    failed += 1
                    continue
                timings.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(one_client(n) for n in range(clients)))
    return Run(timings, sent_at, failed)


async def measure(url: str, clients: int, each: int, thinks: list[float]) -> dict[str, PageRuns]:
    database = Database(url)
    try:
        tools, secret = await prepare(database)
        services = WebServices(
            database=database,
            catalogs=Catalogs("nl"),
            clock=ManualClock(NOW),
            messenger=RecordingMessenger(),
            tools=tools,
            links=WebLinks("http://127.0.0.1", b"bench-secret"),
            limits=RateLimits(search=Window(limit=10**9, seconds=60)),
        )
        server = web_server(create_app(services), "127.0.0.1", 0)
        await server.start()
        base = f"http://127.0.0.1:{server.port}"
        queries = [case.query for case in load_queries()]
        pages = {
            "catalogue search": [f"/tools?q={query}" for query in queries],
            "experiment list": ["/experiments"],
        }
        results: dict[str, PageRuns] = {}
        context = multiprocessing.get_context("spawn")
        loop = asyncio.get_running_loop()
        try:
            with context.Pool(1) as pool:

                async def run(paths: list[str], *load: float) -> Run:
                    arguments = (base, paths, secret, *load)
                    return await loop.run_in_executor(None, pool.apply, _clients, arguments)

                for name, paths in pages.items():
                    warm_up = await run(paths, 1, len(paths))
                    loads = {"1 client": await run(paths, 1, 50)}
                    loads[f"{clients} clients"] = await run(paths, clients, each)
                    for think in thinks:
                        loads[f"browsing {think:g} s"] = await run(paths, clients, each, think)
                    results[name] = PageRuns(warm_up, loads)
        finally:
            await server.stop()
        return results
    finally:
        await database.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(backend: str, results: dict[str, PageRuns], clients: int) -> None:
    for name, page in results.items():
        cold = page.warm_up.timings
        print(
            f"{backend:<11} {name:<17} first visit of each of {len(cold)} paths after start "
            f"(unmeasured warm-up): slowest {max(cold, default=0):.0f} ms"
        )
        for load, run in page.loads.items():
            timings = run.timings
            if not timings:
                print(f"{backend:<11} {name:<17} {load:>14}: every request failed ({run.failed})")
                continue
            p99 = _percentile(timings, 0.99)
            verdict = "ok" if p99 <= TARGET_P99_MS else "ABOVE TARGET"
            print(
                f"{backend:<11} {name:<17} {load:>14}: {len(timings):5d} answered, "
                f"{run.failed} failed, {run.rate():6.0f} req/s | p50 "
                f"{statistics.median(timings):7.1f} ms, p99 {p99:7.1f} ms "
                f"(target <= {TARGET_P99_MS:.0f} ms: {verdict})"
            )
        _littles_law(clients, page.loads[f"{clients} clients"])


def _littles_law(clients: int, run: Run) -> None:
    """Closed-loop clients without think time keep `clients` requests in the server, so the
    mean latency is clients / throughput (Little's law), and the p99 is at least that."""
    if not run.timings:
        return
    throughput = run.rate()
    needed = clients / (TARGET_P99_MS / 1000)
    print(
        f"{'':<11} {'':<17} Little's law: mean latency = {clients} clients / "
        f"{throughput:.0f} req/s = {clients / throughput * 1000:.0f} ms; a p99 <= "
        f"{TARGET_P99_MS:.0f} ms would need >= {needed:,.0f} req/s from this one process"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=10, help="requests per client")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument(
        "--think",
        type=lambda text: [float(value) for value in text.split(",")],
        default=[1.0, 0.5],
        help="mean seconds a browsing member reads a page (comma-separated for several runs)",
    )
    args = parser.parse_args()
    print(
        f"{args.clients} concurrent clients x {args.requests} requests per page; browsing "
        f"members read a page {' or '.join(f'{t:g}' for t in args.think)} s on average"
    )
    if args.only != "postgresql":
        _sqlite(args.clients, args.requests, args.think)
    if args.only != "sqlite":
        _postgresql(args.clients, args.requests, args.think)


def _sqlite(clients: int, each: int, thinks: list[float]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'web.db'}"
        report("sqlite", asyncio.run(measure(url, clients, each, thinks)), clients)


def _postgresql(clients: int, each: int, thinks: list[float]) -> None:
    try:
        server = PostgresServer.start()
    except PostgresUnavailable as problem:
        print(f"postgresql: skipped ({problem})")
        return
    try:
        url = asyncio.run(create_database(server, "bench_web"))
        report("postgresql", asyncio.run(measure(url, clients, each, thinks)), clients)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
