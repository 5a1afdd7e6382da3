"""A command's arguments as typed values, parsed once by the router before a handler runs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_NONE: Mapping[str, str | int] = MappingProxyType({})


@dataclass(frozen=True)
class Arguments:
    """Option values by the option's (Dutch) name; an option not given is absent."""

    values: Mapping[str, str | int] = field(default_factory=lambda: _NONE)

    def text(self, name: str) -> str:
        """A text, word or choice option; empty when it was not given."""
        value = self.values.get(name)
        return value if isinstance(value, str) else ""

    def number(self, name: str) -> int | None:
        value = self.values.get(name)
        return value if isinstance(value, int) else None

    def __contains__(self, name: object) -> bool:
        return name in self.values
