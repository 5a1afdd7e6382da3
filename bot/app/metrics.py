"""The process's Prometheus metrics (prometheus-client) and where their numbers come from.

Counted as they happen: updates handled per platform, kind and command, and how long the
core took to answer (Hub.dispatch); database errors (SQLAlchemy's `handle_error` engine event).
Read when scraped: 429s and the seconds waited on them, from each adapter's RateLimitStats;
the outbox by state, the age of the oldest due send still pending and the open dialogs, from
the database (shared by every worker, so every worker reports the same figures); the age of
the scheduler's last delivery sweep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext

from bot.adapters.base import RateLimitStats
from bot.core.router import Router
from bot.model.messages import EventKind, Incoming
from storage.db import Database, ReadOnlyViolation
from storage.repositories.operations import OperationsSnapshot

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)
"""Seconds; 3 s is Discord's limit for an interaction's first answer."""
UNKNOWN_COMMAND = "unknown"
"""Label for a command nobody registered: typed text never becomes a label of its own."""


class Metrics:
    """One registry per process (no global state), shared by the hub and the health routes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.updates = Counter(
            "leeratelier_updates",
            "Updates handled, by platform, kind (command, message, button, form, joined, left) "
            "and command (its Dutch name; empty for other kinds).",
            ["platform", "kind", "command"],
            registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "leeratelier_reply_seconds",
            "Seconds from an update reaching the core until its replies were ready.",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.database_errors = Counter(
            "leeratelier_database_errors",
            "Errors raised by the database driver (connection lost, timeouts, conflicts).",
            registry=self.registry,
        )
        self.outbox_sends = Gauge(
            "leeratelier_outbox_sends",
            "Scheduled sends (reminders, prompts, digests) in the database, by state.",
            ["state"],
            registry=self.registry,
        )
        self.outbox_oldest_due = Gauge(
            "leeratelier_outbox_oldest_due_pending_seconds",
            "Age of the oldest scheduled send that is due and still pending (0 when none).",
            registry=self.registry,
        )
        self.dialogs_open = Gauge(
            "leeratelier_dialogs_open",
            "Forms members have open (not yet expired).",
            registry=self.registry,
        )
        self.sweep_age = Gauge(
            "leeratelier_scheduler_last_sweep_age_seconds",
            "Seconds since the scheduler last swept the outbox (-1 before the first sweep).",
            registry=self.registry,
        )
        self._rate_limits = _RateLimitCollector()
        self.registry.register(self._rate_limits)

    @contextmanager
    def handling(self, msg: Incoming, router: Router) -> Iterator[None]:
        """Count one update and time the core's answer to it."""
        started = time.perf_counter()
        try:
            yield
        finally:
            seconds = time.perf_counter() - started
            command = command_label(msg, router)
            self.reply_seconds.labels(msg.platform).observe(seconds)
            self.updates.labels(msg.platform, msg.kind.value, command).inc()
            log.debug(
                "handled a %s %s %s in %.3f s", msg.platform, msg.kind.value, command, seconds
            )

    def watch_database(self, database: Database) -> None:
        @event.listens_for(database.engine.sync_engine, "handle_error")
        def _count(context: ExceptionContext) -> None:
            # A write refused in a read-only unit of work never reached the database: the
            # core runs such a command again as a writer.
            if not isinstance(context.original_exception, ReadOnlyViolation):
                self.database_errors.inc()

    def watch_rate_limits(
        self, sources: Callable[[], Iterable[tuple[str, RateLimitStats]]]
    ) -> None:
        """`sources` names each platform's stats; read again at every scrape."""
        self._rate_limits.sources = sources

    def record_snapshot(self, snapshot: OperationsSnapshot, now: datetime) -> None:
        for state, count in snapshot.sends_by_state.items():
            self.outbox_sends.labels(state.value).set(count)
        oldest = snapshot.oldest_due_pending
        self.outbox_oldest_due.set(max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)
        self.dialogs_open.set(snapshot.dialogs_open)

    def record_sweep_age(self, seconds: float | None) -> None:
        self.sweep_age.set(-1.0 if seconds is None else seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def command_label(msg: Incoming, router: Router) -> str:
    if msg.kind is not EventKind.COMMAND:
        return ""
    command = router.find_command(msg.command)
    return command.name if command is not None else UNKNOWN_COMMAND


class _RateLimitCollector(Collector):
    def __init__(self) -> None:
        self.sources: Callable[[], Iterable[tuple[str, RateLimitStats]]] = tuple

    def collect(self) -> Iterable[Metric]:
        hits = CounterMetricFamily(
            "leeratelier_rate_limited",
            "429 answers (too many requests) from the platform.",
            labels=["platform"],
        )
        waited = CounterMetricFamily(
            "leeratelier_rate_limit_wait_seconds",
            "Seconds spent waiting out the platform's 429 answers.",
            labels=["platform"],
        )
        for platform, stats in self.sources():
            hits.add_metric([platform], stats.hits)
            waited.add_metric([platform], stats.waited_seconds)
        return [hits, waited]

    def describe(self) -> Sequence[Metric]:
        return []
