"""Real `leeratelier` processes for the operations tests: start, wait until ready, stop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

COMMAND = str(Path(sys.executable).parent / "leeratelier")
LAUNCHER = str(Path(__file__).parent / "discord_launcher.py")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_TOKEN") and not k.startswith(("TELEGRAM_", "DISCORD_", "HEALTH_"))
    }
    env.update({"DATABASE_URL": database_url, "LOG_LEVEL": "INFO"})
    env.update(extra)
    return env


@dataclass
class BotProcess:
    """`leeratelier run` (or the Discord launcher) with its own health port."""

    env: dict[str, str]
    cwd: Path
    health_port: int = field(default_factory=free_port)
    argv: tuple[str, ...] = (COMMAND, "run")
    token: str | None = None
    process: asyncio.subprocess.Process | None = None
    stderr: str = ""

    async def start(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        # The web platform serves /readyz and /metrics when it runs (the default); with
        # WEB_ENABLED=false the health port does. Either way they answer on this port.
        port = str(self.health_port)
        env = {**self.env, "HEALTH_PORT": port, "WEB_PORT": port}
        self.process = await asyncio.create_subprocess_exec(
            *self.argv,
            env=env,
            cwd=self.cwd,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        self._reader = asyncio.create_task(self._read_stderr())
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.process.returncode is not None:
                await self._reader
                raise RuntimeError(f"the bot stopped on start: {self.stderr}")
            with contextlib.suppress(aiohttp.ClientError, OSError):
                status, _ = await self.get("/readyz", self.auth)
                if status == 200:
                    return
            await asyncio.sleep(0.2)
        raise TimeoutError(f"the bot did not become ready: {self.stderr}")

    async def _read_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        async for line in self.process.stderr:
            self.stderr += line.decode("utf-8", "replace")

    async def get(self, path: str, headers: Mapping[str, str] | None = None) -> tuple[int, str]:
        url = f"http://127.0.0.1:{self.health_port}{path}"
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
            return r.status, await r.text()

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def ready(self) -> dict[str, Any]:
        _status, body = await self.get("/readyz", self.auth)
        return dict(json.loads(body))

    async def stop(self) -> int:
        if self.process is None:
            return 0
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = await asyncio.wait_for(self.process.wait(), 60)
        except TimeoutError:
            self.process.kill()
            code = await self.process.wait()
        await self._reader
        return code


def metric(exposition: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 when absent)."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0
