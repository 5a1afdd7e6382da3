"""`leeratelier run` in its own process, with discord.py pointed at the test's fake Discord
(FAKE_DISCORD_API and FAKE_DISCORD_GATEWAY): the real command, the real library."""

from __future__ import annotations

import os
import sys

from bot.app.cli import main
from tests.fakes.discord_api import LibraryPatch

if __name__ == "__main__":
    sys.argv = ["leeratelier", "run"]
    with LibraryPatch(os.environ["FAKE_DISCORD_API"], os.environ["FAKE_DISCORD_GATEWAY"]):
        main()
