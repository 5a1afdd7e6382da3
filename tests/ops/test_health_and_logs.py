"""Health, readiness and metrics of a running `leeratelier run`, and its JSON logs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

with warnings.catch_warnings():  # starlette 1.x asks for httpx2; httpx is what PTB uses
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from bot.app.health import (
    AdapterConnected,
    DatabaseReachable,
    SchedulerSwept,
    health_app,
    health_routes,
)
from bot.app.metrics import Metrics
from storage.db import Database
from tests.fakes.telegram_api import FakeTelegramServer
from tests.ops.processes import BotProcess, base_env, metric

GROUP = -1001234567890
ANNA = 301
TOKEN = "metrics-token-abc123"


async def test_a_running_bot_reports_health_metrics_and_json_logs(tmp_path: Path) -> None:
    async with FakeTelegramServer(enforce_rate_limits=False) as server:
        server.add_user(ANNA, "Anna", language_code="nl")
        server.add_group(GROUP, "Atelier", members=[ANNA])
        env = base_env(
            f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            TELEGRAM_TOKEN=server.token,
            TELEGRAM_BASE_URL=server.base_url,
            LOG_FORMAT="json",
            LOG_LEVEL="DEBUG",
            METRICS_TOKEN=TOKEN,
        )
        bot = BotProcess(env, tmp_path, token=TOKEN)
        try:
            await bot.start()
            assert (await bot.get("/healthz"))[0] == 200
            ready = await bot.ready()
            assert ready["ready"] is True
            assert {c["name"]: c["ready"] for c in ready["checks"]} == {
                "database": True,
                "telegram": True,
                "scheduler": True,
            }
            assert (await bot.get("/metrics"))[0] == 401
            assert (await bot.get("/readyz"))[0] == 401
            assert (await bot.get("/metrics", {"Authorization": "Bearer wrong"}))[0] == 401

            server.push_message(GROUP, ANNA, "/hulp")
            await server.wait_for_sent(lambda r: "/reflectie" in (r.text or ""), timeout=30)
            server.push_message(GROUP, ANNA, "/hulp")
            server.push_message(GROUP, ANNA, "/xyzzymijnwoorden")
            server.push_message(GROUP, ANNA, "/reflectie Een geheime gedachte QQ-PRIVATE")
            await server.wait_for_sent(lambda r: "reflectie is bewaard" in (r.text or ""), 30)

            status, page = await bot.get("/metrics", bot.auth)
            assert status == 200
            updates = "leeratelier_updates_total"
            assert metric(page, updates, platform="telegram", kind="command", command="hulp") == 2
            assert (
                metric(page, updates, platform="telegram", kind="command", command="unknown") == 1
            )
            assert "xyzzy" not in page
            assert metric(page, "leeratelier_reply_seconds_count", platform="telegram") >= 4
            assert metric(page, "leeratelier_dialogs_open") == 0
            assert 'leeratelier_outbox_sends{state="pending"}' in page
            assert metric(page, "leeratelier_outbox_oldest_due_pending_seconds") == 0
            assert metric(page, "leeratelier_rate_limited_total", platform="telegram") == 0
            assert metric(page, "leeratelier_database_errors_total") == 0
            assert 0 <= metric(page, "leeratelier_scheduler_last_sweep_age_seconds") < 60
            assert metric(page, "process_resident_memory_bytes") > 0
        finally:
            assert await bot.stop() == 0

    lines = [line for line in bot.stderr.splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert records
    for record in records:
        assert {
            "time",
            "level",
            "logger",
            "message",
            "platform",
            "community_id",
            "update_id",
        } <= set(record)
    handled = [r for r in records if r["message"].startswith("handled a telegram command")]
    assert len(handled) == 4
    assert all(r["platform"] == "telegram" and r["update_id"] for r in handled)
    assert all(isinstance(r["community_id"], int) for r in handled)
    assert len({r["update_id"] for r in handled}) == 4
    assert server.token not in bot.stderr and TOKEN not in bot.stderr
    assert "QQ-PRIVATE" not in bot.stderr and "geheime" not in bot.stderr


class _Adapter:
    platform = "discord"

    def __init__(self, connected: bool) -> None:
        self.connected = connected


async def test_readiness_names_what_is_not_ready_and_only_this_machine_may_look(
    tmp_path: Path,
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    metrics = Metrics()
    ages: list[float | None] = [None]

    async def refresh() -> None:
        return None

    routes = health_routes(
        checks=[
            DatabaseReachable(database),
            AdapterConnected(_Adapter(connected=False)),
            SchedulerSwept(lambda: ages[-1], SchedulerSwept.__dataclass_fields__["margin"].default),
        ],
        metrics=metrics,
        refresh=refresh,
        token=None,
    )
    try:
        with TestClient(health_app(routes), client=("127.0.0.1", 50000)) as local:
            answer = local.get("/readyz")
            assert answer.status_code == 503
            checks = {c["name"]: c for c in answer.json()["checks"]}
            assert checks["database"]["ready"] is True
            assert checks["discord"] == {
                "name": "discord",
                "ready": False,
                "detail": "not connected",
            }
            assert checks["scheduler"]["detail"] == "no sweep yet"
            ages.append(10.0)
            assert local.get("/readyz").json()["checks"][2]["ready"] is True
            ages.append(3600.0)
            assert "3600 s ago" in local.get("/readyz").json()["checks"][2]["detail"]
            assert local.get("/metrics").status_code == 200
            proxied = local.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
            assert proxied.status_code == 403
        with TestClient(health_app(routes), client=("203.0.113.9", 50000)) as outside:
            assert outside.get("/healthz").status_code == 200
            assert outside.get("/metrics").status_code == 403
            assert outside.get("/readyz").status_code == 403
    finally:
        await database.dispose()
