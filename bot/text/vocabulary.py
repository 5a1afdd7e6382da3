"""The words both chat parsers know: weekdays, months, numbers and day parts, Dutch and English."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal

Part = Literal["morning", "afternoon", "evening"]  # a day part: "'s avonds", "vanmiddag"


def name_table(rows: Iterable[str], start: int) -> dict[str, int]:
    """{"maandag": 0, "ma": 0, ...} from rows of space-separated names, numbered from `start`."""
    return {name: index for index, row in enumerate(rows, start) for name in row.split()}


WEEKDAYS = name_table(
    (
        "maandag maan ma monday mon",
        "dinsdag dins di tuesday tues tue",
        "woensdag woens woe wo wednesday wed",
        "donderdag don do thursday thurs thur thu",
        "vrijdag vrij vr friday fri",
        "zaterdag zat za saturday sat",
        "zondag zon zo sunday sun",
    ),
    start=0,
)
FULL_WEEKDAYS: dict[str, int] = {
    name: index for name, index in WEEKDAYS.items() if name.endswith(("dag", "day"))
}

MONTHS = name_table(
    (
        "januari january jan",
        "februari february febr feb",
        "maart march mrt mar maa",
        "april apr",
        "mei may",
        "juni june jun",
        "juli july jul",
        "augustus august aug",
        "september sept sep",
        "oktober october okt oct",
        "november nov",
        "december dec",
    ),
    start=1,
)

NUMBER_WORDS: dict[str, int] = {
    "een": 1, "één": 1, "eén": 1, "one": 1, "a": 1, "an": 1,
    "twee": 2, "two": 2, "drie": 3, "three": 3, "vier": 4, "four": 4,
    "vijf": 5, "five": 5, "zes": 6, "six": 6, "zeven": 7, "seven": 7,
    "acht": 8, "eight": 8, "negen": 9, "nine": 9, "tien": 10, "ten": 10,
    "elf": 11, "eleven": 11, "twaalf": 12, "twelve": 12,
    "vijftien": 15, "fifteen": 15, "twintig": 20, "twenty": 20,
    "dertig": 30, "thirty": 30, "veertig": 40, "forty": 40,
    "vijftig": 50, "fifty": 50,
}  # fmt: skip

HOUR_WORDS = {word: n for word, n in NUMBER_WORDS.items() if n <= 12 and len(word) > 2}

PART_WORDS: dict[str, Part] = {
    "ochtend": "morning", "ochtends": "morning", "morgen": "morning", "morgens": "morning",
    "vroeg": "morning", "morning": "morning",
    "middag": "afternoon", "middags": "afternoon", "afternoon": "afternoon",
    "avond": "evening", "avonds": "evening", "evening": "evening", "night": "evening",
}  # fmt: skip

# Relative day words: (days from today, implied day part).
RELATIVE_DAYS: dict[str, tuple[int, Part | None]] = {
    "vandaag": (0, None), "today": (0, None),
    "vanochtend": (0, "morning"), "vanmorgen": (0, "morning"), "this morning": (0, "morning"),
    "vanmiddag": (0, "afternoon"), "this afternoon": (0, "afternoon"),
    "vanavond": (0, "evening"), "this evening": (0, "evening"), "tonight": (0, "evening"),
    "morgen": (1, None), "tomorrow": (1, None),
    "overmorgen": (2, None), "day after tomorrow": (2, None),
    "the day after tomorrow": (2, None),
    "gisteren": (-1, None), "yesterday": (-1, None), "eergisteren": (-2, None),
}  # fmt: skip


def alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest first so that "donderdag" wins over "do"."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


FLAGS = re.IGNORECASE
WD = alternation(WEEKDAYS)
FULL_WD = alternation(FULL_WEEKDAYS)
MON = alternation(MONTHS)
NUM = alternation(w for w in NUMBER_WORDS if len(w) > 2)
HOUR_WORD = alternation(HOUR_WORDS)
ORDINAL_SUFFIX = r"(?:ste|de|st|nd|rd|th|e)"
APOSTROPHE = r"['’‘`]"
END = r"(?![\w-])"  # a word ends here and is not glued to a hyphenated title word
YEAR = r"(?P<y>\d{4})(?![\d:.]\d|\s*(?:uur|u|h|am|pm)(?!\w))"
