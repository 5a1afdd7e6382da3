"""/healthz, /readyz and /metrics as Starlette routes, and a server of their own for when the
web platform is off. Off the public internet: without METRICS_TOKEN only requests from this
machine that came through no proxy are served; with it, only requests that carry it.

The readiness inputs are small typed checks the hub hands in (see `bot.app.hub.health_checks`):
the database answers, each configured adapter is connected, the scheduler swept lately.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.adapters.base import RateLimitStats
from bot.app.config import is_loopback
from bot.app.metrics import CONTENT_TYPE, Metrics
from storage.db import Database

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 5.0
FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


@dataclass(frozen=True)
class Readiness:
    name: str
    ready: bool
    detail: str


class ReadinessCheck(Protocol):
    @property
    def name(self) -> str: ...

    async def check(self) -> Readiness: ...


@runtime_checkable
class Connectable(Protocol):
    platform: str

    @property
    def connected(self) -> bool: ...


@runtime_checkable
class RateLimited(Protocol):
    platform: str

    @property
    def rate_limits(self) -> RateLimitStats: ...


@dataclass
class DatabaseReachable:
    database: Database
    name: str = "database"

    async def check(self) -> Readiness:
        try:
            async with self.database.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            return Readiness(self.name, False, f"unreachable: {type(error).__name__}")
        return Readiness(self.name, True, self.database.dialect)


@dataclass
class AdapterConnected:
    adapter: Connectable

    @property
    def name(self) -> str:
        return self.adapter.platform

    async def check(self) -> Readiness:
        if self.adapter.connected:
            return Readiness(self.name, True, "connected")
        return Readiness(self.name, False, "not connected")


@dataclass
class SchedulerSwept:
    """Ready while the last sweep over due sends is at most two intervals (plus a margin for
    a burst being delivered) old."""

    last_sweep_age: Callable[[], float | None]
    interval: timedelta
    margin: timedelta = timedelta(seconds=30)
    name: str = "scheduler"

    @property
    def allowed(self) -> float:
        return (2 * self.interval + self.margin).total_seconds()

    async def check(self) -> Readiness:
        age = self.last_sweep_age()
        if age is None:
            return Readiness(self.name, False, "no sweep yet")
        detail = f"last sweep {age:.0f} s ago (interval {self.interval.total_seconds():.0f} s)"
        return Readiness(self.name, age <= self.allowed, detail)


async def _run_check(check: ReadinessCheck) -> Readiness:
    try:
        return await asyncio.wait_for(check.check(), CHECK_TIMEOUT)
    except TimeoutError:
        return Readiness(check.name, False, f"no answer within {CHECK_TIMEOUT:.0f} s")
    except Exception as error:
        log.exception("readiness check %s failed", check.name)
        return Readiness(check.name, False, f"check failed: {type(error).__name__}")


@dataclass
class AccessGuard:
    token: str | None

    def allows(self, request: Request) -> bool:
        if self.token is not None:
            scheme, _, given = request.headers.get("authorization", "").partition(" ")
            return scheme.lower() == "bearer" and hmac.compare_digest(
                given.strip().encode(), self.token.encode()
            )
        client = request.client.host if request.client else ""
        proxied = any(header in request.headers for header in FORWARDING_HEADERS)
        return is_loopback(client) and not proxied

    def refusal(self) -> Response:
        if self.token is not None:
            return PlainTextResponse(
                "a bearer token is required\n",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return PlainTextResponse("only from this machine\n", status_code=403)


def health_routes(
    *,
    checks: Sequence[ReadinessCheck],
    metrics: Metrics,
    refresh: Callable[[], Awaitable[None]],
    token: str | None,
) -> list[Route]:
    """The three routes; the web platform mounts them, or `health_app` serves them alone.

    `refresh` brings the metrics read from the database up to date before each scrape.
    """
    guard = AccessGuard(token)

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "alive"})

    async def readyz(request: Request) -> Response:
        if not guard.allows(request):
            return guard.refusal()
        results = await asyncio.gather(*(_run_check(check) for check in checks))
        ready = all(result.ready for result in results)
        body = {
            "ready": ready,
            "checks": [{"name": r.name, "ready": r.ready, "detail": r.detail} for r in results],
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    async def metrics_page(request: Request) -> Response:
        if not guard.allows(request):
            return guard.refusal()
        try:
            await refresh()
        except Exception:
            log.exception("could not read the database figures for /metrics")
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    return [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_page, methods=["GET"]),
    ]


def health_app(routes: Sequence[Route]) -> Starlette:
    return Starlette(routes=list(routes))
