"""Settings from the environment or a `.env` file (see `.env.example`)."""

from __future__ import annotations

import ipaddress
import os
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.core.i18n import LANGUAGES
from storage.retention import RetentionPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///leeratelier.db"


def is_loopback(host: str) -> bool:
    """`localhost` or an address on the loopback network (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip()).is_loopback
    except ValueError:
        return False


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    telegram_token: SecretStr | None = None
    telegram_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str | None = None
    telegram_webhook_listen: str = "127.0.0.1"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    telegram_webhook_secret: SecretStr | None = None
    discord_token: SecretStr | None = None
    discord_coordinator_role: str = ""
    """Members with this Discord role (name or id) are coordinators, besides Manage Server."""
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    timezone: str = "Europe/Amsterdam"
    language: str = "nl"
    coordinators: Annotated[tuple[str, ...], NoDecode] = ()
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    web_enabled: bool = True
    """`leeratelier run` also serves the online platform."""
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=8080, ge=0, le=65535)
    web_base_url: str = ""
    """Where members reach the platform (behind a proxy: its public https:// address);
    empty means http://WEB_HOST:WEB_PORT."""
    web_secret: SecretStr | None = None
    """Signs login links; empty means a new random one at every start (links sent before a
    restart then stop working)."""
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object per line (time, level, logger, platform, community, update)."""
    discord_shard_count: int | None = Field(default=None, ge=1, le=4096)
    """Shards of the whole bot; None lets Discord recommend (all in this process)."""
    discord_shard_ids: Annotated[tuple[int, ...], NoDecode] = ()
    """The shards this process runs (0-based, below DISCORD_SHARD_COUNT); empty: all."""
    health_listen: str = "127.0.0.1"
    health_port: int = Field(default=9464, ge=0, le=65535)
    """/healthz, /readyz and /metrics on their own port when the web platform is off; 0: off."""
    metrics_token: SecretStr | None = None
    """Bearer token for /readyz and /metrics; required when they listen beyond loopback."""
    retention_dialog_days: int = Field(default=RetentionPolicy.dialog_days, ge=1, le=3650)
    retention_delivery_days: int = Field(default=RetentionPolicy.delivery_days, ge=1, le=3650)
    retention_button_days: int = Field(default=RetentionPolicy.button_days, ge=1, le=3650)
    retention_ledger_months: int = Field(default=RetentionPolicy.ledger_months, ge=1, le=240)

    @property
    def retention(self) -> RetentionPolicy:
        return RetentionPolicy(
            dialog_days=self.retention_dialog_days,
            delivery_days=self.retention_delivery_days,
            button_days=self.retention_button_days,
            ledger_months=self.retention_ledger_months,
        )

    @field_validator(
        "telegram_token",
        "telegram_webhook_url",
        "telegram_webhook_secret",
        "discord_token",
        "web_secret",
        "metrics_token",
        "discord_shard_count",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`TELEGRAM_TOKEN=` (as copied from .env.example) means: not configured."""
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def web_url(self) -> str:
        """The platform's public address, without a trailing slash."""
        if self.web_base_url.strip():
            return self.web_base_url.strip().rstrip("/")
        return f"http://{self.web_host}:{self.web_port}"

    @field_validator("web_base_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        value = value.strip()
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("WEB_BASE_URL must start with http:// or https://")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(
                "unknown time zone (use an IANA name like Europe/Amsterdam)"
            ) from error
        return value

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in LANGUAGES:
            raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_format(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("discord_shard_ids", mode="before")
    @classmethod
    def _split_shard_ids(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        try:
            return tuple(int(part) for part in value.split(",") if part.strip())
        except ValueError:
            raise ValueError("write the shard ids as numbers separated by commas") from None

    @model_validator(mode="after")
    def _shards_within_count(self) -> Settings:
        if not self.discord_shard_ids:
            return self
        if self.discord_shard_count is None:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT (the bot's total)")
        wrong = [i for i in self.discord_shard_ids if not 0 <= i < self.discord_shard_count]
        if wrong:
            raise ValueError(f"DISCORD_SHARD_IDS {wrong} outside 0..{self.discord_shard_count - 1}")
        if len(set(self.discord_shard_ids)) != len(self.discord_shard_ids):
            raise ValueError("DISCORD_SHARD_IDS names a shard twice")
        return self

    @model_validator(mode="after")
    def _health_off_the_internet(self) -> Settings:
        """Health and metrics listen on loopback unless a token protects them."""
        if self.health_port and not is_loopback(self.health_listen) and self.metrics_token is None:
            raise ValueError(
                f"HEALTH_LISTEN={self.health_listen} is reachable from outside this machine: "
                "set METRICS_TOKEN, or listen on 127.0.0.1"
            )
        return self

    @field_validator("coordinators", mode="before")
    @classmethod
    def _split_coordinators(cls, value: object) -> object:
        if isinstance(value, str):
            refs = tuple(part.strip() for part in value.split(",") if part.strip())
        else:
            return value
        for ref in refs:
            platform, _, user_id = ref.partition(":")
            if not platform or not user_id:
                raise ValueError(f"coordinator {ref!r} is not written as platform:user_id")
        return refs

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
