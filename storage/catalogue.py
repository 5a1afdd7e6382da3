"""The catalogue file: YAML with exactly the schema of storage/data/tools_catalogue.yaml.

A file is a list of entries; each entry holds every field of `SCHEMA`, in that order, and may
add the English fields of `ENGLISH` (each written after its Dutch counterpart). A file is
checked whole before anything is stored: any problem rejects all of it, naming the entry and
the field. Import is idempotent by `id` (a known tool is updated, never duplicated); export
writes the approved tools in catalogue order, so an import followed by an export gives the
same data back.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from storage.models import Tool, ToolStatus
from storage.repositories.tools import ID_LENGTH, ToolRepository

STARTER_CATALOGUE = Path(__file__).parent / "data" / "tools_catalogue.yaml"


class Kind(Enum):
    TEXT = "text"
    TEXTS = "texts"


@dataclass(frozen=True)
class FieldSpec:
    key: str
    kind: Kind
    filled: bool = False
    """The value may not be empty."""
    max_length: int | None = None


SCHEMA: tuple[FieldSpec, ...] = (
    FieldSpec("id", Kind.TEXT, filled=True, max_length=ID_LENGTH),
    FieldSpec("name", Kind.TEXT, filled=True, max_length=255),
    FieldSpec("aliases", Kind.TEXTS),
    FieldSpec("summary_nl", Kind.TEXT, filled=True),
    FieldSpec("when_to_use_nl", Kind.TEXT),
    FieldSpec("steps_nl", Kind.TEXTS),
    FieldSpec("level", Kind.TEXTS),
    FieldSpec("effort", Kind.TEXT, max_length=255),
    FieldSpec("tags", Kind.TEXTS),
    FieldSpec("source_name", Kind.TEXT, max_length=255),
    FieldSpec("source_url", Kind.TEXT, max_length=2000),
)
"""Every entry has these fields, in this order."""

ENGLISH: tuple[FieldSpec, ...] = (
    FieldSpec("name_en", Kind.TEXT, filled=True, max_length=255),
    FieldSpec("summary_en", Kind.TEXT, filled=True),
    FieldSpec("when_to_use_en", Kind.TEXT),
    FieldSpec("steps_en", Kind.TEXTS),
)
"""Optional; where present, written right after their Dutch counterpart."""

_ENGLISH_AFTER = {
    "name": "name_en",
    "summary_nl": "summary_en",
    "when_to_use_nl": "when_to_use_en",
    "steps_nl": "steps_en",
}
KEY_ORDER: tuple[str, ...] = tuple(
    key for spec in SCHEMA for key in (spec.key, _ENGLISH_AFTER.get(spec.key)) if key is not None
)
_SPECS = {spec.key: spec for spec in (*SCHEMA, *ENGLISH)}
_WRITE_NONE = {Kind.TEXT: " (write '' for none)", Kind.TEXTS: " (write [] for none)"}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_URL = re.compile(r"^https?://[^\s/]+\S*$")


@dataclass(frozen=True)
class CatalogueEntry:
    """One tool as the catalogue file describes it."""

    id: str
    name: str
    aliases: tuple[str, ...]
    summary_nl: str
    when_to_use_nl: str
    steps_nl: tuple[str, ...]
    level: tuple[str, ...]
    effort: str
    tags: tuple[str, ...]
    source_name: str
    source_url: str
    name_en: str | None = None
    summary_en: str | None = None
    when_to_use_en: str | None = None
    steps_en: tuple[str, ...] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The entry as written to a file: schema order, English fields only where present."""
        data: dict[str, Any] = {}
        for key in KEY_ORDER:
            value = getattr(self, key)
            if value is None:
                continue
            data[key] = list(value) if isinstance(value, tuple) else value
        return data


@dataclass(frozen=True)
class Problem:
    entry: int | None
    """1-based position in the file; None for a problem with the file as a whole."""
    tool_id: str | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where: list[str] = []
        if self.entry is not None:
            named = f" (id {self.tool_id!r})" if self.tool_id else ""
            where.append(f"entry {self.entry}{named}")
        if self.field is not None:
            where.append(f"field {self.field!r}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class CatalogueError(ValueError):
    """The file was rejected whole; `problems` says where and why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class ImportReport:
    created: int
    updated: int
    unchanged: int
    changed: tuple[Tool, ...] = field(default=(), compare=False, repr=False)
    """The tools created or updated (for a search index to take in)."""

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


# --------------------------------------------------------------------------------------------
# Reading and writing files


def load(path: Path) -> list[CatalogueEntry]:
    """Read and check a catalogue file; raises CatalogueError naming every problem found."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogueError([Problem(None, None, None, f"cannot read {path}: {error}")]) from None
    return parse(text)


def parse(text: str) -> list[CatalogueEntry]:
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as error:
        raise CatalogueError([Problem(None, None, None, _yaml_problem(error))]) from None
    return validate(data)


def validate(data: object) -> list[CatalogueEntry]:
    """Entries from already parsed YAML data, checked whole."""
    if not isinstance(data, list):
        message = "the file must hold a list of tools (each starting with `- id: ...`)"
        raise CatalogueError([Problem(None, None, None, message)])
    problems: list[Problem] = []
    entries: list[CatalogueEntry] = []
    first_seen: dict[str, int] = {}
    for number, raw in enumerate(data, start=1):
        entry = _entry(number, raw, problems)
        if entry is None:
            continue
        if entry.id in first_seen:
            message = f"the same id as entry {first_seen[entry.id]}"
            problems.append(Problem(number, entry.id, "id", message))
        else:
            first_seen[entry.id] = number
        entries.append(entry)
    if problems:
        raise CatalogueError(problems)
    return entries


def dump(entries: Iterable[CatalogueEntry]) -> str:
    body = yaml.dump(
        [entry.as_dict() for entry in entries],
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=120,
    )
    return _HEADER + body


def save(path: Path, entries: Iterable[CatalogueEntry]) -> None:
    path.write_text(dump(entries), encoding="utf-8")


_HEADER = (
    "# Leeratelier tool catalogue (`leeratelier tools export`).\n"
    "# Edit and load again with `leeratelier tools import FILE`: tools are matched by id.\n"
)

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Dumper(yaml.SafeDumper):
    """Indents lists under their key, as the starter catalogue is written."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"not valid YAML at line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return f"not valid YAML: {error}"


def _entry(number: int, raw: object, problems: list[Problem]) -> CatalogueEntry | None:
    if not isinstance(raw, Mapping):
        problems.append(Problem(number, None, None, "expected a tool (`id: ...`, `name: ...`)"))
        return None
    raw_id = raw.get("id")
    tool_id = raw_id if isinstance(raw_id, str) and raw_id.strip() else None
    found = len(problems)

    def problem(key: str | None, message: str) -> None:
        problems.append(Problem(number, tool_id, key, message))

    for key in raw:
        if key not in _SPECS:
            close = difflib.get_close_matches(str(key), list(_SPECS), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problem(str(key), f"unknown field{hint}")
    values: dict[str, object] = {}
    for spec in SCHEMA:
        if spec.key not in raw:
            problem(spec.key, "missing" + ("" if spec.filled else _WRITE_NONE[spec.kind]))
            continue
        values[spec.key] = _value(spec, raw[spec.key], problem)
    for spec in ENGLISH:
        if spec.key in raw:
            values[spec.key] = _value(spec, raw[spec.key], problem)
    if tool_id is not None and not _ID.match(tool_id):
        problem("id", "use letters, digits, '-', '_' or '.', starting with a letter or digit")
    url = values.get("source_url")
    if isinstance(url, str) and url and not _URL.match(url):
        problem("source_url", "expected a web address starting with https:// or http://")
    if len(problems) > found:
        return None
    return CatalogueEntry(**values)  # type: ignore[arg-type]


def _value(spec: FieldSpec, value: object, problem: Any) -> object:
    if spec.kind is Kind.TEXT:
        if not isinstance(value, str):
            problem(spec.key, f"expected text, got {_describe(value)}")
            return None
        if spec.filled and not value.strip():
            problem(spec.key, "may not be empty")
        if spec.max_length is not None and len(value) > spec.max_length:
            problem(spec.key, f"{len(value)} characters, at most {spec.max_length}")
        return value
    if not isinstance(value, list):
        problem(spec.key, f"expected a list of texts, got {_describe(value)}")
        return None
    for position, item in enumerate(value, start=1):
        if not isinstance(item, str):
            problem(spec.key, f"item {position}: expected text, got {_describe(item)}")
        elif not item.strip():
            problem(spec.key, f"item {position} is empty")
    return tuple(value)


def _describe(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, str):
        return "text"
    if isinstance(value, bool):
        return "a yes/no value"
    if isinstance(value, int | float):
        return f"a number ({value}); put it in quotes"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"{type(value).__name__} {value!r}; put it in quotes"


# --------------------------------------------------------------------------------------------
# The database side


def entry_of(tool: Tool) -> CatalogueEntry:
    return CatalogueEntry(
        id=tool.id,
        name=tool.name,
        aliases=tuple(tool.aliases),
        summary_nl=tool.summary_nl,
        when_to_use_nl=tool.when_to_use_nl,
        steps_nl=tuple(tool.steps_nl),
        level=tuple(tool.level),
        effort=tool.effort,
        tags=tuple(tool.tags),
        source_name=tool.source_name,
        source_url=tool.source_url,
        name_en=tool.name_en,
        summary_en=tool.summary_en,
        when_to_use_en=tool.when_to_use_en,
        steps_en=None if tool.steps_en is None else tuple(tool.steps_en),
    )


def _apply(entry: CatalogueEntry, tool: Tool) -> None:
    for spec in fields(CatalogueEntry):
        value = getattr(entry, spec.name)
        setattr(tool, spec.name, list(value) if isinstance(value, tuple) else value)


async def import_entries(
    tools: ToolRepository, entries: Sequence[CatalogueEntry], now: datetime
) -> ImportReport:
    """Store checked entries as approved tools; idempotent by id.

    The file's order becomes the catalogue's order, and tools the file does not mention
    follow; a change of place alone does not count as an update.
    """
    existing = await tools.all_by_id()
    created = updated = unchanged = 0
    changed: list[Tool] = []
    for position, entry in enumerate(entries):
        tool = existing.get(entry.id)
        if tool is None:
            tool = Tool(
                status=ToolStatus.APPROVED,
                position=position,
                created_at=now,
                updated_at=now,
                decided_at=now,
            )
            _apply(entry, tool)
            tools.add(tool)
            changed.append(tool)
            created += 1
        elif entry_of(tool) == entry and tool.status is ToolStatus.APPROVED:
            unchanged += 1
        else:
            _apply(entry, tool)
            if tool.status is not ToolStatus.APPROVED:
                tool.status = ToolStatus.APPROVED
                tool.decided_at = now
            tool.updated_at = now
            changed.append(tool)
            updated += 1
        if tool.position != position:
            tool.position = position
    _follow(existing, {entry.id for entry in entries}, len(entries))
    return ImportReport(created, updated, unchanged, tuple(changed))


def _follow(existing: Mapping[str, Tool], imported: set[str], start: int) -> None:
    """Tools the file does not mention keep their order, after the file's tools."""
    others = sorted(
        (tool for tool in existing.values() if tool.id not in imported),
        key=lambda tool: (tool.position, tool.id),
    )
    for position, tool in enumerate(others, start=start):
        if tool.position != position:
            tool.position = position


async def export_entries(tools: ToolRepository) -> list[CatalogueEntry]:
    """The approved tools, in catalogue order."""
    return [entry_of(tool) for tool in await tools.approved()]
