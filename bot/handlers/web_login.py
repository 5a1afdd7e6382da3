"""Logging in to the online platform from the bot: `/web` sends a single-use link by direct
message (valid for 15 minutes) with the member's calendar subscription URL; `/web uit`
(`/web off`) ends every browser session of the member. `/agenda` offers the subscription
URL too, privately (it is a secret): always in the private chat, once from the group."""

from __future__ import annotations

from bot.core.context import Context
from bot.core.router import Router
from bot.core.web_links import WebLinks
from bot.model.markup import Text
from bot.model.messages import Incoming, Reply

OFF_WORDS = ("uit", "off", "logout")


def register(router: Router, links: WebLinks | None) -> None:
    async def web(msg: Incoming, ctx: Context) -> list[Reply]:
        if links is None:
            return [ctx.reply("web.disabled")]
        if msg.args.strip().casefold() in OFF_WORDS:
            ended = await ctx.repos.web.end_sessions(ctx.member.id)
            return [ctx.reply("web.logged_out", count=ended, private=True)]
        community = ctx.require_community()
        now = ctx.now()
        token = await ctx.repos.web.issue_login(ctx.member.id, community.id, now)
        feed = await ctx.repos.web.feed_token(ctx.member.id, now)
        login = Text.link(ctx.t.plain("web.login_label"), links.login_url(token))
        text = ctx.text("web.login", link=login, community=community.title or community.chat_id)
        text = text + "\n\n" + ctx.text("web.feed", url=links.webcal_url(feed))
        return [Reply(text, private=True)]

    router.command("web", "website", web, help_key="help.cmd.web", args_key="help.args.web")

    async def offer_feed(msg: Incoming, ctx: Context, replies: list[Reply]) -> list[Reply]:
        if links is None or msg.command != "agenda" or ctx.community is None:
            return replies
        if not ctx.is_private and await ctx.repos.web.has_feed_token(ctx.member.id):
            return replies  # offered once from the group; always in the private chat
        feed = await ctx.repos.web.feed_token(ctx.member.id, ctx.now())
        offer = ctx.reply("web.feed_offer", url=links.webcal_url(feed), private=True)
        return [*replies, offer]

    router.after_replies(offer_feed)
