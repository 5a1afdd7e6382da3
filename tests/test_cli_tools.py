"""`leeratelier tools import|export|search` as an operator uses them, and /tool in the console."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from storage.catalogue import SCHEMA, STARTER_CATALOGUE

COMMAND = str(Path(sys.executable).parent / "leeratelier")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    env["DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"
    return env


def _run(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=120,
    )


def _starter() -> list[dict[str, Any]]:
    data = yaml.safe_load(STARTER_CATALOGUE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _write(path: Path, data: object) -> Path:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_import_is_idempotent_and_reports_what_it_did(tmp_path: Path) -> None:
    first = _run(tmp_path, "tools", "import", str(STARTER_CATALOGUE))
    assert first.returncode == 0, first.stderr
    assert "40 created, 0 updated, 0 unchanged" in first.stdout
    data = _starter()
    data[0]["effort"] = "een middag"
    again = _run(tmp_path, "tools", "import", str(_write(tmp_path / "edited.yaml", data)))
    assert again.returncode == 0, again.stderr
    assert "0 created, 1 updated, 39 unchanged" in again.stdout
    assert "Traceback" not in first.stderr + again.stderr


def test_a_malformed_file_is_rejected_whole(tmp_path: Path) -> None:
    assert _run(tmp_path, "tools", "import", str(STARTER_CATALOGUE)).returncode == 0
    data = _starter()
    data[0]["summary_nl"] = "Gewijzigd, maar dit mag niet landen."
    data[5]["level"] = "beleid"
    result = _run(tmp_path, "tools", "import", str(_write(tmp_path / "bad.yaml", data)))
    assert result.returncode == 1
    assert "rejected, nothing was imported" in result.stderr
    assert f"entry 6 (id '{data[5]['id']}'), field 'level': expected a list" in result.stderr
    assert "Traceback" not in result.stderr
    exported = _run(tmp_path, "tools", "export", "-")
    assert yaml.safe_load(exported.stdout) == _starter()


def test_export_round_trips_exactly_in_schema_order(tmp_path: Path) -> None:
    assert _run(tmp_path, "tools", "import", str(STARTER_CATALOGUE)).returncode == 0
    result = _run(tmp_path, "tools", "export", "catalogus.yaml")
    assert result.returncode == 0, result.stderr
    assert "40 tools exported" in result.stdout
    exported = yaml.safe_load((tmp_path / "catalogus.yaml").read_text(encoding="utf-8"))
    assert exported == _starter()
    assert all(list(entry) == [spec.key for spec in SCHEMA] for entry in exported)
    again = _run(tmp_path, "tools", "import", "catalogus.yaml")
    assert "0 created, 0 updated, 40 unchanged" in again.stdout


def test_search_prints_the_best_tools(tmp_path: Path) -> None:
    result = _run(tmp_path, "tools", "search", "theory", "of", "change")
    assert result.returncode == 0, result.stderr
    assert "imported the starter catalogue (40 tools)" in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "theory of change:"
    assert lines[1].startswith("  1. Veranderingstheorie (Theory of Change) (veranderingstheorie)")
    assert len(lines) == 4


def test_search_json_gives_one_array_per_query(tmp_path: Path) -> None:
    result = _run(tmp_path, "tools", "search", "ToC", "--json", "--limit", "2")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    hits = json.loads(line)
    assert len(hits) == 2
    assert list(hits[0]) == ["id", "name", "score"]
    assert hits[0]["id"] == "veranderingstheorie"
    assert hits[0]["name"] == "Veranderingstheorie (Theory of Change)"
    assert hits[0]["score"] >= hits[1]["score"] > 0


def test_search_reads_queries_from_standard_input(tmp_path: Path) -> None:
    queries = "MKBA\n\nxyzzy\noutcom harvestng\n"
    result = _run(tmp_path, "tools", "search", "-", "--json", stdin=queries)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 4
    assert lines[0][0]["id"] == "mkba" and len(lines[0]) <= 3
    assert lines[1] == [] and lines[2] == []
    assert lines[3][0]["id"] == "outcome-harvesting"


def test_an_import_into_an_empty_database_replaces_the_starter_set(tmp_path: Path) -> None:
    own = _write(tmp_path / "eigen.yaml", _starter()[:2])
    assert "2 created" in _run(tmp_path, "tools", "import", str(own)).stdout
    exported = yaml.safe_load(_run(tmp_path, "tools", "export", "-").stdout)
    assert [entry["id"] for entry in exported] == [entry["id"] for entry in _starter()[:2]]


def test_tool_lookup_in_the_console(tmp_path: Path) -> None:
    result = _run(tmp_path, "chat", stdin="/tool ToC\n1\n")
    assert result.returncode == 0, result.stderr
    assert "Dit vond ik voor ToC" in result.stdout
    assert "[1] Veranderingstheorie (Theory of Change)" in result.stdout
    assert "Formuleer samen met stakeholders" in result.stdout
    assert "https://degrotebeweging.nl/verandertheorie/" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
