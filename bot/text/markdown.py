"""Markdown for files members and funders read (the report, the /mijndata summary): user text
escaped so it shows literally."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~&])")


def escape(text: str) -> str:
    """User text as literal Markdown: on one line, every character with a meaning escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))
