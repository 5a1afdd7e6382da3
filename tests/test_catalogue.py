"""The catalogue file (import, export, validation) and the searchable catalogue built from the
database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from search.tool_catalogue import ToolCatalogue
from storage import catalogue, migrate
from storage.catalogue import (
    KEY_ORDER,
    SCHEMA,
    STARTER_CATALOGUE,
    CatalogueError,
    ImportReport,
)
from storage.db import Database
from storage.models import Tool, ToolStatus
from storage.repositories import Repositories
from storage.repositories.tools import Proposal, ToolRepository, slug

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
QUERIES = Path(__file__).parent / "data" / "tool_queries.yaml"


def _starter_data() -> list[dict[str, Any]]:
    data = yaml.safe_load(STARTER_CATALOGUE.read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _entry(tool_id: str, **changes: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": tool_id,
        "name": f"Tool {tool_id}",
        "aliases": [],
        "summary_nl": f"Samenvatting van {tool_id}.",
        "when_to_use_nl": "",
        "steps_nl": ["Eerste stap."],
        "level": ["uitvoering"],
        "effort": "1 uur",
        "tags": ["proef"],
        "source_name": "",
        "source_url": "",
    }
    entry.update(changes)
    return entry


async def _import(database: Database, data: object, now: datetime = NOW) -> ImportReport:
    entries = catalogue.validate(data)
    async with database.session() as session:
        return await catalogue.import_entries(ToolRepository(session), entries, now)


async def _export(database: Database) -> list[dict[str, Any]]:
    async with database.session() as session:
        entries = await catalogue.export_entries(ToolRepository(session))
    data = yaml.safe_load(catalogue.dump(entries))
    assert isinstance(data, list)
    return data


async def _count(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(Tool)) or 0)


def _problems(data: object) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        catalogue.validate(data)
    return [str(problem) for problem in caught.value.problems]


# --------------------------------------------------------------------------------------------
# Import and export


async def test_import_creates_then_reports_everything_unchanged(database: Database) -> None:
    assert await _import(database, _starter_data()) == ImportReport(40, 0, 0)
    assert await _import(database, _starter_data()) == ImportReport(0, 0, 40)
    assert await _count(database) == 40


async def test_reimport_updates_by_id_and_never_duplicates(database: Database) -> None:
    await _import(database, _starter_data())
    edited = _starter_data()
    edited[1]["summary_nl"] = "Een nieuwe samenvatting."
    edited[2]["tags"] = [*edited[2]["tags"], "nieuw"]
    edited.append(_entry("buurtbarometer"))
    assert await _import(database, edited, NOW + timedelta(days=1)) == ImportReport(1, 2, 38)
    assert await _count(database) == 41
    async with database.session() as session:
        tool = await ToolRepository(session).get(edited[1]["id"])
        assert tool is not None
        assert tool.summary_nl == "Een nieuwe samenvatting."
        assert tool.created_at == NOW and tool.updated_at == NOW + timedelta(days=1)
    assert await _export(database) == edited


async def test_export_round_trips_the_starter_catalogue_exactly(database: Database) -> None:
    async with database.session() as session:
        entries = catalogue.load(STARTER_CATALOGUE)
        await catalogue.import_entries(ToolRepository(session), entries, NOW)
    exported = await _export(database)
    assert exported == _starter_data()
    assert all(list(entry) == [spec.key for spec in SCHEMA] for entry in exported)


async def test_the_file_order_is_kept_and_tools_it_does_not_mention_follow(
    database: Database,
) -> None:
    await _import(database, [_entry("c"), _entry("a"), _entry("b")])
    assert [e["id"] for e in await _export(database)] == ["c", "a", "b"]
    assert await _import(database, [_entry("d"), _entry("b")]) == ImportReport(1, 0, 1)
    assert [e["id"] for e in await _export(database)] == ["d", "b", "c", "a"]


async def test_english_fields_are_optional_and_round_trip(database: Database) -> None:
    english = _entry(
        "toc",
        name_en="Theory of Change",
        summary_en="A theory of change makes explicit...",
        steps_en=["Agree on the long-term goal."],
    )
    await _import(database, [english, _entry("plain")])
    exported = await _export(database)
    assert exported == [english, _entry("plain")]
    assert list(exported[0]) == [
        "id",
        "name",
        "name_en",
        "aliases",
        "summary_nl",
        "summary_en",
        "when_to_use_nl",
        "steps_nl",
        "steps_en",
        "level",
        "effort",
        "tags",
        "source_name",
        "source_url",
    ]
    assert [k for k in KEY_ORDER if k.endswith("_en")] == [
        "name_en",
        "summary_en",
        "when_to_use_en",
        "steps_en",
    ]


async def test_approved_proposals_are_exported_and_reimport_unchanged(
    database: Database,
) -> None:
    await _import(database, [_entry("a")])
    async with database.session() as session:
        repos = Repositories.bind(session)
        member, _ = await repos.members.resolve("test", "anna", "Anna", NOW)
        tools = repos.tools
        kept = await tools.propose(
            Proposal("Buurt Barometer!", "Een vragenlijst."),
            proposer_member_id=member.id,
            community_id=None,
            now=NOW,
        )
        await tools.propose(
            Proposal("Nog niet", "Wacht."), proposer_member_id=member.id, community_id=None, now=NOW
        )
        assert await tools.decide(kept.id, ToolStatus.APPROVED, NOW)
    exported = await _export(database)
    assert [e["id"] for e in exported] == ["a", "buurt-barometer"]
    assert exported[1]["source_url"] == "" and exported[1]["aliases"] == []
    assert await _import(database, exported) == ImportReport(0, 0, 2)


async def test_import_approves_a_pending_proposal_with_the_same_id(database: Database) -> None:
    async with database.session() as session:
        repos = Repositories.bind(session)
        member, _ = await repos.members.resolve("test", "anna", "Anna", NOW)
        await repos.tools.propose(
            Proposal("ZRM", "Matrix."), proposer_member_id=member.id, community_id=None, now=NOW
        )
    assert await _import(database, [_entry("zrm")]) == ImportReport(0, 1, 0)
    async with database.session() as session:
        tool = await ToolRepository(session).get("zrm")
        assert tool is not None and tool.status is ToolStatus.APPROVED
        assert tool.proposer_member_id is not None


# --------------------------------------------------------------------------------------------
# Validation: a file is rejected whole, naming entry and field


async def test_a_malformed_file_is_rejected_whole_and_nothing_is_imported(
    database: Database, tmp_path: Path
) -> None:
    data = _starter_data()
    data[2]["steps_nl"] = "Eén lange tekst in plaats van stappen."
    path = tmp_path / "kapot.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        catalogue.load(path)
    [problem] = caught.value.problems
    assert (problem.entry, problem.tool_id, problem.field) == (3, "effectenarena", "steps_nl")
    assert "expected a list of texts" in problem.message
    assert await _count(database) == 0


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": 3}, "entry 2 (id 'b'), field 'name': expected text, got a number (3)"),
        ({"name": "  "}, "entry 2 (id 'b'), field 'name': may not be empty"),
        ({"tags": ["ok", ""]}, "entry 2 (id 'b'), field 'tags': item 2 is empty"),
        ({"tags": None}, "entry 2 (id 'b'), field 'tags': expected a list of texts, got nothing"),
        ({"sumary_nl": "x"}, "entry 2 (id 'b'), field 'sumary_nl': unknown field; did you mean"),
        ({"source_url": "www.x"}, "entry 2 (id 'b'), field 'source_url': expected a web address"),
        ({"id": "b c"}, "entry 2 (id 'b c'), field 'id': use letters, digits"),
        ({"id": "a"}, "entry 2 (id 'a'), field 'id': the same id as entry 1"),
        ({"summary_en": None}, "entry 2 (id 'b'), field 'summary_en': expected text, got nothing"),
    ],
)
def test_problems_name_the_entry_and_the_field(change: dict[str, Any], expected: str) -> None:
    problems = _problems([_entry("a"), _entry("b", **change)])
    assert len(problems) == 1
    assert problems[0].startswith(expected), problems


def test_a_missing_field_is_named() -> None:
    entry = _entry("a")
    del entry["level"]
    assert _problems([entry]) == ["entry 1 (id 'a'), field 'level': missing (write [] for none)"]


def test_every_problem_is_reported_at_once() -> None:
    assert len(_problems([_entry("a", name=1), "no tool", _entry("c", tags="x")])) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("id: a\nname: b\n", "the file must hold a list of tools"),
        ("- id: a\n  name: [unclosed\n", "not valid YAML at line 3"),
        ("", "the file must hold a list of tools"),
    ],
)
def test_a_file_that_is_no_catalogue_at_all(text: str, expected: str) -> None:
    with pytest.raises(CatalogueError) as caught:
        catalogue.parse(text)
    assert expected in str(caught.value)


def test_an_empty_list_is_an_empty_catalogue() -> None:
    assert catalogue.parse("[]") == []


def test_entries_keep_the_schema_order_when_written() -> None:
    [entry] = catalogue.validate([_entry("a", name="A")])
    assert list(entry.as_dict()) == [spec.key for spec in SCHEMA]
    assert entry.as_dict()["steps_nl"] == ["Eerste stap."]


def test_slugs_for_proposed_tools() -> None:
    assert slug("Outcome Harvesting (oogsten)") == "outcome-harvesting-oogsten"
    assert slug("Cliëntervaring à la carte") == "clientervaring-a-la-carte"
    assert slug("🎉 <b>") == "b"
    assert slug("🎉") == "tool"
    assert len(slug("x" * 200)) <= 48


# --------------------------------------------------------------------------------------------
# The searchable catalogue


async def test_first_start_imports_the_starter_catalogue_once(database: Database) -> None:
    tools = ToolCatalogue()
    report = await tools.start(database, NOW)
    assert report == ImportReport(40, 0, 0)
    assert len(tools) == 40
    assert tools.search("ToC", 1)[0].id == "veranderingstheorie"
    assert await ToolCatalogue().start(database, NOW) is None
    assert await _count(database) == 40


async def test_processes_starting_together_import_the_starter_catalogue_once(
    database: Database,
) -> None:
    first, second = ToolCatalogue(), ToolCatalogue()
    reports = await asyncio.gather(first.start(database, NOW), second.start(database, NOW))
    assert sorted(r is None for r in reports) == [False, True]
    assert len(first) == len(second) == 40
    assert await _count(database) == 40


async def test_no_starter_import_into_a_catalogue_that_has_tools(database: Database) -> None:
    await _import(database, [_entry("eigen")])
    tools = ToolCatalogue()
    assert await tools.start(database, NOW) is None
    assert [t.tag for t in tools.themes()] == ["proef"]
    assert len(tools) == 1


async def test_themes_count_the_approved_tools_per_tag(database: Database) -> None:
    await _import(
        database,
        [_entry("a", tags=["b", "a"]), _entry("b", tags=["a", "a"]), _entry("c", tags=[])],
    )
    tools = ToolCatalogue(starter=None)
    await tools.start(database, NOW)
    assert [(t.tag, t.count) for t in tools.themes()] == [("a", 2), ("b", 1)]


async def test_an_import_elsewhere_is_picked_up_after_the_recheck(database: Database) -> None:
    clock = [0.0]
    tools = ToolCatalogue(recheck=30, monotonic=lambda: clock[0])
    await tools.start(database, NOW)
    await _import(database, [*_starter_data(), _entry("buurtbarometer", name="Buurtbarometer")])
    async with database.session() as session:
        await tools.ensure(ToolRepository(session), NOW)
    assert tools.search("buurtbarometer", 1) == []
    clock[0] = 31
    async with database.session() as session:
        await tools.ensure(ToolRepository(session), NOW)
    assert tools.search("buurtbarometer", 1)[0].id == "buurtbarometer"


async def test_search_results_are_the_same_on_sqlite_and_postgresql(
    postgres_database: Database, tmp_path: Path
) -> None:
    sqlite = Database(f"sqlite+aiosqlite:///{tmp_path / 'same.db'}")
    try:
        await migrate.upgrade(sqlite)
        results = []
        for database in (sqlite, postgres_database):
            tools = ToolCatalogue()
            await tools.start(database, NOW)
            cases = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
            queries = [str(case["query"]) for case in cases] + ["ToC", "MKBA", "xyzzy"]
            results.append([(q, tools.search(q, 5), tools.suggest(q, 3)) for q in queries])
        assert results[0] == results[1]
    finally:
        await sqlite.dispose()


# --------------------------------------------------------------------------------------------
# Keeping the index current, tool by tool


async def _propose(tools: ToolRepository, name: str, now: datetime) -> Tool:
    return await tools.propose(
        Proposal(name=name, summary="Bewoners lopen samen door hun straat."),
        proposer_member_id=None,  # type: ignore[arg-type]
        community_id=None,
        now=now,
    )


async def _approve_proposal(database: Database, name: str, now: datetime) -> str:
    async with database.session() as session:
        tools = ToolRepository(session)
        tool = await _propose(tools, name, now)
        assert await tools.decide(tool.id, ToolStatus.APPROVED, now)
        return tool.id


async def test_an_approval_is_searchable_at_once_without_rebuilding_the_index(
    database: Database,
) -> None:
    tools = ToolCatalogue()
    await tools.start(database, NOW)
    index = tools.index
    tool_id = await _approve_proposal(database, "Straatgesprek", NOW + timedelta(minutes=1))
    async with database.session() as session:
        await tools.reload(ToolRepository(session))
    assert [match.id for match in tools.search("straatgesprek", 1)] == [tool_id]
    assert tools.index is index
    assert len(tools) == 41


async def test_a_tool_approved_in_this_process_is_searchable_without_reading_the_database(
    database: Database,
) -> None:
    tools = ToolCatalogue()
    await tools.start(database, NOW)
    async with database.session() as session:
        repository = ToolRepository(session)
        tool = await _propose(repository, "Straatgesprek", NOW)
        assert await repository.decide(tool.id, ToolStatus.APPROVED, NOW + timedelta(minutes=1))
    tools.changed([tool])
    assert [match.id for match in tools.search("straatgesprek", 1)] == [tool.id]
    assert len(tools) == 41


async def test_an_approval_that_was_rolled_back_leaves_the_index_at_the_next_check(
    database: Database,
) -> None:
    clock = [0.0]
    tools = ToolCatalogue(monotonic=lambda: clock[0])
    await tools.start(database, NOW)
    with pytest.raises(RuntimeError):
        async with database.session() as session:
            repository = ToolRepository(session)
            tool = await _propose(repository, "Straatgesprek", NOW)
            tool_id = tool.id
            await repository.decide(tool_id, ToolStatus.APPROVED, NOW + timedelta(minutes=1))
            tools.changed([tool])
            assert [match.id for match in tools.search("straatgesprek", 1)] == [tool_id]
            raise RuntimeError("the handler failed after the approval")
    clock[0] = tools.recheck
    async with database.session() as session:
        await tools.ensure(ToolRepository(session), NOW)
    assert tool_id not in [match.id for match in tools.search("straatgesprek", 3)]
    assert len(tools) == 40


async def test_an_approval_at_the_same_moment_as_the_import_is_picked_up(
    database: Database,
) -> None:
    tools = ToolCatalogue()
    await tools.start(database, NOW)
    tool_id = await _approve_proposal(database, "Straatgesprek", NOW)
    async with database.session() as session:
        await tools.reload(ToolRepository(session))
    assert [match.id for match in tools.search("straatgesprek", 1)] == [tool_id]


async def test_a_reimport_that_drops_a_tag_and_renames_a_tool_updates_the_index(
    database: Database,
) -> None:
    await _import(database, [_entry("a", tags=["oud"]), _entry("b", tags=["oud"])])
    tools = ToolCatalogue(starter=None)
    await tools.start(database, NOW)
    renamed = _entry("a", name="Wijkwandeling", tags=["nieuw"])
    await _import(database, [renamed, _entry("b", tags=["oud"])], NOW + timedelta(hours=1))
    async with database.session() as session:
        await tools.reload(ToolRepository(session))
    assert [match.id for match in tools.search("wijkwandeling", 3)] == ["a"]
    assert [match.name for match in tools.search("wijkwandeling", 1)] == ["Wijkwandeling"]
    assert [(t.tag, t.count) for t in tools.themes()] == [("nieuw", 1), ("oud", 1)]


async def test_two_processes_on_one_postgresql_database_see_each_others_approvals(
    postgres_database: Database,
) -> None:
    """The other process finds the tool at its next check, which is due within 5 s."""
    second_database = Database(postgres_database.url)
    clock = [0.0]
    try:
        first, second = ToolCatalogue(), ToolCatalogue(monotonic=lambda: clock[0])
        await first.start(postgres_database, NOW)
        await second.start(second_database, NOW)
        tool_id = await _approve_proposal(postgres_database, "Straatgesprek", NOW)
        async with postgres_database.session() as session:
            await first.reload(ToolRepository(session))
        assert [match.id for match in first.search("straatgesprek", 1)] == [tool_id]
        async with second_database.session() as session:
            await second.ensure(ToolRepository(session), NOW)
        assert tool_id not in [match.id for match in second.search("straatgesprek", 3)]
        assert second.recheck <= 5.0
        clock[0] = second.recheck
        async with second_database.session() as session:
            await second.ensure(ToolRepository(session), NOW)
        assert [match.id for match in second.search("straatgesprek", 1)] == [tool_id]
    finally:
        await second_database.dispose()
