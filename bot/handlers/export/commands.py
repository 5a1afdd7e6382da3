"""Capability 6, the coordinators' export in chat (`/export`): what the group produced, as the
Markdown report and the JSON data, sent privately. The operator's `leeratelier export` writes
the same files (and CSV)."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.model.messages import Attachment, Incoming, Reply
from bot.text.export_formats import ExportFormat
from storage.models import Role
from storage.repositories.production import ProductionRepository

MIME_TYPES = {ExportFormat.MARKDOWN: "text/markdown", ExportFormat.JSON: "application/json"}


async def export(msg: Incoming, ctx: Context) -> list[Reply]:
    from bot.handlers.export.report import files  # the writers load when someone exports

    community = ctx.require_community()
    production = await ProductionRepository(ctx.repos.session).gather(community, ctx.now())
    group = ctx.catalogs.translator(community.language)
    replies = [ctx.reply("export.sent", private=True)]
    for kind, mime_type in MIME_TYPES.items():
        for name, content in files(production, kind, group).items():
            replies.append(
                Reply(
                    ctx.text("export.file", name=name),
                    attachment=Attachment(name, content, mime_type),
                    private=True,
                )
            )
    return replies


def register(router: Router) -> None:
    router.command("export", "export", export, help_key="help.cmd.export", role=Role.COORDINATOR)
