"""Tool search: an in-memory BM25F index over the tool catalogue (see engine.py)."""

from search.engine import SearchHit, ToolDocument, ToolIndex, documents_from_catalogue

__all__ = ["SearchHit", "ToolDocument", "ToolIndex", "documents_from_catalogue"]
