"""The rules of the house that code review alone would not keep, read from the imports.

Every import counts, type-only ones (under `if TYPE_CHECKING:`) and imports inside functions
included: a cycle that only the type checker sees still makes two modules one.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "scheduler", "search", "storage", "web")
PLATFORM_LIBRARIES = {"telegram", "discord"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _project_files() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        if (ROOT / package).is_dir()
        for path in sorted((ROOT / package).rglob("*.py"))
    }


MODULES = _project_files()


def _imports(path: Path) -> Iterator[str]:
    """Every module name an import statement in the file names, absolute or relative."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            submodules = [f"{base}.{alias.name}" for alias in node.names]
            yield from submodules
            # `from package import submodule` depends on the submodule; any other name
            # imported this way is the package's (or module's) own.
            if not all(name in MODULES for name in submodules):
                yield base


def _project_imports(module: str) -> set[str]:
    """The project modules `module` imports (a `from pkg import name` of a submodule counts)."""
    return {name for name in _imports(MODULES[module]) if name in MODULES and name != module}


def _external_roots(module: str) -> set[str]:
    return {name.split(".")[0] for name in _imports(MODULES[module])}


def _in(module: str, *prefixes: str) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _offenders(source: tuple[str, ...], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {
        module: sorted(name for name in _project_imports(module) if _in(name, *forbidden))
        for module in MODULES
        if _in(module, *source)
    }
    return {module: names for module, names in found.items() if names}


def test_the_rules_see_the_whole_house() -> None:
    for module in ("bot.app.hub", "bot.core.pipeline", "bot.adapters.console"):
        assert module in MODULES
    assert _project_imports("bot.app.hub"), "the import reader found nothing"


def test_no_import_cycles_not_even_type_only() -> None:
    graph = {module: _project_imports(module) for module in MODULES}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                cycles.append([*stack[stack.index(target) :], target])
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert cycles == []


def test_only_the_app_imports_the_scheduler() -> None:
    offenders = _offenders(("bot", "search", "storage", "web"), ("scheduler",))
    assert {
        module: names for module, names in offenders.items() if not _in(module, "bot.app")
    } == {}


def test_the_scheduler_imports_no_handler_and_no_adapter() -> None:
    assert _offenders(("scheduler",), ("bot.handlers", "bot.adapters", "bot.app")) == {}


def test_adapters_import_nothing_from_storage_or_handlers() -> None:
    assert _offenders(("bot.adapters",), ("storage", "bot.handlers", "bot.app")) == {}


def test_handlers_import_no_adapter_and_no_wiring() -> None:
    assert _offenders(("bot.handlers",), ("bot.adapters", "bot.app", "web")) == {}


def test_the_core_and_the_model_look_only_down() -> None:
    upward = ("bot.handlers", "bot.adapters", "bot.app", "web", "scheduler")
    assert _offenders(("bot.core", "bot.model", "bot.dialogs", "bot.text"), upward) == {}


def test_the_model_and_the_text_functions_need_no_database() -> None:
    assert _offenders(("bot.model", "bot.text"), ("storage", "bot.core", "bot.dialogs")) == {}


def test_storage_and_search_do_not_depend_on_the_bot() -> None:
    assert _offenders(("storage",), ("bot", "search", "scheduler", "web")) == {}
    assert _offenders(("search",), ("bot", "scheduler", "web")) == {}


def test_web_uses_core_services_and_storage_never_a_chat_adapter() -> None:
    assert _offenders(("web",), ("bot.adapters", "scheduler")) == {}


def test_only_the_adapters_import_a_platform_library() -> None:
    offenders = {
        module: sorted(_external_roots(module) & PLATFORM_LIBRARIES)
        for module in MODULES
        if not _in(module, "bot.adapters") and _external_roots(module) & PLATFORM_LIBRARIES
    }
    assert offenders == {}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_opens_with_a_docstring(module: str) -> None:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring and docstring.strip(), f"{module} has no module docstring"


def test_production_code_states_its_runtime_conditions_as_errors() -> None:
    """`assert` vanishes under `python -O`; a condition that can fail at run time raises."""
    offenders = [
        f"{module}:{node.lineno}"
        for module, path in MODULES.items()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert offenders == []


def test_loading_the_core_loads_no_platform_library() -> None:
    probe = (
        "import sys, bot.core.pipeline, bot.handlers, bot.dialogs.engine, bot.core.context,"
        " scheduler.dispatcher;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('telegram', 'discord')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted((ROOT / "bench").glob("*.py")), ids=lambda p: p.stem)
def test_every_bench_script_still_imports_what_it_measures(path: Path) -> None:
    """The benches print the issues' figures; one that no longer imports silently stops
    measuring (bench/telegram_crowd.py did, after a rename)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:  # imports inside functions are optional comparisons (deduce)
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = __import__(node.module, fromlist=["_"])
            missing = [a.name for a in node.names if a.name != "*" and not hasattr(module, a.name)]
            assert not missing, f"{path.name}: {node.module} has no {missing}"
