"""What a Discord member sees of a message's Markdown: escapes resolved, markers dropped.

A small reading of Discord's rules (a backslash before punctuation shows it literally;
unescaped `**`, `*`, `_` and backticks format), enough to check that user text shows as
typed and that markup stays markup.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\([^0-9A-Za-z\s])|(\*\*|\*|`)|(.)", re.DOTALL)


def visible(markdown: str) -> str:
    shown: list[str] = []
    for escaped, marker, other in _TOKEN.findall(markdown):
        if escaped:
            shown.append(escaped)
        elif not marker:
            shown.append(other)
    return "".join(shown)


def unescaped_mentions(markdown: str) -> list[str]:
    """Mentions Discord would render as pings were they allowed: @everyone, @here, <@…>."""
    return re.findall(r"(?<!\\)(@everyone|@here|<@[!&]?\d+>)", markdown)
