"""Logging set-up that never lets a secret (token, password) reach a log line: readable text,
or (`LOG_FORMAT=json`) one JSON object per line for a log collector."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from pythonjsonlogger.json import JsonFormatter

from bot.core import log_context

REDACTED = "[redacted]"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
PLATFORM_LIBRARIES = ("telegram", "discord")
"""Never below INFO: at DEBUG they log whole updates, members' messages included."""


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then blanks out every secret, tracebacks included."""

    def __init__(self, secrets: Iterable[str], fmt: str) -> None:
        super().__init__(fmt)
        self._secrets = _longest_first(secrets)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self._secrets)


class RedactingJsonFormatter(JsonFormatter):
    """One JSON object per line: time, level, logger, message, platform, community and update
    id (null outside an update), and the traceback when there is one.

    Secrets are blanked out in every field before JSON escapes them (a password with a quote
    in it would otherwise slip past a search over the finished line).
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            datefmt="%Y-%m-%dT%H:%M:%S%z",
            json_ensure_ascii=False,
        )
        self._secrets = _longest_first(secrets)

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)
        context = log_context.current()
        log_data["platform"] = context.platform
        log_data["community_id"] = context.community_id
        log_data["update_id"] = context.update_id
        for key, value in log_data.items():
            if isinstance(value, str):
                log_data[key] = redact(value, self._secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _longest_first(secrets: Iterable[str]) -> list[str]:
    return sorted({s for s in secrets if s}, key=len, reverse=True)


def configure_logging(
    level: str, secrets: Iterable[str], stream: TextIO | None = None, *, json: bool = False
) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    formatter: logging.Formatter = (
        RedactingJsonFormatter(secrets) if json else RedactingFormatter(secrets, TEXT_FORMAT)
    )
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for chatty in ("httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio", "alembic"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, root.level))
    for platform_library in PLATFORM_LIBRARIES:
        logging.getLogger(platform_library).setLevel(max(logging.INFO, root.level))
