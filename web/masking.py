"""What a public page shows of a member's text: anything that looks like personal data of a
client (the guard's detector) is masked, even when the author confirmed it when saving; the
author's group saw it in context, the whole internet does not need to."""

from __future__ import annotations

from bot.dialogs.personal_data import find_personal_data


def masked(text: str) -> str:
    findings = sorted(find_personal_data(text), key=lambda f: f.start, reverse=True)
    for finding in findings:
        text = text[: finding.start] + finding.masked(text) + text[finding.end :]
    return text
