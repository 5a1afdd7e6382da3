"""What a community produced, written out: CSV (one file per kind), JSON (one file) and a
short Markdown report a coordinator can hand to a funder. The data comes from
storage/repositories/production.py, with sharing levels already applied."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from dataclasses import asdict, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.core.i18n import Translator
from bot.handlers.export.masking import masked
from bot.text.export_formats import ExportFormat
from bot.text.markdown import escape
from storage.models import ExperimentStatus
from storage.repositories.production import (
    CommunityProduction,
    ExportedExperiment,
    ExportedMeeting,
    ExportedReflection,
    ExportedReply,
    ExportedTool,
    MonthFigures,
)

FORMAT_VERSION = "leeratelier-export/1"
THEMES_SHOWN = 10
LESSONS_SHOWN = 5
REFLECTIONS_SHOWN = 5
TREND_MONTHS = 3


def files(production: CommunityProduction, kind: ExportFormat, t: Translator) -> dict[str, bytes]:
    """File name → content, for one format; every free text masked for outsiders."""
    production = masked(production)
    stem = f"leeratelier-{production.community_id}"
    if kind is ExportFormat.JSON:
        return {f"{stem}.json": to_json(production)}
    if kind is ExportFormat.MARKDOWN:
        return {f"{stem}.md": to_markdown(production, t).encode()}
    return {f"{stem}-{name}.csv": content for name, content in to_csv(production).items()}


# JSON ---------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def to_json(production: CommunityProduction) -> bytes:
    document = {"format": FORMAT_VERSION, **_plain(asdict(production))}
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


# CSV ----------------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any, zone: ZoneInfo | None = None) -> str:
    """One CSV cell; text a spreadsheet would run as a formula is kept as text; times in the
    community's zone."""
    if isinstance(value, list):
        value = "; ".join(str(item) for item in value)
    elif isinstance(value, datetime):
        value = (value.astimezone(zone) if zone else value).isoformat(timespec="minutes")
    elif isinstance(value, date):
        value = value.isoformat()
    elif value is None:
        value = ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _table(rows: list[dict[str, Any]], columns: list[str], zone: ZoneInfo | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[column], zone) for column in columns])
    return buffer.getvalue().encode("utf-8-sig")


def to_csv(production: CommunityProduction) -> dict[str, bytes]:
    kinds: dict[str, list[Any]] = {
        "experiments": production.experiments,
        "reflections": production.reflections,
        "tools": production.tools,
        "meetings": production.meetings,
        "participation": production.participation,
        "replies": production.replies,
    }
    result = {}
    for name, items in kinds.items():
        rows = [asdict(item) for item in items]
        columns = [field.name for field in fields(_ROW_TYPES[name])]
        result[name] = _table(rows, columns, ZoneInfo(production.timezone))
    return result


_ROW_TYPES: dict[str, type[Any]] = {
    "experiments": ExportedExperiment,
    "reflections": ExportedReflection,
    "tools": ExportedTool,
    "meetings": ExportedMeeting,
    "participation": MonthFigures,
    "replies": ExportedReply,
}


# Markdown -----------------------------------------------------------------------------------


def to_markdown(production: CommunityProduction, t: Translator) -> str:
    zone = ZoneInfo(production.timezone)

    def day(value: date | datetime) -> str:
        local = value.astimezone(zone).date() if isinstance(value, datetime) else value
        return format_date(local, "long", locale=t.language)

    title = production.title or t.plain("report.untitled")
    lines = [f"# {escape(t.plain('report.title', community=title))}", ""]
    period = production.period()
    generated = day(production.generated_at)
    today = production.generated_at.astimezone(zone).date()
    if period is not None:
        period = (min(period[0], today), min(period[1], today))  # planned meetings end nothing
    if period is not None:
        lines.append(
            escape(
                t.plain("report.period", start=day(period[0]), end=day(period[1]), today=generated)
            )
        )
    else:
        lines.append(escape(t.plain("report.period_empty", today=generated)))
    lines += ["", f"## {escape(t.plain('report.counts_title'))}", ""]
    done = sum(1 for e in production.experiments if e.status == ExperimentStatus.DONE.value)
    past = [m for m in production.meetings if m.starts_at <= production.generated_at]
    coming = sum(m.coming for m in past)
    counts = [
        t.plain("report.count_experiments", count=len(production.experiments), done=done),
        t.plain("report.count_reflections", count=len(production.reflections)),
        t.plain(
            "report.count_tools",
            count=len(production.tools),
            proposed=sum(1 for tool in production.tools if tool.proposed_here),
        ),
        t.plain("report.count_meetings", count=len(past), coming=coming),
        t.plain("report.count_givers", count=production.givers),
    ]
    lines += [f"- {escape(line)}" for line in counts]
    lines += _themes(production, t) + _new_tools(production, t, period)
    lines += _lessons(production, t) + _reflections(production, t, day)
    lines += _meetings(production, t, day) + _participation(production, t)
    lines += ["", f"_{escape(t.plain('report.footer'))}_", ""]
    return "\n".join(lines)


def _section(t: Translator, key: str) -> list[str]:
    return ["", f"## {escape(t.plain(key))}", ""]


def _themes(production: CommunityProduction, t: Translator) -> list[str]:
    lines = _section(t, "report.themes_title")
    tags = Counter(tag for e in production.experiments for tag in e.tags)
    if not tags:
        return [*lines, escape(t.plain("report.nothing"))]
    ranked = sorted(tags.items(), key=lambda item: (-item[1], item[0]))[:THEMES_SHOWN]
    return lines + [f"- {escape(tag)} ({count})" for tag, count in ranked]


def _new_tools(
    production: CommunityProduction, t: Translator, period: tuple[date, date] | None
) -> list[str]:
    """Tools the community added to the catalogue in the period (the starter set is none)."""
    lines = _section(t, "report.new_tools_title")
    zone = ZoneInfo(production.timezone)
    start = period[0] if period else None
    added = [
        tool
        for tool in production.tools
        if tool.added_at is not None
        and (start is None or tool.added_at.astimezone(zone).date() >= start)
    ]
    if not added:
        return [*lines, escape(t.plain("report.nothing"))]
    return lines + [f"- **{escape(tool.name)}**: {escape(tool.summary)}" for tool in added]


def _lessons(production: CommunityProduction, t: Translator) -> list[str]:
    lines = _section(t, "report.lessons_title")
    learned = [e for e in production.experiments if e.learned.strip()]
    learned.sort(key=lambda e: (e.status != ExperimentStatus.DONE.value, -e.updated_at.timestamp()))
    if not learned:
        return [*lines, escape(t.plain("report.nothing"))]
    for experiment in learned[:LESSONS_SHOWN]:
        author = experiment.author or t.plain("report.anonymous")
        lines.append(f"> {escape(experiment.learned)}")
        lines.append(">")
        source = t.plain("report.lesson_source", what=experiment.what, author=author)
        lines.append(f"> — {escape(source)}")
        lines.append("")
    return lines[:-1]


def _reflections(production: CommunityProduction, t: Translator, day: Any) -> list[str]:
    """The latest reflections the group may read (already masked for outsiders)."""
    lines = _section(t, "report.reflections_title")
    latest = sorted(production.reflections, key=lambda r: r.created_at, reverse=True)
    if not latest:
        return [*lines, escape(t.plain("report.nothing"))]
    for reflection in latest[:REFLECTIONS_SHOWN]:
        author = reflection.author or t.plain("report.anonymous")
        lines.append(f"> {escape(reflection.text)}")
        lines.append(">")
        source = t.plain("report.reflection_source", author=author, day=day(reflection.created_at))
        lines.append(f"> — {escape(source)}")
        lines.append("")
    return lines[:-1]


def _meetings(production: CommunityProduction, t: Translator, day: Any) -> list[str]:
    """Past meetings with their attendance; planned ones have none yet."""
    lines = _section(t, "report.meetings_title")
    past = [m for m in production.meetings if m.starts_at <= production.generated_at]
    if not past:
        return [*lines, escape(t.plain("report.nothing"))]
    header = [t.plain(f"report.meetings_{column}") for column in ("date", "name", "coming")]
    lines += ["| " + " | ".join(escape(h) for h in header) + " |", "| --- | --- | ---: |"]
    for meeting in past:
        cells = [day(meeting.starts_at), meeting.title, str(meeting.coming)]
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    return lines


def _participation(production: CommunityProduction, t: Translator) -> list[str]:
    lines = _section(t, "report.participation_title")
    if not production.participation:
        return [*lines, escape(t.plain("report.nothing"))]
    header = [t.plain(f"report.participation_{column}") for column in ("month", "givers", "takers")]
    lines += ["| " + " | ".join(escape(h) for h in header) + " |", "| --- | ---: | ---: |"]
    for figures in production.participation:
        month = format_date(figures.month, "MMMM y", locale=t.language)
        cells = [month, str(figures.givers), str(figures.takers)]
        lines.append("| " + " | ".join(escape(cell) for cell in cells) + " |")
    lines += ["", escape(t.plain(f"report.trend_{_trend(production)}"))]
    return lines


def _trend(production: CommunityProduction) -> str:
    """Givers in the last months against the months before: up, level or down."""
    givers = [figures.givers for figures in production.participation]
    recent, before = givers[-TREND_MONTHS:], givers[-2 * TREND_MONTHS : -TREND_MONTHS]
    if not before:
        return "short"
    change = sum(recent) / len(recent) - sum(before) / len(before)
    return "up" if change > 0.5 else "down" if change < -0.5 else "level"
