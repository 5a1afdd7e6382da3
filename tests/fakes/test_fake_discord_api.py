"""Validate the fake Discord against the real discord.py 2.7 client.

Every behaviour the bot's Discord adapter relies on is exercised through ``discord.Client`` /
``discord.AutoShardedClient`` with ``app_commands.CommandTree``, ``ui.View`` and ``ui.Modal``
(or raw HTTP where discord.py would refuse to send what we want the server to refuse).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import discord
import pytest
import pytest_asyncio
from discord import app_commands, ui
from discord.http import Route

from .discord_api import FakeDiscordServer, Interaction, OptionValue

TOKEN = "fake-discord-token"
APP = 900
GUILD = 2 << 22  # shard 0 of 2
OTHER_GUILD = 3 << 22  # shard 1 of 2
GENERAL, QUESTIONS, ELSEWHERE = 11, 12, 21
ANNA, BERT, CARLA, DAAN = 101, 102, 103, 104  # owner; member; blocks DMs; shares no guild
ServerFactory = Callable[..., Awaitable[FakeDiscordServer]]


def populate(server: FakeDiscordServer) -> None:
    server.add_user(ANNA, "Anna")
    server.add_user(BERT, "Bert", locale="en-GB")
    server.add_user(CARLA, "Carla")
    server.add_user(DAAN, "Daan")
    server.add_guild(GUILD, "Atelier", channels={GENERAL: "algemeen", QUESTIONS: "vragen"},
                     owner_id=ANNA)  # fmt: skip
    server.add_guild(OTHER_GUILD, "Werkplaats", channels={ELSEWHERE: "werk"}, owner_id=ANNA)
    server.add_member(GUILD, BERT)
    server.add_member(GUILD, CARLA)
    server.block_dms(CARLA)


@pytest_asyncio.fixture
async def make_server() -> AsyncIterator[ServerFactory]:
    """``await make_server(**settings)``: a started, populated server discord.py points at."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(**settings: Any) -> FakeDiscordServer:
            server = FakeDiscordServer(heartbeat_interval=0.2, **settings)
            await stack.enter_async_context(server)
            await stack.enter_async_context(server.patch_library())
            populate(server)
            return server

        yield start


@pytest_asyncio.fixture
async def server(make_server: ServerFactory) -> FakeDiscordServer:
    """Discord's limits, except 50 sends per second per channel (5 per 5 s makes tests slow)."""
    return await make_server(channel_limit=(50, 1.0))


class NoIdentifyWait(discord.Client):
    """discord.py sleeps 5 s before every identify but the first (Discord's identify rate)."""

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass


def make_client(
    cls: type[discord.Client] = discord.Client, *, members: bool = True, content: bool = True
) -> discord.Client:
    intents = discord.Intents.default()
    intents.members = members
    intents.message_content = content
    return cls(intents=intents, guild_ready_timeout=0.1)


def text_channel(client: discord.Client, channel_id: int = GENERAL) -> discord.TextChannel:
    channel = client.get_channel(channel_id)
    assert isinstance(channel, discord.TextChannel)
    return channel


def guild_of(client: discord.Client, guild_id: int = GUILD) -> discord.Guild:
    guild = client.get_guild(guild_id)
    assert guild is not None
    return guild


def member_of(client: discord.Client, user_id: int) -> discord.Member:
    member = guild_of(client).get_member(user_id)
    assert member is not None
    return member


@contextlib.asynccontextmanager
async def running(client: discord.Client) -> AsyncIterator[discord.Client]:
    """``client.start`` in the running loop until on_ready; closed afterwards."""
    task = asyncio.create_task(client.start(TOKEN))
    try:
        async with asyncio.timeout(5):
            while not client.is_ready():
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield client
    finally:
        await client.close()
        with contextlib.suppress(Exception):
            await task


async def raw(
    server: FakeDiscordServer, method: str, path: str, *, auth: bool = True, **kwargs: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {server.token}"} if auth else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, server.api_base + path, headers=headers, **kwargs) as response,
    ):
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


async def respond_raw(
    server: FakeDiscordServer, interaction: Interaction, body: dict[str, Any]
) -> tuple[int, Any]:
    path = f"/interactions/{interaction.id}/{interaction.token}/callback"
    return await raw(server, "POST", path, auth=False, json=body)


async def until(predicate: Callable[[], bool], timeout: float = 3) -> None:  # noqa: ASYNC109
    """Poll library state (discord.py's caches have no events to wait on)."""
    async with asyncio.timeout(timeout):
        while not predicate():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


# ------------------------------------------------------------------------------ gateway & world


async def test_client_connects_and_sees_the_world(server: FakeDiscordServer) -> None:
    async with running(make_client()) as client:
        guild = guild_of(client)
        assert guild.name == "Atelier"
        assert [channel.name for channel in guild.text_channels] == ["algemeen", "vragen"]
        assert {m.display_name for m in guild.members} == {"Leeratelier", "Anna", "Bert", "Carla"}
        assert guild.owner_id == ANNA and member_of(client, ANNA).guild_permissions.manage_guild
        assert not member_of(client, BERT).guild_permissions.manage_guild
        assert client.user is not None and client.user.id == server.bot_user_id
        session = server.sessions[0]
        assert session.compress == "zlib-stream"  # discord.py asks for it; frames are compressed
        await until(lambda: session.heartbeats >= 2)
        assert math.isfinite(client.latency)
        assert [(c.method, c.path) for c in server.calls] == [
            ("GET", "/users/@me"),
            ("GET", "/oauth2/applications/@me"),
        ]
    assert server.errors == []


async def test_live_world_changes_reach_the_client(server: FakeDiscordServer) -> None:
    joined: list[int] = []
    client = make_client()

    @client.event
    async def on_member_join(member: discord.Member) -> None:
        joined.append(member.id)

    @client.event
    async def on_guild_join(guild: discord.Guild) -> None:
        joined.append(guild.id)

    async with running(client):
        server.add_member(GUILD, DAAN, manage_guild=True)
        await until(lambda: joined == [DAAN])
        assert member_of(client, DAAN).guild_permissions.manage_guild
        server.remove_member(GUILD, DAAN)
        await server.settle()
        await until(lambda: guild_of(client).get_member(DAAN) is None)
        server.add_guild(5 << 22, "Nieuw", channels={31: "hal"}, owner_id=BERT)
        await until(lambda: joined == [DAAN, 5 << 22])  # a join, not a backfill
        await client.http.request(Route("GET", "/guilds/{guild_id}", guild_id=5 << 22))
        call = await server.wait_for_call("GET", f"/guilds/{5 << 22}")
        assert call.status == 200


async def test_rest_needs_the_bot_token_and_unknown_routes_are_visible(
    server: FakeDiscordServer,
) -> None:
    assert (await raw(server, "GET", "/users/@me", auth=False))[0] == 401
    status, body = await raw(server, "GET", "/users/@me")
    assert status == 200 and body["id"] == str(server.bot_user_id)
    status, body = await raw(server, "GET", "/channels/11/pins")
    assert status == 404 and body["code"] == 0
    assert len(server.errors) == 2 and "401" in server.errors[0] and "/pins" in server.errors[1]


async def gateway_exchange(
    server: FakeDiscordServer, payload: dict[str, Any], *, query: str = "v=10&encoding=json"
) -> tuple[list[dict[str, Any]], int | None]:
    """Raw websocket (no compression asked: plain text frames): send ``payload`` after HELLO,
    collect frames until the server closes or answers INVALID_SESSION."""
    frames: list[dict[str, Any]] = []
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(f"{server.gateway_url}?{query}") as ws,
    ):
        async for message in ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frames.append(json.loads(message.data))
            if frames[-1]["op"] == 10:
                await ws.send_json(payload)
            if frames[-1]["op"] == 9:
                await ws.close()
        return frames, ws.close_code


async def test_gateway_handshake_rules(server: FakeDiscordServer) -> None:
    identify = {"token": TOKEN, "intents": 513, "properties": {}}
    cases = [
        ({"op": 2, "d": {**identify, "token": "wrong"}}, 4004),
        ({"op": 2, "d": {**identify, "shard": [2, 2]}}, 4010),
        ({"op": 2, "d": {**identify, "intents": 1 << 30}}, 4013),
        ({"op": 8, "d": {"guild_id": str(GUILD), "query": "", "limit": 0}}, 4003),
    ]
    for payload, code in cases:
        frames, close_code = await gateway_exchange(server, payload)
        assert frames[0]["op"] == 10 and frames[0]["d"]["heartbeat_interval"] == 200
        assert close_code == code
    frames, _ = await gateway_exchange(server, {"op": 2, "d": identify}, query="v=9")
    assert frames == []  # closed with 4012 before HELLO
    resume = {"op": 6, "d": {"token": TOKEN, "session_id": "old", "seq": 5}}
    frames, _ = await gateway_exchange(server, resume)
    assert frames[-1] == {"op": 9, "d": False, "s": None, "t": None}  # cannot resume: identify
    assert [error.split(":")[0] for error in server.errors] == [
        "gateway close 4004", "gateway close 4010", "gateway close 4013",
        "gateway close 4003", "gateway close 4012",
    ]  # fmt: skip


async def test_dropped_connections_reconnect_with_a_new_session(
    server: FakeDiscordServer,
) -> None:
    seen: list[str] = []
    client = make_client(NoIdentifyWait)

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    async with running(client):
        first = server.sessions[0]
        await server.drop_connections(1001)
        await until(lambda: any(s.live and s is not first for s in server.sessions))
        (session,) = await server.wait_until_ready()
        assert session is not first and first.close_code == 1001
        assert not server.sessions[1].identified  # the RESUME attempt, answered op 9
        await server.push_message(GENERAL, BERT, "na herverbinden")
        await until(lambda: seen == ["na herverbinden"])


# ------------------------------------------------------------------------------ messages


async def test_channel_send_is_recorded_with_allowed_mentions(server: FakeDiscordServer) -> None:
    seen: list[discord.Message] = []
    client = make_client()

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message)

    async with running(client):
        channel = text_channel(client)
        mentions = discord.AllowedMentions(
            everyone=False, users=[discord.Object(BERT)], roles=False
        )
        sent = await channel.send(f"Hoi <@{BERT}>", allowed_mentions=mentions)
        record = server.sent[0]
        assert (record.id, record.content, record.via, record.is_dm) == (
            sent.id, f"Hoi <@{BERT}>", "channel", False,
        )  # fmt: skip
        assert record.allowed_mentions == {"parse": [], "users": [BERT], "replied_user": True}
        await until(lambda: bool(seen))  # the bot sees its own message, as on Discord
        assert seen[0].author == client.user and seen[0].content == f"Hoi <@{BERT}>"
    assert server.errors == []


async def test_message_limits(server: FakeDiscordServer) -> None:
    async with running(make_client()) as client:
        channel = text_channel(client)
        with pytest.raises(discord.HTTPException) as too_long:
            await channel.send("x" * 2001)
        assert too_long.value.code == 50035 and "content" in too_long.value.text
        await channel.send("x" * 2000)
        with pytest.raises(discord.HTTPException) as empty:
            await channel.send(embeds=[])
        assert empty.value.code == 50006
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL)
        eleven = [{"title": str(n)} for n in range(11)]  # discord.py refuses this itself
        with pytest.raises(discord.HTTPException) as embeds:
            await client.http.request(route, json={"embeds": eleven})
        assert embeds.value.code == 50035 and "embeds" in embeds.value.text
        for mentions in ({"parse": ["users"], "users": ["1"]}, {"parse": ["iedereen"]}):
            with pytest.raises(discord.HTTPException) as shape:
                await client.http.request(
                    route, json={"content": "x", "allowed_mentions": mentions}
                )
            assert shape.value.code == 50035 and "allowed_mentions" in shape.value.text
    assert [len(record.content) for record in server.sent] == [2000]
    assert len(server.errors) == 5


async def test_edit_delete_and_fetch(server: FakeDiscordServer) -> None:
    async with running(make_client()) as client:
        channel = text_channel(client)
        message = await channel.send("eerst")
        edited = await message.edit(content="daarna")
        assert edited.content == "daarna" and edited.edited_at is not None
        assert (await channel.fetch_message(message.id)).content == "daarna"
        theirs = await server.push_message(GENERAL, BERT, "van Bert")
        reply = await channel.send("antwoord", reference=channel.get_partial_message(theirs))
        assert reply.reference is not None and reply.reference.message_id == theirs
        with pytest.raises(discord.HTTPException) as unknown_reply:
            await channel.send("x", reference=channel.get_partial_message(12345))
        assert unknown_reply.value.code == 50035 and "message_reference" in unknown_reply.value.text
        with pytest.raises(discord.Forbidden) as not_ours:
            await channel.get_partial_message(theirs).edit(content="x")
        assert not_ours.value.code == 50005
        with pytest.raises(discord.HTTPException) as emptied:
            await message.edit(content="")
        assert emptied.value.code == 50006
        await message.delete()
        with pytest.raises(discord.NotFound) as gone:
            await channel.fetch_message(message.id)
        assert gone.value.code == 10008
        fetched = await client.fetch_channel(GENERAL)
        assert isinstance(fetched, discord.TextChannel) and fetched.name == "algemeen"
        guild = guild_of(client)
        assert (await guild.fetch_member(BERT)).display_name == "Bert"
        with pytest.raises(discord.NotFound) as stranger:
            await guild.fetch_member(DAAN)
        assert stranger.value.code == 10007
    assert [(r.via, r.content, r.reference) for r in server.sent] == [
        ("channel", "eerst", None), ("edit", "daarna", None), ("channel", "antwoord", theirs),
    ]  # fmt: skip
    assert server.message(message.id) is None


async def test_invalid_components_are_refused(server: FakeDiscordServer) -> None:
    def button(custom_id: str) -> dict[str, Any]:
        return {"type": 2, "style": 1, "label": custom_id, "custom_id": custom_id}

    bad = [
        [{"type": 1, "components": [button("a"), button("a")]}],
        [{"type": 1, "components": [button(str(n)) for n in range(6)]}],
        [{"type": 1, "components": [{**button("a"), "style": 5, "url": "https://x.org"}]}],
        [{"type": 1, "components": [{**button("a"), "label": "x" * 81}]}],
        [{"type": 1, "components": [button(str(n))]} for n in range(6)],
    ]
    async with running(make_client()) as client:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=GENERAL)
        for components in bad:
            with pytest.raises(discord.HTTPException) as refused:
                await client.http.request(route, json={"content": "x", "components": components})
            assert refused.value.code == 50035
        await client.http.request(
            route, json={"components": [{"type": 1, "components": [button("ok")]}]}
        )
    assert server.sent[0].buttons() == [("ok", "ok")]


async def test_files_are_kept_and_size_limited(make_server: ServerFactory) -> None:
    server = await make_server(max_file_size=1024)
    async with running(make_client()) as client:
        channel = text_channel(client)
        message = await channel.send("notes", file=discord.File(io.BytesIO(b"data"), "notes.txt"))
        assert message.attachments[0].filename == "notes.txt"
        with pytest.raises(discord.HTTPException) as too_big:
            await channel.send(file=discord.File(io.BytesIO(b"x" * 2048), "big.bin"))
        assert too_big.value.status == 413 and too_big.value.code == 40005
    assert server.sent[0].attachments == [("notes.txt", b"data")]


async def test_dms_need_an_open_dm_and_a_mutual_guild(server: FakeDiscordServer) -> None:
    async with running(make_client()) as client:
        bert = await client.fetch_user(BERT)
        await bert.send("Hallo Bert")
        for user_id in (CARLA, DAAN):
            with pytest.raises(discord.Forbidden) as refused:
                await (await client.fetch_user(user_id)).send("Hallo")
            assert refused.value.code == 50007
    assert [record.content for record in server.dms_to(BERT)] == ["Hallo Bert"]
    assert server.dms_to(BERT)[0].channel_id == server.dm_channel_id(BERT)


async def test_unknown_channel_and_missing_access(server: FakeDiscordServer) -> None:
    async with running(make_client()) as client:
        with pytest.raises(discord.NotFound) as unknown:
            await client.get_partial_messageable(999).send("x")
        assert unknown.value.code == 10003
        server.kick_bot(GUILD)
        await until(lambda: client.get_guild(GUILD) is None)
        with pytest.raises(discord.Forbidden) as kicked:
            await client.get_partial_messageable(GENERAL).send("x")
        assert kicked.value.code == 50001


async def test_rate_limits_are_waited_out_without_losing_messages(
    make_server: ServerFactory,
) -> None:
    server = await make_server(channel_limit=(3, 0.3), global_limit=(4, 0.25))
    async with running(make_client()) as client:
        channel = text_channel(client)
        for n in range(12):
            await channel.send(f"bericht {n}")
    assert [record.content for record in server.sent] == [f"bericht {n}" for n in range(12)]
    assert server.rate_limited > 0
    assert server.errors == []


# ------------------------------------------------------------------------------ intents & shards


async def test_message_content_is_hidden_without_the_intent(server: FakeDiscordServer) -> None:
    seen: list[str] = []
    client = make_client(content=False)

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append(message.content)

    async with running(client) as bot:
        ours = await text_channel(bot).send("Wie doet mee?")
        await server.push_message(GENERAL, BERT, "geheim")
        await server.push_message(GENERAL, BERT, "hallo bot", mentions_bot=True)
        await server.push_message(GENERAL, BERT, "ik!", reply_to=ours.id)  # a reply pings
        await server.push_dm(BERT, "privé")
        await until(lambda: len(seen) == 5)
    mention = f"<@{server.bot_user_id}> hallo bot"
    assert seen == ["Wie doet mee?", "", mention, "ik!", "privé"]


async def test_requesting_a_disallowed_intent_closes_4014(make_server: ServerFactory) -> None:
    server = await make_server(message_content_intent=False)
    with pytest.raises(discord.PrivilegedIntentsRequired):
        async with running(make_client(content=True)):
            pass
    assert any("4014" in error for error in server.errors)


async def test_auto_sharded_client_identifies_every_shard(make_server: ServerFactory) -> None:
    server = await make_server(shards=2)

    class Sharded(NoIdentifyWait, discord.AutoShardedClient):
        pass

    seen: list[tuple[int, int | None]] = []
    client = make_client(Sharded)

    @client.event
    async def on_message(message: discord.Message) -> None:
        seen.append((message.channel.id, message.guild.shard_id if message.guild else None))

    async with running(client):
        assert sorted(server.identified_shards) == [(0, 2), (1, 2)]
        assert {guild.id: guild.shard_id for guild in client.guilds} == {GUILD: 0, OTHER_GUILD: 1}
        await server.push_message(ELSEWHERE, ANNA, "op shard 1")
        await until(lambda: seen == [(ELSEWHERE, 1)])
    assert server.errors == []


# ------------------------------------------------------------------------------ app commands


class Dutch(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        return f"nl-{string.message}"[:32].lower() if locale is discord.Locale.dutch else None


def command_client() -> tuple[discord.Client, app_commands.CommandTree[discord.Client], list[Any]]:
    client = make_client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    calls: list[Any] = []
    guild = discord.Object(GUILD)

    @tree.command(name="zoek", description="zoek een tool", guild=guild)
    @app_commands.choices(soort=[app_commands.Choice(name="boek", value="boek")])
    async def zoek(
        interaction: discord.Interaction,
        term: str,
        aantal: int = 1,
        exact: bool = False,
        soort: str = "boek",
        wie: discord.Member | None = None,
    ) -> None:
        calls.append((term, aantal, exact, soort, wie))
        await interaction.response.send_message(f"{term} x{aantal}", ephemeral=exact)

    return client, tree, calls


async def test_slash_commands_sync_with_localisations(server: FakeDiscordServer) -> None:
    client, tree, _ = command_client()
    await tree.set_translator(Dutch())
    async with running(client):
        synced = await tree.sync(guild=discord.Object(GUILD))
        assert [command.name for command in synced] == ["zoek"]
        stored = server.commands[GUILD][0]
        assert stored["name_localizations"] == {"nl": "nl-zoek"}
        assert [option["name"] for option in stored["options"]] == [
            "term", "aantal", "exact", "soort", "wie",
        ]  # fmt: skip
        for bad in (
            {"name": "zoek", "description": "d", "name_localizations": {"xx": "zoek"}},
            {"name": "Zoek", "description": "d"},
            {"name": "zoek", "description": ""},
            {"name": "zoek", "description": "d", "options": [
                {"type": 3, "name": "a", "description": "a"},
                {"type": 3, "name": "b", "description": "b", "required": True},
            ]},
        ):  # fmt: skip
            with pytest.raises(discord.HTTPException) as refused:
                await client.http.bulk_upsert_guild_commands(APP, GUILD, [bad])
            assert refused.value.code == 50035
        assert [c["name"] for c in server.commands[GUILD]] == ["zoek"]  # not overwritten
        fetched = await tree.fetch_commands(guild=discord.Object(GUILD))
        assert [command.id for command in fetched] == [command.id for command in synced]


async def test_slash_command_reaches_its_callback_with_typed_options(
    server: FakeDiscordServer,
) -> None:
    client, tree, calls = command_client()
    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        options: dict[str, OptionValue] = {
            "term": "kahoot",
            "aantal": 3,
            "exact": True,
            "wie": BERT,
        }
        interaction = await server.push_slash_command(GENERAL, ANNA, "zoek", options)
        await interaction.wait_answered()
        ((term, aantal, exact, soort, wie),) = calls
        assert (term, aantal, exact, soort) == ("kahoot", 3, True, "boek")
        assert isinstance(wie, discord.Member) and wie.id == BERT
        assert interaction.response_type == 4
        record = server.sent[-1]
        assert (record.content, record.via, record.interaction_id) == (
            "kahoot x3", "interaction", interaction.id,
        )  # fmt: skip
        assert record.ephemeral
        status, body = await respond_raw(server, interaction, {"type": 4, "data": {"content": "2"}})
        assert (status, body["code"]) == (400, 40060)
        assert interaction.responses == 2
    assert len(server.errors) == 1 and "40060" in server.errors[0]


async def test_command_permissions_follow_roles(server: FakeDiscordServer) -> None:
    client = make_client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    seen: list[tuple[int, bool, str]] = []

    @tree.command(name="beheer", description="alleen beheerders", guild=discord.Object(GUILD))
    @app_commands.default_permissions(manage_guild=True)
    async def beheer(interaction: discord.Interaction) -> None:
        seen.append(
            (interaction.user.id, interaction.permissions.manage_guild, interaction.locale.value)
        )
        await interaction.response.send_message("ok", ephemeral=True)

    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        assert server.commands[GUILD][0]["default_member_permissions"] == "32"
        with pytest.raises(AssertionError, match="needs permissions"):
            await server.push_slash_command(GENERAL, BERT, "beheer")
        server.add_role(GUILD, 77, "Beheer", manage_guild=True)
        server.add_member(GUILD, BERT, roles=(77,))
        await (await server.push_slash_command(GENERAL, BERT, "beheer")).wait_answered()
        server.add_member(GUILD, DAAN, manage_guild=True)
        await (
            await server.push_slash_command(GENERAL, DAAN, "beheer", locale="de")
        ).wait_answered()
        await until(lambda: member_of(client, BERT).guild_permissions.manage_guild)
    assert seen == [(BERT, True, "en-GB"), (DAAN, True, "de")]  # locale: the user's, or given


async def test_push_slash_command_checks_like_the_discord_client(
    server: FakeDiscordServer,
) -> None:
    client, tree, _ = command_client()
    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        with pytest.raises(AssertionError, match="unknown command"):
            await server.push_slash_command(GENERAL, ANNA, "onbekend")
        with pytest.raises(AssertionError, match="required"):
            await server.push_slash_command(GENERAL, ANNA, "zoek", {"aantal": 2})
        with pytest.raises(AssertionError, match="integer"):
            await server.push_slash_command(GENERAL, ANNA, "zoek", {"term": "x", "aantal": "2"})
        with pytest.raises(AssertionError, match="among"):
            await server.push_slash_command(GENERAL, ANNA, "zoek", {"term": "x", "soort": "film"})
        with pytest.raises(AssertionError, match="unknown command"):
            await server.push_slash_command(None, ANNA, "zoek")  # a guild command, not in DMs


async def test_a_late_response_is_an_unknown_interaction(server: FakeDiscordServer) -> None:
    server.interaction_timeout = 0.2
    client = make_client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    failures: list[discord.HTTPException] = []

    @tree.command(name="traag", description="te laat", guild=discord.Object(GUILD))
    async def traag(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.4)
        try:
            await interaction.response.send_message("te laat")
        except discord.HTTPException as error:
            failures.append(error)

    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        await server.push_slash_command(GENERAL, ANNA, "traag")
        await until(lambda: bool(failures))
    assert isinstance(failures[0], discord.NotFound) and failures[0].code == 10062
    assert server.sent == []


async def test_deferral_followup_and_edit_original(server: FakeDiscordServer) -> None:
    client = make_client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)

    @tree.command(name="denk", description="even denken")
    async def denk(interaction: discord.Interaction) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.followup.send("klaar")
        await interaction.edit_original_response(content="helemaal klaar")
        await interaction.followup.send("nog iets", ephemeral=True)

    async with running(client):
        await tree.sync()
        interaction = await server.push_slash_command(None, BERT, "denk")  # a DM
        await server.wait_for_sent(3)
    followup, edit, extra = server.sent
    assert (followup.via, followup.content, followup.id) == (
        "followup", "klaar", interaction.original_message_id,
    )  # fmt: skip
    assert (edit.via, edit.content, edit.id) == ("edit", "helemaal klaar", followup.id)
    assert (extra.via, extra.ephemeral, extra.is_dm) == ("followup", True, True)
    assert interaction.response_type == 5 and server.errors == []


# ------------------------------------------------------------------------------ views & modals


class Vote(ui.View):
    def __init__(self, log: list[str]) -> None:
        super().__init__(timeout=None)
        self.log = log

    @ui.button(label="Ja", custom_id="stem:ja", style=discord.ButtonStyle.success)
    async def ja(self, interaction: discord.Interaction, button: ui.Button[Vote]) -> None:
        self.log.append(f"ja:{interaction.user.id}")
        await interaction.response.edit_message(content="gestemd", view=None)

    @ui.button(label="Nee", custom_id="stem:nee")
    async def nee(self, interaction: discord.Interaction, button: ui.Button[Vote]) -> None:
        self.log.append(f"nee:{interaction.user.id}")
        await interaction.response.send_message("jammer", ephemeral=True)


async def test_persistent_view_survives_a_restart(server: FakeDiscordServer) -> None:
    log: list[str] = []
    async with running(make_client()) as first:
        message = await text_channel(first).send("Stemmen?", view=Vote(log))
    assert server.sent[0].buttons() == [("Ja", "stem:ja"), ("Nee", "stem:nee")]

    second = make_client()
    second.add_view(Vote(log))  # persistent: no message id, timeout None, custom ids
    async with running(second):
        nee = await server.push_button(BERT, message.id, "stem:nee")
        ja = await server.push_button(ANNA, message.id, "stem:ja")
        await nee.wait_answered()
        await ja.wait_answered()
        with pytest.raises(AssertionError, match="no component"):
            await server.push_button(BERT, message.id, "stem:misschien")
    assert log == [f"nee:{BERT}", f"ja:{ANNA}"]
    assert (nee.response_type, ja.response_type) == (4, 7)
    reply, edit = server.sent[1:]
    assert (reply.content, reply.ephemeral) == ("jammer", True)
    assert (edit.via, edit.id, edit.content, edit.components) == ("edit", message.id, "gestemd", [])
    assert server.errors == []


async def test_select_menu(server: FakeDiscordServer) -> None:
    picked: list[list[str]] = []

    class Pick(ui.View):
        @ui.select(
            custom_id="kies",
            options=[
                discord.SelectOption(label="A", value="a"),
                discord.SelectOption(label="B", value="b"),
            ],
        )
        async def kies(self, interaction: discord.Interaction, select: ui.Select[Pick]) -> None:
            picked.append(select.values)
            await interaction.response.defer()

    async with running(make_client()) as client:
        message = await text_channel(client).send("Kies", view=Pick())
        interaction = await server.push_select(BERT, message.id, "kies", ["b"])
        await interaction.wait_answered()
        with pytest.raises(AssertionError, match="among"):
            await server.push_select(BERT, message.id, "kies", ["c"])
    assert picked == [["b"]] and interaction.response_type == 6


class Intake(ui.Modal, title="Aanmelden"):
    naam: ui.Label[Intake] = ui.Label(
        text="Naam", component=ui.TextInput(custom_id="naam", max_length=20)
    )
    toelichting: ui.TextInput[Intake] = ui.TextInput(
        label="Toelichting", custom_id="toelichting", required=False
    )

    def __init__(self, results: list[dict[str, str]]) -> None:
        super().__init__(custom_id="intake")
        self.results = results

    async def on_submit(self, interaction: discord.Interaction) -> None:
        assert isinstance(self.naam.component, ui.TextInput)
        self.results.append(
            {"naam": self.naam.component.value, "toelichting": self.toelichting.value}
        )
        await interaction.response.send_message("Dank je!")


def modal_client() -> tuple[discord.Client, app_commands.CommandTree[discord.Client], list[Any]]:
    client = make_client()
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    results: list[Any] = []

    @tree.command(name="aanmelden", description="meld je aan", guild=discord.Object(GUILD))
    async def aanmelden(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Intake(results))

    @tree.command(name="stil", description="antwoordt niet zelf", guild=discord.Object(GUILD))
    async def stil(interaction: discord.Interaction) -> None:
        results.append(interaction.id)

    return client, tree, results


async def test_modal_with_labels_delivers_the_values(server: FakeDiscordServer) -> None:
    client, tree, results = modal_client()
    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        opened = await server.push_slash_command(QUESTIONS, BERT, "aanmelden")
        await opened.wait_answered()
        assert opened.response_type == 9 and opened.modal is not None
        assert [c["type"] for c in opened.modal["components"]] == [18, 1]  # Label, legacy row
        with pytest.raises(AssertionError, match="required"):
            await server.push_modal_submit(BERT, opened, {"toelichting": "x"})
        with pytest.raises(AssertionError, match="characters"):
            await server.push_modal_submit(BERT, opened, {"naam": "x" * 21})
        submitted = await server.push_modal_submit(BERT, opened, {"naam": "Bert"})
        await submitted.wait_answered()
    assert results == [{"naam": "Bert", "toelichting": ""}]
    assert server.sent[-1].content == "Dank je!" and server.errors == []


async def test_modal_limits_and_when_a_modal_may_not_be_sent(server: FakeDiscordServer) -> None:
    client, tree, _ = modal_client()

    def labelled(n: int) -> dict[str, Any]:
        field = {"type": 4, "custom_id": f"veld{n}", "style": 1}
        return {"type": 18, "label": f"Veld {n}", "component": field}

    def modal(title: str, components: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": 9, "data": {"custom_id": "m", "title": title, "components": components}}

    async with running(client):
        await tree.sync(guild=discord.Object(GUILD))
        silent = await server.push_slash_command(GENERAL, ANNA, "stil")
        row_without_label = {"type": 1, "components": [{"type": 4, "custom_id": "a", "style": 1}]}
        for refused in (
            modal("Zes", [labelled(n) for n in range(6)]),
            modal("x" * 46, [labelled(1)]),
            modal("Rij", [row_without_label]),  # a legacy row's text input needs its own label
        ):
            status, body = await respond_raw(server, silent, refused)
            assert (status, body["code"]) == (400, 50035)
        assert (await respond_raw(server, silent, modal("Goed", [labelled(1)])))[0] == 204

        submitted = await server.push_modal_submit(ANNA, silent, {"veld1": "x"})
        assert submitted.data["components"][0]["component"]["value"] == "x"
        status, body = await respond_raw(server, submitted, modal("Weer", [labelled(1)]))
        assert (status, body["code"]) == (400, 50035)  # no modal in answer to a modal
        assert (await respond_raw(server, submitted, {"type": 4, "data": {"content": "ok"}}))[
            0
        ] == 204

        deferred = await server.push_slash_command(GENERAL, ANNA, "stil")
        assert (await respond_raw(server, deferred, {"type": 5}))[0] == 204
        status, body = await respond_raw(server, deferred, modal("Laat", [labelled(1)]))
        assert (status, body["code"]) == (400, 40060)
    assert len(server.errors) == 5
