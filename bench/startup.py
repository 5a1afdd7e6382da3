"""Start-up time and idle memory of the `leeratelier` command, median of 7 runs each.

    python bench/startup.py [--runs 7]

- `leeratelier --help`: the whole process, start to exit.
- the console's first answer (`leeratelier chat`, `/help` typed): from start until the answer's
  first line is printed, on a fresh database file and on one that exists already.
- idle RSS of `leeratelier run` with Telegram and Discord both configured against the fake
  servers (tests/fakes), once both adapters are up and nothing happens: on a fresh database
  file (migrated at start: Alembic stays loaded) and on one that exists (a restart).

Targets (issue 16): --help <= 0.3 s; first answer <= 1.0 s fresh and <= 0.6 s after;
idle RSS <= 110 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

COMMAND = str(Path(sys.executable).parent / "leeratelier")
TELEGRAM_TOKEN = "4242:startup-bench"
DISCORD_TOKEN = "startup.bench.token"
IDLE_SECONDS = 4.0
SAMPLE_EVERY = 0.5
SETTLED_SAMPLES = 6
SETTLE_LIMIT = 90.0

# The bot process itself: discord.py is pointed at the fake Discord (it has no setting for it).
LAUNCHER = """
import sys, discord, discord.gateway, discord.http, yarl
discord.http.Route.BASE = sys.argv[1]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(sys.argv[2])
sys.argv = ["leeratelier", "run"]
from bot.app.cli import main
main()
"""


def _env(folder: Path, name: str = "bot.db") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{folder / name}"
    return env


def help_seconds(folder: Path) -> float:
    started = time.perf_counter()
    subprocess.run([COMMAND, "--help"], capture_output=True, check=True, env=_env(folder))
    return time.perf_counter() - started


def first_answer_seconds(folder: Path, name: str) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [COMMAND, "chat", "--as", "Anna"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=_env(folder, name),
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("/help\n")
    process.stdin.flush()
    for line in process.stdout:
        if line.strip() and not line.startswith(">"):
            break
    elapsed = time.perf_counter() - started
    process.stdin.close()
    process.wait(timeout=60)
    return elapsed


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def idle_rss(folder: Path, name: str) -> float:
    from tests.fakes.discord_api import FakeDiscordServer
    from tests.fakes.telegram_api import FakeTelegramServer

    async with (
        FakeTelegramServer(token=TELEGRAM_TOKEN) as telegram,
        FakeDiscordServer(token=DISCORD_TOKEN, application_id=900, bot_user_id=900) as discord,
    ):
        env = _env(folder, name)
        env.update(
            TELEGRAM_TOKEN=TELEGRAM_TOKEN,
            TELEGRAM_BASE_URL=telegram.base_url,
            DISCORD_TOKEN=DISCORD_TOKEN,
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            LAUNCHER,
            discord.api_base,
            discord.gateway_url,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            return await settled_rss(process)
        finally:
            process.terminate()
            await process.wait()


async def settled_rss(process: asyncio.subprocess.Process) -> float:
    """RSS once the process has stopped growing: both adapters connect, then nothing
    happens (on a busy machine start-up takes longer than `IDLE_SECONDS`)."""
    await asyncio.sleep(IDLE_SECONDS)
    samples: list[float] = []
    for _ in range(int(SETTLE_LIMIT / SAMPLE_EVERY)):
        if process.returncode is not None:
            raise RuntimeError("leeratelier run stopped early")
        samples.append(rss_mb(process.pid))
        if (
            len(samples) > SETTLED_SAMPLES
            and max(samples[-SETTLED_SAMPLES:]) - min(samples[-SETTLED_SAMPLES:]) < 0.5
        ):
            return samples[-1]
        await asyncio.sleep(SAMPLE_EVERY)
    return samples[-1]


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        helps = [help_seconds(folder) for _ in range(args.runs)]
        print(f"leeratelier --help:          {median(helps):6.2f} s   (target <= 0.3 s)")
        fresh = [first_answer_seconds(folder, f"fresh-{run}.db") for run in range(args.runs)]
        print(f"console first answer, fresh: {median(fresh):6.2f} s   (target <= 1.0 s)")
        again = [first_answer_seconds(folder, "fresh-0.db") for _ in range(args.runs)]
        print(f"console first answer, after: {median(again):6.2f} s   (target <= 0.6 s)")
        idle = [asyncio.run(idle_rss(folder, f"idle-{run}.db")) for run in range(args.runs)]
        print(f"idle RSS, fresh database:    {median(idle):6.1f} MB  (target <= 110 MB)")
        idle = [asyncio.run(idle_rss(folder, "idle-0.db")) for _ in range(args.runs)]
        print(f"idle RSS, existing database: {median(idle):6.1f} MB  (target <= 110 MB)")


if __name__ == "__main__":
    main()
