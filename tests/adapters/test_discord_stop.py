"""Discord delivers gateway events until the gateway is closed, and never again: a message
that is being answered when the bot stops still gets its answer, now or after the restart."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.model.markup import Text
from bot.model.messages import Incoming, Reply
from tests.adapters.drivers import DiscordDriver, RecordingHost
from tests.adapters.markdown_view import visible
from tests.fakes.discord_api import FakeDiscordServer

TOKEN = "MTAw.discord-stop.token-value"


@dataclass
class SlowHost(RecordingHost):
    """A hub whose answer to a message is still being worked out when the stop begins."""

    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def dispatch(self, msg: Incoming) -> list[Reply]:
        await super().dispatch(msg)
        await self.release.wait()
        return [Reply(Text.plain("Antwoord op je vraag over de buurtkaart"))]


async def test_a_message_answered_during_the_stop_is_not_lost() -> None:
    async with (
        FakeDiscordServer(token=TOKEN, application_id=900, bot_user_id=900) as server,
        server.patch_library(),
    ):
        driver = DiscordDriver(server, database=None)  # type: ignore[arg-type]
        host = SlowHost()
        driver.host = host
        await driver.adapter.start(host)
        await server.push_message(
            driver.CHANNEL, driver.ANNA, "hoe maak ik een buurtkaart?", mentions_bot=True
        )
        await asyncio.wait_for(host.arrivals.get(), 5)

        stopping = asyncio.create_task(driver.adapter.stop())
        await asyncio.sleep(0.3)
        assert not stopping.done(), "the stop waits for the answer under way"
        host.release.set()
        await asyncio.wait_for(stopping, 10)

    sent = [visible(m.content) for m in server.sent if m.channel_id == driver.CHANNEL]
    parked = [str(reply.text) for item in host.parked for reply in item.replies]
    answered = [text for text in (*sent, *parked) if "buurtkaart" in text]
    assert answered == ["Antwoord op je vraag over de buurtkaart"]
