"""The personal-data guard: what it flags in members' texts, and what it leaves alone."""

from __future__ import annotations

import itertools

import pytest

from bot.dialogs.personal_data import MASK, Finding, Kind, find_personal_data, redact

# (kind, sentence, the exact value that must be reported)
POSITIVES: list[tuple[Kind, str, str]] = [
    # names with a title, with initials, or after a family word
    (Kind.NAME, "mevrouw Jansen uit de Pijp belde", "Jansen"),
    (Kind.NAME, "Ik sprak dhr. De Vries over zijn schulden", "De Vries"),
    (Kind.NAME, "J. de Vries kwam niet opdagen bij de afspraak", "J. de Vries"),
    (Kind.NAME, "Mw. A.B. Yilmaz-Demir had veel vragen", "A.B. Yilmaz-Demir"),
    (Kind.NAME, "De heer Van den Berg woont alleen sinds de zomer", "Van den Berg"),
    (Kind.NAME, "Zijn moeder Fatima kwam mee naar het gesprek", "Fatima"),
    (Kind.NAME, "Ik zag dhr. Öztürk in de wachtkamer", "Öztürk"),
    (Kind.NAME, "Volgens dr. Mulder is opname niet nodig", "Mulder"),
    (Kind.NAME, "I visited Mrs. Okafor at home, she was worried", "Okafor"),
    (Kind.NAME, "Mr. Kowalski did not show up for the appointment", "Kowalski"),
    (Kind.NAME, "Her father, Mr. Nowak, lives at home", "Nowak"),
    # ages of one person
    (Kind.AGE, "Een man van 45 kwam zonder afspraak binnen", "45"),
    (Kind.AGE, "De 82-jarige woont nog zelfstandig", "82-jarige"),
    (Kind.AGE, "Ze is 82 jaar oud en woont alleen", "82 jaar oud"),
    (Kind.AGE, "Het meisje (9) vertelde het aan haar juf", "9"),
    (Kind.AGE, "Een 58-jarige vrachtwagenchauffeur is afgekeurd", "58-jarige"),
    (Kind.AGE, "Vader, 52 jaar, werkt in de nachtdienst", "52 jaar"),
    (Kind.AGE, "Leeftijd: 64, alleenstaand, geen kinderen", "64"),
    (Kind.AGE, "A 45-year-old father asked for help with his debts", "45-year-old"),
    (Kind.AGE, "Haar zoon van 14 spijbelt al weken", "14"),
    # number shapes the guard once missed
    (Kind.BSN, "BSN van zoon: 1234.56.782, graag nakijken", "1234.56.782"),
    (Kind.BSN, "Op het formulier stond 1234 56 782 bij vader", "1234 56 782"),
    (Kind.BSN, "Haar nummer 123-456-782 stond op de brief", "123-456-782"),
    (Kind.BSN, "Het BSN van de oudste, dat moeder me gaf, is 67853614", "67853614"),
    (Kind.PHONE, "Haar nummer is +31 6 1234 5678, na vijven", "+31 6 1234 5678"),
    (Kind.PHONE, "De praktijk zit op +31 10 1234 567 in Rotterdam", "+31 10 1234 567"),
    (Kind.PHONE, "Noodnummer +31(0)612345678 staat in het plan", "+31(0)612345678"),
    (Kind.PHONE, "Vader gaf 06/12345678 op als nummer", "06/12345678"),
    (Kind.PHONE, "Zijn oude nummer 066 2345678 werkt niet meer", "066 2345678"),
    (Kind.PHONE, "De tante in Antwerpen: 0032 470 12 34 56", "0032 470 12 34 56"),
    (Kind.POSTCODE_ADDRESS, "Ze woont sinds kort in 1234 ab, vlakbij het park", "1234 ab"),
    # phone numbers
    (Kind.PHONE, "Ik belde moeder op 06-12345678 maar ze nam niet op", "06-12345678"),
    (Kind.PHONE, "Vader is bereikbaar op 06 12 34 56 78, liefst na vijven.", "06 12 34 56 78"),
    (Kind.PHONE, "Het nummer van oma: 0612345678.", "0612345678"),
    (Kind.PHONE, "De school belde vanaf 010-1234567 over Jayden.", "010-1234567"),
    (Kind.PHONE, "Het wijkteam in Amsterdam zit op 020 123 4567.", "020 123 4567"),
    (Kind.PHONE, "Haar vaste nummer is 0591-123456 sinds de verhuizing.", "0591-123456"),
    (Kind.PHONE, "Zijn nummer werkt niet meer, probeer +31 6 12345678.", "+31 6 12345678"),
    (Kind.PHONE, "Kantoor van de voogd: +31 (0)20 1234567", "+31 (0)20 1234567"),
    (Kind.PHONE, "Tante belt altijd met 0031 6 12345678 vanuit Spanje.", "0031 6 12345678"),
    (Kind.PHONE, "Hij gaf +31612345678 op als noodnummer.", "+31612345678"),
    (Kind.PHONE, "Het nummer (020) 1234567 staat in het dossier.", "(020) 1234567"),
    (Kind.PHONE, "De zus in België is bereikbaar op +32 470 12 34 56.", "+32 470 12 34 56"),
    (Kind.PHONE, "We verwezen door naar 0800-1234 voor gratis advies.", "0800-1234"),
    (Kind.PHONE, "De Kindertelefoon (0800-0432) is gratis en anoniem.", "0800-0432"),
    (Kind.PHONE, "Moeder belde steeds 0900-1234567, een betaallijn.", "0900-1234567"),
    # BSN
    (Kind.BSN, "Zijn BSN 111222333 stond op het formulier", "111222333"),
    (Kind.BSN, "BSN van de moeder: 123.456.782, graag checken", "123.456.782"),
    (Kind.BSN, "Ik noteerde 123 456 782 als burgerservicenummer.", "123 456 782"),
    (Kind.BSN, "Burgerservicenummer 353454709 (zoon) ontbrak in de aanvraag.", "353454709"),
    (Kind.BSN, "Op de beschikking stond 196744404 naast zijn naam.", "196744404"),
    (Kind.BSN, "BSN:171420044, geboren in Syrië", "171420044"),
    (Kind.BSN, "Het sofinummer 67853614 van vader is oud.", "67853614"),
    # e-mail
    (Kind.EMAIL, "Moeder mailde vanaf moeder.jansen@gmail.com gisteren", "moeder.jansen@gmail.com"),
    (Kind.EMAIL, "Zijn mail is j.de-vries+school@hotmail.nl.", "j.de-vries+school@hotmail.nl"),
    (Kind.EMAIL, "Stuur het naar info@wijkteam-noord.nl, dan", "info@wijkteam-noord.nl"),
    (Kind.EMAIL, "Jürgen.Müller@web.de schreef terug over de voogdij", "Jürgen.Müller@web.de"),
    (Kind.EMAIL, "Contact: S.Bakker@student.hva.nl (stagiair)", "S.Bakker@student.hva.nl"),
    (Kind.EMAIL, "(zij mailde naar pietje_puk123@ziggo.nl)", "pietje_puk123@ziggo.nl"),
    (Kind.EMAIL, "Vader gebruikt 0612345678@mail.com als adres", "0612345678@mail.com"),
    # IBAN
    (
        Kind.IBAN,
        "Hij vroeg of we NL91ABNA0417164300 wilden gebruiken voor de huur",
        "NL91ABNA0417164300",
    ),
    (Kind.IBAN, "Rekening: NL91 ABNA 0417 1643 00 op naam van moeder", "NL91 ABNA 0417 1643 00"),
    (Kind.IBAN, "Budgetbeheer betaalt naar nl44rabo0123456789 elke maand", "nl44rabo0123456789"),
    (Kind.IBAN, "IBAN NL20 INGB 0001 2345 67.", "NL20 INGB 0001 2345 67"),
    (Kind.IBAN, "De oom gebruikt BE68 5390 0754 7034 voor de toeslag", "BE68 5390 0754 7034"),
    (
        Kind.IBAN,
        "Duitse rekening DE89 3704 0044 0532 0130 00, zei hij",
        "DE89 3704 0044 0532 0130 00",
    ),
    (Kind.IBAN, "GB29 NWBK 6016 1331 9268 19 van de Britse vader", "GB29 NWBK 6016 1331 9268 19"),
    # postcode and address
    (Kind.POSTCODE_ADDRESS, "Het gezin woont op de Dorpsstraat 12 sinds mei", "Dorpsstraat 12"),
    (Kind.POSTCODE_ADDRESS, "Kerkweg 7b is hun nieuwe adres", "Kerkweg 7b"),
    (
        Kind.POSTCODE_ADDRESS,
        "Adres: Dorpsstraat 12, 1234 AB Utrecht",
        "Dorpsstraat 12, 1234 AB",
    ),
    (
        Kind.POSTCODE_ADDRESS,
        "Ze verhuisde naar Dorpsstraat 12a 1234AB Utrecht.",
        "Dorpsstraat 12a 1234AB",
    ),
    (Kind.POSTCODE_ADDRESS, "Het adres is 1234 AB 12, tweede verdieping", "1234 AB 12"),
    (
        Kind.POSTCODE_ADDRESS,
        "Ik vulde postcode 1234AB huisnummer 7 in op het formulier",
        "1234AB huisnummer 7",
    ),
    (Kind.POSTCODE_ADDRESS, "De jongen komt uit 3512 JK, vlak bij het station", "3512 JK"),
    (Kind.POSTCODE_ADDRESS, "Moeder zit in de opvang aan de Markt 12", "Markt 12"),
    (Kind.POSTCODE_ADDRESS, "Ze woont Oudegracht 231-3, boven de winkel", "Oudegracht 231-3"),
    (Kind.POSTCODE_ADDRESS, "Kalverstraat 12 is het nieuwe adres", "Kalverstraat 12"),
    (
        Kind.POSTCODE_ADDRESS,
        "Nieuw adres: Laan van Meerdervoort 123a",
        "Laan van Meerdervoort 123a",
    ),
    (Kind.POSTCODE_ADDRESS, "Hij woont op de Dapperstraat 5 2hg", "Dapperstraat 5 2hg"),
    (Kind.POSTCODE_ADDRESS, "Woont sinds mei aan de Parkweg 17 III", "Parkweg 17 III"),
    (Kind.POSTCODE_ADDRESS, "Ze woont aan de Grote Markt 9 boven de bakker", "Markt 9"),
    (Kind.POSTCODE_ADDRESS, "moeder woont in de kerkstraat 12 in Tiel", "kerkstraat 12"),
    # dates of birth
    (Kind.BIRTH_DATE, "Jayden, geboren 12-03-2009, zit in de tweede klas", "12-03-2009"),
    (Kind.BIRTH_DATE, "Zus (geb. 12/3/2009) woont bij oma", "12/3/2009"),
    (Kind.BIRTH_DATE, "Geboortedatum: 2009-03-12 volgens het dossier", "2009-03-12"),
    (Kind.BIRTH_DATE, "Born 12 March 2009 in Aleppo, he arrived last year", "12 March 2009"),
    (Kind.BIRTH_DATE, "Ze is geboren op 3 maart 2011 in Utrecht.", "3 maart 2011"),
    (Kind.BIRTH_DATE, "Broertje, geb. 3 mrt '11, gaat naar de opvang", "3 mrt '11"),
    (Kind.BIRTH_DATE, "Hij is op 3 maart 2011 geboren.", "3 maart 2011"),
    (Kind.BIRTH_DATE, "Op 12 maart 2009 is hij geboren, in Eritrea", "12 maart 2009"),
    (Kind.BIRTH_DATE, "DOB: 12.03.2009 volgens het formulier", "12.03.2009"),
    (Kind.BIRTH_DATE, "Date of birth: March 12, 2009", "March 12, 2009"),
    (Kind.BIRTH_DATE, "Ze is geboren in Utrecht op 12-03-2009", "12-03-2009"),
]

# (the kind the sentence resembles, sentence): none of these may be flagged at all.
NEGATIVES: list[tuple[Kind, str]] = [
    # name-like
    (Kind.NAME, "Mevrouw de voorzitter opende de vergadering"),
    (Kind.NAME, "Meneer de wethouder kwam even langs"),
    (Kind.NAME, "Moeder belde. De school ook."),
    (Kind.NAME, "N.B. Morgen geen atelier vanwege de storm"),
    (Kind.NAME, "Zijn moeder wil graag meedoen aan het ouderpanel"),
    (Kind.NAME, "De cliënt kwam te laat en was boos"),
    (Kind.NAME, "P.S. Denk aan de evaluatieformulieren"),
    (Kind.NAME, "Dinsdag kwam moeder Maandag niet, maar vader De school wel"),
    # proper names with a title: a brand, a character, an author, a street
    (Kind.NAME, "Dr. Oetker pizza's op de teamdag"),
    (Kind.NAME, "Tante Sidonia is een kinderboek over rouw"),
    (Kind.NAME, "We oefenden met de methode van Prof. Baarda"),
    (Kind.NAME, "We vierden de dag van Moeder Aarde met een opruimactie"),
    (Kind.NAME, "Volgens Dr. House is iedereen een leugenaar, grapte een collega"),
    (Kind.NAME, "Mijn cliënt Gaat het goed? stond er boven de mail"),
    (Kind.NAME, "De bus stopt op het Mr. Visserplein, daar stappen we uit"),
    # age-like
    (Kind.AGE, "Jongeren van 12 tot 18 jaar kunnen zich aanmelden"),
    (Kind.AGE, "We vierden het 25-jarig jubileum van het wijkteam"),
    (Kind.AGE, "De 4-jarige opleiding tot maatschappelijk werker is pittig"),
    (Kind.AGE, "Een moeder van 3 kinderen vertelde over haar weekritme"),
    (Kind.AGE, "Het pand is 80 jaar oud en de lift hapert"),
    (Kind.AGE, "Hij is 10 minuten te laat gekomen, zei de begeleider"),
    (Kind.AGE, "De cliënt is 1 van de 12 deelnemers aan de pilot"),
    (Kind.AGE, "Een buurvrouw van 2 hoog bracht koffie"),
    # phone-like
    (Kind.PHONE, "Er zijn 123456789 berichten verstuurd via de app"),
    (Kind.PHONE, "In 2024 deden 1500 gezinnen mee aan het experiment"),
    (Kind.PHONE, "Het budget is € 1.234.567 voor vier jaar"),
    (Kind.PHONE, "De bijeenkomst is op 12-03-2026 om 19:30"),
    (Kind.PHONE, "Open inloop 09:00-17:00 op dinsdag"),
    (Kind.PHONE, "Het spreekuur is 0900-1700 op werkdagen"),
    (Kind.PHONE, "Op 06-03-2026 10 deelnemers en op 01-03-2026 12 ouders"),
    (Kind.PHONE, "Het boek (ISBN 0-306-40615-2) ligt op kantoor"),
    (Kind.PHONE, "Installeer versie 2.3.4 van de app"),
    (Kind.PHONE, "We scoorden +5 punten op 10 items"),
    # BSN-like
    (Kind.BSN, "Zijn BSN 123456789 stond op het formulier"),
    (Kind.BSN, "in 2024 hadden we 123456789 euro"),
    (Kind.BSN, "Het budget was € 123.456.782 dit jaar"),
    (Kind.BSN, "Het project kreeg 111222333 euro subsidie"),
    (Kind.BSN, "KvK-nummer van de stichting: 67853614"),
    (Kind.BSN, "Het RSIN 123456782 van de stichting staat op de factuur"),
    (Kind.BSN, "Kenmerk 1234567820 in de brief van de gemeente"),
    (Kind.BSN, "Totaal 1.123.456.782 weergaven op de video"),
    (Kind.BSN, "Vul 000000000 in als het BSN onbekend is"),
    # e-mail-like
    (Kind.EMAIL, "@Sanne bedankt voor de tip!"),
    (Kind.EMAIL, "@everyone de bijeenkomst gaat door"),
    (Kind.EMAIL, "Stuur het naar naam@organisatie, die weet het"),
    (Kind.EMAIL, "Test het lokaal met user@localhost"),
    (Kind.EMAIL, "Volg ons op @jeugdzorg_nl"),
    (Kind.EMAIL, "We waren met z'n tienen @ de buurtkamer"),
    (Kind.EMAIL, "Het logo staat in logo@2x.png op de schijf"),
    # IBAN-like
    (Kind.IBAN, "NL91ABNA0417164301 heeft een cijfer anders"),
    (Kind.IBAN, "NL91 ABNA 0417 1643 is te kort"),
    (Kind.IBAN, "Code XX91ABNA0417164300 is geen land"),
    (Kind.IBAN, "NL7112345678901234 heeft geen bankcode"),
    (Kind.IBAN, "BE68 5390 0754 7035 klopt niet"),
    (Kind.IBAN, "Productcode AB12 CDEF GHIJ KLMN voor de nieuwe laptops"),
    (Kind.IBAN, "Het btw-nummer NL001234567B01 staat op de factuur"),
    # postcode-like
    (Kind.POSTCODE_ADDRESS, "Kamer 1234 AB-vleugel is gereserveerd"),
    (Kind.POSTCODE_ADDRESS, "In 2024 AI gebruikt voor verslagen"),
    (Kind.POSTCODE_ADDRESS, "30% van de 1500 cliënten"),
    (Kind.POSTCODE_ADDRESS, "In 2024 en 2025 liep het project"),
    (Kind.POSTCODE_ADDRESS, "Aflevering 3 van de podcast ging over armoede"),
    (Kind.POSTCODE_ADDRESS, "Werkveld 2 van het competentieprofiel"),
    (Kind.POSTCODE_ADDRESS, "De Arbeidsmarkt 2024 was krap"),
    (Kind.POSTCODE_ADDRESS, "We woonden vroeger allemaal in de Dorpsstraat"),
    (Kind.POSTCODE_ADDRESS, "Postcode 1234 SA bestaat niet"),
    (Kind.POSTCODE_ADDRESS, "Het bestand van 500 MB stuur ik later"),
    (Kind.POSTCODE_ADDRESS, "In het Vondelpark 3 rondes gelopen met de groep"),
    # date-of-birth-like
    (Kind.BIRTH_DATE, "De bijeenkomst op 12-03-2026 om 19:30"),
    (Kind.BIRTH_DATE, "Sanne (12-03-2009) vertelde over haar stage"),
    (Kind.BIRTH_DATE, "Ze is geboren in 2009 en zit nu op het vmbo"),
    (Kind.BIRTH_DATE, "Hij is jarig op 12 maart, dan bakken we taart"),
    (Kind.BIRTH_DATE, "Volgens het formulier geboren op 31-02-2009"),
    (Kind.BIRTH_DATE, "Ze is hier niet geboren, maar op 12-03-2026 kreeg ze een status"),
    (Kind.BIRTH_DATE, "Het geboortezorg-overleg is op 12-03-2026"),
    (Kind.BIRTH_DATE, "De baby wordt rond 12 maart geboren"),
]


def _case_id(sentence: str) -> str:
    return sentence[:40]


def _span(sentence: str, value: str) -> tuple[int, int]:
    start = sentence.index(value)
    return start, start + len(value)


@pytest.mark.parametrize(
    ("kind", "sentence", "value"), POSITIVES, ids=[_case_id(s) for _, s, _ in POSITIVES]
)
def test_finds_personal_data_with_its_exact_span(kind: Kind, sentence: str, value: str) -> None:
    start, end = _span(sentence, value)
    assert find_personal_data(sentence) == [Finding(kind, start, end)]


@pytest.mark.parametrize(("kind", "sentence"), NEGATIVES, ids=[_case_id(s) for _, s in NEGATIVES])
def test_leaves_ordinary_work_talk_alone(kind: Kind, sentence: str) -> None:
    assert find_personal_data(sentence) == []


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_enough_examples_both_ways(kind: Kind) -> None:
    assert sum(1 for k, _, _ in POSITIVES if k == kind) >= 6
    assert sum(1 for k, _ in NEGATIVES if k == kind) >= 6


def test_mixed_text_reports_every_finding_in_order() -> None:
    text = (
        "Moeder (06-12345678, moeder.jansen@gmail.com) woont op Dorpsstraat 12, 1234 AB. "
        "BSN 111222333, rekening NL91 ABNA 0417 1643 00; dochter geboren 12-03-2009. "
        "Volgende bijeenkomst 19-03-2026 om 19:30 met 12 collega's."
    )
    expected = [
        (Kind.PHONE, "06-12345678"),
        (Kind.EMAIL, "moeder.jansen@gmail.com"),
        (Kind.POSTCODE_ADDRESS, "Dorpsstraat 12, 1234 AB"),
        (Kind.BSN, "111222333"),
        (Kind.IBAN, "NL91 ABNA 0417 1643 00"),
        (Kind.BIRTH_DATE, "12-03-2009"),
    ]
    findings = find_personal_data(text)
    assert [(f.kind, text[f.start : f.end]) for f in findings] == expected
    assert [f.start for f in findings] == sorted(f.start for f in findings)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        # The digits of an IBAN are not also a phone number.
        ("Rekening NL91 ABNA 0417 1643 00 graag", Kind.IBAN, "NL91 ABNA 0417 1643 00"),
        # Nine digits passing the 11-check inside a phone number are part of the phone number.
        ("Bel +31 612345609 na drie uur", Kind.PHONE, "+31 612345609"),
        # A phone number used as a mailbox name is reported once, as the e-mail address.
        ("Mail 0612345678@mail.com maar", Kind.EMAIL, "0612345678@mail.com"),
        # A full address is one finding, not a street and a postcode.
        ("Dorpsstraat 12, 1234 AB", Kind.POSTCODE_ADDRESS, "Dorpsstraat 12, 1234 AB"),
    ],
)
def test_overlaps_go_to_the_more_specific_kind(text: str, kind: Kind, value: str) -> None:
    start, end = _span(text, value)
    assert find_personal_data(text) == [Finding(kind, start, end)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("📞 06-12345678 👍", Kind.PHONE, "06-12345678"),
        ("Nieuw nummer 06–12345678 (en dash)", Kind.PHONE, "06–12345678"),
        ("Nummer 06‑12345678 (non-breaking hyphen)", Kind.PHONE, "06‑12345678"),
        (
            "Mobiel 06\u00a012\u00a034\u00a056\u00a078",
            Kind.PHONE,
            "06\u00a012\u00a034\u00a056\u00a078",
        ),
        ("رقم الهاتف \u200f06-12345678\u200f شكرا", Kind.PHONE, "06-12345678"),
        ("Arabisch: ٠٦١٢٣٤٥٦٧٨ klopt", Kind.PHONE, "٠٦١٢٣٤٥٦٧٨"),
        ("Breed: ０６１２３４５６７８ klopt", Kind.PHONE, "０６１２３４５６７８"),
        ("BSN 111\u200b222\u200b333 (zero-width spaces)", Kind.BSN, "111\u200b222\u200b333"),
        ("Ze woont op 3512\u00a0JK 4", Kind.POSTCODE_ADDRESS, "3512\u00a0JK 4"),
        ("Hij woont op de Kerk\u00adstraat 5", Kind.POSTCODE_ADDRESS, "Kerk\u00adstraat 5"),
        (
            "IBAN NL91\u00a0ABNA\u00a00417\u00a01643\u00a000",
            Kind.IBAN,
            "NL91\u00a0ABNA\u00a00417\u00a01643\u00a000",
        ),
        ("geb. 3 mrt ’11 🎂", Kind.BIRTH_DATE, "3 mrt ’11"),
    ],
)
def test_unicode_offsets_point_into_the_original_text(text: str, kind: Kind, value: str) -> None:
    start, end = _span(text, value)
    assert find_personal_data(text) == [Finding(kind, start, end)]


def test_masked_shows_only_the_ends() -> None:
    text = "Bel 0612345678 vandaag"
    (finding,) = find_personal_data(text)
    assert finding.masked(text) == "06" + MASK * 6 + "78"


NUMBERS = [p for p in POSITIVES if p[0] not in (Kind.NAME, Kind.AGE)]
"""Names show only their first letter, ages their words: test_a_name_is_masked_to_its_first_letter
and test_an_age_keeps_its_words_without_the_digits."""


@pytest.mark.parametrize(
    ("kind", "sentence", "value"), NUMBERS, ids=[_case_id(s) for _, s, _ in NUMBERS]
)
def test_masking_never_reveals_the_whole_value(kind: Kind, sentence: str, value: str) -> None:
    start, end = _span(sentence, value)
    masked = Finding(kind, start, end).masked(sentence)
    assert len(masked) == len(value)
    assert masked != value
    assert masked[:2] == value[:2] and masked[-2:] == value[-2:]
    assert set(masked[2:-2]) == {MASK}


def test_masking_a_very_short_value_hides_all_of_it() -> None:
    assert Finding(Kind.PHONE, 0, 4).masked("1234 en meer") == MASK * 4


def test_a_long_text_without_personal_data_has_no_findings() -> None:
    sentences = [sentence for _, sentence in NEGATIVES]
    text = ""
    while len(text) < 4000:
        text += " ".join(sentences) + "\n"
    assert len(text) >= 4000
    assert find_personal_data(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "1 " * 5000,
        "a@" * 3000,
        "0 " * 5000,
        "0-" * 5000,
        "1." * 5000,
        "01 " * 3000,
        "(0)" * 3000,
        "+" * 5000,
        "x@" + "a." * 3000,
        "a" * 5000 + "@",
        "geboren " * 2000,
        "geboren" + " " * 5000 + "x",
        "A" + "a" * 5000 + " 12",
        "Aaaaa " * 2000,
        "NL91 " * 2000,
        "AB12 CDEF " * 1000,
    ],
    ids=lambda text: repr(text[:12]),
)
def test_pathological_input_finishes(text: str) -> None:
    assert find_personal_data(text) == []


def test_findings_are_sorted_and_never_overlap() -> None:
    text = "".join(sentence.rstrip(".") + ". " for _, sentence, _ in POSITIVES) * 3
    findings = find_personal_data(text)
    assert len(findings) == 3 * len(POSITIVES)
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start


def test_kinds_are_plain_strings() -> None:
    assert str(Kind.BSN) == "bsn"
    assert {kind.value for kind in Kind} == {
        "bsn",
        "phone",
        "email",
        "iban",
        "postcode_address",
        "birth_date",
        "age",
        "name",
    }


def _practice_half(name: str) -> tuple[list[tuple[str, str, str]], list[str]]:
    """One half of the bench's practice sentences (bench/data/personal_data_sentences.yaml)."""
    from bench.personal_data import load

    half = load()[name]
    return half.positives, half.negatives


@pytest.mark.parametrize("half", ["tuning", "test"])
def test_every_number_shape_of_the_practice_set_is_found(half: str) -> None:
    positives, _ = _practice_half(half)
    numbers = [(k, s, v) for k, s, v in positives if k != "name"]
    assert len(numbers) >= 15
    for kind, sentence, value in numbers:
        found = [(f.kind.value, sentence[f.start : f.end]) for f in find_personal_data(sentence)]
        assert (kind, value) in found, (sentence, found)


@pytest.mark.parametrize("half", ["tuning", "test"])
def test_names_with_a_title_or_initials_are_found_nine_in_ten(half: str) -> None:
    positives, _ = _practice_half(half)
    names = [(s, v) for k, s, v in positives if k == "name"]
    found = sum(
        1
        for sentence, value in names
        if ("name", value)
        in [(f.kind.value, sentence[f.start : f.end]) for f in find_personal_data(sentence)]
    )
    assert len(names) >= 20 and found >= 0.9 * len(names)


def test_the_practice_set_has_three_hundred_ordinary_sentences_per_half() -> None:
    for half in ("tuning", "test"):
        _, negatives = _practice_half(half)
        assert len(negatives) >= 300
    _, tuning = _practice_half("tuning")
    alarms = [s for s in tuning if find_personal_data(s)]
    # The target is at most one false alarm per 300 ordinary sentences. Only the tuning half
    # is held to it here: the test half stays a measurement (bench/personal_data.py), so the
    # rules are not fitted to it.
    assert len(alarms) <= len(tuning) / 300, alarms


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Meneer Kikker uit het prentenboek deed de kinderen lachen", []),
        ("Ze hingen de poster van Mevrouw Egel uit de tekenfilm op", []),
        ("We handed out the Dr. Seuss books at the door", []),
        ("Meneer Bakker uit de flat ernaast belde", ["Bakker"]),
        ("Mevrouw Smit uit de cursus van dinsdag kwam niet", ["Smit"]),
        ("Dr. Mulder from the hospital called back", ["Mulder"]),
    ],
)
def test_a_character_from_a_book_or_a_titled_brand_is_no_client(
    text: str, names: list[str]
) -> None:
    found = [text[f.start : f.end] for f in find_personal_data(text) if f.kind.value == "name"]
    assert found == names


def test_a_name_is_masked_to_its_first_letter() -> None:
    text = "mevrouw Jansen belde"
    [finding] = find_personal_data(text)
    assert finding.masked(text) == "J" + MASK * 5


def test_an_age_keeps_its_words_without_the_digits() -> None:
    text = "Een man van 45 en de 82-jarige wachtten"
    findings = find_personal_data(text)
    assert [f.masked(text) for f in findings] == [MASK * 2, MASK * 2 + "-jarige"]


def test_a_copy_for_outsiders_hides_every_finding_in_place() -> None:
    text = (
        "Mevrouw Jansen (82) woont op de Dapperstraat 5 2hg, bel 06-12345678 of mail "
        "m.jansen@gmail.com; BSN 111222333. De methode van Prof. Baarda hielp."
    )
    expected = (
        f"Mevrouw J{MASK * 5} ({MASK * 2}) woont op de {MASK * 18}, bel {MASK * 11} of mail "
        f"{MASK * 18}; BSN {MASK * 9}. De methode van Prof. Baarda hielp."
    )
    assert redact(text) == expected
    ordinary = "Niets persoonlijks hier, 12 deelnemers."
    assert redact(ordinary) == ordinary
