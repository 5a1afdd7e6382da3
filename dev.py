#!/usr/bin/env python3
"""Set up and run Leeratelier with nothing but Python 3.11 or newer.

    python3 dev.py run     set up, then start the bot (console + SQLite when no token is set)
    python3 dev.py test    set up, then run the whole test suite
    python3 dev.py lint    set up, then run ruff and mypy

Setting up means: a virtual environment in .venv with the project and its development tools,
refreshed whenever pyproject.toml changes. Extra arguments go to the command that runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-from"
STRICT = ["bot", "scheduler", "search", "storage", "web"]


def set_up() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit("Leeratelier needs Python 3.11 or newer.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if PYTHON.exists() and STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    if not PYTHON.exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing Leeratelier and its tools ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "--editable", f"{ROOT}[dev]"], check=True)
    STAMP.write_text(wanted)


def run(command: list[str]) -> int:
    return subprocess.run(command, cwd=ROOT).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("run", "test", "lint"):
        print(__doc__)
        return 2
    action, extra = sys.argv[1], sys.argv[2:]
    set_up()
    if action == "run":
        return run([str(BIN / "leeratelier"), "run", *extra])
    if action == "test":
        # Three workers: the long tests mostly wait (platform pacing, reminders a minute out).
        return run([str(PYTHON), "-m", "pytest", "-n", "3", *extra])
    return (
        run([str(PYTHON), "-m", "ruff", "check", "."])
        or run([str(PYTHON), "-m", "ruff", "format", "--check", "."])
        or run([str(PYTHON), "-m", "mypy", *STRICT, *extra])
    )


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
