"""The rules of the house that code review alone would not keep."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram", "discord"}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_core_never_imports_a_platform_library() -> None:
    core_files = [
        path
        for path in (ROOT / "bot").rglob("*.py")
        if "adapters" not in path.relative_to(ROOT / "bot").parts
    ]
    core_files += list((ROOT / "scheduler").rglob("*.py")) + list((ROOT / "storage").rglob("*.py"))
    assert core_files
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imported_roots(path) & PLATFORM_LIBRARIES)
        for path in core_files
        if _imported_roots(path) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


def test_loading_the_core_loads_no_platform_library() -> None:
    probe = (
        "import sys, bot.core.pipeline, bot.handlers, bot.dialogs.engine, bot.core.context,"
        " scheduler.housekeeping;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'discord')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_storage_does_not_depend_on_the_bot() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "storage").rglob("*.py")
        if "bot" in _imported_roots(path)
    ]
    assert offenders == []
