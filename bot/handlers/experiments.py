"""Capability 2: practice experiments — a guided form, editing and finishing later,
browsing with filters, sharing a card in the group, and linking the tools used."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.core.context import Context, UserError
from bot.core.router import CommandOption, OptionChoice, Router
from bot.dialogs.forms import Field, Form, FormValues, answered_privately, choices_of
from bot.dialogs.sharing import (
    OFFERED_AUDIENCES,
    SHARING_FIELD,
    Sharing,
    chosen,
    community_default,
    describe,
    sharing_field,
)
from bot.handlers import replies
from bot.model.markup import Text
from bot.model.messages import Button, ChatTarget, Incoming, Reply
from bot.model.messenger import DeliveryError
from storage.models import Attribution, Audience, Experiment, ExperimentStatus, Role
from storage.repositories.experiments import ExperimentFilter, Viewer, may_read, shown_author
from storage.repositories.ledger import ActivityKind
from storage.repositories.replies import Subject

FORM_NEW = "experiment"
FORM_EDIT = "experiment.edit"
FORM_FINISH = "experiment.finish"
FORM_MORE = "experiment.more"
ACTION_VIEW = "exp.view"
ACTION_PAGE = "exp.page"
ACTION_SHARE = "exp.share"
ACTION_LINK = "exp.link"
ACTION_MORE = "exp.more"
PAGE_SIZE = 5
SUBJECT = "experiment_id"

STATUS_WORDS = {
    "plan": ExperimentStatus.PLAN,
    "gepland": ExperimentStatus.PLAN,
    "planned": ExperimentStatus.PLAN,
    "bezig": ExperimentStatus.RUNNING,
    "running": ExperimentStatus.RUNNING,
    "afgerond": ExperimentStatus.DONE,
    "klaar": ExperimentStatus.DONE,
    "done": ExperimentStatus.DONE,
}
TEXT_FIELDS = ("question", "done", "happened", "learned")
MORE_FIELDS = ("tags", "status", SHARING_FIELD)
"""Asked after the five questions of SPEC 2; on Discord an optional second modal."""


def parse_tags(answer: str) -> str:
    """`#jongeren, outreach` → `jongeren outreach` (lower case, unique, in order)."""
    tags: list[str] = []
    for word in re.split(r"[,\s]+", answer):
        tag = word.strip().lstrip("#").casefold()
        if tag and tag not in tags:
            tags.append(tag[:40])
    return " ".join(tags)


def _fields(*, editing: bool) -> tuple[Field, ...]:
    return (
        Field(
            "what",
            "experiment.ask.what",
            "experiment.label.what",
            required=not editing,
            max_length=4000,
            multiline=True,
            guard=True,
        ),
        Field(
            "question",
            "experiment.ask.question",
            "experiment.label.question",
            multiline=True,
            guard=True,
        ),
        Field("done", "experiment.ask.done", "experiment.label.done", multiline=True, guard=True),
        Field(
            "happened",
            "experiment.ask.happened",
            "experiment.label.happened",
            multiline=True,
            guard=True,
        ),
        Field(
            "learned",
            "experiment.ask.learned",
            "experiment.label.learned",
            multiline=True,
            guard=True,
        ),
        Field(
            "tags", "experiment.ask.tags", "experiment.label.tags", max_length=400, parse=parse_tags
        ),
        Field(
            "status",
            "experiment.ask.status",
            "experiment.label.status",
            choices=choices_of(ExperimentStatus, "experiment.status"),
        ),
        sharing_field(),
    )


def _viewer(ctx: Context) -> Viewer:
    return Viewer.member(ctx.require_community().id, ctx.member.id, coordinator=ctx.is_coordinator)


# /experiment ------------------------------------------------------------------------------


async def experiment(msg: Incoming, ctx: Context) -> list[Reply]:
    ctx.require_community()
    words = msg.args.split(maxsplit=1)
    verb = words[0].casefold() if words else ""
    if verb in ("bewerk", "edit") and len(words) == 2:
        return await _edit(msg, ctx, _number(words[1]))
    if verb in ("klaar", "done", "finish") and len(words) == 2:
        return await _finish(msg, ctx, _number(words[1]))
    if verb.lstrip("#").isdigit() and len(words) == 1:
        return await show(msg, ctx, int(verb.lstrip("#")))
    return await ctx.dialogs.start(msg, ctx, FORM_NEW, first_answer=msg.args or None)


def _number(word: str) -> int:
    word = word.strip().lstrip("#")
    if not word.isdigit():
        raise UserError("experiment.usage")
    return int(word)


async def _own(ctx: Context, number: int) -> Experiment:
    found = await ctx.repos.experiments.get(ctx.require_community().id, number)
    if found is None or not _may_see(ctx, found):
        raise UserError("experiment.not_found", number=number)
    if not _by(ctx, found):
        raise UserError("experiment.not_yours", number=number)
    return found


def _by(ctx: Context, item: Experiment) -> bool:
    """Only its author edits, finishes or shares an experiment."""
    return item.author_member_id is not None and item.author_member_id == ctx.member.id


def _may_see(ctx: Context, item: Experiment) -> bool:
    return may_read(_viewer(ctx), item)


async def _edit(msg: Incoming, ctx: Context, number: int) -> list[Reply]:
    item = await _own(ctx, number)
    defaults = {
        "what": item.what,
        **{name: getattr(item, name) for name in TEXT_FIELDS},
        "tags": " ".join(item.tags),
        "status": item.status.value,
        SHARING_FIELD: Sharing(item.audience, item.attribution).value,
    }
    return await ctx.dialogs.start(
        msg, ctx, FORM_EDIT, values={SUBJECT: str(number)}, defaults=defaults
    )


async def _finish(msg: Incoming, ctx: Context, number: int) -> list[Reply]:
    item = await _own(ctx, number)
    defaults = {"happened": item.happened, "learned": item.learned}
    return await ctx.dialogs.start(
        msg, ctx, FORM_FINISH, values={SUBJECT: str(number)}, defaults=defaults
    )


async def _created(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    community = ctx.require_community()
    what = values["what"]
    if what is None:
        raise UserError("dialog.required")
    sharing = chosen(values.get(SHARING_FIELD), community_default(community))
    fields = {
        "what": what,
        **{name: values.get(name) for name in TEXT_FIELDS},
        "tags": (values.get("tags") or "").split(),
        "status": ExperimentStatus(values.get("status") or ExperimentStatus.PLAN.value),
        "audience": sharing.audience,
        "attribution": sharing.attribution,
    }
    if await ctx.repos.experiments.saved_just_now(community.id, ctx.member.id, fields, ctx.now()):
        return [ctx.reply("contribution.already_saved")]
    item = await ctx.repos.experiments.create(community.id, ctx.member.id, fields, ctx.now())
    await ctx.repos.ledger.record(community.id, ctx.member.id, ActivityKind.EXPERIMENT, ctx.now())
    thanks = ctx.text("experiment.saved", number=item.id)
    asked_in_group = not ctx.is_private and not msg.form
    if asked_in_group and values.get(SHARING_FIELD) is None:
        thanks = (
            thanks
            + "\n"
            + ctx.text("sharing.defaulted", sharing=_sharing(ctx, item), number=item.id)
        )
    private = answered_privately(msg, ctx)
    if not private and item.audience is Audience.COORDINATORS:
        # A card goes to the group only when the group is its audience.
        return [Reply(thanks)]
    buttons = await _card_buttons(ctx, item, suggest=True, private=private)
    if msg.form and all(name not in values for name in MORE_FIELDS):
        # Saved from the first modal: tags, status and sharing are an optional second one.
        thanks = thanks + "\n" + ctx.text("experiment.more_offer", sharing=_sharing(ctx, item))
        buttons = ((ctx.button("experiment.button_more", ACTION_MORE, str(item.id)),), *buttons)
    return [Reply(thanks + "\n\n" + await card(ctx, item), buttons, private=private)]


def _sharing(ctx: Context, item: Experiment) -> str:
    return describe(ctx.t, item.audience, item.attribution)


async def on_more(msg: Incoming, ctx: Context) -> list[Reply]:
    """ "Meer toevoegen": tags, status and sharing of an experiment just saved from a modal."""
    item = await _own(ctx, _number(msg.payload))
    defaults = {
        "tags": " ".join(item.tags),
        "status": item.status.value,
        SHARING_FIELD: Sharing(item.audience, item.attribution).value,
    }
    return await ctx.dialogs.start(
        msg, ctx, FORM_MORE, values={SUBJECT: str(item.id)}, defaults=defaults
    )


async def _more_added(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    item = await _own(ctx, int(values.get(SUBJECT) or 0))
    sharing = chosen(values.get(SHARING_FIELD), Sharing(item.audience, item.attribution))
    changes: dict[str, object] = {
        "tags": (values.get("tags") or "").split(),
        "status": ExperimentStatus(values.get("status") or item.status.value),
        "audience": sharing.audience,
        "attribution": sharing.attribution,
    }
    return await _updated(msg, ctx, item, changes)


async def _updated(
    msg: Incoming, ctx: Context, item: Experiment, changes: dict[str, object]
) -> list[Reply]:
    changed = await ctx.repos.experiments.update(item, changes, ctx.now())
    key = "experiment.updated" if changed else "experiment.unchanged"
    private = answered_privately(msg, ctx)
    return [
        Reply(
            ctx.text(key, number=item.id) + "\n\n" + await card(ctx, item),
            await _card_buttons(ctx, item, suggest=False, private=private),
            private=private,
        )
    ]


async def _edited(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    item = await _own(ctx, int(values.get(SUBJECT) or 0))
    changes: dict[str, object] = {name: values.get(name) for name in TEXT_FIELDS}
    changes["what"] = values.get("what") or item.what
    changes["tags"] = (values.get("tags") or "").split()
    changes["status"] = ExperimentStatus(values.get("status") or item.status.value)
    sharing = chosen(values.get(SHARING_FIELD), Sharing(item.audience, item.attribution))
    changes["audience"] = sharing.audience
    changes["attribution"] = sharing.attribution
    return await _updated(msg, ctx, item, changes)


async def _finished(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    item = await _own(ctx, int(values.get(SUBJECT) or 0))
    changes = {
        "happened": values.get("happened"),
        "learned": values.get("learned"),
        "status": ExperimentStatus.DONE,
    }
    await ctx.repos.experiments.update(item, changes, ctx.now())
    return [
        Reply(
            ctx.text("experiment.finished", number=item.id) + "\n\n" + await card(ctx, item),
            await _card_buttons(ctx, item, suggest=False),
        )
    ]


# reading ---------------------------------------------------------------------------------


async def show(msg: Incoming, ctx: Context, number: int) -> list[Reply]:
    community = ctx.require_community()
    item = await ctx.repos.experiments.get(community.id, number)
    if item is None or not _may_see(ctx, item):
        raise UserError("experiment.not_found", number=number)
    if item.author_member_id != ctx.member.id:
        await ctx.repos.ledger.record(
            community.id,
            ctx.member.id,
            ActivityKind.EXPERIMENT_READ,
            ctx.now(),
            subject=str(item.id),
        )
    return [Reply(await card(ctx, item), await _card_buttons(ctx, item, suggest=False))]


async def on_view(msg: Incoming, ctx: Context) -> list[Reply]:
    return await show(msg, ctx, _number(msg.payload))


async def card(ctx: Context, item: Experiment) -> Text:
    authors = await ctx.repos.experiments.authors([item])
    parts = [
        Text.bold(f"#{item.id} {item.what}"),
        ctx.text(
            "experiment.meta",
            status=ctx.t.plain(f"experiment.status.{item.status.value}"),
            sharing=describe(ctx.t, item.audience, item.attribution),
            author=_author(ctx, item, authors),
        ),
    ]
    for name in TEXT_FIELDS:
        value = getattr(item, name)
        if value:
            parts.append(Text.bold(ctx.t.plain(f"experiment.label.{name}")) + "\n" + value)
    if item.tags:
        parts.append(Text.plain(" ".join(f"#{tag}" for tag in item.tags)))
    ids = await ctx.repos.experiments.tool_ids(item.id)
    tools = await ctx.repos.tools.approved_by_ids(ids) if ids else []
    if tools:
        parts.append(ctx.text("experiment.tools", tools=", ".join(t.name for t in tools)))
    answers = replies.listing(ctx, await ctx.repos.replies.of(Subject("experiment", item.id)))
    if answers:
        parts.append(answers)
    return Text.join(parts, "\n\n")


def _author(ctx: Context, item: Experiment, authors: dict[int, str]) -> str:
    name = authors.get(item.author_member_id) if item.author_member_id is not None else None
    return shown_author(item.attribution, name) or ctx.t.plain("sharing.anonymous_author")


async def _card_buttons(
    ctx: Context, item: Experiment, *, suggest: bool, private: bool | None = None
) -> tuple[tuple[Button, ...], ...]:
    """The card's buttons; the share button only where the author reads it privately."""
    rows: list[tuple[Button, ...]] = []
    shareable = item.audience is not Audience.COORDINATORS and _by(ctx, item)
    if shareable and (ctx.is_private if private is None else private):
        rows.append((ctx.button("experiment.button_share", ACTION_SHARE, str(item.id)),))
    if suggest:
        await ctx.tools.ensure(ctx.repos.tools, ctx.now())
        query = " ".join(filter(None, [item.what, item.question, " ".join(item.tags)]))
        linked = set(await ctx.repos.experiments.tool_ids(item.id))
        for match in ctx.tools.search(query, limit=3):
            if match.id not in linked:
                label = ctx.t.plain("experiment.button_link", tool=match.name)
                rows.append((Button(label[:60], ACTION_LINK, f"{item.id}:{match.id}"),))
    rows.append((replies.reply_button(ctx, Subject("experiment", item.id)),))
    return tuple(rows)


# listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    wanted: ExperimentFilter
    words: str


async def experiments(msg: Incoming, ctx: Context) -> list[Reply]:
    given = (msg.arguments.text("status"), msg.arguments.text("filter"))
    return await _list(ctx, " ".join(part for part in given if part), offset=0)


async def on_page(msg: Incoming, ctx: Context) -> list[Reply]:
    offset, _, words = msg.payload.partition("|")
    return await _list(ctx, words, offset=int(offset) if offset.isdigit() else 0)


async def _listing(ctx: Context, words: str) -> Listing:
    tag: str | None = None
    status: ExperimentStatus | None = None
    author: int | None = None
    for word in words.split():
        folded = word.casefold()
        if folded in ("mijn", "mine", "eigen"):
            author = ctx.member.id
        elif folded in STATUS_WORDS:
            status = STATUS_WORDS[folded]
        elif folded.startswith("#") and len(folded) > 1:
            tag = folded[1:]
        elif folded.startswith(("van:", "by:", "@")):
            name = word.split(":", 1)[1] if ":" in word else word[1:]
            author = await _member_named(ctx, name)
        else:
            raise UserError("experiments.usage")
    return Listing(ExperimentFilter(tag=tag, status=status, author_id=author), words)


async def _member_named(ctx: Context, name: str) -> int:
    member = await ctx.repos.members.find_in_community(ctx.require_community().id, name)
    if member is None:
        raise UserError("experiments.no_such_member", name=name)
    return member.id


async def _list(ctx: Context, words: str, *, offset: int) -> list[Reply]:
    community = ctx.require_community()
    listing = await _listing(ctx, words)
    page = await ctx.repos.experiments.page(
        community.id, _viewer(ctx), listing.wanted, offset=offset, limit=PAGE_SIZE
    )
    if page.total == 0:
        return [ctx.reply("experiments.none")]
    authors = page.authors
    lines = [
        ctx.text(
            "experiments.header",
            first=offset + 1,
            last=offset + len(page.experiments),
            total=page.total,
        )
    ]
    for item in page.experiments:
        lines.append(
            ctx.text(
                "experiments.line",
                number=item.id,
                what=_shorten(item.what, 80),
                status=ctx.t.plain(f"experiment.status.{item.status.value}"),
                author=_author(ctx, item, authors),
            )
        )
    rows: list[tuple[Button, ...]] = [
        tuple(Button(f"#{item.id}", ACTION_VIEW, str(item.id)) for item in page.experiments)
    ]
    paging = []
    if offset > 0:
        paging.append(
            ctx.button("experiments.previous", ACTION_PAGE, f"{max(0, offset - PAGE_SIZE)}|{words}")
        )
    if offset + PAGE_SIZE < page.total:
        paging.append(ctx.button("experiments.next", ACTION_PAGE, f"{offset + PAGE_SIZE}|{words}"))
    if paging:
        rows.append(tuple(paging))
    return [Reply(Text.join(lines), tuple(rows))]


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# sharing and linking ----------------------------------------------------------------------


async def on_share(msg: Incoming, ctx: Context) -> list[Reply]:
    community = ctx.require_community()
    item = await ctx.repos.experiments.get(community.id, _number(msg.payload))
    if item is None or not _may_see(ctx, item):
        raise UserError("experiment.not_found", number=msg.payload)
    if not _by(ctx, item):
        raise UserError("experiment.share_not_yours", number=item.id)
    if item.audience is Audience.COORDINATORS:
        raise UserError("experiment.not_for_group")
    group_t = ctx.catalogs.translator(community.language)
    header = (
        group_t.text("experiment.shared_anonymously")
        if item.attribution is Attribution.ANONYMOUS
        else group_t.text("experiment.shared_by", name=ctx.member.display_name)
    )
    shared = Reply(
        header + "\n\n" + await card(ctx, item),
        (
            (
                Button(group_t.plain("experiment.button_view"), ACTION_VIEW, str(item.id)),
                Button(
                    group_t.plain("reply.button"), replies.ACTION_REPLY, f"experiment:{item.id}"
                ),
            ),
        ),
    )
    if not ctx.is_private:
        return [shared]
    try:
        await ctx.messenger.send(ChatTarget(community.platform, community.chat_id), [shared])
    except DeliveryError:
        raise UserError("experiment.share_failed") from None
    return [ctx.reply("experiment.shared", number=item.id)]


async def on_link(msg: Incoming, ctx: Context) -> list[Reply]:
    number, _, tool_id = msg.payload.partition(":")
    item = await _own(ctx, _number(number))
    tools = await ctx.repos.tools.approved_by_ids([tool_id])
    if not tools:
        raise UserError("experiment.no_such_tool")
    await ctx.repos.experiments.link_tool(item.id, tool_id, ctx.now())
    return [ctx.reply("experiment.linked", number=item.id, tool=tools[0].name)]


# community default --------------------------------------------------------------------------


async def default_sharing(msg: Incoming, ctx: Context) -> list[Reply]:
    """`/deelniveau [groep|coordinatoren|met_naam|anoniem]`: the community's two defaults."""
    community = ctx.require_community()
    word = msg.arguments.text("niveau")
    if word in {a.value for a in OFFERED_AUDIENCES}:
        community.default_audience = Audience(word)
    elif word in {a.value for a in Attribution}:
        community.default_attribution = Attribution(word)
    elif word:
        raise UserError("sharing.usage")
    level = describe(ctx.t, community.default_audience, community.default_attribution)
    return [ctx.reply("sharing.default_set" if word else "sharing.default_is", level=level)]


def register(router: Router) -> None:
    router.command(
        "experiment",
        "experiment",
        experiment,
        help_key="help.cmd.experiment",
        args_key="help.args.experiment",
    )
    router.command(
        "experimenten",
        "experiments",
        experiments,
        help_key="help.cmd.experimenten",
        args_key="help.args.experimenten",
        options=(
            CommandOption(
                "status",
                "status",
                "option.experimenten.status",
                choices=tuple(
                    OptionChoice(
                        s.value,
                        f"experiment.status.{s.value}",
                        aliases=tuple(w for w, status in STATUS_WORDS.items() if status is s),
                    )
                    for s in ExperimentStatus
                ),
            ),
            CommandOption("filter", "filter", "help.args.experimenten"),
        ),
    )
    router.command(
        "deelniveau",
        "sharing",
        default_sharing,
        help_key="help.cmd.deelniveau",
        args_key="help.args.deelniveau",
        role=Role.COORDINATOR,
        options=(
            CommandOption(
                "niveau",
                "level",
                "option.deelniveau.level",
                choices=(
                    *(OptionChoice(a.value, f"audience.{a.value}") for a in OFFERED_AUDIENCES),
                    *(OptionChoice(a.value, f"attribution.{a.value}") for a in Attribution),
                ),
            ),
        ),
    )
    router.action(ACTION_VIEW, on_view)
    router.action(ACTION_PAGE, on_page)
    router.action(ACTION_SHARE, on_share)
    router.action(ACTION_LINK, on_link)
    router.action(ACTION_MORE, on_more)
    router.form(
        Form(
            FORM_NEW,
            "experiment.title",
            _fields(editing=False),
            _created,
            native_fields=len(_fields(editing=False)) - len(MORE_FIELDS),
        )
    )
    more = tuple(f for f in _fields(editing=True) if f.name in MORE_FIELDS)
    router.form(Form(FORM_MORE, "experiment.title_more", more, _more_added))
    router.form(Form(FORM_EDIT, "experiment.title_edit", _fields(editing=True), _edited))
    finish = tuple(f for f in _fields(editing=True) if f.name in ("happened", "learned"))
    router.form(Form(FORM_FINISH, "experiment.title_finish", finish, _finished))
