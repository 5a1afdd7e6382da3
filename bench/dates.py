"""How many typed date phrases the parser reads right: the tuning half and the test half of
bench/date_phrases.py (`.venv/bin/python bench/dates.py`). A phrase is right when the moment
(or the need to ask) and the title left over are as expected (the title is not checked when
the bot must ask and none is given)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.date_phrases import ASK, NOW, TEST, TUNING, ZONE, Phrase
from bot.text.dates import Moment, parse_moment


def reading(typed: str, now: datetime = NOW) -> tuple[str, str]:
    """What the parser makes of a phrase: ("YYYY-MM-DD HH:MM" or "?", the title left over)."""
    result, rest = parse_moment(typed, now, ZONE)
    if isinstance(result, Moment):
        return result.start.astimezone(ZONE).strftime("%Y-%m-%d %H:%M"), rest
    return ASK, rest


def wrong(phrases: tuple[Phrase, ...]) -> list[tuple[Phrase, tuple[str, str]]]:
    found = []
    for phrase in phrases:
        typed, expected, title = phrase
        got = reading(typed)
        checks_title = expected != ASK or bool(title)
        if got[0] != expected or (checks_title and got[1] != title):
            found.append((phrase, got))
    return found


def main() -> int:
    for name, phrases in (("tuning", TUNING), ("test", TEST)):
        misses = wrong(phrases)
        right = len(phrases) - len(misses)
        print(f"{name}: {right}/{len(phrases)} right ({100 * right / len(phrases):.1f}%)")
        for (typed, expected, title), got in misses:
            print(f"  {typed!r}: expected {expected} {title!r}, got {got[0]} {got[1]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
