"""How long the bot keeps what it only needs for a while (see README, Privacy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class RetentionPolicy:
    dialog_days: int = 7
    """A form left open is removed this long after it was started (a form also expires after
    a day without an answer)."""
    delivery_days: int = 30
    """Scheduled sends that were sent, failed, cancelled or skipped, after their due time."""
    button_days: int = 90
    """Long button data kept behind short keys; older buttons answer that they expired."""
    ledger_months: int = 12
    """Individual ledger rows older than this many whole months become monthly counts."""

    @property
    def dialogs(self) -> timedelta:
        return timedelta(days=self.dialog_days)

    @property
    def deliveries(self) -> timedelta:
        return timedelta(days=self.delivery_days)

    @property
    def buttons(self) -> timedelta:
        return timedelta(days=self.button_days)


def month_of(day: date) -> date:
    return day.replace(day=1)


def months_before(day: date, months: int) -> date:
    """The first day of the month `months` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def ledger_cutoff(now: datetime, zone: ZoneInfo, months: int) -> tuple[date, datetime]:
    """Where individual ledger rows end: the first local day of the month `months` whole
    months back, as a local date (message counts) and as a UTC moment (activities)."""
    day = months_before(now.astimezone(zone).date(), months)
    return day, datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)
