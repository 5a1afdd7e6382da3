"""Capability 1 in chat: /tool | /zoek, tool cards, /nieuwetool | /suggest and /voorstellen."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import select

from bot.model.markup import Style
from bot.model.messages import ChatTarget, Incoming, MemberTarget, Reply, Target
from bot.model.messenger import DeliveryFailed, DeliveryRefused
from storage.models import Activity, Direction, Tool, ToolStatus
from storage.repositories import Repositories
from tests.harness import PLATFORM, Harness, Person, Replies

TOC = "Veranderingstheorie (Theory of Change)"
TRICKY = "<b>Bold</b> & <i>co</i> 🎉 '; DROP TABLE tools;-- {name}"


async def _ledger(harness: Harness, user_id: str) -> list[tuple[str, Direction, str]]:
    """(kind, direction, community chat) of every act of one member."""
    async with harness.database.session() as session:
        repos = Repositories.bind(session)
        identity = await repos.members.find_identity(PLATFORM, user_id)
        assert identity is not None
        acts = await session.scalars(
            select(Activity).where(Activity.member_id == identity.member_id).order_by(Activity.id)
        )
        result = []
        for act in acts:
            community = await repos.communities.get(act.community_id)
            assert community is not None
            result.append((act.kind, act.direction, community.chat_id))
        return result


async def _tool(harness: Harness, name: str) -> Tool:
    async with harness.database.session() as session:
        tool = (await session.scalars(select(Tool).where(Tool.name == name))).one()
        return tool


async def _propose(
    person: Person, name: str, summary: str = "Een korte vragenlijst voor bewoners."
) -> Replies:
    await person.says("/nieuwetool")
    await person.says(name)
    await person.says(summary)
    await person.says("Als je wilt weten hoe bewoners hun buurt beleven.")
    return await person.says("https://example.org/buurtbarometer")


# --------------------------------------------------------------------------------------------
# Looking up


async def test_lookup_answers_the_top_three_with_name_summary_level_and_effort(
    harness: Harness,
) -> None:
    await harness.introduced()
    replies = await harness.member("Anna").says("/tool ToC")
    assert len(replies) == 1
    text = replies.text
    assert "Dit vond ik voor ToC" in text
    assert f"1. {TOC}" in text and "2. " in text and "3. " in text and "4. " not in text
    assert "Een veranderingstheorie maakt expliciet" in text
    assert "Niveau: uitvoering, beleid, onderzoek" in text
    assert "Inspanning: 1–2 dagdelen werksessie plus uitwerking" in text
    assert [b.action for b in replies.buttons] == ["tools.card"] * 3
    assert replies.buttons[0].label == TOC
    assert replies.buttons[0].payload == "veranderingstheorie"
    bold = [s.text for s in replies[0].text.spans if s.style is Style.BOLD]
    assert bold[0] == TOC


async def test_summaries_in_the_list_are_short(harness: Harness) -> None:
    replies = await harness.member("Anna").says("/tool ToC")
    summary = replies.text.split("\n")[3]
    assert summary.startswith("Een veranderingstheorie") and summary.endswith("…")
    assert len(summary) <= 160


async def test_zoek_is_the_same_command(harness: Harness) -> None:
    await harness.introduced()
    anna = harness.member("Anna")
    assert (await anna.says("/zoek outcome harvesting")).text == (
        await anna.says("/tool outcome harvesting")
    ).text


async def test_card_has_when_to_use_steps_and_a_source_link(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool theory of change")
    replies = await anna.presses(TOC)
    text = replies.text
    assert text.startswith(TOC)
    assert "Wanneer gebruik je het?\nBij de start of herijking" in text
    assert "1. Formuleer samen met stakeholders het gewenste langetermijndoel." in text
    assert "5. Toets en stel de theorie periodiek bij" in text
    assert "Thema's: impactdenken, doelen" in text
    links = [s for s in replies[0].text.spans if s.style is Style.LINK]
    assert [(s.text, s.url) for s in links] == [
        (
            "De Grote Beweging – Handreiking Verandertheorie",
            "https://degrotebeweging.nl/verandertheorie/",
        )
    ]


async def test_a_card_in_english_translates_the_labels(harness: Harness) -> None:
    emma = harness.member("Emma", language="en")
    replies = await emma.says("/tool ToC")
    assert "Here is what I found for ToC" in replies.text
    assert "Level: practice, policy, research" in replies.text
    card = await emma.presses(TOC)
    assert "When to use it" in card.text and "Source: " in card.text


async def test_a_stale_card_button_is_answered_kindly(harness: Harness) -> None:
    anna = harness.member("Anna")
    replies = await anna.send(Incoming.button(anna.chat, anna.user, "tools.card", "bestaat-niet"))
    assert "staat niet (meer) in de catalogus" in replies.text


async def test_tool_alone_lists_the_themes_as_buttons_with_counts(harness: Harness) -> None:
    await harness.introduced()
    replies = await harness.member("Anna").says("/tool")
    text = replies.text
    assert "Thema's in de catalogus" in text and "tools in totaal: 40" in text
    labels = [button.label for button in replies.buttons]
    assert labels[:2] == ["gemeente (7)", "dialoog (4)"]
    assert len(labels) == 24
    assert "nog 142 thema's" in text
    assert "/tool" in text.split("\n\n")[-1]


async def test_a_theme_button_lists_the_tools_of_that_theme(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool")
    listed = await anna.presses("eenzaamheid (3)")
    assert "eenzaamheid: tools bij dit thema (3)" in listed.text
    names = [button.label for button in listed.buttons]
    assert names == [
        "De Jong Gierveld-eenzaamheidsschaal",
        "Impactkaart (Sociaal Werk werkt!)",
        "Wat werkt-dossiers (werkzame factoren, Movisie)",
    ]
    card = await anna.presses("Impactkaart (Sociaal Werk werkt!)")
    assert "Thema's:" in card.text and "eenzaamheid" in card.text


async def test_a_theme_without_tools_answers_plainly(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool")
    button = harness.last[anna.user.user_id].button("gemeente (7)")
    gone = await anna.press(type(button)(button.label, button.action, "bestaat-niet"))
    assert "Bij dit thema staan (nu) geen tools" in gone.text


async def test_english_members_see_themes_levels_effort_and_labels_in_english(
    harness: Harness,
) -> None:
    anna = harness.member("Anna", language="en")
    await anna.says("/taal en")
    themes = await anna.says("/tool")
    assert [button.label for button in themes.buttons][:2] == ["municipality (7)", "dialogue (4)"]
    listed = await anna.presses("loneliness (3)")
    assert "loneliness: tools for this theme (3)" in listed.text
    assert listed.text.count("The descriptions are in Dutch.") == 1
    card = (await anna.presses("De Jong Gierveld-eenzaamheidsschaal")).text
    assert "Level: practice, research" in card
    assert "Effort: 5–10 minutes per administration" in card
    assert "Themes: loneliness, questionnaire, pre and post measurement, older people" in card
    assert card.count("The description of this tool is in Dutch.") == 1
    assert "Niveau" not in card and "Inspanning" not in card and "Thema's" not in card
    results = await anna.says("/tool loneliness questionnaire")
    assert "Effort: 5–10 minutes per administration" in results.text
    assert results.text.count("The descriptions are in Dutch.") == 1


async def test_dutch_members_are_not_told_the_texts_are_dutch(harness: Harness) -> None:
    anna = harness.member("Anna")
    results = await anna.says("/tool eenzaamheid")
    card = await anna.presses("De Jong Gierveld-eenzaamheidsschaal")
    assert "Nederlands" not in results.text and "Nederlands" not in card.text


async def test_no_match_says_so_and_invites_a_proposal_without_unrelated_tools(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    for query in ("kwartetspel", "hoe bak ik een taart", "methode om een taart te bakken"):
        replies = await anna.says(f"/tool {query}")
        assert f"Voor {query} vond ik geen tool" in replies.text
        assert "/nieuwetool" in replies.text
        assert [b.label for b in replies.buttons] == ["Tool voorstellen"]
    dialog = await anna.presses("Tool voorstellen")
    assert "Hoe heet de tool" in dialog.text


async def test_no_match_without_anything_close_still_invites(harness: Harness) -> None:
    replies = await harness.member("Anna").says("/tool xyzzy")
    assert "Voor xyzzy vond ik geen tool" in replies.text
    assert "Bedoelde je" not in replies.text
    assert [b.label for b in replies.buttons] == ["Tool voorstellen"]


async def test_lookups_are_recorded_as_taking(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool ToC")
    await anna.says("/tool xyzzy")
    await anna.says("/tool")
    await anna.says_privately("/zoek mkba")
    assert await _ledger(harness, "anna") == [("tool_lookup", Direction.TAKE, "group-1")] * 3


async def test_a_lookup_outside_any_community_is_answered_but_not_recorded(
    harness: Harness,
) -> None:
    loner = harness.member("Lou")
    replies = await loner.says_privately("/tool ToC")
    assert TOC in replies.text
    async with harness.database.session() as session:
        assert list(await session.scalars(select(Activity))) == []


async def test_markup_in_a_query_stays_literal(harness: Harness) -> None:
    replies = await harness.member("Anna").says("/tool <b>niets</b> & zo")
    assert "Voor <b>niets</b> & zo vond ik geen tool" in replies.text


# --------------------------------------------------------------------------------------------
# Proposing


async def test_proposal_dialog_end_to_end(harness: Harness) -> None:
    anna = harness.member("Anna")
    first = await anna.says("/nieuwetool")
    assert "Tool voorstellen (vraag 1 van 4)" in first.text
    assert "Hoe heet de tool" in first.text
    assert "Wat is het" in (await anna.says("Buurtbarometer")).text
    assert "Wanneer gebruik je het" in (await anna.says("Een korte vragenlijst.")).text
    assert "link" in (await anna.says("-")).text
    replies = await anna.says("www.example.org/barometer")
    assert "Dank je wel, Anna!" in replies.text
    assert "Buurtbarometer" in replies.text
    tool = await _tool(harness, "Buurtbarometer")
    assert tool.status is ToolStatus.PENDING
    assert tool.id == "buurtbarometer"
    assert tool.summary_nl == "Een korte vragenlijst."
    assert tool.when_to_use_nl == ""
    assert tool.source_url == "https://www.example.org/barometer"
    assert tool.community_id is not None and tool.proposer_member_id is not None
    assert await _ledger(harness, "anna") == [("tool_proposal", Direction.GIVE, "group-1")]


async def test_suggest_with_a_name_skips_the_first_question(harness: Harness) -> None:
    replies = await harness.member("Anna").says("/suggest Buurtbarometer")
    assert "(vraag 2 van 4)" in replies.text


async def test_a_pending_proposal_is_not_searchable(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    assert "Buurtbarometer" not in (await anna.says("/tool buurtbarometer")).text


async def test_a_bad_link_is_asked_again(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/nieuwetool Buurtbarometer")
    await anna.says("Een vragenlijst.")
    await anna.says("-")
    replies = await anna.says("geen idee")
    assert "Dat lijkt geen link" in replies.text
    assert "(vraag 4 van 4)" in replies.text


async def test_annuleer_leaves_the_proposal_without_saving(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/nieuwetool")
    await anna.says("Buurtbarometer")
    assert "Gestopt met" in (await anna.says("/annuleer")).text
    async with harness.database.session() as session:
        assert list(await session.scalars(select(Tool).where(Tool.status != "approved"))) == []
    assert await _ledger(harness, "anna") == []


async def test_the_same_name_twice_gets_two_proposals(harness: Harness) -> None:
    await _propose(harness.member("Anna"), "Buurtbarometer")
    await _propose(harness.member("Bert"), "Buurtbarometer")
    async with harness.database.session() as session:
        ids = list(await session.scalars(select(Tool.id).where(Tool.name == "Buurtbarometer")))
    assert sorted(ids) == ["buurtbarometer", "buurtbarometer-2"]


async def test_markup_emoji_and_sql_in_a_proposal_are_shown_back_exactly(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    summary = "Werkt *echt* <script>alert(1)</script> 👍 \\n _x_"
    replies = await _propose(anna, TRICKY, summary)
    assert TRICKY in replies.text and summary in replies.text
    bold = [s.text for s in replies[0].text.spans if s.style is Style.BOLD]
    assert TRICKY in bold
    tool = await _tool(harness, TRICKY)
    assert tool.summary_nl == summary
    coco = harness.member("Coco", coordinator=True)
    queue = await coco.says("/voorstellen")
    assert TRICKY in queue.text and summary in queue.text
    await coco.presses("Goedkeuren")
    found = await anna.says("/tool drop table")
    assert TRICKY in [b.label for b in found.buttons]
    card = await anna.presses(TRICKY)
    assert card.text.startswith(TRICKY) and summary in card.text


# --------------------------------------------------------------------------------------------
# Deciding


async def test_voorstellen_is_for_coordinators_only(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    assert "alleen voor coördinatoren" in (await anna.says("/voorstellen")).text
    assert "alleen voor coördinatoren" in (await anna.says("/proposals")).text
    press = Incoming.button(anna.chat, anna.user, "tools.approve", "buurtbarometer")
    assert "alleen voor coördinatoren" in (await anna.send(press)).text
    assert (await _tool(harness, "Buurtbarometer")).status is ToolStatus.PENDING


async def test_the_queue_shows_each_proposal_with_its_buttons(harness: Harness) -> None:
    coco = harness.member("Coco", coordinator=True)
    assert "Er wachten geen voorgestelde tools" in (await coco.says("/voorstellen")).text
    await _propose(harness.member("Anna"), "Buurtbarometer")
    await _propose(harness.member("Bert"), "Wijkweb")
    replies = await coco.says("/voorstellen")
    assert "wachten: 2" in replies.text
    assert len(replies) == 3
    assert "Buurtbarometer" in str(replies[1].text) and "Voorgesteld door Anna" in str(
        replies[1].text
    )
    assert "2 maart 2026" in str(replies[1].text)
    assert "Link: https://example.org/buurtbarometer" in str(replies[1].text)
    assert [b.label for b in replies.buttons] == ["Goedkeuren", "Afwijzen", "Bewerken"] * 2
    assert {b.payload for b in replies.buttons} == {"buurtbarometer", "wijkweb"}


async def test_coordinators_see_only_proposals_from_their_community(harness: Harness) -> None:
    await _propose(harness.member("Bert", chat="group-2"), "Wijkweb")
    coco = harness.member("Coco", coordinator=True)
    assert "Er wachten geen voorgestelde tools" in (await coco.says("/voorstellen")).text
    press = Incoming.button(coco.chat, coco.user, "tools.approve", "wijkweb")
    assert "kan ik niet (meer) vinden" in (await coco.send(press)).text


async def test_approval_makes_the_tool_searchable_at_once_and_tells_the_proposer(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await anna.says("/tool")  # the catalogue is loaded before the proposal
    await _propose(anna, "Buurtbarometer")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    decided = await coco.presses("Goedkeuren")
    assert "Buurtbarometer staat nu in de catalogus" in decided.text
    assert "Anna heeft het persoonlijk bericht gekregen" in decided.text
    found = await anna.says("/tool buurtbarometer")
    assert found.buttons[0].label == "Buurtbarometer"
    card = await anna.presses("Buurtbarometer")
    assert "Als je wilt weten hoe bewoners hun buurt beleven." in card.text
    assert _sent(harness.messenger.sent) == [
        (MemberTarget(PLATFORM, "anna"), _approved_text("Buurtbarometer"))
    ]
    assert "tools in totaal: 41" in (await anna.says("/tool")).text
    await harness.restart()
    assert (await anna.says("/tool buurtbarometer")).buttons[0].label == "Buurtbarometer"


async def test_rejection_tells_the_proposer_and_keeps_it_out_of_search(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    asked = await coco.presses("Afwijzen")
    assert "Waarom wijs je het af?" in asked.text and harness.messenger.sent == []
    decided = await coco.says("Bestaat al als Wijkkompas")
    assert "Buurtbarometer is afgewezen" in decided.text
    [(target, reply)] = harness.messenger.sent
    assert target == MemberTarget(PLATFORM, "anna")
    assert "niet in de catalogus opgenomen" in str(reply.text)
    assert "Toelichting van de coördinator: Bestaat al als Wijkkompas" in str(reply.text)
    assert (await _tool(harness, "Buurtbarometer")).status is ToolStatus.REJECTED
    assert "Buurtbarometer" not in (await anna.says("/tool buurtbarometer")).text
    assert "geen voorgestelde tools" in (await coco.says("/voorstellen")).text


async def test_a_proposal_is_decided_only_once(harness: Harness) -> None:
    await _propose(harness.member("Anna"), "Buurtbarometer")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    await coco.presses("Goedkeuren")
    again = await coco.send(Incoming.button(coco.chat, coco.user, "tools.reject", "buurtbarometer"))
    assert "Over Buurtbarometer is al beslist: goedgekeurd." in again.text
    assert (await _tool(harness, "Buurtbarometer")).status is ToolStatus.APPROVED
    assert len(harness.messenger.sent) == 1


async def test_a_refused_direct_message_falls_back_to_the_group(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    harness.messenger.dm_blocked.add("anna")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    decided = await coco.presses("Goedkeuren")
    assert "in de groep laten weten" in decided.text
    [(target, reply)] = harness.messenger.sent
    assert target == ChatTarget(PLATFORM, "group-1")
    assert str(reply.text).startswith("Nieuw in de catalogus: Buurtbarometer")
    assert "Anna" not in str(reply.text)
    async with harness.database.session() as session:
        identity = await Repositories.bind(session).members.find_identity(PLATFORM, "anna")
        assert identity is not None and identity.dm_unreachable


@pytest.mark.expected_errors("could not tell a proposer the outcome")
async def test_when_nobody_can_be_reached_the_decision_still_stands(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    harness.core.messenger = _Unreachable()
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    decided = await coco.presses("Goedkeuren")
    assert "Buurtbarometer staat nu in de catalogus" in decided.text
    assert "Anna kon ik niet bereiken" in decided.text
    assert (await _tool(harness, "Buurtbarometer")).status is ToolStatus.APPROVED


async def test_the_proposer_hears_the_outcome_in_their_own_language(harness: Harness) -> None:
    emma = harness.member("Emma")
    await emma.says("/taal en")
    await _propose(emma, "Buurtbarometer")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    await coco.presses("Goedkeuren")
    [(_target, reply)] = harness.messenger.sent
    assert str(reply.text).startswith("Good news: your proposal Buurtbarometer")


async def test_another_process_approving_is_picked_up(harness: Harness) -> None:
    other = await Harness.create(harness.database.url)
    try:
        anna = harness.member("Anna")
        await anna.says("/tool")
        harness.core.tools.recheck = 0
        await _propose(anna, "Buurtbarometer")
        coco = other.member("Coco", coordinator=True)
        await coco.says("/voorstellen")
        await coco.presses("Goedkeuren")
        found = await anna.says("/tool buurtbarometer")
        assert found.buttons[0].label == "Buurtbarometer"
    finally:
        await other.close()


async def test_help_lists_the_tool_commands_by_role(harness: Harness) -> None:
    member_help = (await harness.member("Anna").says("/help")).text
    assert "/tool | /zoek <zoekwoorden>" in member_help
    assert "/nieuwetool | /suggest [naam]" in member_help
    assert "/voorstellen" not in member_help
    coordinator_help = (await harness.member("Coco", coordinator=True).says("/help")).text
    assert "/voorstellen | /proposals" in coordinator_help


class _Unreachable:
    async def send(self, target: Target, replies: Sequence[Reply]) -> None:
        if isinstance(target, MemberTarget):
            raise DeliveryRefused("no direct messages")
        raise DeliveryFailed("the group is gone")


def _sent(sent: list[tuple[Target, Reply]]) -> list[tuple[Target, str]]:
    return [(target, str(reply.text)) for target, reply in sent]


def _approved_text(name: str) -> str:
    return (
        f"Goed nieuws: je voorstel {name} is goedgekeurd en staat nu in de catalogus. "
        "Collega's vinden het met /tool. Dank je wel voor het delen!"
    )


# --------------------------------------------------------------------------------------------
# A catalogue that curates itself (issue 17)


async def _propose_like(person: Person, name: str) -> Replies:
    await person.says("/nieuwetool")
    await person.says(name)
    await person.says("Deelnemers maken foto's van hun wijk.")
    await person.says("-")
    return await person.says("-")


async def _pending(harness: Harness) -> list[str]:
    async with harness.database.session() as session:
        rows = await session.scalars(select(Tool).where(Tool.status == ToolStatus.PENDING))
        return [tool.name for tool in rows]


async def test_a_proposal_like_an_existing_tool_asks_did_you_mean_before_filing(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    asked = await _propose_like(anna, "Photo voice")
    assert "Bedoel je Photovoice?" in asked.text
    assert "Photovoice" in [b.label for b in asked.buttons]
    assert await _pending(harness) == []
    dropped = await anna.presses("Nee, laat maar")
    assert "niets ingediend" in dropped.text
    assert await _pending(harness) == []
    await _propose_like(anna, "Photo voice")
    filed = await anna.presses("Ja, het is een andere tool")
    assert "Dank je wel, Anna" in filed.text
    assert await _pending(harness) == ["Photo voice"]


async def test_a_proposal_unlike_any_tool_is_filed_at_once(harness: Harness) -> None:
    filed = await _propose_like(harness.member("Anna"), "Wijkkompas")
    assert "Bedoel je" not in filed.text and "Dank je wel, Anna" in filed.text
    assert await _pending(harness) == ["Wijkkompas"]


async def test_the_queue_shows_the_likely_duplicate(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose_like(anna, "Photo voice")
    await anna.presses("Ja, het is een andere tool")
    await _propose_like(anna, "Wijkkompas")
    queue = await harness.member("Coco", coordinator=True).says("/voorstellen")
    photo = next(reply for reply in queue if "Photo voice" in str(reply.text))
    assert "Lijkt op Photovoice, dat al in de catalogus staat." in str(photo.text)
    assert [b.label for row in photo.buttons for b in row][-1] == "Photovoice"
    other = next(reply for reply in queue if "Wijkkompas" in str(reply.text))
    assert "Lijkt op" not in str(other.text)


async def test_a_coordinator_edits_a_proposal_before_approving_it(harness: Harness) -> None:
    await _propose_like(harness.member("Anna"), "Wijkkompas")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    await coco.presses("Bewerken")
    for answer in ("Wijkkompas Utrecht", "-", "wijk, bewoners", "praktijk, policy"):
        asked = await coco.says(answer)
    assert "vraag 5 van 6" in asked.text
    await coco.says("2–3 uur")
    edited = await coco.says("https://example.org/wijkkompas")
    assert "Het voorstel is bijgewerkt" in edited.text
    assert "Wijkkompas Utrecht" in edited.text and "Thema's: wijk, bewoners" in edited.text
    assert "Niveau: uitvoering, beleid" in edited.text and "Inspanning: 2–3 uur" in edited.text
    await coco.presses("Goedkeuren")
    anna = harness.member("Anna")
    results = await anna.says("/tool wijkkompas")
    assert "Wijkkompas Utrecht" in results.text
    card = (await anna.presses("Wijkkompas Utrecht")).text
    assert "Deelnemers maken foto's van hun wijk." in card
    assert "Thema's: wijk, bewoners" in card and "Inspanning: 2–3 uur" in card


async def test_an_unknown_level_is_asked_again(harness: Harness) -> None:
    await _propose_like(harness.member("Anna"), "Wijkkompas")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    await coco.presses("Bewerken")
    for answer in ("-", "-", "-"):
        await coco.says(answer)
    again = await coco.says("managers")
    assert "Kies uit uitvoering, beleid en onderzoek" in again.text
    assert "vraag 4 van 6" in again.text


async def test_members_cannot_edit_a_proposal(harness: Harness) -> None:
    await _propose_like(harness.member("Anna"), "Wijkkompas")
    coco = harness.member("Coco", coordinator=True)
    queue = await coco.says("/voorstellen")
    bert = harness.member("Bert")
    refused = await bert.press(queue.button("Bewerken"))
    assert "alleen voor coördinatoren" in refused.text
    assert await _pending(harness) == ["Wijkkompas"]


async def test_a_decided_proposal_can_no_longer_be_edited(harness: Harness) -> None:
    await _propose_like(harness.member("Anna"), "Wijkkompas")
    coco = harness.member("Coco", coordinator=True)
    queue = await coco.says("/voorstellen")
    await coco.press(queue.button("Afwijzen"))
    await coco.says("-")  # no reason given: rejected
    refused = await coco.press(queue.button("Bewerken"))
    assert "is al beslist: afgewezen" in refused.text


async def test_a_card_never_shows_an_empty_tried_line(harness: Harness) -> None:
    anna = harness.member("Anna")
    await anna.says("/experiment Jongeren fotograferen hun buurt met photovoice")
    for answer in ("-", "-", "-", "-", "-", "-"):
        done = await anna.says(answer)
    await anna.press(next(b for b in done.buttons if "Photovoice" in b.label))
    await anna.says("/tool photovoice")
    card = (await anna.presses("Photovoice")).text
    assert "1 collega probeerde dit in een praktijkexperiment." in card
    assert "probeerde dit</b> in een praktijkexperiment:" not in card
    assert not card.rstrip().endswith(":")


async def test_a_refused_rejection_tells_the_group_without_name_or_reason(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    harness.messenger.dm_blocked.add("anna")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    await coco.presses("Afwijzen")
    await coco.says("Te weinig onderbouwd")
    [(target, reply)] = harness.messenger.sent
    assert target == ChatTarget(PLATFORM, "group-1")
    assert "niet in de catalogus opgenomen" in str(reply.text)
    for secret in ("Anna", "Buurtbarometer", "onderbouwd"):
        assert secret not in str(reply.text)


async def test_only_coordinators_reject_also_by_a_forged_button(harness: Harness) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    bert = harness.member("Bert")
    refused = await bert.send(
        Incoming.button(bert.chat, bert.user, "tools.reject", "buurtbarometer")
    )
    assert "coördinatoren" in refused.text
    assert (await _tool(harness, "Buurtbarometer")).status is ToolStatus.PENDING


async def test_after_an_approval_the_coordinator_may_send_a_note_privately(
    harness: Harness,
) -> None:
    anna = harness.member("Anna")
    await _propose(anna, "Buurtbarometer")
    coco = harness.member("Coco", coordinator=True)
    await coco.says("/voorstellen")
    decided = await coco.presses("Goedkeuren")
    assert "Anna heeft het persoonlijk bericht gekregen" in decided.text
    bert = harness.member("Bert")
    refused = await bert.press(decided.button("Toelichting sturen"))
    assert "alleen voor coördinatoren" in refused.text
    asked = await coco.press(decided.button("Toelichting sturen"))
    assert "Wat wil je de indiener laten weten?" in asked.text
    done = await coco.says("Mooi voorstel; vertel er op de volgende avond over?")
    assert "Anna heeft het persoonlijk bericht gekregen" in done.text
    approved, noted = _sent(harness.messenger.sent)
    assert approved == (MemberTarget(PLATFORM, "anna"), _approved_text("Buurtbarometer"))
    assert noted[0] == MemberTarget(PLATFORM, "anna")
    assert "iets toe te voegen over je voorstel Buurtbarometer" in noted[1]
    assert "Mooi voorstel; vertel er op de volgende avond over?" in noted[1]
    await coco.press(decided.button("Toelichting sturen"))
    assert "Geen toelichting gestuurd" in (await coco.says("-")).text
    assert len(harness.messenger.sent) == 2
