"""The `leeratelier` command as an operator and a member in a terminal use it."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrate import head_revision

COMMAND = str(Path(sys.executable).parent / "leeratelier")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return env


def test_chat_reads_commands_from_a_pipe_and_exits_at_the_end(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "chat"],
        input="/help\n/taal en\n/help\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    dutch = result.stdout.index("Wat je kunt doen")
    switched = result.stdout.index("From now on I'll speak English with you.")
    english = result.stdout.index("What you can do")
    assert dutch < switched < english
    assert "Traceback" not in result.stdout + result.stderr


def test_run_without_tokens_opens_the_console(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "run"],
        input="/start\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "leeratelier" in result.stdout


def test_a_web_port_that_is_taken_is_one_clear_sentence(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [COMMAND, "run"],
            input="/start\n",
            capture_output=True,
            text=True,
            env={**_env(tmp_path), "WEB_PORT": str(port)},
            cwd=tmp_path,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port} for the online platform" in result.stderr
    assert "WEB_PORT" in result.stderr and "Traceback" not in result.stderr


def test_console_choices_are_numbered_and_coordinator_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "chat", "--as", "Coco", "--coordinator"],
        input="/help\n/taal\n2\n/help\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Voor coördinatoren" in result.stdout
    assert "[1] Nederlands  [2] English" in result.stdout
    assert "What you can do" in result.stdout


def test_members_and_their_language_persist_between_runs(tmp_path: Path) -> None:
    env = _env(tmp_path)
    subprocess.run(
        [COMMAND, "chat", "--as", "Anna"],
        input="/taal en\n",
        env=env,
        cwd=tmp_path,
        text=True,
        capture_output=True,
        check=True,
        timeout=60,
    )
    again = subprocess.run(
        [COMMAND, "chat", "--as", "Anna"],
        input="/help\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "What you can do" in again.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "db", "upgrade"],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    url = _env(tmp_path)["DATABASE_URL"]
    assert head_revision(url) in result.stdout
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        tables = {row[0] for row in connection.execute("select name from sqlite_master")}
    assert {
        "communities",
        "members",
        "identities",
        "memberships",
        "dialog_states",
        "activities",
        "message_counts",
    } <= tables


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signals_shut_down_cleanly(tmp_path: Path, signum: int) -> None:
    process = subprocess.Popen(
        [COMMAND, "run"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("goedemorgen\n/help\n")
    process.stdin.flush()
    seen = ""
    while "Wat je kunt doen" not in seen:
        line = process.stdout.readline()
        assert line, "the bot ended before it answered"
        seen += line
    process.send_signal(signum)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Traceback" not in err
    with sqlite3.connect(tmp_path / "bot.db") as connection:
        identities = connection.execute("select platform, display_name from identities").fetchall()
    assert len(identities) == 1 and identities[0][0] == "console"


def test_one_person_plays_the_whole_community_with_als(tmp_path: Path) -> None:
    result = subprocess.run(
        [COMMAND, "chat", "--as", "Coco", "--coordinator"],
        input="/bijeenkomst morgen 19:30 Intervisie\n/als Anna\n/agenda\n1\n"
        "/bijeenkomst morgen 20:00 X\n/als Coco\n/herinner lijst\n/als Bob lid\n/stats\n",
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "you now play: Anna" in out and "Genoteerd voor ‘Intervisie’: Ik kom" in out
    assert out.count("alleen voor coördinatoren") == 2  # Anna plans, Bob asks for /stats
    assert "you now play: Coco · coördinator" in out and "geen herinneringen" in out
    ics = tmp_path / "leeratelier-bestanden"
    [written] = list(ics.glob("*.ics"))
    assert f"📎 {written.resolve()}" in out
