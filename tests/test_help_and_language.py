"""/start, /help, /taal and how the core answers what it does not understand."""

from __future__ import annotations

from tests.harness import Harness


async def test_help_lists_member_commands_in_dutch_by_default(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says("/help")
    assert "Wat je kunt doen" in replies.text
    assert "/taal | /language" in replies.text
    assert "Voor coördinatoren" not in replies.text


async def test_dutch_and_english_names_of_a_command_both_work(harness: Harness) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    assert (await anna.says("/hulp")).text == (await anna.says("/help")).text


async def test_coordinators_see_their_section(harness: Harness) -> None:
    coordinator = harness.member("Coco", coordinator=True)
    replies = await coordinator.says("/help")
    assert "Voor coördinatoren" in replies.text


async def test_bootstrap_coordinators_from_settings(harness: Harness) -> None:
    boss = harness.member("Boss", user_id="boss")
    assert "Voor coördinatoren" in (await boss.says("/help")).text


async def test_taal_switches_the_member_and_only_that_member(harness: Harness) -> None:
    anna = harness.member("Anna")
    bert = harness.member("Bert")
    assert "English" in (await anna.says("/taal en")).text
    assert "What you can do" in (await anna.says("/help")).text
    assert "Wat je kunt doen" in (await bert.says("/help")).text
    await anna.says("/language nl")
    assert "Wat je kunt doen" in (await anna.says("/help")).text


async def test_taal_without_argument_offers_a_choice(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says("/taal")
    assert "In welke taal" in replies.text
    replies = await anna.presses("English")
    assert replies.text == "From now on I'll speak English with you."
    assert "What you can do" in (await anna.says("/help")).text


async def test_platform_language_is_used_until_the_member_chooses(harness: Harness) -> None:
    emma = harness.member("Emma", language="en-GB")
    assert "What you can do" in (await emma.says("/help")).text
    await emma.says("/taal nl")
    assert "Wat je kunt doen" in (await emma.says("/help")).text


async def test_bad_language_argument_explains_usage(harness: Harness) -> None:
    anna = harness.member("Anna")
    answer = (await anna.says("/taal klingon")).text
    assert "‘klingon’" in answer and "nl, en, groep nl, groep en" in answer


async def test_group_language_is_for_coordinators(harness: Harness) -> None:
    anna = harness.member("Anna")
    coordinator = harness.member("Coco", coordinator=True)
    assert "alleen voor coördinatoren" in (await anna.says("/taal groep en")).text
    assert "en" in (await coordinator.says("/taal groep en")).text
    newcomer = harness.member("Nina")
    assert "What you can do" in (await newcomer.says("/help")).text


async def test_unknown_command_suggests_the_closest(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says("/hulpp")
    assert "/hulpp ken ik niet" in replies.text
    assert "Bedoelde je /hulp" in replies.text


async def test_unknown_command_without_anything_close(harness: Harness) -> None:
    await harness.introduced()
    replies = await harness.member("Anna").says("/xyzzyplugh")
    assert replies.text == "/xyzzyplugh ken ik niet. Typ /help voor alles wat ik kan."


async def test_start_in_private_explains_what_is_stored(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.says_privately("/start")
    assert "Wat ik bewaar en waarom" in replies.text
    assert "nooit de tekst" in replies.text


async def test_plain_private_text_points_to_help(harness: Harness) -> None:
    replies = await harness.member("Anna").says_privately("hallo?")
    assert "/help" in replies.text


async def test_ordinary_group_messages_get_no_reply(harness: Harness) -> None:
    anna = harness.member("Anna")
    assert await anna.chats("goedemorgen allemaal") == []


async def test_markup_in_names_stays_literal(harness: Harness) -> None:
    mallory = harness.member("<b>Mallory</b> & co")
    replies = await mallory.says_privately("/start")
    assert "<b>Mallory</b> & co" in replies.text


async def test_newcomer_is_welcomed(harness: Harness) -> None:
    replies = await harness.member("Nina").joins()
    assert "Welkom in het leeratelier, Nina" in replies.text


async def test_start_lists_every_command_once_wherever_it_is_asked(harness: Harness) -> None:
    """In the group, then privately after the group, for a member and a coordinator, in
    Dutch and English: each command line once, over all the replies together (the first-time
    privacy notice and the welcome included)."""
    anna = harness.member("Anna")
    cora = harness.member("Cora", coordinator=True)
    bob = harness.member("Bob", language="en")
    for person, command, line in (
        (anna, "/tool | /zoek", "/agenda —"),
        (cora, "/tool | /zoek", "/bijeenkomst | /meeting"),
        (bob, "/tool | /zoek", "the coming meetings"),
    ):
        for says in (person.says, person.says_privately, person.says, person.says_privately):
            replies = await says("/start")
            text = "\n".join(str(reply.text) for reply in replies)
            assert text.count(command) == 1, text
            assert text.count(line) == 1, text
            assert text.count("/start —") == 1, text
