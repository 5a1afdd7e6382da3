"""Tool search: a tantivy index over the tool catalogue, its analysis, synonyms and ranking
rules (ranking.py), and the catalogue service the handlers use (tool_catalogue.py)."""

from typing import TYPE_CHECKING

from search.documents import SearchHit, ToolDocument, documents_from_catalogue

if TYPE_CHECKING:
    from search.index import ToolIndex

__all__ = ["SearchHit", "ToolDocument", "ToolIndex", "documents_from_catalogue"]


def __getattr__(name: str) -> object:
    """`ToolIndex` loads tantivy, the ranking rules and the synonyms: only when it is used."""
    if name == "ToolIndex":
        from search.index import ToolIndex

        return ToolIndex
    raise AttributeError(f"module 'search' has no attribute {name!r}")
