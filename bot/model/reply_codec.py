"""Replies as JSON and back, for the outbox: what was queued at a stop is sent after it."""

from __future__ import annotations

import base64
from typing import Any

from bot.model.markup import Span, Style, Text
from bot.model.messages import Attachment, Button, Reply


def reply_to_json(reply: Reply) -> dict[str, Any]:
    """Everything a parked reply needs to be sent later; a form (a modal that only an
    interaction can open) is not kept."""
    data: dict[str, Any] = {
        "spans": [[span.text, span.style.value, span.url] for span in reply.text.spans],
        "buttons": [[[b.label, b.action, b.payload] for b in row] for row in reply.buttons],
    }
    if reply.attachment is not None:
        data["attachment"] = {
            "filename": reply.attachment.filename,
            "mime_type": reply.attachment.mime_type,
            "content": base64.b64encode(reply.attachment.content).decode("ascii"),
        }
    return data


def reply_from_json(data: dict[str, Any]) -> Reply:
    text = Text(tuple(Span(str(t), Style(s), str(u)) for t, s, u in data.get("spans", [])))
    buttons = tuple(
        tuple(Button(str(label), str(action), str(payload)) for label, action, payload in row)
        for row in data.get("buttons", [])
    )
    attached = data.get("attachment")
    attachment = (
        Attachment(
            str(attached["filename"]),
            base64.b64decode(attached["content"]),
            str(attached["mime_type"]),
        )
        if isinstance(attached, dict)
        else None
    )
    return Reply(text, buttons=buttons, attachment=attachment)
