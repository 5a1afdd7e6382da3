"""The operations settings refuse what would misbehave, with a message that says what to do."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.ops.processes import COMMAND, base_env


@pytest.mark.parametrize(
    ("settings", "explained"),
    [
        ({"DISCORD_SHARD_IDS": "0"}, "DISCORD_SHARD_IDS: needs DISCORD_SHARD_COUNT"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "1,2"}, "outside 0..1"),
        ({"DISCORD_SHARD_COUNT": "2", "DISCORD_SHARD_IDS": "een"}, "numbers separated by commas"),
        ({"HEALTH_LISTEN": "0.0.0.0"}, "set METRICS_TOKEN, or listen on 127.0.0.1"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
    ],
)
def test_settings_that_would_misbehave_are_refused_at_start(
    tmp_path: Path, settings: dict[str, str], explained: str
) -> None:
    env = base_env(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}", **settings)
    result = subprocess.run(
        [COMMAND, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert explained in result.stderr
    assert "Traceback" not in result.stderr


def test_health_may_listen_beyond_loopback_with_a_token(tmp_path: Path) -> None:
    env = base_env(
        f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        HEALTH_LISTEN="0.0.0.0",
        METRICS_TOKEN="a-long-random-token",
        LOG_FORMAT="JSON",
    )
    result = subprocess.run(
        [COMMAND, "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "a-long-random-token" not in result.stdout + result.stderr
