"""The readable side of `/mijndata`: a Markdown summary in the member's language, one part per
kind of data named for the member ("Je reflecties"), without internal columns; the JSON file
beside it stays complete."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.core.i18n import Translator
from bot.text.markdown import escape

Row = Mapping[str, Any]
Describe = Callable[[Row, Translator], str]


def _day(value: Any) -> str:
    return str(value or "")[:10]


def _sharing(row: Row, t: Translator) -> str:
    return t.plain(
        "sharing.described",
        audience=t.plain(f"audience.{row.get('audience')}"),
        attribution=t.plain(f"attribution.{row.get('attribution')}"),
    )


def _text(value: Any, limit: int = 200) -> str:
    text = " ".join(str(value or "").split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


DESCRIBE: dict[str, Describe] = {
    "members": lambda r, t: t.plain("mydata.row.member", name=_text(r["display_name"])),
    "identities": lambda r, t: t.plain(
        "mydata.row.identity", platform=r["platform"], name=_text(r["display_name"])
    ),
    "memberships": lambda r, t: t.plain(
        "mydata.row.membership", role=r["role"], since=_day(r["joined_at"])
    ),
    "experiments": lambda r, t: t.plain(
        "mydata.row.experiment",
        number=r["id"],
        what=_text(r["what"]),
        status=t.plain(f"experiment.status.{r['status']}"),
        sharing=_sharing(r, t),
    ),
    "reflections": lambda r, t: t.plain(
        "mydata.row.reflection",
        text=_text(r["text"]),
        day=_day(r["created_at"]),
        sharing=_sharing(r, t),
    ),
    "tools": lambda r, t: t.plain("mydata.row.tool", name=_text(r["name"])),
    "meetings": lambda r, t: t.plain(
        "mydata.row.meeting", title=_text(r["title"]), day=_day(r["starts_at"])
    ),
    "rsvps": lambda r, t: t.plain(
        "mydata.row.rsvp", number=r["meeting_id"], answer=_text(r["answer"])
    ),
    "pledges": lambda r, t: t.plain(
        "mydata.row.pledge", text=_text(r["text"]), day=_day(r["due_on"])
    ),
}


def summary(tables: Mapping[str, Sequence[Row]], order: list[str], t: Translator) -> str:
    """Markdown: a heading per part that holds something, its rows described or counted."""
    lines = [f"# {escape(t.plain('mydata.summary_heading'))}", ""]
    for name in order:
        rows = tables.get(name) or []
        if not rows:
            continue
        lines.append(f"## {escape(t.plain(f'mydata.part.{name}'))}")
        describe = DESCRIBE.get(name)
        if describe is None:
            lines.append(t.plain("mydata.row.count", count=len(rows)))
        else:
            lines.extend(f"- {describe(row, t)}" for row in rows)
        lines.append("")
    return "\n".join(lines)
