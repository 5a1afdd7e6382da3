"""The two sharing choices of a contribution (audience, attribution) as one form question.

A member answers both in one step: "de groep, met naam", "de groep, anoniem", "alleen
coördinatoren, met naam", "alleen coördinatoren, anoniem". One question instead of two keeps
the forms short; the answer is stored as the two separate columns. The words stay those members
typed before the split (`groep`, `coordinatoren`, `anoniem`), each meaning what migration 0009
made of it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import Translator
from bot.dialogs.forms import Choice, Field
from storage.models import Attribution, Audience, Community

OFFERED_AUDIENCES: tuple[Audience, ...] = (Audience.GROUP, Audience.COORDINATORS, Audience.PUBLIC)
"""The audiences a member can pick; `openbaar` also puts it on the platform's public pages."""

SHARING_FIELD = "sharing"


@dataclass(frozen=True)
class Sharing:
    audience: Audience
    attribution: Attribution

    @property
    def value(self) -> str:
        """`groep`, `anoniem` (the group, anonymously), `coordinatoren`, `coordinatoren_anoniem`."""
        if self.attribution is Attribution.NAMED:
            return self.audience.value
        if self.audience is Audience.GROUP:
            return Attribution.ANONYMOUS.value
        return f"{self.audience.value}_{Attribution.ANONYMOUS.value}"

    @classmethod
    def parse(cls, value: str | None) -> Sharing | None:
        for sharing in all_sharings():
            if value == sharing.value:
                return sharing
        return None


def community_default(community: Community) -> Sharing:
    """What a contribution gets when its author made no choice: the community's defaults."""
    return Sharing(community.default_audience, community.default_attribution)


def all_sharings() -> tuple[Sharing, ...]:
    return tuple(Sharing(a, b) for a in OFFERED_AUDIENCES for b in Attribution)


def sharing_field(prompt_key: str = "sharing.ask", label_key: str = "sharing.label") -> Field:
    """The sharing question, the same in every form that saves a contribution; a skipped
    answer falls back to the community's defaults (or the contribution's current choice)."""
    return Field(
        SHARING_FIELD,
        prompt_key,
        label_key,
        choices=tuple(Choice(s.value, f"sharing.choice.{s.value}") for s in all_sharings()),
        private_only=True,
    )


def chosen(answer: str | None, fallback: Sharing) -> Sharing:
    """The sharing the member picked; the fallback for a skipped answer. The audience of an
    existing contribution that is not offered (yet) is kept."""
    return Sharing.parse(answer) or fallback


def describe(t: Translator, audience: Audience, attribution: Attribution) -> str:
    """ "de groep, met naam": the two choices as the member reads them."""
    return t.plain(
        "sharing.described",
        audience=t.plain(f"audience.{audience.value}"),
        attribution=t.plain(f"attribution.{attribution.value}"),
    )
