"""Settings from the environment and `.env`; secrets never reach logs or error output."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app.config import DEFAULT_DATABASE_URL, Settings
from bot.app.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456789:AAHsecretTOKENvalue_for-tests"
ENV_NAMES = (
    "TELEGRAM_TOKEN",
    "TELEGRAM_BASE_URL",
    "TELEGRAM_WEBHOOK_URL",
    "TELEGRAM_WEBHOOK_LISTEN",
    "TELEGRAM_WEBHOOK_PORT",
    "TELEGRAM_WEBHOOK_SECRET",
    "DISCORD_TOKEN",
    "DATABASE_URL",
    "TIMEZONE",
    "LANGUAGE",
    "COORDINATORS",
    "LOG_LEVEL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_are_the_embedded_setup() -> None:
    settings = Settings.load()
    assert settings.telegram_token is None and settings.discord_token is None
    assert settings.database_url.get_secret_value() == DEFAULT_DATABASE_URL
    assert (settings.timezone, settings.language, settings.log_level) == (
        "Europe/Amsterdam",
        "nl",
        "INFO",
    )


def test_every_documented_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    documented = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name in ENV_NAMES:
        assert f"{name}=" in documented
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("COORDINATORS", "telegram:1, discord:2")
    monkeypatch.setenv("LANGUAGE", "EN")
    monkeypatch.setenv("TIMEZONE", "Europe/Brussels")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    settings = Settings.load()
    assert settings.telegram_token is not None
    assert settings.telegram_token.get_secret_value() == TOKEN
    assert settings.coordinators == ("telegram:1", "discord:2")
    assert (settings.language, settings.timezone, settings.log_level) == (
        "en",
        "Europe/Brussels",
        "DEBUG",
    )


def test_the_example_file_as_is_configures_no_platform(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        (ROOT / ".env.example").read_text(encoding="utf-8"), encoding="utf-8"
    )
    settings = Settings.load()
    assert settings.telegram_token is None and settings.discord_token is None
    assert settings.telegram_webhook_url is None


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LANGUAGE=en\nTIMEZONE=UTC\n", encoding="utf-8")
    settings = Settings.load()
    assert (settings.language, settings.timezone) == ("en", "UTC")


@pytest.mark.parametrize(
    ("name", "value"),
    [("TIMEZONE", "Mars/Olympus"), ("LANGUAGE", "de"), ("COORDINATORS", "telegram")],
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError):
        Settings.load()


@pytest.mark.expected_errors("^boom$")
def test_secrets_are_redacted_from_every_log_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://bot:pa55w0rd-x@db/leeratelier")
    settings = Settings.load()
    stream = io.StringIO()
    configure_logging("DEBUG", settings.secrets(), stream)
    log = logging.getLogger("httpx")
    log.setLevel(logging.DEBUG)
    log.debug("POST https://api.telegram.org/bot%s/getUpdates", TOKEN)
    try:
        raise RuntimeError(f"connect failed for pa55w0rd-x and bot{TOKEN}")
    except RuntimeError:
        logging.getLogger("bot").exception("boom")
    output = stream.getvalue()
    assert "getUpdates" in output and "boom" in output and "RuntimeError" in output
    assert TOKEN not in output and "pa55w0rd-x" not in output
    assert "[redacted]" in output
    assert TOKEN not in repr(settings) and "pa55w0rd-x" not in repr(settings)


def test_token_never_in_the_commands_error_output(tmp_path: Path) -> None:
    env = {**os.environ, "TELEGRAM_TOKEN": TOKEN, "LOG_LEVEL": "LOUD", "TIMEZONE": TOKEN}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    assert "LOG_LEVEL" in result.stderr and "TIMEZONE" in result.stderr
    assert TOKEN not in result.stdout + result.stderr
