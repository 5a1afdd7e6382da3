"""The platform in a real browser (Debian's chromium and chromedriver, driven by selenium)
against the whole product: the hub with the real python-telegram-bot on the fake Bot API,
uvicorn serving the pages in the same event loop, SQLite underneath.

One browser for the module. Selenium blocks, so every browser step runs in a thread while
the event loop goes on serving the pages and the bot.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.wait import WebDriverWait

from bot.app.config import Settings
from bot.app.hub import Hub, build_hub
from bot.core.clock import ManualClock
from tests.fakes.telegram_api import FakeTelegramServer, SentRecord

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
TOKEN = "4242:WEB-token"
GROUP = -1009876543210
ANNA, BERT, COCO = 201, 202, 203
T = TypeVar("T")
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
"""The bot's clock: a weekly series from 22 March crosses the change to summer time."""

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()) and not os.environ.get("CI"),
    reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
)


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    options.add_experimental_option("prefs", {"intl.accept_languages": "nl,en"})
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1024,800",
        "--lang=nl",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class World:
    server: FakeTelegramServer
    hub: Hub
    base: str
    driver: WebDriver

    async def run(self, step: Callable[[WebDriver], T]) -> T:
        return await asyncio.to_thread(step, self.driver)

    async def said(
        self, chat_id: int, user_id: int, text: str, wanted: int = 1
    ) -> list[SentRecord]:
        start = len(self.server.sent)
        self.server.push_message(chat_id, user_id, text)
        found: list[SentRecord] = []
        for _ in range(wanted):
            found.append(
                await self.server.wait_for_sent(
                    lambda r: r.chat_id == chat_id and r not in found, start=start
                )
            )
        return found

    async def login_link(self, user_id: int) -> str:
        """`/web` in the private chat of a member who spoke in the group."""
        await self.said(GROUP, user_id, "/help")
        [reply] = await self.said(user_id, user_id, "/web")
        for entity in reply.entities:
            if entity.get("type") == "text_link" and "/login/" in entity["url"]:
                return str(entity["url"])
        raise AssertionError(f"no login link in {reply}")

    async def log_in(self, user_id: int) -> None:
        link = await self.login_link(user_id)

        def open_and_press(driver: WebDriver) -> str:
            driver.delete_all_cookies()
            driver.get(link)
            driver.find_element(By.CSS_SELECTOR, "main form button").click()
            WebDriverWait(driver, 10).until(lambda d: "/experiments" in d.current_url)
            return driver.find_element(By.TAG_NAME, "h1").text

        assert await self.run(open_and_press) == "Experimenten"

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
async def world(tmp_path: Path, driver: WebDriver) -> AsyncIterator[World]:
    port = _free_port()
    async with FakeTelegramServer(token=TOKEN) as server:
        server.add_user(ANNA, "Anna", language_code="nl")
        server.add_user(BERT, "Bert", language_code="nl")
        server.add_user(COCO, "Coco", language_code="nl")
        server.add_group(GROUP, "Leeratelier Impact", admins=[COCO], members=[ANNA, BERT])
        settings = Settings.load(
            env_file=None,
            telegram_token=TOKEN,
            telegram_base_url=server.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'web.db'}",
            web_port=port,
            web_secret="browser-test-secret",
        )
        hub = await build_hub(settings, web=True, clock=ManualClock(NOW))
        await hub.start()
        try:
            world = World(server, hub, f"http://127.0.0.1:{port}", driver)
            for user in (ANNA, BERT, COCO):
                await world.said(user, user, "/start")
            [_answer, _notice] = await world.said(GROUP, COCO, "/privacy", wanted=2)
            yield world
        finally:
            await hub.shutdown()


async def experiment(world: World, user_id: int, what: str, learned: str, sharing: str) -> int:
    """Through the real Telegram dialog, in the private chat (for the member's group)."""
    await world.said(GROUP, user_id, "/help")
    reply = await world.said(user_id, user_id, f"/experiment {what}")
    assert "vraag 2 van 8" in (reply[0].text or ""), reply
    for answer in ("-", "-", "-", learned, "#beeld", "bezig", sharing):
        reply = await world.said(user_id, user_id, answer)
    number = re.search(r"bewaard als #(\d+)", reply[0].text or "")
    assert number is not None, reply
    return int(number.group(1))


async def test_search_and_open_a_card_with_the_keyboard_only(world: World) -> None:
    def by_keyboard(driver: WebDriver) -> tuple[str, str, str]:
        driver.get(world.url("/"))
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys(Keys.TAB)
        skip = driver.switch_to.active_element.text
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        for _ in range(30):
            focused = driver.switch_to.active_element
            if focused.get_attribute("id") == "q":
                break
            focused.send_keys(Keys.TAB)
        focused.send_keys("verhalen ophalen", Keys.ENTER)
        heading = driver.find_element(By.TAG_NAME, "h2").text
        first = driver.find_element(By.CSS_SELECTOR, "ol.cards a")
        name = first.text
        for _ in range(40):
            focused = driver.switch_to.active_element
            if focused == first:
                break
            focused.send_keys(Keys.TAB)
        driver.switch_to.active_element.send_keys(Keys.ENTER)
        card = driver.find_element(By.TAG_NAME, "h1").text
        assert card == name
        return skip, heading, driver.current_url

    skip, heading, url = await world.run(by_keyboard)
    assert skip == "Naar de inhoud"
    assert "verhalen ophalen" in heading
    assert "/tools/" in url


async def test_a_member_logs_in_reads_rsvps_and_replies(world: World) -> None:
    group_item = await experiment(world, BERT, "Verhalen ophalen", "Luisteren werkt", "groep")
    secret = await experiment(world, COCO, "Geheim plan", "Alleen voor ons", "coordinatoren")
    await world.said(GROUP, COCO, "/bijeenkomst 2027-03-11 19:30 Atelieravond | Buurthuis")
    await world.log_in(ANNA)

    def read(driver: WebDriver) -> str:
        driver.get(world.url("/experiments"))
        return driver.find_element(By.TAG_NAME, "main").text

    listing = await world.run(read)
    assert f"#{group_item} Verhalen ophalen" in listing
    assert "Geheim plan" not in listing and f"#{secret}" not in listing

    def rsvp(driver: WebDriver) -> str:
        driver.get(world.url("/agenda"))
        driver.find_element(By.CSS_SELECTOR, "button[name=answer][value=ja]").click()
        WebDriverWait(driver, 10).until(lambda d: "#meeting-" in d.current_url)
        return driver.find_element(By.CSS_SELECTOR, "li.card .facts").text

    assert "1 komen" in await world.run(rsvp)
    [agenda] = await world.said(GROUP, ANNA, "/agenda")
    assert "✓ 1 komen" in (agenda.text or "")
    start = len(world.server.sent)
    world.server.push_message(ANNA, ANNA, "/agenda")
    offer = await world.server.wait_for_sent(
        lambda r: r.chat_id == ANNA and "webcal://" in (r.text or ""), start=start
    )
    assert "/feed/" in (offer.text or "")

    def reply(driver: WebDriver) -> str:
        driver.get(world.url(f"/experiments/{group_item}"))
        driver.find_element(By.ID, "reply-text").send_keys("Dank je, dit ga ik ook proberen!")
        driver.find_element(By.CSS_SELECTOR, "#replies button[type=submit]").click()
        return _wait_text(driver, "replies", "ook proberen")

    assert "Dank je, dit ga ik ook proberen!" in await world.run(reply)
    told = await world.server.wait_for_sent(
        lambda r: r.chat_id == BERT and "reageerde" in (r.text or "")
    )
    assert "Anna" in (told.text or "") and "ook proberen" in (told.text or "")
    [card] = await world.said(GROUP, ANNA, f"/experiment #{group_item}")
    assert "Dank je, dit ga ik ook proberen!" in (card.text or "")


async def test_the_calendar_feed_holds_series_cancellations_and_local_times(world: World) -> None:
    await world.said(GROUP, COCO, "/bijeenkomst 2027-03-11 19:30 Atelieravond | Buurthuis")
    await world.said(GROUP, COCO, "/bijeenkomst 2027-03-22 14:00 Spreekuur elke week")
    start = len(world.server.sent)
    world.server.push_message(GROUP, COCO, "/bijeenkomst annuleer 3")
    cancelled = await world.server.wait_for_sent(
        lambda r: "Afgezegd" in (r.text or ""), start=start
    )
    assert "29 maart" in (cancelled.text or ""), cancelled
    await world.log_in(ANNA)

    def feed_address(driver: WebDriver) -> tuple[str, str]:
        driver.get(world.url("/agenda"))
        subscribe = driver.find_element(By.CSS_SELECTOR, "#feed a").get_attribute("href")
        return str(subscribe), str(driver.find_element(By.ID, "feed-url").get_attribute("value"))

    webcal, address = await world.run(feed_address)
    assert webcal.startswith("webcal://127.0.0.1:") and webcal.endswith(".ics")

    def fetch(headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        request = urllib.request.Request(address, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read(), _headers(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, b"", _headers(error.headers)

    status, body, headers = await asyncio.to_thread(fetch, {})
    assert status == 200 and headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(body)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    events = calendar.walk("VEVENT")
    amsterdam = ZoneInfo("Europe/Amsterdam")
    summaries = [(str(e["SUMMARY"]), "RRULE" in e, "RECURRENCE-ID" in e) for e in events]
    single = next((e for e in events if str(e["SUMMARY"]) == "Atelieravond"), None)
    assert single is not None, summaries
    start = single.decoded("DTSTART")
    assert start.astimezone(amsterdam).replace(tzinfo=None) == datetime(2027, 3, 11, 19, 30)
    series = [e for e in events if str(e["SUMMARY"]).startswith("Spreekuur")]
    master = next((e for e in series if "RRULE" in e), None)
    assert master is not None, summaries
    assert master["RRULE"]["FREQ"] == ["WEEKLY"]
    first = master.decoded("DTSTART").astimezone(amsterdam)
    assert (first.hour, first.minute) == (14, 0)  # CET in March ...
    cancelled = next((e for e in series if "RECURRENCE-ID" in e), None)
    assert cancelled is not None, summaries
    assert str(cancelled["STATUS"]) == "CANCELLED"
    moment = cancelled.decoded("RECURRENCE-ID").astimezone(amsterdam)
    assert (moment.month, moment.day, moment.hour) == (3, 29, 14)  # ... and CEST a week later
    again, _, _ = await asyncio.to_thread(fetch, {"If-None-Match": headers["etag"]})
    assert again == 304
    since, _, _ = await asyncio.to_thread(fetch, {"If-Modified-Since": headers["last-modified"]})
    assert since == 304


def _wait_text(driver: WebDriver, element_id: str, wanted: str) -> str:
    """The element's text once it shows `wanted` (the page after a form was sent).

    The page may be replaced at any moment (the form's redirect), so the element is found
    and read in one script: a node found before the new page and read after it raises in
    chromium (stale, or "does not belong to the document")."""
    read = (
        "const e = document.getElementById(arguments[0])"
        " || document.getElementsByTagName(arguments[0])[0];"
        " return e ? e.innerText : null;"
    )

    def shown(d: WebDriver) -> str | None:
        text = d.execute_script(read, element_id)
        return text if isinstance(text, str) and wanted in text else None

    return str(WebDriverWait(driver, 10).until(shown))


def _headers(message: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in message.items()}


async def test_a_coordinator_approves_a_proposal(world: World) -> None:
    await world.said(GROUP, ANNA, "/nieuwetool Buurtbarometer")
    for answer in ("Een barometer voor de buurt", "-", "-"):
        await world.said(ANNA, ANNA, answer)
    await world.log_in(COCO)

    def approve(driver: WebDriver) -> tuple[str, str]:
        driver.get(world.url("/proposals"))
        driver.find_element(By.CSS_SELECTOR, "button[value=approve]").click()
        notice = _wait_text(driver, "main", "Goedgekeurd")
        driver.get(world.url("/tools?q=buurtbarometer"))
        return notice, driver.find_element(By.CSS_SELECTOR, "ol.cards").text

    notice, found = await world.run(approve)
    assert "Goedgekeurd" in notice and "Buurtbarometer" in found
    [answer] = await world.said(GROUP, BERT, "/tool buurtbarometer")
    assert "Buurtbarometer" in (answer.text or "")
    told = await world.server.wait_for_sent(
        lambda r: r.chat_id == ANNA and "goedgekeurd" in (r.text or "")
    )
    assert "Buurtbarometer" in (told.text or "")


PAGE_TYPES = {
    "home": "/",
    "search": "/tools?q=verhalen",
    "tool": None,
    "theme": None,
    "events": "/events",
    "about": "/about",
    "not-found": "/tools/bestaat-niet",
    "experiments": "/experiments",
    "experiment": "/experiments/{experiment}",
    "experiment-edit": "/experiments/{experiment}/edit",
    "reflections": "/reflections",
    "reflection": "/reflections/1",
    "reflection-edit": "/reflections/1/edit",
    "agenda": "/agenda",
    "mine": "/mine",
    "stats": "/stats",
    "proposals": "/proposals",
    "proposal-edit": None,
    "settings": "/settings",
    "report": "/report",
}


async def test_every_page_type_is_accessible_and_fits_a_small_screen(world: World) -> None:
    from axe_selenium_python import Axe

    number = await experiment(world, COCO, "Verhalen ophalen", "Luisteren werkt", "groep")
    await world.said(GROUP, COCO, "/reflectie Het gesprek telt meer dan de score", wanted=1)
    await world.said(GROUP, COCO, "/bijeenkomst 2027-03-11 19:30 publiek: Open avond | Buurthuis")
    await world.said(GROUP, ANNA, "/nieuwetool Buurtbarometer")
    for answer in ("Een barometer voor de buurt", "-", "-"):
        await world.said(ANNA, ANNA, answer)
    login = await world.login_link(COCO)

    def visit_all(driver: WebDriver) -> dict[str, Any]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        results: dict[str, Any] = {}
        driver.delete_all_cookies()
        driver.get(login)
        results["login"] = _check(driver, "login")
        driver.find_element(By.CSS_SELECTOR, "main form button").click()
        WebDriverWait(driver, 10).until(lambda d: "/experiments" in d.current_url)  # logged in
        driver.get(world.url("/tools?q=verhalen"))
        tool = driver.find_element(By.CSS_SELECTOR, "ol.cards a").get_attribute("href")
        driver.get(str(tool))
        theme = driver.find_element(By.CSS_SELECTOR, "dl.facts a").get_attribute("href")
        driver.get(world.url("/proposals"))
        edit_link = driver.find_element(By.CSS_SELECTOR, "main a[href$='/edit']")
        proposal = edit_link.get_attribute("href")
        for name, path in PAGE_TYPES.items():
            found = {"tool": tool, "theme": theme, "proposal-edit": proposal}
            target = found.get(name) or world.url(str(path).format(experiment=number))
            driver.get(str(target))
            results[name] = _check(driver, name)
        return results

    def _check(driver: WebDriver, name: str) -> dict[str, Any]:
        axe = Axe(driver)
        axe.inject()
        found = axe.run()
        serious = [
            (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
            for v in found["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        driver.set_window_size(375, 800)
        widths = driver.execute_script(
            "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        driver.execute_script("window.scrollTo(0, 0)")
        driver.save_screenshot(str(SCREENSHOTS / f"{name}-375.png"))
        driver.set_window_size(1024, 800)
        return {"serious": serious, "widths": widths}

    results = await world.run(visit_all)
    problems = {name: r["serious"] for name, r in results.items() if r["serious"]}
    assert problems == {}
    too_wide = {name: r["widths"] for name, r in results.items() if r["widths"][0] > r["widths"][1]}
    assert too_wide == {}
    # The screenshots stay in build/screenshots for people to look at.
    assert len(list(SCREENSHOTS.glob("*-375.png"))) >= len(PAGE_TYPES) + 1
