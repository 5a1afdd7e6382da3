"""Behaviour of the tool index (tantivy) on small, hand-made catalogues and the real one."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from search import SearchHit, ToolDocument, ToolIndex, documents_from_catalogue
from search.synonyms import SynonymTable

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "storage" / "data" / "tools_catalogue.yaml"

TOOLS = (
    ToolDocument(
        id="eenzaamheid",
        name="Eenzaamheidsschaal",
        tags=("eenzaamheid", "vragenlijst", "ouderen"),
        summary="Een vragenlijst die eenzaamheid meet met een voor- en nameting.",
    ),
    ToolDocument(
        id="verhalen",
        name="Verhalen verzamelen",
        tags=("verhalen", "kwalitatief"),
        summary="Je verzamelt ervaringen van cliënten in hun eigen woorden.",
        when_to_use="Als cijfers het verhaal niet vertellen.",
    ),
    ToolDocument(
        id="theorie",
        name="Veranderingstheorie",
        tags=("doelen", "aannames"),
        summary="Je redeneert terug vanaf het gewenste langetermijndoel.",
    ),
    ToolDocument(
        id="kba",
        name="Maatschappelijke kosten-batenanalyse",
        tags=("kosten-baten", "rendement"),
        summary="Zet alle kosten en baten van een maatregel voor de samenleving naast elkaar.",
    ),
    ToolDocument(
        id="oogsten",
        name="Outcome Harvesting",
        tags=("uitkomsten", "participatief"),
        summary="Achteraf verzamel je welke veranderingen zich hebben voorgedaan.",
    ),
    ToolDocument(
        id="buurt",
        name="Buurtonderzoek",
        tags=("wijk", "bewoners"),
        summary="Onderzoek samen met bewoners wat er in de buurt speelt.",
    ),
    ToolDocument(
        id="netwerk",
        name="Netwerkkaart",
        tags=("sociaal netwerk",),
        summary="Teken het netwerk van de cliënt met familie, buren en vrijwilligers.",
    ),
)


@pytest.fixture(scope="module")
def index() -> ToolIndex:
    return ToolIndex.build(TOOLS)


@pytest.fixture(scope="module")
def catalogue_index() -> ToolIndex:
    entries = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return ToolIndex.build(documents_from_catalogue(entries))


def ids(hits: list[SearchHit]) -> list[str]:
    return [hit.id for hit in hits]


def test_stemming_matches_other_forms_of_a_word(index: ToolIndex) -> None:
    assert ids(index.search("ervaring"))[0] == "verhalen"
    assert ids(index.search("vragenlijsten"))[0] == "eenzaamheid"


def test_diacritics_are_folded(index: ToolIndex) -> None:
    assert index.search("client") == index.search("cliënt")
    assert ids(index.search("CLIENTEN"))[0] in {"verhalen", "netwerk"}


def test_typos_are_matched_fuzzily(index: ToolIndex) -> None:
    assert ids(index.search("outcme harvestign"))[0] == "oogsten"
    assert ids(index.search("eenzaamhied"))[0] == "eenzaamheid"


def test_an_exact_word_outranks_its_typo_match(index: ToolIndex) -> None:
    exact = index.search("eenzaamheid", limit=1)[0].score
    typo = index.search("eenzaamhied", limit=1)[0].score
    assert exact > typo


def test_abbreviations_and_synonyms_from_the_list(index: ToolIndex) -> None:
    assert ids(index.search("ToC"))[0] == "theorie"
    assert ids(index.search("theory of change"))[0] == "theorie"
    assert ids(index.search("MKBA"))[0] == "kba"


def test_a_synonym_scores_lower_than_the_word_itself(index: ToolIndex) -> None:
    assert index.search("veranderingstheorie")[0].score > index.search("toc")[0].score


def test_english_queries_find_dutch_tools(index: ToolIndex) -> None:
    assert ids(index.search("loneliness questionnaire"))[0] == "eenzaamheid"
    assert ids(index.search("collecting stories"))[0] == "verhalen"


def test_natural_questions_drop_stop_words(index: ToolIndex) -> None:
    question = index.search("Hoe kan ik de eenzaamheid van ouderen meten?")
    assert ids(question)[0] == "eenzaamheid"
    assert index.search("how do I measure loneliness?")[0].id == "eenzaamheid"


def test_compounds_the_index_lacks_are_split(index: ToolIndex) -> None:
    assert ids(index.search("kostenbatenanalyse"))[0] == "kba"
    assert ids(index.search("verhalenverzamelen"))[0] == "verhalen"
    assert "buurt" in ids(index.search("buurtwerkers"))


def test_a_name_match_outranks_a_summary_only_match() -> None:
    in_name = ToolDocument(id="z-name", name="Fotostem", summary="Deelnemers tonen hun wijk.")
    in_summary = ToolDocument(
        id="a-summary", name="Wijkschouw", summary="Bewoners maken een fotostem van de wijk."
    )
    hits = ToolIndex.build([in_summary, in_name]).search("fotostem")
    assert ids(hits) == ["z-name", "a-summary"]
    assert hits[0].score > hits[1].score


def test_tags_outrank_the_running_text() -> None:
    tagged = ToolDocument(id="z-tag", name="Een", tags=("dialoog",), summary="Een werkvorm.")
    mentioned = ToolDocument(id="a-text", name="Twee", summary="Een werkvorm met een dialoog.")
    assert ids(ToolIndex.build([mentioned, tagged]).search("dialoog")) == ["z-tag", "a-text"]


@pytest.mark.parametrize("query", ["", "   ", "?!", "de het een", "hoe wat waar is het", "the of"])
def test_empty_and_stop_word_only_queries_find_nothing(index: ToolIndex, query: str) -> None:
    assert index.search(query) == []


def test_a_query_without_any_match_finds_nothing(index: ToolIndex) -> None:
    assert index.search("xylofoon") == []


def test_limit(index: ToolIndex) -> None:
    assert len(index.search("verzamelen wijk cliënt", limit=1)) == 1
    assert len(index.search("verzamelen wijk cliënt", limit=2)) == 2
    assert index.search("eenzaamheid", limit=0) == []
    many = index.search("verzamelen wijk cliënt eenzaamheid kosten", limit=50)
    assert 3 <= len(many) <= len(TOOLS)


def test_hits_are_sorted_rounded_and_positive(index: ToolIndex) -> None:
    hits = index.search("verzamelen wijk cliënt eenzaamheid kosten", limit=10)
    assert all(hit.score > 0 and round(hit.score, 4) == hit.score for hit in hits)
    assert hits == sorted(hits, key=lambda hit: (-hit.score, hit.id))


def test_ties_are_broken_by_id() -> None:
    twin = ToolDocument(id="b", name="Spiegelgesprek", summary="Een gesprek.")
    hits = ToolIndex.build([twin, replace(twin, id="c"), replace(twin, id="a")]).search("gesprek")
    assert ids(hits) == ["a", "b", "c"]
    assert len({hit.score for hit in hits}) == 1


def test_results_do_not_depend_on_document_order() -> None:
    shuffled = list(TOOLS)
    random.Random(3).shuffle(shuffled)
    first, second = ToolIndex.build(TOOLS), ToolIndex.build(shuffled)
    for query in ("cliënt verhalen", "kosten baten", "wijk", "outcme", "loneliness"):
        assert first.search(query, limit=5) == second.search(query, limit=5)


def test_repeated_searches_give_identical_results(index: ToolIndex) -> None:
    assert index.search("eenzaamhied ouderen") == index.search("eenzaamhied ouderen")


def test_suggest_offers_close_names(index: ToolIndex) -> None:
    assert ids(index.suggest("netwerkkart"))[0] == "netwerk"
    assert index.suggest("") == []
    assert index.suggest("qqqqqqqq") == []


def test_len_and_unique_ids(index: ToolIndex) -> None:
    assert len(index) == len(TOOLS)
    with pytest.raises(ValueError):
        ToolIndex.build([TOOLS[0], TOOLS[0]])


def test_an_empty_catalogue_finds_nothing() -> None:
    empty = ToolIndex.build([])
    assert len(empty) == 0
    assert empty.search("eenzaamheid") == []
    assert empty.suggest("eenzaamheid") == []


def test_a_custom_synonym_table() -> None:
    table = SynonymTable.from_mapping({"synonyms": [["sociale kaart", "wegwijzer"]]})
    index = ToolIndex.build(TOOLS, synonyms=table)
    assert index.search("toc") == []
    found = ToolIndex.build(
        [*TOOLS, ToolDocument(id="kaart", name="Wegwijzer")], synonyms=table
    ).search("sociale kaart")
    assert ids(found)[0] == "kaart"


def test_a_synonym_of_several_words_counts_no_more_than_a_synonym_of_one() -> None:
    """Each synonym stands for the member's one word, however many words it has."""
    table = SynonymTable.from_mapping(
        {"synonyms": [["wijkscan", "peiling", "bewoners bevragen huis aan huis"]]}
    )
    tools = [
        ToolDocument(id="peiling", name="Peiling", summary="Korte vragen."),
        ToolDocument(id="bevragen", name="Bewoners bevragen huis aan huis", summary="Langs."),
        ToolDocument(id="ander", name="Netwerkkaart", summary="Teken het netwerk."),
    ]
    found = ToolIndex.build(tools, synonyms=table).search("wijkscan")
    assert ids(found) == ["peiling", "bevragen"]


def test_a_word_the_synonym_list_knows_is_not_read_as_a_typo() -> None:
    """'beleid' is a word in its own right, not a misspelt 'bereid'; 'bereld' is."""
    table = SynonymTable.from_mapping({"synonyms": [["beleid", "policy"]]})
    tools = [
        ToolDocument(id="bereid", name="Bereid", summary="Wees bereid."),
        ToolDocument(id="ander", name="Netwerkkaart", summary="Teken het netwerk."),
    ]
    index = ToolIndex.build(tools, synonyms=table)
    assert index.search("beleid") == []
    assert ids(index.search("bereld")) == ["bereid"]


def test_documents_from_catalogue_maps_the_fields() -> None:
    entry = {
        "id": "x",
        "name": "Naam",
        "name_en": "Name",
        "aliases": ["Alias"],
        "summary_nl": "Samenvatting",
        "summary_en": "Summary",
        "when_to_use_nl": "Wanneer",
        "when_to_use_en": "When",
        "steps_nl": ["Stap 1", "Stap 2"],
        "steps_en": ["Step"],
        "level": ["beleid"],
        "tags": ["tag"],
        "effort": "1 uur",
    }
    (document,) = documents_from_catalogue([entry])
    assert document == ToolDocument(
        id="x",
        name="Naam",
        aliases=("Alias", "Name"),
        tags=("tag",),
        summary="Samenvatting",
        when_to_use="Wanneer",
        steps=("Stap 1", "Stap 2"),
        level=("beleid",),
        summary_en="Summary When Step",
    )
    with pytest.raises(ValueError):
        documents_from_catalogue([{"name": "zonder id"}])


def test_english_summaries_are_searchable() -> None:
    tool = ToolDocument(id="x", name="Wijkschouw", summary_en="Residents walk their street.")
    assert ids(ToolIndex.build([tool]).search("residents walking"))[0] == "x"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zelfredzaamheidsmatrix", "zrm"),
        ("spinneweb positieve gezonheid", "positieve-gezondheid"),
        ("cliëntervaringsonderzoek", "clientervaringsonderzoek-wmo"),
        ("clientervaringsonderzoek", "clientervaringsonderzoek-wmo"),
        ("social return on investment", "sroi"),
        ("logic model", "logisch-model"),
        ("hoe breng ik het netwerk van mijn cliënt in kaart", "ecogram"),
    ],
)
def test_the_real_catalogue_answers_first(
    catalogue_index: ToolIndex, query: str, expected: str
) -> None:
    assert ids(catalogue_index.search(query))[0] == expected


def test_a_tool_added_later_is_found_without_a_rebuild() -> None:
    index = ToolIndex.build(TOOLS)
    assert index.search("kompasmeter") == []
    index.upsert([ToolDocument(id="kompas", name="Kompasmeter", tags=("wijk",))])
    assert ids(index.search("kompasmeter")) == ["kompas"]
    assert len(index) == len(TOOLS) + 1
    assert "buurt" in ids(index.search("bewoners wijk", limit=10))


def test_every_tool_of_a_run_of_changes_is_found_while_segments_merge() -> None:
    """Many approvals one after another (each its own commit, merges starting behind them):
    each is findable at once, and a later change or removal still applies to it."""
    index = ToolIndex.build(TOOLS)
    for number in range(40):
        index.upsert([ToolDocument(id=f"k{number}", name=f"Kompasmeter{number}")])
        assert ids(index.search(f"kompasmeter{number}")) == [f"k{number}"]
    index.upsert([ToolDocument(id="k3", name="Windroos")])
    index.remove(["k7"])
    assert ids(index.search("windroos")) == ["k3"]
    # Gone by their old names (what the typo tolerance finds instead depends on whether a
    # merge has already dropped the old words from the term statistics).
    assert "k3" not in ids(index.search("kompasmeter3", limit=50))
    assert "k7" not in ids(index.search("kompasmeter7", limit=50))
    assert len(index) == len(TOOLS) + 39


def test_a_changed_tool_is_found_by_its_new_words_only() -> None:
    index = ToolIndex.build(TOOLS)
    index.upsert([replace(TOOLS[0], name="Gierveldschaal", summary="Meet eenzaamheid.")])
    assert ids(index.search("gierveldschaal")) == ["eenzaamheid"]
    assert index.search("voormeting") == []
    assert len(index) == len(TOOLS)
    assert ids(index.search("eenzaamheid", limit=10)).count("eenzaamheid") == 1


def test_a_removed_tool_is_no_longer_found() -> None:
    index = ToolIndex.build(TOOLS)
    index.remove(["netwerk", "onbekend"])
    assert "netwerk" not in ids(index.search("netwerkkaart familie buren", limit=10))
    assert len(index) == len(TOOLS) - 1
    assert "netwerk" not in index
    assert ids(index.suggest("netwerkkaart")) != ["netwerk"]


def test_dutch_participles_are_lemmatised() -> None:
    """The stemmer turns 'gekost' into 'kos', 'kosten' into 'kost'; the lemma bridges them."""
    assert "kba" in ids(ToolIndex.build(TOOLS).search("wat heeft het gekost"))
    assert ids(ToolIndex.build(TOOLS).search("welke veranderingen hebben zich voorgedaan"))[0] == (
        "oogsten"
    )


def test_words_side_by_side_in_a_tool_rank_it_higher() -> None:
    apart = ToolDocument(id="a-apart", name="Kaart", summary="Een kaart. Later het sociaal plan.")
    together = ToolDocument(id="z-together", name="Kaart", summary="De sociale kaart van de wijk.")
    assert ids(ToolIndex.build([apart, together]).search("sociale kaart"))[0] == "z-together"


def test_theme_words_alone_do_not_make_a_match() -> None:
    """A tool that shares only 'methode' with the question is no answer to 'taart bakken'."""
    tool = ToolDocument(id="x", name="Wijkschouw", summary="Een methode om de wijk te bekijken.")
    index = ToolIndex.build([tool])
    assert index.search("methode om een taart te bakken") == []
    assert ids(index.search("methode")) == ["x"]
    assert ids(index.search("methode wijk")) == ["x"]


def test_short_words_are_not_read_as_typos(catalogue_index: ToolIndex) -> None:
    assert catalogue_index.search("taart") == []
    assert catalogue_index.search("hoe bak ik een taart") == []


def test_a_verb_finds_its_other_form_over_the_noun_many_tools_share() -> None:
    """The stemmer makes 'werken', 'werkt' and the noun 'werk' one term; 'werken' still finds
    the tool named for 'wat werkt' first, not the tools that only speak of 'werk'."""
    table = SynonymTable.from_mapping({})
    tools = [
        ToolDocument(id="a-werk", name="Sociaal werk", summary="Werk in de wijk."),
        ToolDocument(id="b-werk", name="Werkplan", summary="Het werk van het team."),
        ToolDocument(id="c-werk", name="Werk en inkomen", summary="Naar werk."),
        ToolDocument(
            id="z-werkt",
            name="Wat werkt bij eenzaamheid, een dossier van onderzoek",
            summary="Kennis uit onderzoek.",
        ),
    ]
    index = ToolIndex.build(tools, synonyms=table)
    assert ids(index.search("interventies die werken"))[0] == "z-werkt"
    assert ids(index.search("werkt"))[0] == "z-werkt"


def test_a_theme_phrase_counts_as_the_phrase_not_as_its_words_apart() -> None:
    """'sociaal' in 'Sociaal kompas' says nothing about the query's 'sociaal domein'."""
    table = SynonymTable.from_mapping({"theme": ["sociaal domein"]})
    tools = [
        *TOOLS,
        ToolDocument(id="a-sociaal", name="Sociaal kompas", summary="Een kompas."),
        ToolDocument(id="m-domein", name="Kompas voor het sociaal domein", summary="Een kompas."),
        ToolDocument(id="z-kompas", name="Kompas", summary="Een kompas."),
    ]
    index = ToolIndex.build(tools, synonyms=table)
    assert ids(index.search("kompas voor het sociaal domein")) == [
        "m-domein",
        "z-kompas",
        "a-sociaal",
    ]
