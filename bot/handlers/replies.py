"""Capability 8, the forum part: a member thanks or replies to an experiment or reflection
from the button on its card. The reply is a one-question form (so the client-data guard
checks it and it runs privately where the platform allows); it follows the contribution's
audience, counts as giving, and the author hears of it by direct message."""

from __future__ import annotations

from bot.core import forum
from bot.core.context import Context, UserError
from bot.core.router import Router
from bot.dialogs.forms import Field, Form, FormValues
from bot.model.markup import Text
from bot.model.messages import Button, Incoming, Reply
from storage.repositories.experiments import Viewer
from storage.repositories.replies import ShownReply, Subject

ACTION_REPLY = "reply.start"
FORM = "reply"
SUBJECT = "reply_to"
SHOWN = 5


def reply_button(ctx: Context, subject: Subject) -> Button:
    return ctx.button("reply.button", ACTION_REPLY, str(subject))


def listing(ctx: Context, replies: list[ShownReply]) -> Text:
    """The last replies under a card."""
    if not replies:
        return Text()
    lines = [ctx.text("reply.heading", count=len(replies))]
    lines += [
        ctx.text("reply.line", name=reply.author, text=reply.text) for reply in replies[-SHOWN:]
    ]
    return Text.join(lines)


async def readable(ctx: Context, written: str | None) -> forum.Readable:
    """The contribution named `kind:id`, when this member may read it (else a clear no)."""
    community = ctx.require_community()
    subject = Subject.parse(written or "")
    found = None
    if subject is not None:
        viewer = Viewer.member(community.id, ctx.member.id, coordinator=ctx.is_coordinator)
        found = await forum.readable(ctx.repos, community.id, viewer, subject)
    if found is None:
        raise UserError("reply.not_found")
    return found


async def on_reply(msg: Incoming, ctx: Context) -> list[Reply]:
    about = await readable(ctx, msg.payload)
    return await ctx.dialogs.start(msg, ctx, FORM, values={SUBJECT: str(about.subject)})


async def _replied(msg: Incoming, ctx: Context, values: FormValues) -> list[Reply]:
    about = await readable(ctx, values.get(SUBJECT))
    text = (values.get("text") or "").strip()
    if not text:
        raise UserError("reply.empty")
    community = ctx.require_community()
    await forum.post_reply(
        ctx.repos, community=community, author=ctx.member, about=about, text=text, now=ctx.now()
    )
    await forum.tell_author(
        ctx.repos,
        ctx.messenger,
        ctx.catalogs,
        community=community,
        replier=ctx.member,
        about=about,
        text=text,
    )
    return [ctx.reply(f"reply.saved_{about.subject.kind}", number=about.subject.id)]


def register(router: Router) -> None:
    router.action(ACTION_REPLY, on_reply)
    text = Field(
        "text",
        "reply.ask",
        "reply.label",
        required=True,
        max_length=forum.REPLY_LENGTH,
        multiline=True,
        guard=True,
    )
    router.form(Form(FORM, "reply.title", (text,), _replied))
