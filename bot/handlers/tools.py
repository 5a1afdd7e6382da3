"""Capability 1: tool lookups (`/tool` | `/zoek`), proposals (`/nieuwetool` | `/suggest`) and
the coordinators' queue of proposals (`/voorstellen` | `/proposals`).

The search runs on the process's ToolCatalogue (ctx.tools); what is shown is read from the
database, so a card is never older than the tool. Catalogue texts are data: they are only ever
inserted as placeholder values, never as markup.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from enum import StrEnum

from babel.dates import format_date

from bot.core.context import Context, UserError
from bot.core.i18n import Translator
from bot.core.router import CommandOption, Router
from bot.dialogs.forms import Choice, Field, Form, FormValues, InvalidAnswer
from bot.model.markup import Text
from bot.model.messages import Button, ChatTarget, Incoming, MemberTarget, Reply
from bot.model.messenger import DeliveryRefused
from search.tool_catalogue import ToolMatch
from storage.catalogue_english import english_labels
from storage.models import Community, Identity, Member, Role, Tool, ToolStatus
from storage.repositories.experiments import Viewer
from storage.repositories.ledger import ActivityKind
from storage.repositories.tools import Proposal, ProposalEdit

log = logging.getLogger(__name__)

PROPOSAL_FORM = "tool_proposal"
CONFIRM_FORM = "tool_proposal_confirm"
EDIT_FORM = "tool_proposal_edit"
REJECT_FORM = "tool_rejection"
NOTE_FORM = "tool_note"
ACTION_CARD = "tools.card"
ACTION_THEME = "tools.theme"
ACTION_EDIT = "tools.edit"
LESSONS_SHOWN = 3
ACTION_PROPOSE = "tools.propose"
ACTION_APPROVE = "tools.approve"
ACTION_REJECT = "tools.reject"
ACTION_NOTE = "tools.note"

TOP = 3
SUMMARY_LENGTH = 160
BUTTON_LABEL_LENGTH = 60
QUERY_LENGTH = 300
THEMES_SHOWN = 24
THEME_BUTTONS_PER_ROW = 3
THEME_TOOLS_SHOWN = 10
DUPLICATE_SIMILARITY = 0.85
PROPOSALS_SHOWN = 10
NAME_LENGTH = 120
TEXT_LENGTH = 1000
LINK_LENGTH = 500

_LEVEL_KEYS = {
    "uitvoering": "tools.level_practice",
    "beleid": "tools.level_policy",
    "onderzoek": "tools.level_research",
}
_LEVEL_WORDS = {
    "uitvoering": "uitvoering",
    "praktijk": "uitvoering",
    "practice": "uitvoering",
    "beleid": "beleid",
    "policy": "beleid",
    "onderzoek": "onderzoek",
    "research": "onderzoek",
}
_LIST_SEPARATORS = re.compile(r"\s*[,;\n]\s*")
_LINK = re.compile(r"^(?:https?://)?[^\s/.]+(?:\.[^\s/.]+)+(?:[/?#]\S*)?$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Looking up


async def lookup(msg: Incoming, ctx: Context) -> list[Reply]:
    await ctx.tools.ensure(ctx.repos.tools, ctx.now())
    query = " ".join(msg.arguments.text("zoekwoorden").split())[:QUERY_LENGTH]
    if not query:
        return [_themes(ctx)]
    tools = await _tools(ctx, ctx.tools.search(query, TOP))
    if ctx.community is not None:
        await ctx.repos.ledger.record(
            ctx.community.id,
            ctx.member.id,
            ActivityKind.TOOL_LOOKUP,
            ctx.now(),
            subject=tools[0].id if tools else None,
        )
    if not tools:
        return [await _no_match(ctx, query)]
    parts = [ctx.text("tools.results", query=query)]
    for number, tool in enumerate(tools, start=1):
        parts.append(_result(ctx, number, tool))
    if any(_in_dutch_only(ctx, tool) for tool in tools):
        parts.append(ctx.text("tools.texts_in_dutch"))
    parts.append(ctx.text("tools.results_footer"))
    return [Reply(Text.join(parts, "\n\n"), buttons=_card_buttons(ctx, tools))]


async def _tools(ctx: Context, matches: list[ToolMatch]) -> list[Tool]:
    return await ctx.repos.tools.approved_by_ids([match.id for match in matches])


def _result(ctx: Context, number: int, tool: Tool) -> Text:
    heading = Text.plain(f"{number}. ") + Text.bold(_name(ctx, tool))
    lines = [heading, Text.plain(_shorten(_summary(ctx, tool), SUMMARY_LENGTH))]
    facts = _facts(ctx, tool)
    if facts:
        lines.append(facts)
    return Text.join(lines)


def _facts(ctx: Context, tool: Tool) -> Text:
    facts: list[Text] = []
    if tool.level:
        facts.append(ctx.text("tools.level", level=_levels(ctx, tool.level)))
    if tool.effort:
        facts.append(ctx.text("tools.effort", effort=_effort(ctx, tool.effort)))
    return Text.join(facts, " · ")


def _card_buttons(ctx: Context, tools: list[Tool]) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        (Button(_shorten(_name(ctx, tool), BUTTON_LABEL_LENGTH), ACTION_CARD, tool.id),)
        for tool in tools
    )


async def _no_match(ctx: Context, query: str) -> Reply:
    """Nothing that means what the member asked: say so and invite a proposal, rather than
    offering tools that only look alike."""
    parts = [ctx.text("tools.no_match", query=query), ctx.text("tools.invite")]
    buttons = ((ctx.button("tools.button_propose", ACTION_PROPOSE),),)
    return Reply(Text.join(parts, "\n\n"), buttons=buttons)


def _themes(ctx: Context) -> Reply:
    """The most used themes as buttons that list their tools."""
    themes = ctx.tools.themes()
    if len(ctx.tools) == 0:
        return ctx.reply("tools.empty_catalogue")
    lines = [ctx.text("tools.themes_title", count=len(ctx.tools)), ctx.text("tools.themes_pick")]
    if len(themes) > THEMES_SHOWN:
        lines.append(ctx.text("tools.themes_others", count=len(themes) - THEMES_SHOWN))
    shown = [
        Button(
            ctx.t.plain("tools.theme_button", tag=_theme_name(ctx, theme.tag), count=theme.count),
            ACTION_THEME,
            theme.tag,
        )
        for theme in themes[:THEMES_SHOWN]
    ]
    rows = tuple(
        tuple(shown[start : start + THEME_BUTTONS_PER_ROW])
        for start in range(0, len(shown), THEME_BUTTONS_PER_ROW)
    )
    return Reply(Text.join(lines, "\n\n") + "\n\n" + ctx.text("tools.themes_hint"), buttons=rows)


async def theme(msg: Incoming, ctx: Context) -> list[Reply]:
    """The tools of one theme (a button of `/tool` alone)."""
    await ctx.tools.ensure(ctx.repos.tools, ctx.now())
    ids = ctx.tools.with_theme(msg.payload)
    tools = await ctx.repos.tools.approved_by_ids(ids[:THEME_TOOLS_SHOWN])
    if not tools:
        raise UserError("tools.theme_gone")
    name = _theme_name(ctx, msg.payload)
    parts = [ctx.text("tools.theme_title", theme=name, count=len(ids))]
    parts += [_result(ctx, number, tool) for number, tool in enumerate(tools, start=1)]
    if len(ids) > len(tools):
        parts.append(ctx.text("tools.theme_more", count=len(ids) - len(tools)))
    if any(_in_dutch_only(ctx, tool) for tool in tools):
        parts.append(ctx.text("tools.texts_in_dutch"))
    parts.append(ctx.text("tools.results_footer"))
    return [Reply(Text.join(parts, "\n\n"), buttons=_card_buttons(ctx, tools))]


async def card(msg: Incoming, ctx: Context) -> list[Reply]:
    tool = await ctx.repos.tools.get(msg.payload)
    if tool is None or tool.status is not ToolStatus.APPROVED:
        raise UserError("tools.card_gone")
    parts = [Text.bold(_name(ctx, tool))]
    if _in_dutch_only(ctx, tool):
        parts.append(ctx.text("tools.text_in_dutch"))
    parts.append(Text.plain(_summary(ctx, tool)))
    when = _when_to_use(ctx, tool)
    if when:
        parts.append(ctx.text("tools.card_when") + "\n" + Text.plain(when))
    steps = _steps(ctx, tool)
    if steps:
        numbered = [Text.plain(f"{n}. {step}") for n, step in enumerate(steps, start=1)]
        parts.append(ctx.text("tools.card_steps") + "\n" + Text.join(numbered))
    details = [line for line in (_facts(ctx, tool), _tags(ctx, tool)) if line]
    if details:
        parts.append(Text.join(details))
    if tool.source_url:
        label = tool.source_name or tool.source_url
        parts.append(ctx.text("tools.card_source", source=Text.link(label, tool.source_url)))
    elif tool.source_name:
        parts.append(ctx.text("tools.card_source", source=tool.source_name))
    tried = await _colleagues_tried(ctx, tool)
    if tried:
        parts.append(tried)
    return [Reply(Text.join(parts, "\n\n"))]


async def _colleagues_tried(ctx: Context, tool: Tool) -> Text:
    """ "3 collega's probeerden dit", with their lessons, as far as sharing levels allow."""
    if ctx.community is None:
        return Text()
    viewer = Viewer(ctx.member.id, ctx.is_coordinator)
    experiments = ctx.repos.experiments
    count = await experiments.tried_tool(tool.id, ctx.community.id, viewer)
    if count == 0:
        return Text()
    lessons = await experiments.lessons(tool.id, ctx.community.id, viewer, LESSONS_SHOWN)
    if not lessons:
        key = "tools.card_tried_one_plain" if count == 1 else "tools.card_tried_many_plain"
        return ctx.text(key, count=count)
    key = "tools.card_tried_one" if count == 1 else "tools.card_tried_many"
    lines = [ctx.text(key, count=count)]
    for lesson in lessons:
        author = lesson.author or ctx.t.plain("sharing.anonymous_author")
        lines.append(
            ctx.text(
                "tools.card_lesson",
                lesson=lesson.learned,
                author=author,
                number=lesson.experiment_id,
            )
        )
    return Text.join(lines)


def _tags(ctx: Context, tool: Tool) -> Text:
    if not tool.tags:
        return Text()
    return ctx.text("tools.card_tags", tags=", ".join(_theme_name(ctx, tag) for tag in tool.tags))


def _theme_name(ctx: Context, tag: str) -> str:
    return english_labels().tag(tag) if _english(ctx) else tag


def _effort(ctx: Context, effort: str) -> str:
    return english_labels().effort_of(effort) if _english(ctx) else effort


def _in_dutch_only(ctx: Context, tool: Tool) -> bool:
    """An English member reading a tool that has no English description."""
    return _english(ctx) and not tool.summary_en


def _english(ctx: Context) -> bool:
    return ctx.language == "en"


def _name(ctx: Context, tool: Tool) -> str:
    return tool.name_en if _english(ctx) and tool.name_en else tool.name


def _summary(ctx: Context, tool: Tool) -> str:
    return tool.summary_en if _english(ctx) and tool.summary_en else tool.summary_nl


def _when_to_use(ctx: Context, tool: Tool) -> str:
    return tool.when_to_use_en if _english(ctx) and tool.when_to_use_en else tool.when_to_use_nl


def _steps(ctx: Context, tool: Tool) -> list[str]:
    return tool.steps_en if _english(ctx) and tool.steps_en else tool.steps_nl


def _levels(ctx: Context, levels: list[str]) -> str:
    named = (ctx.t.plain(_LEVEL_KEYS[lv]) if lv in _LEVEL_KEYS else lv for lv in levels)
    return ", ".join(named)


def _shorten(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary and marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.–-") + "…"


# --------------------------------------------------------------------------------------------
# Proposing


async def propose(msg: Incoming, ctx: Context) -> list[Reply]:
    name = " ".join(msg.args.split())
    if len(name) > NAME_LENGTH:
        raise UserError("dialog.too_long", limit=NAME_LENGTH, length=len(name))
    return await ctx.dialogs.start(msg, ctx, PROPOSAL_FORM, {"name": name} if name else None)


def _link(answer: str) -> str:
    if not _LINK.match(answer):
        raise InvalidAnswer("tools.invalid_link")
    return answer if re.match(r"^https?://", answer, re.IGNORECASE) else f"https://{answer}"


class Filing(StrEnum):
    ANYWAY = "anyway"
    DROP = "drop"


async def _proposed(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    """File the proposal, unless it looks like a tool the catalogue has: then ask first."""
    proposal = _proposal_of(values)
    await ctx.tools.ensure(ctx.repos.tools, ctx.now())
    duplicate = _likely_duplicate(ctx, proposal.name)
    if duplicate is None:
        return await _file(ctx, proposal)
    question = Reply(
        ctx.text("tools.duplicate_question", name=duplicate.name),
        buttons=(
            (Button(_shorten(duplicate.name, BUTTON_LABEL_LENGTH), ACTION_CARD, duplicate.id),),
        ),
    )
    answers = {key: values.get(key) for key in ("name", "summary", "when", "link")}
    return [question, *await ctx.dialogs.start(msg, ctx, CONFIRM_FORM, answers)]


async def _confirmed(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    if values.get("filing") != Filing.ANYWAY.value:
        return [ctx.reply("tools.duplicate_dropped")]
    return await _file(ctx, _proposal_of(values))


def _proposal_of(values: FormValues) -> Proposal:
    name, summary = values.get("name"), values.get("summary")
    if not name or not summary:
        raise UserError("tools.proposal_gone")
    return Proposal(
        name=" ".join(name.split()),
        summary=summary.strip(),
        when_to_use=(values.get("when") or "").strip(),
        link=values.get("link") or "",
    )


def _likely_duplicate(ctx: Context, name: str) -> ToolMatch | None:
    """An approved tool whose name or alias is (nearly) the proposed name."""
    found = ctx.tools.suggest(name, 1)
    return found[0] if found and found[0].score >= DUPLICATE_SIMILARITY else None


async def _file(ctx: Context, proposal: Proposal) -> list[Reply]:
    community = ctx.community
    tool = await ctx.repos.tools.propose(
        proposal,
        proposer_member_id=ctx.member.id,
        community_id=community.id if community else None,
        now=ctx.now(),
    )
    if community is not None:
        await ctx.repos.ledger.record(
            community.id, ctx.member.id, ActivityKind.TOOL_PROPOSAL, ctx.now()
        )
    thanks = ctx.text("tools.proposed", member=ctx.member.display_name)
    return [Reply(thanks + "\n\n" + _proposal_text(ctx.t, tool))]


def _proposal_text(t: Translator, tool: Tool) -> Text:
    parts = [Text.bold(tool.name), Text.plain(tool.summary_nl)]
    if tool.when_to_use_nl:
        parts.append(t.text("tools.proposal_when", when=tool.when_to_use_nl))
    if tool.tags:
        parts.append(t.text("tools.card_tags", tags=", ".join(tool.tags)))
    if tool.level:
        named = (t.plain(_LEVEL_KEYS[lv]) if lv in _LEVEL_KEYS else lv for lv in tool.level)
        parts.append(t.text("tools.level", level=", ".join(named)))
    if tool.effort:
        parts.append(t.text("tools.effort", effort=tool.effort))
    if tool.source_url:
        parts.append(
            t.text("tools.proposal_link", link=Text.link(tool.source_url, tool.source_url))
        )
    return Text.join(parts)


# --------------------------------------------------------------------------------------------
# Editing a proposal (coordinators)


def edit_defaults(tool: Tool) -> dict[str, str]:
    """A proposal's current answers to the edit questions, for the chat's form and the web's."""
    return {
        "name": tool.name,
        "summary": tool.summary_nl,
        "tags": ", ".join(tool.tags),
        "level": ", ".join(tool.level),
        "effort": tool.effort,
        "link": tool.source_url,
    }


def proposal_edit(values: Mapping[str, str | None]) -> ProposalEdit:
    """The edit answers (already read by their fields) as the correction to store."""
    name, summary = values.get("name"), values.get("summary")
    if not name or not summary:
        raise UserError("tools.proposal_gone")
    return ProposalEdit(
        name=" ".join(name.split()),
        summary=summary.strip(),
        tags=_items(values.get("tags") or ""),
        level=_items(values.get("level") or ""),
        effort=" ".join((values.get("effort") or "").split()),
        link=values.get("link") or "",
    )


async def edit(msg: Incoming, ctx: Context) -> list[Reply]:
    tool = await _pending_in_reach(ctx, msg.payload)
    return await ctx.dialogs.start(
        msg, ctx, EDIT_FORM, {"tool": tool.id}, defaults=edit_defaults(tool)
    )


async def _edited(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    tool = await _pending_in_reach(ctx, values.get("tool") or "")
    change = proposal_edit(values)
    if not await ctx.repos.tools.edit_proposal(tool.id, change, ctx.now()):
        await ctx.repos.tools.refresh(tool)
        raise UserError("tools.already_decided", name=tool.name, status=_status(ctx, tool.status))
    await ctx.repos.tools.refresh(tool)
    text = ctx.text("tools.edited") + "\n\n" + _proposal_text(ctx.t, tool)
    return [Reply(text, buttons=_decision_buttons(ctx, tool))]


async def _pending_in_reach(ctx: Context, tool_id: str) -> Tool:
    if not ctx.is_coordinator:
        raise UserError("error.coordinators_only", command="/voorstellen")
    tool = await ctx.repos.tools.get(tool_id)
    if tool is None or not _in_reach(ctx, tool):
        raise UserError("tools.proposal_gone")
    if tool.status is not ToolStatus.PENDING:
        raise UserError("tools.already_decided", name=tool.name, status=_status(ctx, tool.status))
    return tool


def _items(answer: str) -> tuple[str, ...]:
    """A comma-separated answer as its distinct items."""
    items = (" ".join(item.split()) for item in _LIST_SEPARATORS.split(answer))
    return tuple(dict.fromkeys(item for item in items if item))


def _levels_answer(answer: str) -> str:
    levels = []
    for item in _items(answer.casefold()):
        level = _LEVEL_WORDS.get(item)
        if level is None:
            raise InvalidAnswer("tools.invalid_level")
        levels.append(level)
    return ", ".join(dict.fromkeys(levels))


def _decision_buttons(ctx: Context, tool: Tool) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            ctx.button("tools.button_approve", ACTION_APPROVE, tool.id),
            ctx.button("tools.button_reject", ACTION_REJECT, tool.id),
            ctx.button("tools.button_edit", ACTION_EDIT, tool.id),
        ),
    )


# --------------------------------------------------------------------------------------------
# Deciding (coordinators)


class Delivery(StrEnum):
    DIRECT = "direct"
    GROUP = "group"
    NONE = "none"


async def proposals(msg: Incoming, ctx: Context) -> list[Reply]:
    waiting = await ctx.repos.tools.pending(ctx.community.id if ctx.community else None)
    await ctx.tools.ensure(ctx.repos.tools, ctx.now())
    if not waiting:
        return [ctx.reply("tools.queue_empty")]
    replies = [ctx.reply("tools.queue_title", count=len(waiting))]
    for tool in waiting[:PROPOSALS_SHOWN]:
        proposer = await _proposer(ctx, tool)
        by = ctx.text(
            "tools.proposal_by",
            member=proposer.display_name if proposer else ctx.t.plain("tools.proposer_unknown"),
            date=format_date(tool.created_at.astimezone(ctx.zone()), "long", locale=ctx.language),
        )
        text = _proposal_text(ctx.t, tool) + "\n" + by
        buttons = _decision_buttons(ctx, tool)
        duplicate = _likely_duplicate(ctx, tool.name)
        if duplicate is not None:
            text = text + "\n" + ctx.text("tools.proposal_duplicate", name=duplicate.name)
            label = _shorten(duplicate.name, BUTTON_LABEL_LENGTH)
            buttons = (*buttons, (Button(label, ACTION_CARD, duplicate.id),))
        replies.append(Reply(text, buttons=buttons))
    if len(waiting) > PROPOSALS_SHOWN:
        replies.append(ctx.reply("tools.queue_more", count=len(waiting) - PROPOSALS_SHOWN))
    return replies


async def approve(msg: Incoming, ctx: Context) -> list[Reply]:
    return await _decide(msg, ctx, ToolStatus.APPROVED)


async def reject(msg: Incoming, ctx: Context) -> list[Reply]:
    """Ask the coordinator for an optional reason first; the proposer reads it privately."""
    await _pending_in_reach(ctx, msg.payload)
    return await ctx.dialogs.start(msg, ctx, REJECT_FORM, values={"tool_id": msg.payload})


async def _rejected(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    return await _decide(
        msg, ctx, ToolStatus.REJECTED, values.get("tool_id") or "", values.get("reason")
    )


async def _decide(
    msg: Incoming,
    ctx: Context,
    status: ToolStatus,
    tool_id: str | None = None,
    reason: str | None = None,
) -> list[Reply]:
    tool = await _pending_in_reach(ctx, msg.payload if tool_id is None else tool_id)
    if tool.status is not ToolStatus.PENDING or not await ctx.repos.tools.decide(
        tool.id, status, ctx.now()
    ):
        await ctx.repos.tools.refresh(tool)
        raise UserError("tools.already_decided", name=tool.name, status=_status(ctx, tool.status))
    if status is ToolStatus.APPROVED:
        ctx.tools.changed([tool])
    proposer = await _proposer(ctx, tool)
    delivery = await _tell_proposer(ctx, tool, proposer, status, reason)
    key = "tools.approved" if status is ToolStatus.APPROVED else "tools.rejected"
    outcome = ctx.text(key, name=tool.name)
    if proposer is not None:
        told = {
            Delivery.DIRECT: "tools.told_direct",
            Delivery.GROUP: "tools.told_group",
            Delivery.NONE: "tools.told_none",
        }[delivery]
        outcome = outcome + " " + ctx.text(told, member=proposer.display_name)
    if status is ToolStatus.APPROVED and delivery is Delivery.DIRECT:
        button = ctx.button("tools.button_note", ACTION_NOTE, tool.id)
        return [Reply(outcome, ((button,),))]
    return [Reply(outcome)]


def _in_reach(ctx: Context, tool: Tool) -> bool:
    """Coordinators decide on proposals from their own community (and from none)."""
    return tool.community_id is None or (
        ctx.community is not None and tool.community_id == ctx.community.id
    )


def _status(ctx: Context, status: ToolStatus) -> str:
    keys = {
        ToolStatus.APPROVED: "tools.status_approved",
        ToolStatus.REJECTED: "tools.status_rejected",
        ToolStatus.PENDING: "tools.status_pending",
    }
    return ctx.t.plain(keys[status])


async def _proposer(ctx: Context, tool: Tool) -> Member | None:
    if tool.proposer_member_id is None:
        return None
    return await ctx.repos.members.get(tool.proposer_member_id)


async def _tell_proposer(
    ctx: Context, tool: Tool, proposer: Member | None, status: ToolStatus, reason: str | None
) -> Delivery:
    """A direct message to the proposer, with the coordinator's reason if one was given; if no
    platform takes it, a word in their group that names nobody and quotes no reason."""
    if proposer is None:
        return Delivery.NONE
    community = await ctx.repos.communities.get(tool.community_id) if tool.community_id else None
    t = ctx.catalogs.translator(
        proposer.language or (community.language if community else ctx.language)
    )
    approved = status is ToolStatus.APPROVED
    told = t.text("tools.told_approved" if approved else "tools.told_rejected", name=tool.name)
    if reason:
        told = told + "\n\n" + t.text("tools.told_reason", reason=reason)
    if await _direct(ctx, proposer, community, Reply(told)):
        return Delivery.DIRECT
    if community is None:
        return Delivery.NONE
    group_t = ctx.catalogs.translator(community.language)
    key = "tools.told_approved_anonymous" if approved else "tools.told_rejected_anonymous"
    notice = Reply(group_t.text(key, name=tool.name))
    try:
        await ctx.messenger.send(ChatTarget(community.platform, community.chat_id), [notice])
        return Delivery.GROUP
    except Exception:
        log.exception("could not tell a proposer the outcome on %s", community.platform)
        return Delivery.NONE


async def _direct(
    ctx: Context, proposer: Member, community: Community | None, reply: Reply
) -> bool:
    """A direct message to the proposer on the first platform that takes it."""
    identities = await ctx.repos.members.identities_of(proposer.id)
    for identity in _reachable_first(identities, community):
        try:
            await ctx.messenger.send(MemberTarget(identity.platform, identity.user_id), [reply])
            return True
        except DeliveryRefused:
            await ctx.repos.members.set_dm_unreachable(identity.platform, identity.user_id, True)
        except Exception:
            log.exception("could not send a direct message on %s", identity.platform)
    return False


async def note(msg: Incoming, ctx: Context) -> list[Reply]:
    """ "Toelichting sturen" after an approval: a note the proposer reads privately."""
    tool = await _decided_in_reach(ctx, msg.payload)
    return await ctx.dialogs.start(msg, ctx, NOTE_FORM, values={"tool_id": tool.id})


async def _noted(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    tool = await _decided_in_reach(ctx, values.get("tool_id") or "")
    proposer = await _proposer(ctx, tool)
    text = values.get("reason")
    if not text:
        return [ctx.reply("tools.note_skipped")]
    if proposer is None:
        return [ctx.reply("tools.note_nobody")]
    community = await ctx.repos.communities.get(tool.community_id) if tool.community_id else None
    t = ctx.catalogs.translator(
        proposer.language or (community.language if community else ctx.language)
    )
    told = (
        t.text("tools.told_note", name=tool.name)
        + "\n\n"
        + t.text("tools.told_reason", reason=text)
    )
    if await _direct(ctx, proposer, community, Reply(told)):
        return [ctx.reply("tools.told_direct", member=proposer.display_name)]
    return [ctx.reply("tools.told_none", member=proposer.display_name)]


async def _decided_in_reach(ctx: Context, tool_id: str) -> Tool:
    if not ctx.is_coordinator:
        raise UserError("error.coordinators_only", command="/voorstellen")
    tool = await ctx.repos.tools.get(tool_id)
    if tool is None or not _in_reach(ctx, tool) or tool.status is not ToolStatus.APPROVED:
        raise UserError("tools.proposal_gone")
    return tool


def _reachable_first(identities: list[Identity], community: Community | None) -> list[Identity]:
    """Identities that may take a direct message, the community's platform first."""
    platform = community.platform if community else None
    usable = [identity for identity in identities if not identity.dm_unreachable]
    return sorted(usable, key=lambda i: (i.platform != platform, not i.reachable_privately))


# --------------------------------------------------------------------------------------------


NAME_FIELD = Field(
    "name", "tools.form_name_prompt", "tools.form_name_label", required=True, max_length=NAME_LENGTH
)
SUMMARY_FIELD = Field(
    "summary",
    "tools.form_summary_prompt",
    "tools.form_summary_label",
    required=True,
    max_length=TEXT_LENGTH,
    multiline=True,
)
"""The name and the summary: asked when a tool is proposed, and again when a coordinator
edits the proposal."""
LINK_FIELD = Field(
    "link",
    "tools.form_link_prompt",
    "tools.form_link_label",
    max_length=LINK_LENGTH,
    parse=_link,
)
EDIT_FIELDS = (
    NAME_FIELD,
    SUMMARY_FIELD,
    Field("tags", "tools.edit_tags_prompt", "tools.edit_tags_label", max_length=300),
    Field(
        "level",
        "tools.edit_level_prompt",
        "tools.edit_level_label",
        max_length=100,
        parse=_levels_answer,
    ),
    Field("effort", "tools.edit_effort_prompt", "tools.edit_effort_label", max_length=200),
    LINK_FIELD,
)
"""What a coordinator may correct in a proposal: the chat's edit form, and the web's."""


def register(router: Router) -> None:
    router.command(
        "tool",
        "zoek",
        lookup,
        help_key="help.cmd.tool",
        args_key="help.args.tool",
        options=(CommandOption("zoekwoorden", "query", "option.tool.query"),),
    )
    router.command(
        "nieuwetool",
        "suggest",
        propose,
        help_key="help.cmd.nieuwetool",
        args_key="help.args.nieuwetool",
    )
    router.command(
        "voorstellen",
        "proposals",
        proposals,
        help_key="help.cmd.voorstellen",
        role=Role.COORDINATOR,
    )
    router.action(ACTION_CARD, card)
    router.action(ACTION_THEME, theme)
    router.action(ACTION_EDIT, edit)
    router.action(ACTION_PROPOSE, propose)
    router.action(ACTION_APPROVE, approve)
    router.action(ACTION_REJECT, reject)
    router.action(ACTION_NOTE, note)
    router.form(
        Form(
            name=PROPOSAL_FORM,
            title_key="tools.form_title",
            fields=(
                NAME_FIELD,
                SUMMARY_FIELD,
                Field(
                    "when",
                    "tools.form_when_prompt",
                    "tools.form_when_label",
                    max_length=TEXT_LENGTH,
                    multiline=True,
                ),
                LINK_FIELD,
            ),
            on_complete=_proposed,
        )
    )
    router.form(
        Form(
            name=CONFIRM_FORM,
            title_key="tools.form_title",
            fields=(
                Field(
                    "filing",
                    "tools.duplicate_prompt",
                    "tools.duplicate_label",
                    required=True,
                    choices=(
                        Choice(Filing.ANYWAY.value, "tools.duplicate_file"),
                        Choice(Filing.DROP.value, "tools.duplicate_drop"),
                    ),
                ),
            ),
            on_complete=_confirmed,
        )
    )
    router.form(
        Form(
            name=EDIT_FORM,
            title_key="tools.edit_title",
            role=Role.COORDINATOR,
            fields=EDIT_FIELDS,
            on_complete=_edited,
        )
    )
    router.form(
        Form(
            name=REJECT_FORM,
            title_key="tools.reject_title",
            fields=(
                Field(
                    "reason",
                    "tools.reject_reason_prompt",
                    "tools.reject_reason_label",
                    max_length=TEXT_LENGTH,
                    multiline=True,
                ),
            ),
            on_complete=_rejected,
            role=Role.COORDINATOR,
        )
    )
    router.form(
        Form(
            name=NOTE_FORM,
            title_key="tools.note_title",
            fields=(
                Field(
                    "reason",
                    "tools.note_prompt",
                    "tools.reject_reason_label",
                    max_length=TEXT_LENGTH,
                    multiline=True,
                ),
            ),
            on_complete=_noted,
            role=Role.COORDINATOR,
        )
    )
