"""The file formats of a community export: a plain enum the command line loads cheaply."""

from __future__ import annotations

from enum import StrEnum


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "md"
