"""The online platform in tests: the real Starlette app over the harness's core and
database, reached through httpx, and members who log in with the link `/web` sent them."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from bot.core.web_links import WebLinks
from bot.model.markup import Style
from tests.harness import Harness, Person, Replies
from web.app import create_app
from web.limits import RateLimits, Window
from web.services import WebServices

BASE = "http://testserver"
LINKS = WebLinks(BASE, b"test-secret-that-is-long-enough!")
CONFIRM = "Geen cliëntgegevens, bewaar"


@dataclass
class WebWorld:
    harness: Harness
    services: WebServices

    @asynccontextmanager
    async def browser(self) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=create_app(self.services), client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            yield client


@asynccontextmanager
async def web_world(database_url: str, *groups: str) -> AsyncIterator[WebWorld]:
    """The harness with these groups introduced, and the platform over it."""
    harness = await Harness.create(database_url, web=LINKS)
    try:
        for group in groups:
            await harness.introduced(group)
        yield WebWorld(harness, services_for(harness))
    finally:
        await harness.close()


def services_for(harness: Harness, *, limits: RateLimits | None = None) -> WebServices:
    return WebServices(
        database=harness.database,
        catalogs=harness.core.catalogs,
        clock=harness.clock,
        messenger=harness.messenger,
        tools=harness.core.tools,
        links=LINKS,
        coordinators=harness.core.coordinators,
        limits=limits or RateLimits(search=Window(limit=10_000, seconds=60)),
    )


def login_link(replies: Replies) -> str:
    for reply in replies:
        for span in reply.text.spans:
            if span.style is Style.LINK and "/login/" in span.url:
                return span.url.removeprefix(BASE)
    raise AssertionError(f"no login link in {replies.text!r}")


async def log_in(client: httpx.AsyncClient, person: Person) -> None:
    link = login_link(await person.says("/web"))
    await open_link(client, link)


async def open_link(client: httpx.AsyncClient, link: str) -> httpx.Response:
    page = await client.get(link)
    assert page.status_code == 200, page.text
    check = re.search(r'name="check" value="([^"]+)"', page.text)
    assert check is not None, page.text
    return await client.post(link, data={"check": check.group(1)})


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


async def experiment(
    person: Person, what: str, *, learned: str = "-", sharing: str, tool: str | None = None
) -> int:
    """An experiment through the chat's form (confirming what the guard asks about), linked
    to `tool` when given; returns its number."""
    await person.says_privately("/start")  # the sharing question is asked in private only
    replies = await person.says(f"/experiment {what}")
    for answer in ("-", "-", "-", learned, "#beeld", "bezig", sharing):
        replies = await person.says_privately(answer)
        if any(button.label == CONFIRM for button in replies.buttons):
            replies = await person.presses(CONFIRM, private=True)
    number = re.search(r"bewaard als #(\d+)", replies.text)
    assert number is not None, replies.text
    if tool is not None:
        link = next(b for b in replies.buttons if b.payload.endswith(f":{tool}"))
        await person.press(link, private=True)
    return int(number.group(1))
