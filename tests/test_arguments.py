"""Command options are parsed once, before the handler runs: typed text and Discord's structured
values give the handler the same values, and an option that does not parse gets one clear
sentence in the member's language (and changes nothing)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.router import (
    ArgumentError,
    ArgumentProblem,
    Command,
    CommandOption,
    OptionChoice,
    OptionKind,
)
from bot.model.messages import ChatRef, EventKind, Incoming, Reply, UserRef
from tests.harness import Harness

CHAT = ChatRef("console", "group-1", title="Atelier")
ANNA = UserRef("console", "anna", "Anna")


async def _nothing(msg: Incoming, ctx: object) -> list[Reply]:
    return []


EDIT = Command(
    "wijzig",
    "edit",
    _nothing,
    "help.cmd.start",
    options=(
        CommandOption("nummer", "number", "option.pauze", kind=OptionKind.NUMBER, required=True),
        CommandOption(
            "soort",
            "kind",
            "option.pauze",
            choices=(OptionChoice("reeks", "option.pauze"), OptionChoice("één keer", "x")),
        ),
        CommandOption("tekst", "text", "option.pauze"),
    ),
)


def _typed(args: str) -> Incoming:
    return Incoming(CHAT, ANNA, EventKind.COMMAND, command="wijzig", args=args)


def test_typed_text_is_read_option_by_option() -> None:
    parsed = EDIT.parse(_typed("#12 één keer Nieuwe titel\nmet een tweede regel"))
    assert parsed.number("nummer") == 12
    assert parsed.text("soort") == "één keer"
    assert parsed.text("tekst") == "Nieuwe titel\nmet een tweede regel"


def test_an_optional_choice_that_is_not_there_leaves_the_text_to_the_next_option() -> None:
    parsed = EDIT.parse(_typed("7 Nieuwe titel"))
    assert (parsed.number("nummer"), "soort" in parsed, parsed.text("tekst")) == (
        7,
        False,
        "Nieuwe titel",
    )


def test_structured_values_give_the_same_arguments_as_typed_text() -> None:
    structured = replace(
        _typed(""), options={"nummer": "12", "soort": "één keer", "tekst": "Nieuwe titel"}
    )
    assert EDIT.parse(structured) == EDIT.parse(_typed("12 één keer Nieuwe titel"))


@pytest.mark.parametrize(
    ("args", "options", "problem"),
    [
        ("", None, ArgumentProblem.MISSING),
        ("twaalf titel", None, ArgumentProblem.NOT_A_NUMBER),
        ("", {"nummer": "x"}, ArgumentProblem.NOT_A_NUMBER),
        ("", {"nummer": "3", "soort": "altijd"}, ArgumentProblem.NOT_A_CHOICE),
    ],
)
def test_values_that_do_not_parse_name_their_option(
    args: str, options: dict[str, str | None] | None, problem: ArgumentProblem
) -> None:
    with pytest.raises(ArgumentError) as raised:
        EDIT.parse(replace(_typed(args), options=options))
    assert raised.value.problem is problem


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_member_gets_one_clear_sentence_in_their_language(harness: Harness) -> None:
    anna = harness.member("Anna")
    answer = await anna.says("/niveau heel-erg-actief")
    assert "/niveau" in answer.text and "kern" in answer.text and "perifeer" in answer.text
    assert "heel-erg-actief" in answer.text
    await anna.says("/taal en")
    answer = await anna.says("/niveau heel-erg-actief")
    assert "Choose from" in answer.text and "level" in answer.text
    answer = await anna.says("/niveau kern")
    assert "Choose from" not in answer.text
