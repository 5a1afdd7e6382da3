"""English names for the catalogue's themes and efforts (storage/data/catalogue_en.yaml).

The catalogue is written in Dutch; members who chose English see its themes (tags) and the
effort a tool takes in English where this table knows them, and as written otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

ENGLISH_LABELS = Path(__file__).with_name("data") / "catalogue_en.yaml"


@dataclass(frozen=True)
class EnglishLabels:
    tags: Mapping[str, str] = field(default_factory=dict)
    effort: Mapping[str, str] = field(default_factory=dict)

    def tag(self, tag: str) -> str:
        return self.tags.get(tag, tag)

    def effort_of(self, effort: str) -> str:
        return self.effort.get(effort, effort)


def load_english_labels(path: Path = ENGLISH_LABELS) -> EnglishLabels:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping with 'tags' and 'effort'")
    return EnglishLabels(tags=_table(data, "tags", path), effort=_table(data, "effort", path))


@cache
def english_labels() -> EnglishLabels:
    """The bundled table, read once."""
    return load_english_labels()


def _table(data: Mapping[str, object], key: str, path: Path) -> dict[str, str]:
    raw = data.get(key) or {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{path}: '{key}' must map Dutch text to English")
    return {str(dutch): str(english) for dutch, english in raw.items()}
