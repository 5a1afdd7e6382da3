"""Capability 7, the member's side of privacy: what the bot stores and why (`/privacy`, and
once in every group), all of a member's data as a file (`/mijndata` | `/mydata`), and erasing
it (`/vergeetmij` | `/forgetme`).

Which tables hold what is decided in one place, storage/member_data.py; these handlers only
walk it. Answers about a member's own data are always private.
"""

from __future__ import annotations

import json
from datetime import timedelta
from enum import StrEnum

from bot.core.context import Context, UserError
from bot.core.router import Handler, Router
from bot.handlers.my_data_summary import summary
from bot.model.markup import Text
from bot.model.messages import Attachment, Incoming, Reply
from storage.member_data import PERSONAL
from storage.repositories.privacy import PrivacyRepository
from storage.retention import RetentionPolicy

ACTION_FORGET = "forget"
CONFIRM_FOR = timedelta(minutes=15)
"""A confirmation button older than this no longer erases anything."""
EXPORT_FORMAT = "leeratelier-mydata/1"


class ForgetChoice(StrEnum):
    ALL = "all"
    ANONYMOUS = "anon"
    CANCEL = "cancel"


def _privacy(retention: RetentionPolicy) -> Handler:
    async def show(msg: Incoming, ctx: Context) -> list[Reply]:
        return [
            ctx.reply(
                "privacy.full",
                dialog_days=retention.dialog_days,
                delivery_days=retention.delivery_days,
                button_days=retention.button_days,
                ledger_months=retention.ledger_months,
            )
        ]

    return show


async def my_data(msg: Incoming, ctx: Context) -> list[Reply]:
    repository = PrivacyRepository(ctx.repos.session)
    keys = await repository.keys(ctx.member.id)
    tables = await repository.collect(keys)
    document = {
        "format": EXPORT_FORMAT,
        "generated_at": ctx.now().isoformat(),
        "member_id": keys.member_id,
        "tables": tables,
    }
    content = json.dumps(document, ensure_ascii=False, indent=2).encode()
    lines = [ctx.text("mydata.summary_title")]
    for entry in reversed(PERSONAL):
        count = len(tables[entry.name])
        if count:
            kind = ctx.t.plain(entry.label_key)
            lines.append(ctx.text("mydata.summary_line", kind=kind, count=count))
    lines.append(Text())
    lines.append(ctx.text("mydata.summary_footer"))
    day = ctx.now().astimezone(ctx.zone()).date().isoformat()
    attachment = Attachment(ctx.t.plain("mydata.filename", date=day), content, "application/json")
    order = [entry.name for entry in reversed(PERSONAL)]
    readable = Attachment(
        ctx.t.plain("mydata.filename_readable", date=day),
        summary(tables, order, ctx.t).encode(),
        "text/markdown",
    )
    return [
        Reply(Text.join(lines), attachment=attachment, private=True),
        Reply(ctx.text("mydata.readable"), attachment=readable, private=True),
    ]


async def forget_me(msg: Incoming, ctx: Context) -> list[Reply]:
    issued = int(ctx.now().timestamp())
    buttons = tuple(
        (ctx.button(f"forget.button_{choice.value}", ACTION_FORGET, f"{choice.value}:{issued}"),)
        for choice in ForgetChoice
    )
    return [ctx.reply("forget.confirm", buttons=buttons, private=True)]


async def on_forget(msg: Incoming, ctx: Context) -> list[Reply]:
    """Erase the data of whoever presses: a button can never reach another member's data."""
    word, _, issued = msg.payload.partition(":")
    try:
        choice = ForgetChoice(word)
    except ValueError:
        raise UserError("error.stale_button") from None
    if choice is ForgetChoice.CANCEL:
        return [ctx.reply("forget.cancelled", private=True)]
    age = ctx.now().timestamp() - int(issued) if issued.isdigit() else -1.0
    if not 0 <= age <= CONFIRM_FOR.total_seconds():
        raise UserError("forget.expired")
    repository = PrivacyRepository(ctx.repos.session)
    keep = choice is ForgetChoice.ANONYMOUS
    await repository.erase(await repository.keys(ctx.member.id), keep_contributions=keep)
    ctx.dialogs.forget_held(msg)
    ctx.sender_forgotten = True
    return [ctx.reply("forget.done_anonymous" if keep else "forget.done_all", private=True)]


async def group_notice(msg: Incoming, ctx: Context, replies: list[Reply]) -> list[Reply]:
    """The first time the bot speaks in a group, it says briefly what it stores and why."""
    if ctx.is_private or ctx.community is None or all(reply.private for reply in replies):
        return replies
    if ctx.community.privacy_notice_at is not None:
        return replies  # told before: no write that changes nothing
    if not await PrivacyRepository(ctx.repos.session).claim_group_notice(
        ctx.community.id, ctx.now()
    ):
        return replies
    group = ctx.catalogs.translator(ctx.community.language)
    return [*replies, Reply(group.text("privacy.group_notice"))]


def register(router: Router, retention: RetentionPolicy) -> None:
    router.command("privacy", "privacy", _privacy(retention), help_key="help.cmd.privacy")
    router.command("mijndata", "mydata", my_data, help_key="help.cmd.mijndata")
    router.command("vergeetmij", "forgetme", forget_me, help_key="help.cmd.vergeetmij")
    router.action(ACTION_FORGET, on_forget)
    router.after_replies(group_notice)
