"""What leaves the community is masked: every span the client-data guard flags, even where the
author confirmed it ("not client data in my view" is a judgement for the group, not for an
outsider's copy). Numbers disappear whole; a name keeps only its first letter, an age its
words (`Finding.hidden`)."""

from __future__ import annotations

from dataclasses import replace

from bot.dialogs.personal_data import redact as mask
from storage.repositories.production import (
    CommunityProduction,
    ExportedExperiment,
    ExportedReflection,
    ExportedTool,
)


def _experiment(item: ExportedExperiment) -> ExportedExperiment:
    return replace(
        item,
        what=mask(item.what),
        question=mask(item.question),
        done=mask(item.done),
        happened=mask(item.happened),
        learned=mask(item.learned),
    )


def _reflection(item: ExportedReflection) -> ExportedReflection:
    return replace(item, text=mask(item.text))


def _tool(item: ExportedTool) -> ExportedTool:
    return replace(item, summary=mask(item.summary))


def masked(production: CommunityProduction) -> CommunityProduction:
    """The outsider's copy: every free text masked."""
    return replace(
        production,
        experiments=[_experiment(e) for e in production.experiments],
        reflections=[_reflection(r) for r in production.reflections],
        tools=[_tool(t) for t in production.tools],
    )
