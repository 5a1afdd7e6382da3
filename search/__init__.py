"""Tool search: a tantivy index over the tool catalogue, its analysis, synonyms and ranking
rules (ranking.py), and the catalogue service the handlers use (tool_catalogue.py)."""

from search.documents import SearchHit, ToolDocument, documents_from_catalogue
from search.index import ToolIndex

__all__ = ["SearchHit", "ToolDocument", "ToolIndex", "documents_from_catalogue"]
