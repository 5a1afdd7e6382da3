"""An update is handled once, even when the platform delivers it again after a restart; a
member's identical contribution sent twice in a row is saved once ("al opgeslagen")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.app.config import Settings
from bot.app.hub import build_hub
from bot.core.clock import ManualClock
from storage.models import Reflection
from tests.adapters.markdown_view import visible
from tests.adapters.test_discord import ANNA as DISCORD_ANNA
from tests.adapters.test_discord import World as DiscordWorld
from tests.adapters.test_discord import world  # noqa: F401 - the Discord world fixture
from tests.fakes.telegram_api import FakeTelegramServer
from tests.harness import Harness

TOKEN = "4242:TEST-token"
GROUP = -1001234567890
ANNA, COCO = 101, 103
NOW = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)


async def _reflections(database: object) -> int:
    async with database.session() as session:  # type: ignore[attr-defined]
        return int(await session.scalar(select(func.count(Reflection.id))) or 0)


async def test_a_telegram_update_delivered_again_after_a_restart_is_handled_once(
    tmp_path: Path,
) -> None:
    async with FakeTelegramServer(token=TOKEN) as server:
        server.add_user(ANNA, "Anna", language_code="nl")
        server.add_user(COCO, "Coco", language_code="nl")
        server.add_group(GROUP, "Leeratelier Impact", admins=[COCO], members=[ANNA])
        settings = Settings.load(
            env_file=None,
            telegram_token=TOKEN,
            telegram_base_url=server.base_url,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'telegram.db'}",
        )
        clock = ManualClock(NOW)
        hub = await build_hub(settings, clock=clock)
        await hub.start()
        try:
            update = server.push_message(GROUP, ANNA, "/reflectie Jongeren wilden vooral praten")
            saved = await server.wait_for_sent(
                lambda r: r.chat_id == GROUP and "bewaard" in (r.text or "")
            )
            assert "Al opgeslagen" not in (saved.text or "")
        finally:
            await hub.shutdown()
        clock.advance(timedelta(minutes=5))  # past the 30 s in which a double send counts
        server.redeliver(update)
        hub = await build_hub(settings, clock=clock)
        await hub.start()
        try:
            start = len(server.sent)
            server.push_message(GROUP, ANNA, "/help")
            # A reply parked at the first stop (paced behind the group limit) may come first.
            await server.wait_for_sent(
                lambda r: r.chat_id == GROUP and "Wat je kunt doen" in (r.text or ""), start=start
            )
            assert not [r for r in server.sent[start:] if "bewaard" in (r.text or "")]
            assert not [r for r in server.sent[start:] if "opgeslagen" in (r.text or "")]
            assert await _reflections(hub.database) == 1
        finally:
            await hub.shutdown()


async def test_the_same_reflection_twice_is_saved_once(harness: Harness) -> None:
    anna = harness.member("Anna")
    first = await anna.says("/reflectie Wat werkte: eerst luisteren, dan pas vragen")
    again = await anna.says("/reflectie Wat werkte: eerst luisteren, dan pas vragen")
    assert "Al opgeslagen" not in first.text
    assert "Al opgeslagen" in again.text
    assert await _reflections(harness.database) == 1
    harness.clock.advance(timedelta(seconds=31))
    later = await anna.says("/reflectie Wat werkte: eerst luisteren, dan pas vragen")
    assert "Al opgeslagen" not in later.text  # a deliberate repeat, later, is kept
    assert await _reflections(harness.database) == 2


async def test_a_discord_modal_submitted_twice_saves_one_reflection(
    world: DiscordWorld,  # noqa: F811 - the fixture imported above
) -> None:
    texts = []
    for _ in range(2):
        opened = await world.slash(DISCORD_ANNA, "reflectie")
        assert opened.modal is not None
        [field] = [
            component["custom_id"]
            for row in opened.modal["components"]
            for component in _inputs(row)
        ]
        submitted = await world.server.push_modal_submit(
            DISCORD_ANNA, opened, {field: "De kaart maakte het gesprek makkelijker"}
        )
        await submitted.wait_answered()
        [answer] = await world.answers(submitted)
        texts.append(visible(answer.content))
    assert "Al opgeslagen" not in texts[0] and "Al opgeslagen" in texts[1]
    assert await _reflections(world.hub.database) == 1


def _inputs(row: dict) -> list[dict]:  # type: ignore[type-arg]
    inner = row.get("components") or ([row["component"]] if "component" in row else [])
    return [component for component in inner if component.get("type") == 4]
