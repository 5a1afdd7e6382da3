"""The platform's doors: login links (forged, reused, expired), sessions (logout, `/web uit`,
a forgotten member), CSRF, roles and communities checked on every URL, escaping of every
user-supplied field, rate limits and the security headers. Real app, real database."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from storage.db import Database
from storage.models import Activity
from tests.web.support import (
    BASE,
    WebWorld,
    csrf_of,
    experiment,
    log_in,
    login_link,
    open_link,
    web_world,
)
from web.app import create_app
from web.limits import RateLimits, Window

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[WebWorld]:
    async with web_world(database_url, "group-1", "group-2") as world:
        yield world


async def test_every_response_carries_the_security_headers(world: WebWorld) -> None:
    async with world.browser() as client:
        for path in ("/", "/tools?q=verhalen", "/about", "/events", "/nergens", "/experiments"):
            response = await client.get(path)
            csp = response.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp, path
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert "Traceback" not in response.text


async def test_a_login_link_works_once(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    replies = await anna.says("/web")
    assert all(reply.private for reply in replies)
    link = login_link(replies)
    async with world.browser() as client:
        assert (await client.get("/experiments")).status_code == 401
        logged_in = await open_link(client, link)
        assert logged_in.status_code == 303
        cookie = logged_in.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "max-age=2592000" in cookie
        assert (await client.get("/experiments")).status_code == 200
    async with world.browser() as other:
        again = await open_link(other, link)
        assert again.status_code == 400 and "al gebruikt" in again.text
        assert (await other.get("/experiments")).status_code == 401


def _other_end(text: str) -> str:
    """The text with its last character changed (never the same text again)."""
    return text[:-1] + ("B" if text.endswith("A") else "A")


async def test_a_forged_link_is_refused(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    link = login_link(await anna.says("/web"))
    token, _, mac = link.removeprefix("/login/").rpartition(".")
    forged = [
        f"/login/{token}.{_other_end(mac)}",
        f"/login/{_other_end(token)}.{mac}",
        "/login/abc",
    ]
    async with world.browser() as client:
        for attempt in forged:
            page = await client.get(attempt)
            assert page.status_code == 400 and "klopt niet" in page.text
        # The genuine link still works: the forgeries did not use it up.
        assert (await open_link(client, link)).status_code == 303


async def test_an_expired_link_is_refused(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    link = login_link(await anna.says("/web"))
    world.harness.clock.advance(timedelta(minutes=16))
    async with world.browser() as client:
        response = await open_link(client, link)
        assert response.status_code == 400 and "verlopen" in response.text
        assert (await client.get("/agenda")).status_code == 401


async def test_a_login_post_without_the_check_cookie_is_refused(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    link = login_link(await anna.says("/web"))
    async with world.browser() as client:
        assert (await client.post(link, data={"check": "guess"})).status_code == 403
        assert (await open_link(client, link)).status_code == 303


async def test_forms_need_the_sessions_csrf_token(world: WebWorld) -> None:
    coco = world.harness.member("Coco", coordinator=True)
    created = await coco.says("/bijeenkomst 10 maart 19:30 Atelieravond | Buurthuis")
    assert "#1" in created.text
    anna = world.harness.member("Anna")
    async with world.browser() as client:
        await log_in(client, anna)
        agenda = await client.get("/agenda")
        token = csrf_of(agenda.text)
        for data in ({"answer": "ja"}, {"answer": "ja", "csrf": "wrong"}):
            refused = await client.post("/agenda/1/rsvp", data=data)
            assert refused.status_code == 403
        assert "0 komen" in (await client.get("/agenda")).text
        accepted = await client.post("/agenda/1/rsvp", data={"answer": "ja", "csrf": token})
        assert accepted.status_code == 303
        assert "1 komen" in (await client.get("/agenda")).text
        assert (await client.post("/logout", data={})).status_code == 403


async def test_another_communitys_ids_answer_404_everywhere(world: WebWorld) -> None:
    bert = world.harness.member("Bert", chat="group-2", coordinator=True)
    number = await experiment(bert, "Elders proberen", sharing="groep")
    await bert.says("/reflectie Een reflectie uit groep 2")
    await bert.says("/bijeenkomst 10 maart 19:30 Elders | Daar")
    anna = world.harness.member("Anna", coordinator=True)
    async with world.browser() as client:
        await log_in(client, anna)
        token = csrf_of((await client.get("/agenda")).text)
        gets = [
            f"/experiments/{number}",
            f"/experiments/{number}/edit",
            "/reflections/1",
            "/reflections/1/edit",
            "/agenda/1.ics",
        ]
        for path in gets:
            assert (await client.get(path)).status_code == 404, path
        posts = {
            f"/experiments/{number}/reply": {"text": "hallo"},
            f"/experiments/{number}/edit": {"what": "overgenomen", "sharing": "groep"},
            "/reflections/1/reply": {"text": "hallo"},
            "/reflections/1/edit": {"text": "overgenomen", "sharing": "groep"},
            "/agenda/1/rsvp": {"answer": "ja"},
            "/community": {"community": "2"},
        }
        for path, data in posts.items():
            response = await client.post(path, data={**data, "csrf": token})
            assert response.status_code == 404, path
        listing = await client.get("/experiments")
        assert "Elders proberen" not in listing.text
        assert "Elders" not in (await client.get("/agenda")).text
    shown = await bert.says(f"/experiment #{number}")
    assert "overgenomen" not in shown.text and "hallo" not in shown.text


async def test_members_pages_need_a_login_and_coordinator_pages_the_role(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    coco = world.harness.member("Coco", coordinator=True)
    coordinator_pages = ["/stats", "/stats/chart.png", "/proposals", "/settings", "/report"]
    member_pages = ["/experiments", "/reflections", "/agenda", "/mine", "/mine/data.json"]
    async with world.browser() as client:
        for path in member_pages + coordinator_pages:
            assert (await client.get(path)).status_code == 401, path
        await log_in(client, anna)
        for path in member_pages:
            assert (await client.get(path)).status_code == 200, path
        for path in coordinator_pages:
            assert (await client.get(path)).status_code == 403, path
    async with world.browser() as client:
        await log_in(client, coco)
        for path in coordinator_pages:
            assert (await client.get(path)).status_code == 200, path


async def test_web_off_ends_every_session(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    async with world.browser() as first, world.browser() as second:
        await log_in(first, anna)
        await log_in(second, anna)
        ended = await anna.says("/web uit")
        assert "2 sessie" in ended.text
        assert (await first.get("/agenda")).status_code == 401
        assert (await second.get("/agenda")).status_code == 401


async def test_a_forgotten_members_session_no_longer_works(world: WebWorld) -> None:
    anna = world.harness.member("Anna")
    async with world.browser() as client:
        await log_in(client, anna)
        feed = re.search(
            r'id="feed-url" readonly value="http://testserver([^"]+)"',
            (await client.get("/agenda")).text,
        )
        assert feed is not None
        await anna.says("/vergeetmij")
        forgotten = await anna.presses("Alles verwijderen")
        assert "verwijderd" in forgotten.text.casefold()
        assert (await client.get("/agenda")).status_code == 401
        assert (await client.get(feed.group(1))).status_code == 404


async def test_every_user_supplied_field_is_escaped(world: WebWorld) -> None:
    evil = world.harness.member(f"Eva {XSS}", coordinator=True, user_id="eva")
    number = await experiment(evil, f"Doel {XSS}", learned=f"Les {XSS}", sharing="groep")
    await evil.says(f"/reflectie Reflectie {XSS}")
    await evil.says(f"/bijeenkomst 10 maart 19:30 Avond {XSS} | Plek {XSS}")
    async with world.browser() as client:
        await log_in(client, evil)
        token = csrf_of((await client.get("/agenda")).text)
        await client.post(f"/experiments/{number}/reply", data={"text": f"Re {XSS}", "csrf": token})
        await client.post("/reflections/1/reply", data={"text": f"Re {XSS}", "csrf": token})
        await client.get(f"/tools?q={XSS}")
        pages = [
            "/experiments",
            f"/experiments/{number}",
            f"/experiments/{number}/edit",
            "/reflections",
            "/reflections/1",
            "/agenda",
            "/mine",
            "/report",
            f"/tools?q={XSS}",
        ]
        for path in pages:
            body = (await client.get(path)).text
            assert "<script>" not in body and "<img src=x" not in body, path
            assert html.escape("<script>", quote=False) in body or "&lt;script&gt;" in body, path


async def test_login_and_search_are_rate_limited(world: WebWorld) -> None:
    world.services.limits = RateLimits(
        login=Window(limit=3, seconds=60), search=Window(limit=5, seconds=60)
    )
    anna = world.harness.member("Anna")
    link = login_link(await anna.says("/web"))
    async with world.browser() as client:
        statuses = [(await client.post(link, data={"check": "x"})).status_code for _ in range(4)]
        assert statuses == [403, 403, 403, 429]
        searches = [(await client.get("/tools?q=verhalen")).status_code for _ in range(6)]
        assert searches == [200] * 5 + [429]
        assert (await client.get("/tools")).status_code == 200


async def test_reading_on_the_web_is_taking_as_in_the_chat(world: WebWorld) -> None:
    bert = world.harness.member("Bert")
    number = await experiment(bert, "Verhalen ophalen", sharing="groep")
    anna = world.harness.member("Anna")
    async with world.browser() as client:
        await log_in(client, anna)
        assert (await client.get(f"/experiments/{number}")).status_code == 200
    async with world.harness.database.session() as session:
        from sqlalchemy import select

        kinds = list(await session.scalars(select(Activity.kind)))
    assert "experiment_read" in kinds


async def test_sessions_ended_by_another_process_stop_working_within_a_second(
    world: WebWorld,
) -> None:
    """The platform in one process, the bot in another, one database: `/web uit` in the
    chat reaches the platform's cached visitors through the database's change count."""
    elsewhere = Database(world.harness.database.url)
    moment = [0.0]
    limits = RateLimits(search=Window(limit=10_000, seconds=60), monotonic=lambda: moment[0])
    services = replace(world.services, database=elsewhere, limits=limits)
    transport = httpx.ASGITransport(app=create_app(services), client=("127.0.0.1", 5000))
    anna = world.harness.member("Anna")
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
            await log_in(client, anna)
            assert (await client.get("/agenda")).status_code == 200
            assert (await client.get("/experiments")).status_code == 200
            assert "1 sessie" in (await anna.says("/web uit")).text
            moment[0] += 1.5
            assert (await client.get("/experiments")).status_code == 401
            assert (await client.get("/agenda")).status_code == 401
    finally:
        await elsewhere.dispose()
