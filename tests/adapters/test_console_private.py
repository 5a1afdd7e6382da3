"""The console plays the private chat too: a direct message (a prompt, a form moved to the
private chat) is answered by the next typed line, in that private chat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.model.markup import Text
from bot.model.messages import Button, MemberTarget, Reply
from tests.adapters.drivers import ConsoleDriver


async def test_a_direct_message_is_answered_privately_then_the_group_again(tmp_path: Path) -> None:
    console = ConsoleDriver(tmp_path / "files")
    await console.start()
    try:
        assert console.adapter.user.dm_open
        group_line = await console.user_types("goedemorgen")
        assert not group_line.chat.is_private
        prompt = Reply(
            Text.plain("Wat heb je deze week geprobeerd?"),
            ((Button("Antwoorden", "prompt.answer", "1"),),),
        )
        shown = await console.delivered(
            MemberTarget("console", console.adapter.user.user_id), [prompt]
        )
        assert "(privé)" in shown[0]
        question = Reply(Text.plain("Wie mag het zien?"), ((Button("de groep", "dialog.choose"),),))
        console.host.answers = [question]
        answer = await console.user_types("Ik vroeg jongeren om foto's van hun wijk")
        assert answer.chat.is_private and answer.chat.chat_id == console.adapter.user.user_id
        console.host.answers = []
        pressed = await console.user_types("1")
        assert pressed.chat.is_private and pressed.action == "dialog.choose"
        after = await console.user_types("/agenda")  # nothing asked any more: the group again
        assert not after.chat.is_private
    finally:
        await console.close()


async def test_als_switches_the_member_and_private_messages_reach_earlier_players(
    tmp_path: Path,
) -> None:
    console = ConsoleDriver(tmp_path / "files")
    await console.start()
    try:
        first = console.adapter.user
        assert console.adapter.play("/als Cor coördinator")
        assert console.adapter.user.display_name == "Cor" and console.adapter.user.is_admin
        typed = await console.user_types("/agenda")
        assert typed.user.user_id == "cor" and not typed.chat.is_private
        note = Reply(Text.plain("Over 40 minuten begint: Intervisie"))
        shown = await console.delivered(MemberTarget("console", first.user_id), [note])
        assert f"private to {first.display_name}" in shown[0] and "Over 40 minuten" in shown[0]
        assert console.adapter.play("/als Cor lid") and not console.adapter.user.is_admin
        assert not console.adapter.play("/agenda")
    finally:
        await console.close()


async def test_a_pressed_reminder_is_printed_again_with_its_new_counts(tmp_path: Path) -> None:
    console = ConsoleDriver(tmp_path / "files")
    await console.start()
    try:
        rsvp = ((Button("Ik kom", "rsvp", "1:ja:r"),),)
        await console.delivered(console.group, [Reply(Text.plain("Herinnering ✓ 0 komen"), rsvp)])
        noted = Reply(Text.plain("Genoteerd"), private=True)
        updated = Reply(Text.plain("Herinnering ✓ 1 komen"), rsvp, replaces_origin=True)
        console.host.answers = [noted, updated]
        pressed = await console.press("Ik kom")
        assert pressed.action == "rsvp"
        await asyncio.sleep(0.1)
        shown = console._output.getvalue()
        assert "(bijgewerkt / updated)\nHerinnering ✓ 1 komen" in shown
        assert "[1] Ik kom" in shown[shown.index("✓ 1 komen") :], "its buttons still work"
    finally:
        await console.close()
