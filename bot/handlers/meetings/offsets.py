"""Reminder offsets as coordinators type them ("7d 1d 2u 15m") and as they are shown."""

from __future__ import annotations

import re
from datetime import timedelta

_OFFSET = re.compile(r"^(\d{1,3})\s*(w|weken|week|d|dag|dagen|u|uur|h|m|min|minuten)$")
_UNITS = {
    "w": timedelta(weeks=1), "week": timedelta(weeks=1), "weken": timedelta(weeks=1),
    "d": timedelta(days=1), "dag": timedelta(days=1), "dagen": timedelta(days=1),
    "u": timedelta(hours=1), "uur": timedelta(hours=1), "h": timedelta(hours=1),
    "m": timedelta(minutes=1), "min": timedelta(minutes=1), "minuten": timedelta(minutes=1),
}  # fmt: skip


def parse_offsets(text: str) -> list[timedelta]:
    """`7d 1d 2u 15m` → durations, longest first; raises ValueError on anything else."""
    offsets = []
    for word in text.casefold().replace(",", " ").split():
        match = _OFFSET.match(word)
        if match is None or int(match.group(1)) == 0:
            raise ValueError(word)
        offsets.append(int(match.group(1)) * _UNITS[match.group(2)])
    if not offsets or len(offsets) > 6:
        raise ValueError(text)
    return sorted(set(offsets), reverse=True)


def offset_label(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60)
    for unit, size in (("d", 1440), ("u", 60), ("m", 1)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
