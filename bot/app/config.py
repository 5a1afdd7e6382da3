"""Settings from the environment or a `.env` file (see `.env.example`).

Read by a small loader of its own rather than pydantic-settings: pydantic and
pydantic-settings cost 14 MB of resident memory (of the 110 MB issue 16 allows the idle bot)
and about 0.2 s of every start, for twenty-odd flat settings that each need one parse and one
check. The `.env` file is read with python-dotenv (pydantic-settings' own reader). Precedence
is the usual one: values given to `Settings.load`, then the environment (names in any case),
then `.env`, then the defaults.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.i18n import LANGUAGES
from storage.retention import RetentionPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///leeratelier.db"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("text", "json")
_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off"})


def is_loopback(host: str) -> bool:
    """`localhost` or an address on the loopback network (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Secret:
    """A configured secret: shown as stars in every repr, log line and error message."""

    _value: str = field(repr=False)

    def get_secret_value(self) -> str:
        return self._value

    def __str__(self) -> str:
        return "**********"

    def __repr__(self) -> str:
        return "Secret('**********')"


class ConfigError(ValueError):
    """Settings that cannot be used; `problems` holds (VARIABLE, what is wrong) pairs, which
    never repeat the value given (it may be a misplaced secret)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))
        self.problems = problems


Parse = Callable[[object], Any]


def _text(raw: object) -> str:
    return str(raw)


def _optional_text(raw: object) -> str | None:
    """`TELEGRAM_WEBHOOK_URL=` (as copied from .env.example) means: not set."""
    text = str(raw).strip()
    return text or None


def _secret(raw: object) -> Secret | None:
    if isinstance(raw, Secret):
        return raw
    text = str(raw).strip()
    return Secret(text) if text else None


def _required_secret(raw: object) -> Secret:
    secret = _secret(raw)
    if secret is None:
        raise ValueError("must not be empty")
    return secret


def _boolean(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("must be true or false")


def _number(low: int, high: int, *, optional: bool = False) -> Parse:
    def parse(raw: object) -> int | None:
        if isinstance(raw, bool):
            raise ValueError("must be a whole number")
        if isinstance(raw, int):
            value = raw
        else:
            text = str(raw).strip()
            if optional and not text:
                return None
            try:
                value = int(text)
            except ValueError:
                raise ValueError("must be a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return parse


def _choice(choices: tuple[str, ...], case: Callable[[str], str]) -> Parse:
    def parse(raw: object) -> str:
        value = case(str(raw).strip())
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}")
        return value

    return parse


def _timezone(raw: object) -> str:
    value = str(raw).strip()
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError("unknown time zone (use an IANA name like Europe/Amsterdam)") from error
    return value


def _web_address(raw: object) -> str:
    value = str(raw).strip()
    if value and not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def _parts(raw: object) -> tuple[str, ...]:
    if isinstance(raw, str):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return tuple(str(part) for part in raw)  # type: ignore[attr-defined]


def _coordinators(raw: object) -> tuple[str, ...]:
    refs = _parts(raw)
    for ref in refs:
        platform, _, user_id = ref.partition(":")
        if not platform or not user_id:
            raise ValueError(f"{ref!r} is not written as platform:user_id")
    return refs


def _shard_ids(raw: object) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in _parts(raw))
    except ValueError:
        raise ValueError("write the shard ids as numbers separated by commas") from None


def _setting(default: Any, parse: Parse = _text) -> Any:
    return field(default=default, metadata={"parse": parse})


@dataclass(frozen=True)
class Settings:
    telegram_token: Secret | None = _setting(None, _secret)
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = _setting(None, _optional_text)
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = _setting(8443, _number(1, 65535))
    telegram_webhook_secret: Secret | None = _setting(None, _secret)
    discord_token: Secret | None = _setting(None, _secret)
    discord_coordinator_role: str = ""
    """Members with this Discord role (name or id) are coordinators, besides Manage Server."""
    database_url: Secret = _setting(Secret(DEFAULT_DATABASE_URL), _required_secret)
    timezone: str = _setting("Europe/Amsterdam", _timezone)
    language: str = _setting("nl", _choice(LANGUAGES, str.lower))
    coordinators: tuple[str, ...] = _setting((), _coordinators)
    log_level: str = _setting("INFO", _choice(LOG_LEVELS, str.upper))
    web_enabled: bool = _setting(True, _boolean)
    """`leeratelier run` also serves the online platform."""
    web_host: str = "127.0.0.1"
    web_port: int = _setting(8080, _number(0, 65535))
    web_base_url: str = _setting("", _web_address)
    """Where members reach the platform (behind a proxy: its public https:// address);
    empty means http://WEB_HOST:WEB_PORT."""
    web_secret: Secret | None = _setting(None, _secret)
    """Signs login links; empty means a new random one at every start (links sent before a
    restart then stop working)."""
    log_format: str = _setting("text", _choice(LOG_FORMATS, str.lower))
    """`json`: one JSON object per line (time, level, logger, platform, community, update)."""
    discord_shard_count: int | None = _setting(None, _number(1, 4096, optional=True))
    """Shards of the whole bot; None lets Discord recommend (all in this process)."""
    discord_shard_ids: tuple[int, ...] = _setting((), _shard_ids)
    """The shards this process runs (0-based, below DISCORD_SHARD_COUNT); empty: all."""
    health_listen: str = "127.0.0.1"
    health_port: int = _setting(9464, _number(0, 65535))
    """/healthz, /readyz and /metrics on their own port when the web platform is off; 0: off."""
    metrics_token: Secret | None = _setting(None, _secret)
    """Bearer token for /readyz and /metrics; required when they listen beyond loopback."""
    retention_dialog_days: int = _setting(RetentionPolicy.dialog_days, _number(1, 3650))
    retention_delivery_days: int = _setting(RetentionPolicy.delivery_days, _number(1, 3650))
    retention_button_days: int = _setting(RetentionPolicy.button_days, _number(1, 3650))
    retention_ledger_months: int = _setting(RetentionPolicy.ledger_months, _number(1, 240))

    @classmethod
    def load(
        cls,
        *,
        env_file: str | Path | None = ".env",
        environ: Mapping[str, str] | None = None,
        **given: object,
    ) -> Settings:
        """The settings this process runs with; `ConfigError` names every wrong one."""
        sources = _read_sources(env_file, os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        for setting in dataclasses.fields(cls):
            name = setting.name
            if name in given:
                raw = given.pop(name)
            elif name in sources:
                raw = sources[name]
            else:
                continue
            try:
                values[name] = setting.metadata.get("parse", _text)(raw)
            except ValueError as problem:
                problems.append((name.upper(), str(problem)))
        if given:
            raise TypeError(f"unknown settings: {', '.join(sorted(given))}")
        if problems:
            raise ConfigError(problems)
        settings = cls(**values)
        problems = settings._inconsistencies()
        if problems:
            raise ConfigError(problems)
        return settings

    def _inconsistencies(self) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if self.discord_shard_ids:
            count = self.discord_shard_count
            wrong = [i for i in self.discord_shard_ids if count is None or not 0 <= i < count]
            if count is None:
                problems.append(("DISCORD_SHARD_IDS", "needs DISCORD_SHARD_COUNT (the total)"))
            elif wrong:
                problems.append(("DISCORD_SHARD_IDS", f"{wrong} outside 0..{count - 1}"))
            elif len(set(self.discord_shard_ids)) != len(self.discord_shard_ids):
                problems.append(("DISCORD_SHARD_IDS", "names a shard twice"))
        if self.health_port and not is_loopback(self.health_listen) and not self.metrics_token:
            problems.append(
                (
                    "HEALTH_LISTEN",
                    f"{self.health_listen} is reachable from outside this machine: "
                    "set METRICS_TOKEN, or listen on 127.0.0.1",
                )
            )
        return problems

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            dialog_days=self.retention_dialog_days,
            delivery_days=self.retention_delivery_days,
            button_days=self.retention_button_days,
            ledger_months=self.retention_ledger_months,
        )

    @property
    def web_url(self) -> str:
        """The platform's public address, without a trailing slash."""
        if self.web_base_url:
            return self.web_base_url.rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"

    @staticmethod
    def raw_secrets() -> list[str]:
        """Secret values straight from the environment, for messages written before the
        settings could be read."""
        names = (
            "TELEGRAM_TOKEN",
            "DISCORD_TOKEN",
            "TELEGRAM_WEBHOOK_SECRET",
            "WEB_SECRET",
            "METRICS_TOKEN",
        )
        values = [os.environ.get(name, "") for name in names]
        url = os.environ.get("DATABASE_URL", "")
        try:
            values.append(str(make_url(url).password or "") if url else "")
        except ArgumentError:
            values.append(url)
        return [value for value in values if len(value) >= 4]

    def secrets(self) -> list[str]:
        """Every configured secret value, for the log redaction filter."""
        values = [
            secret.get_secret_value()
            for secret in (
                self.telegram_token,
                self.discord_token,
                self.telegram_webhook_secret,
                self.web_secret,
                self.metrics_token,
            )
            if secret is not None
        ]
        password = make_url(self.database_url.get_secret_value()).password
        if password:
            values.append(str(password))
        return [value for value in values if value]


def _read_sources(env_file: str | Path | None, environ: Mapping[str, str]) -> dict[str, str]:
    """`.env` first, the environment over it; names in lower case."""
    sources: dict[str, str] = {}
    if env_file is not None and Path(env_file).is_file():
        from dotenv import dotenv_values

        for name, value in dotenv_values(env_file, encoding="utf-8").items():
            if value is not None:
                sources[name.lower()] = value
    for name, value in environ.items():
        sources[name.lower()] = value
    return sources
