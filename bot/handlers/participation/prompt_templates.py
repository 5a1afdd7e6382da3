"""The rotating questions passive members get, and how one is chosen for a member.

Each template is a concrete question about making the impact of social work visible,
answerable in one message (catalog key `prompt.tpl.<key>`). Personal templates need
something the member uniquely brings (their tags, experiments, tools, meetings) and are
preferred; the theme questions rotate behind them. The same template never comes twice in a
row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.core.i18n import Value
from storage.repositories.participation import Facts

Values = dict[str, Value]


@dataclass(frozen=True)
class Template:
    key: str
    values: Callable[[Facts], Values | None] | None = None
    """The facts the question names; None when the member lacks them. Absent for the
    theme questions anyone can answer."""

    @property
    def personal(self) -> bool:
        return self.values is not None


def _colleagues(facts: Facts) -> Values | None:
    if facts.colleague_tag is None:
        return None
    return {"tag": facts.colleague_tag, "count": facts.colleague_count}


def _open_experiment(facts: Facts) -> Values | None:
    experiment = facts.open_experiment
    if experiment is None:
        return None
    return {"number": experiment.id, "what": _short(experiment.what)}


def _tool(facts: Facts) -> Values | None:
    return None if facts.looked_up_tool is None else {"tool": facts.looked_up_tool}


def _meeting(facts: Facts) -> Values | None:
    return None if facts.attended_meeting is None else {"title": facts.attended_meeting}


def _own_tag(facts: Facts) -> Values | None:
    return None if facts.own_tag is None else {"tag": facts.own_tag}


def _short(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


PERSONAL = (
    Template("colleagues_searched", _colleagues),
    Template("open_experiment", _open_experiment),
    Template("tool_looked_up", _tool),
    Template("after_meeting", _meeting),
    Template("own_theme", _own_tag),
)

THEMES = tuple(
    Template(key)
    for key in (
        "tried_this_week",
        "number_that_misses",
        "words_of_a_participant",
        "funder_question",
        "small_change",
        "copied_from_colleague",
        "costly_registration",
        "story_over_number",
        "one_thing_to_measure",
        "team_talk",
        "unexpected_effect",
        "tangible_trace",
        "open_question",
        "before_and_after",
        "explain_to_outsider",
        "asking_participants",
        "next_report",
        "next_small_experiment",
    )
)

TEMPLATES = PERSONAL + THEMES
RECENT = 3
"""A personal template is not used again within this many prompts."""


def choose(facts: Facts, history: Sequence[str]) -> tuple[Template, Values]:
    """The template for the next prompt; `history` holds earlier template keys, newest first."""
    last = history[0] if history else None
    recent = set(history[:RECENT])
    for template in PERSONAL:
        if template.values is None:
            raise RuntimeError("a personal prompt template has no values")
        values = template.values(facts)
        if values is not None and template.key not in recent:
            return template, values
    used_at = {key: position for position, key in reversed(list(enumerate(history)))}
    fresh = [t for t in THEMES if t.key != last]
    oldest = max(fresh, key=lambda t: (used_at.get(t.key, len(history) + 1), -THEMES.index(t)))
    return oldest, {}
