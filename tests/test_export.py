"""What a community produced, exported for outsiders: `leeratelier export` and `/export`,
with every sharing level honoured and every user string escaped."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from bot.app.cli import app
from bot.handlers.export.report import to_csv
from storage.repositories.production import CommunityProduction, ExportedReflection
from tests.harness import Harness
from tests.support.member_data import community_id_of

TRICKY = "Foto's *vet* _schuin_ [link](http://x) <b>&</b> | # 1. =SUM(A1)"


async def _produce(harness: Harness) -> None:
    """Group 1: experiments and reflections at every level, a tool proposal, a meeting;
    group 2: things that must never show up in group 1's export."""
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    coco = harness.member("Coco", coordinator=True)
    await anna.says_privately("/start")  # the sharing choice is asked privately
    await bert.says_privately("/start")
    for what, learned, level in (
        (TRICKY, "Het gesprek telt " + TRICKY, "groep"),
        ("Anoniem verhaal met photovoice", "Zonder naam geleerd", "anoniem"),
        ("Geheim voor coördinatoren", "Alleen voor de coördinatoren", "coordinatoren"),
    ):
        done = await anna.says(f"/experiment {what}")
        for answer in ("-", "-", "-", learned, "#jongeren #beeld", "afgerond", level):
            done = await anna.says_privately(answer)
        link = next((b for b in done.buttons if b.label.startswith("Koppel tool")), None)
        if link is not None:
            await anna.press(link, private=True)
    await bert.says("/experiment #1")
    await bert.presses("Reageer of bedank")
    await bert.says_privately("Mooi gedaan, dank je")
    await coco.says("/experiment #3")
    await coco.presses("Reageer of bedank")
    await coco.says("Geheime reactie van Coco")
    await bert.says("/reflectie Open reflectie van Bert")
    await bert.says("/reflectie Verborgen reflectie van Bert")
    await bert.presses("alleen coördinatoren, met naam", private=True)
    await bert.says("/nieuwetool Buurtbarometer")
    for answer in ("Een barometer voor de buurt", "-", "-"):
        await bert.says_privately(answer)
    await coco.says("/voorstellen")
    await coco.presses("Goedkeuren")
    await bert.says("/nieuwetool Nog niet beslist")
    for answer in ("Wacht op een coördinator", "-", "-"):
        await bert.says_privately(answer)
    await coco.says("/bijeenkomst 10 maart 19:30 Atelieravond | Buurthuis")
    meeting = await coco.says("/agenda")
    await anna.press(meeting.button("#1 Ik kom"))
    await bert.press(meeting.button("#1 Ik kom"))
    other = harness.member("Olga", chat="group-2")
    await other.says("/experiment Van een andere groep")
    for answer in ("-", "-", "-", "Andere les", "-", "-"):
        await other.says(answer)
    await harness.member("Oscar", chat="group-2", coordinator=True).says(
        "/bijeenkomst 11 maart 19:30 Andere avond"
    )


def _export(database_url: str, tmp_path: Path, community: int, kind: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(
        app,
        ["export", "--community", str(community), "--format", kind, "--out", str(tmp_path)],
        env={"DATABASE_URL": database_url, "LOG_LEVEL": "WARNING"},
    )
    return result.exit_code, result.stdout, result.stderr


@dataclass(frozen=True)
class Produced:
    harness: Harness
    group: int


@pytest.fixture
async def produced(harness: Harness) -> Produced:
    await _produce(harness)
    return Produced(harness, await community_id_of(harness, "group-1"))


def test_json_holds_what_outsiders_may_see(
    produced: Produced, database_url: str, tmp_path: Path
) -> None:
    group = produced.group
    code, out, err = _export(database_url, tmp_path, group, "json")
    assert code == 0, err
    data = json.loads((tmp_path / f"leeratelier-{group}.json").read_text())
    assert f"leeratelier-{group}.json" in out
    experiments = {e["what"]: e for e in data["experiments"]}
    assert set(experiments) == {TRICKY, "Anoniem verhaal met photovoice"}
    assert experiments[TRICKY]["author"] == "Anna"
    assert experiments["Anoniem verhaal met photovoice"]["author"] is None
    assert [(r["text"], r["author"]) for r in data["reflections"]] == [
        ("Open reflectie van Bert", "Bert")
    ]
    tools = {t["name"]: t for t in data["tools"]}
    assert tools["Buurtbarometer"]["proposed_here"] is True
    assert "Nog niet beslist" not in tools
    assert all(t["used_in"] >= 1 or t["proposed_here"] for t in tools.values())
    assert [(r["text"], r["author"], r["experiment_id"]) for r in data["replies"]] == [
        ("Mooi gedaan, dank je", "Bert", experiments[TRICKY]["id"])
    ]
    [meeting] = data["meetings"]
    assert (meeting["title"], meeting["coming"]) == ("Atelieravond", 2)
    [month] = data["participation"]
    assert (month["givers"], month["takers"]) == (3, 3)  # replying is giving, reading taking
    dumped = json.dumps(data)
    for hidden in ("Geheim", "Verborgen", "Olga", "andere groep", "Andere avond", "Coco"):
        assert hidden not in dumped


def test_csv_is_one_file_per_kind_and_safe_in_a_spreadsheet(
    produced: Produced, database_url: str, tmp_path: Path
) -> None:
    group = produced.group
    code, _out, err = _export(database_url, tmp_path / "out", group, "csv")
    assert code == 0, err
    tmp_path = tmp_path / "out"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        f"leeratelier-{group}-{kind}.csv"
        for kind in sorted(
            ("experiments", "meetings", "participation", "reflections", "replies", "tools")
        )
    ]
    rows = list(csv.DictReader(io.StringIO((tmp_path / names[0]).read_text(encoding="utf-8-sig"))))
    assert {row["what"] for row in rows} == {TRICKY, "Anoniem verhaal met photovoice"}
    assert {row["author"] for row in rows} == {"Anna", ""}
    assert all(row["tags"] == "jongeren; beeld" for row in rows)
    assert "Geheim" not in (tmp_path / names[0]).read_text(encoding="utf-8-sig")


def test_csv_cells_that_look_like_formulas_stay_text() -> None:
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    attack = '=HYPERLINK("http://evil")'
    production = CommunityProduction(
        community_id=7,
        title="t",
        language="nl",
        timezone="Europe/Amsterdam",
        generated_at=moment,
        experiments=[],
        reflections=[
            ExportedReflection(1, attack, "groep", "met_naam", "-Anna", None, None, moment)
        ],
        tools=[],
        meetings=[],
        participation=[],
        givers=0,
    )
    content = to_csv(production)["reflections"].decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(content)))
    assert row["text"] == "'" + attack and row["author"] == "'-Anna"


def test_the_markdown_report_for_a_funder(
    produced: Produced, database_url: str, tmp_path: Path
) -> None:
    group = produced.group
    code, _out, err = _export(database_url, tmp_path, group, "md")
    assert code == 0, err
    report = (tmp_path / f"leeratelier-{group}.md").read_text()
    assert report.startswith("# Wat group\\-1 maakte\n")
    assert "Periode: 2 maart 2026 tot en met 10 maart 2026" in report
    assert "- Praktijkexperimenten: 2, waarvan 2 afgerond" in report
    assert "- Reflecties: 1" in report
    assert "- jongeren (2)" in report and "- beeld (2)" in report
    assert "> Zonder naam geleerd" in report and "anoniem" in report
    assert "| 10 maart 2026 | Atelieravond | 2 |" in report
    assert "| maart 2026 | 3 | 3 |" in report
    assert TRICKY not in report
    assert "Foto's \\*vet\\* \\_schuin\\_ \\[link\\]\\(http://x\\) \\<b\\>\\&\\</b\\> \\|" in report
    for hidden in ("Geheim", "Alleen voor de coördinatoren", "Verborgen", "Andere les"):
        assert hidden not in report


def test_an_unknown_community_is_a_clear_error(
    produced: Produced, database_url: str, tmp_path: Path
) -> None:
    code, _out, err = _export(database_url, tmp_path / "out", 999, "json")
    assert code == 1
    assert "No community with id 999." in err and "group-1 (test)" in err
    assert not (tmp_path / "out").exists()
    runner = CliRunner()
    wrong = runner.invoke(
        app,
        ["export", "--community", "1", "--format", "pdf", "--out", str(tmp_path)],
        env={"DATABASE_URL": database_url},
    )
    assert wrong.exit_code == 2


def test_communities_lists_the_ids_export_takes(produced: Produced, database_url: str) -> None:
    result = CliRunner().invoke(app, ["communities"], env={"DATABASE_URL": database_url})
    assert result.exit_code == 0
    assert "\ttest\tgroup-1" in result.stdout and "\ttest\tgroup-2" in result.stdout


async def test_coordinators_get_the_report_and_data_privately(produced: Produced) -> None:
    denied = await produced.harness.member("Anna").says("/export")
    assert "alleen voor coördinatoren" in denied.text and not denied[0].attachment
    replies = await produced.harness.member("Coco", coordinator=True).says("/export")
    files = {r.attachment.filename: r.attachment for r in replies if r.attachment}
    assert all(reply.private for reply in replies)
    group = produced.group
    report = files[f"leeratelier-{group}.md"].content.decode()
    data = json.loads(files[f"leeratelier-{group}.json"].content)
    assert "Geheim" not in report
    # Made on 2 March: the period ends today, the meeting of 10 March has no attendance yet.
    assert "tot en met 2 maart 2026" in report and "Atelieravond" not in report
    assert "## Reflecties uit de groep" in report and "Open reflectie van Bert" in report
    assert "Verborgen reflectie" not in report
    assert len(data["experiments"]) == 2


async def test_what_leaves_the_community_is_masked_even_when_confirmed(harness: Harness) -> None:
    anna = harness.member("Anna")
    warning = await anna.says(
        "/reflectie Gesprek met cliënt 111222333 en mevrouw Jansen over NL91ABNA0417164300"
    )
    assert "burgerservicenummer" in warning.text.casefold() or "bsn" in warning.text.casefold()
    await anna.presses("Geen cliëntgegevens, bewaar")
    await anna.says_privately("/start")
    await anna.says("/reflectie Anoniem: de buurt kwam samen")
    await anna.presses("de groep, anoniem", private=True)
    replies = await harness.member("Coco", coordinator=True).says("/export")
    files = {r.attachment.filename: r.attachment.content.decode() for r in replies if r.attachment}
    assert len(files) == 2
    for content in files.values():
        for secret in ("111222333", "Jansen", "NL91ABNA0417164300", "0417164300"):
            assert secret not in content
    data = json.loads(next(c for name, c in files.items() if name.endswith(".json")))
    texts = {r["text"]: r["author"] for r in data["reflections"]}
    assert any(text.startswith("Gesprek met cliënt •••••••••") for text in texts)
    assert texts["Anoniem: de buurt kwam samen"] is None
    assert any("mevrouw J•••••" in text and author == "Anna" for text, author in texts.items())


def test_csv_times_are_in_the_communitys_zone() -> None:
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    production = CommunityProduction(
        community_id=7,
        title="t",
        language="nl",
        timezone="Europe/Amsterdam",
        generated_at=moment,
        experiments=[],
        reflections=[ExportedReflection(1, "x", "groep", "met_naam", "Anna", None, None, moment)],
        tools=[],
        meetings=[],
        participation=[],
        givers=0,
    )
    table = to_csv(production)["reflections"].decode("utf-8-sig")
    assert "2026-03-02T10:00+01:00" in table and "09:00" not in table


async def test_the_funder_report_reads_as_a_report_when_rendered(produced: Produced) -> None:
    """Rendered as Markdown, the report shows every text as typed (no escapes), a period that
    ends today, attendance of past meetings only, the tools added here, and the reflections
    the group may read."""
    coco = produced.harness.member("Coco", coordinator=True)
    replies = await coco.says("/export")
    [report] = [
        r.attachment.content.decode()
        for r in replies
        if r.attachment is not None and r.attachment.filename.endswith(".md")
    ]
    html = MarkdownIt("commonmark").enable("table").render(report)
    text = unescape(re.sub(r"<[^>]+>", "", html))
    assert "\\" not in text, text
    assert TRICKY in text
    assert "tot en met 2 maart 2026" in text  # today: the meeting on 10 March is still planned
    assert "Atelieravond" not in text and "Bijeenkomsten: 0" in text
    sections = dict(
        (unescape(title), body)
        for title, body in re.findall(r"<h2>(.*?)</h2>(.*?)(?=<h2>|$)", html, flags=re.S)
    )
    added = unescape(re.sub(r"<[^>]+>", "", sections["Nieuw in de toolbox"]))
    assert "Buurtbarometer" in added and "Een barometer voor de buurt" in added
    assert "Photovoice" not in added and "Nog niet beslist" not in added
    quoted = sections["Reflecties uit de groep"]
    assert "<blockquote>" in quoted and "Open reflectie van Bert" in quoted
    assert "Verborgen" not in text
