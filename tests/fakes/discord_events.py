"""Guild Scheduled Events for the fake Discord, validated as Discord documents them.

Create (POST /guilds/{id}/scheduled-events) needs name (1-100), privacy_level 2 (GUILD_ONLY,
the only one), an ISO 8601 scheduled_start_time in the future and entity_type 1-3; an external
event (3) needs entity_metadata.location (1-100), a scheduled_end_time after the start and no
channel_id. description at most 1000. Modify (PATCH) takes the same fields, each optional, and
status: SCHEDULED → ACTIVE or CANCELED, ACTIVE → COMPLETED, nothing after COMPLETED or
CANCELED. Creating needs Create Events or Manage Events; changing or deleting needs Manage
Events, or Create Events for an event the bot created; otherwise 403 code 50013.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

JSONDict = dict[str, Any]

MANAGE_EVENTS: Final = 1 << 33
CREATE_EVENTS: Final = 1 << 44
GUILD_ONLY: Final = 2
STAGE, VOICE, EXTERNAL = 1, 2, 3
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
NEXT_STATUS: Final = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}
FIELDS: Final = frozenset(
    {
        "channel_id",
        "entity_metadata",
        "name",
        "privacy_level",
        "scheduled_start_time",
        "scheduled_end_time",
        "description",
        "entity_type",
        "image",
        "status",
    }
)


@dataclass
class ScheduledEvent:
    id: int
    guild_id: int
    creator_id: int
    name: str
    description: str | None
    start: datetime
    end: datetime | None
    entity_type: int
    location: str | None
    channel_id: int | None = None
    status: int = SCHEDULED

    def to_api(self, creator: JSONDict) -> JSONDict:
        return {
            "id": str(self.id),
            "guild_id": str(self.guild_id),
            "channel_id": str(self.channel_id) if self.channel_id else None,
            "creator_id": str(self.creator_id),
            "creator": creator,
            "name": self.name,
            "description": self.description,
            "scheduled_start_time": self.start.isoformat(),
            "scheduled_end_time": self.end.isoformat() if self.end else None,
            "privacy_level": GUILD_ONLY,
            "status": self.status,
            "entity_type": self.entity_type,
            "entity_id": None,
            "entity_metadata": {"location": self.location} if self.location else None,
            "image": None,
            "user_count": 0,
        }


class Problems:
    """Field errors in Discord's nested shape (code 50035, Invalid Form Body)."""

    def __init__(self) -> None:
        self.errors: JSONDict = {}

    def add(self, name: str, code: str, message: str) -> None:
        self.errors.setdefault(name, {"_errors": []})["_errors"].append(
            {"code": code, "message": message}
        )

    def __bool__(self) -> bool:
        return bool(self.errors)


def _time(problems: Problems, body: JSONDict, name: str) -> datetime | None:
    value = body.get(name)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        problems.add(name, "DATE_TIME_TYPE_CONVERT", "Could not parse datetime.")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def _text(problems: Problems, body: JSONDict, name: str, low: int, high: int) -> None:
    if name not in body or body[name] is None:
        return
    value = body[name]
    if not isinstance(value, str):
        problems.add(name, "BASE_TYPE_STRING", "Could not interpret value as string.")
    elif not low <= len(value) <= high:
        problems.add(name, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def check(body: JSONDict, now: datetime, existing: ScheduledEvent | None) -> Problems:
    """The problems of a create (`existing` None) or modify body."""
    problems = Problems()
    for name in body:
        if name not in FIELDS or (name == "status" and existing is None):
            problems.add(name, "UNKNOWN_FIELD", "This field is not allowed here.")
    required = ("name", "privacy_level", "scheduled_start_time", "entity_type")
    for name in required if existing is None else ():
        if body.get(name) is None:
            problems.add(name, "BASE_TYPE_REQUIRED", "This field is required")
    _text(problems, body, "name", 1, 100)
    _text(problems, body, "description", 0, 1000)
    if "privacy_level" in body and body["privacy_level"] != GUILD_ONLY:
        problems.add("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
    entity_type = body.get("entity_type", existing.entity_type if existing else None)
    if entity_type not in (None, STAGE, VOICE, EXTERNAL):
        problems.add("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
    start = _time(problems, body, "scheduled_start_time")
    end = _time(problems, body, "scheduled_end_time")
    if start is not None and start <= now:
        problems.add(
            "scheduled_start_time",
            "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
            "Cannot schedule event in the past.",
        )
    start = start or (existing.start if existing else None)
    end = end if "scheduled_end_time" in body else (existing.end if existing else None)
    if entity_type == EXTERNAL:
        _check_external(problems, body, existing, start, end)
    return problems


def _check_external(
    problems: Problems,
    body: JSONDict,
    existing: ScheduledEvent | None,
    start: datetime | None,
    end: datetime | None,
) -> None:
    metadata = body.get("entity_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        problems.add("entity_metadata", "MODEL_TYPE_CONVERT", "Only dictionaries may be used.")
        return
    location = (metadata or {}).get("location") if metadata is not None else None
    if location is None and (existing is None or existing.location is None):
        problems.add("entity_metadata", "BASE_TYPE_REQUIRED", "location is required")
    elif location is not None and not (isinstance(location, str) and 1 <= len(location) <= 100):
        problems.add("entity_metadata", "BASE_TYPE_BAD_LENGTH", "location: 1 to 100 characters")
    if end is None:
        problems.add("scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required")
    elif start is not None and end <= start:
        problems.add(
            "scheduled_end_time",
            "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
            "The end time must be after the start time.",
        )
    if body.get("channel_id") is not None:
        problems.add("channel_id", "CHANNEL_ID_NOT_ALLOWED", "External events have no channel.")


def apply(event: ScheduledEvent, body: JSONDict) -> None:
    """A checked modify body, onto the event."""
    if "name" in body:
        event.name = body["name"]
    if "description" in body:
        event.description = body["description"]
    if body.get("scheduled_start_time"):
        event.start = datetime.fromisoformat(body["scheduled_start_time"])
    if "scheduled_end_time" in body:
        end = body["scheduled_end_time"]
        event.end = datetime.fromisoformat(end) if end else None
    if "entity_type" in body:
        event.entity_type = body["entity_type"]
    if isinstance(body.get("entity_metadata"), dict) and "location" in body["entity_metadata"]:
        event.location = body["entity_metadata"]["location"]
    if "status" in body:
        event.status = body["status"]
