"""The approved tools the catalogue pages show, kept per process: a search page then reads
its results from memory instead of the database. Forgotten as a whole whenever the tool
catalogue's index changes (an approval, an edit, an import; another process's change once
`ToolCatalogue.ensure` has seen it), so a page never shows a tool the index no longer has."""

from __future__ import annotations

from collections.abc import Sequence

from search.tool_catalogue import ToolCatalogue
from storage.models import Tool
from storage.repositories.tools import ToolRepository


class ToolCards:
    MOST = 5_000

    def __init__(self, catalogue: ToolCatalogue) -> None:
        self._catalogue = catalogue
        self._known: dict[str, Tool] = {}
        self._version = catalogue.version

    async def approved_by_ids(self, tools: ToolRepository, ids: Sequence[str]) -> list[Tool]:
        """Approved tools in the order asked for, as `ToolRepository.approved_by_ids`."""
        if self._version != self._catalogue.version:
            self._known.clear()
            self._version = self._catalogue.version
        missing = [tool_id for tool_id in ids if tool_id not in self._known]
        found = {tool.id: tool for tool in await tools.approved_by_ids(missing)} if missing else {}
        if found and self._version == self._catalogue.version:
            if len(self._known) + len(found) > self.MOST:
                self._known.clear()
            self._known.update(found)
        return [
            tool
            for tool_id in ids
            if (tool := self._known.get(tool_id) or found.get(tool_id)) is not None
        ]
