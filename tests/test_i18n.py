"""Both catalogs hold every text the code asks for, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.pofile import read_po

from bot.core.i18n import LANGUAGES, LOCALE_DIR, Catalogs, render_template
from bot.handlers import build_router
from bot.model.markup import Style, Text

ROOT = Path(__file__).resolve().parents[1]
KEY_IN_CODE = re.compile(
    r"""(?:text|reply|plain|plural|button|UserError|InvalidAnswer|raw)\(\s*["']([a-z_]+\.[a-z_.]+)["']"""
    r"""|(?:_key|key)\s*=\s*["']([a-z_]+\.[a-z_.]+)["']"""
    r"""|Choice\(\s*["'][^"']*["']\s*,\s*["']([a-z_]+\.[a-z_.]+)["']"""
    r"""|Field\([^)]*?["']([a-z_]+\.[a-z_.]+)["']"""
)


def _catalog(language: str) -> dict[str, str]:
    path = LOCALE_DIR / language / "LC_MESSAGES" / "leeratelier.po"
    with path.open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def test_catalogs_have_the_same_keys_all_translated() -> None:
    nl, en = _catalog("nl"), _catalog("en")
    assert set(nl) == set(en)
    assert [k for k, v in nl.items() if not v] == []
    assert [k for k, v in en.items() if not v] == []


def test_placeholders_match_between_languages() -> None:
    nl, en = _catalog("nl"), _catalog("en")
    assert {k: _placeholders(v) for k, v in nl.items()} == {
        k: _placeholders(v) for k, v in en.items()
    }


def test_every_key_the_code_uses_exists() -> None:
    known = set(_catalog("nl"))
    used: set[str] = set()
    for path in list((ROOT / "bot").rglob("*.py")) + list((ROOT / "tests").rglob("test_*.py")):
        for match in KEY_IN_CODE.finditer(path.read_text(encoding="utf-8")):
            used.update(group for group in match.groups() if group)
    assert used, "the key scanner found nothing; it is broken"
    assert sorted(used - known) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_text_renders_with_its_placeholders(language: str) -> None:
    translator = Catalogs().translator(language)
    for key, text in _catalog(language).items():
        values = {name: "x" for name in _placeholders(text)}
        assert str(translator.text(key, **values))


def test_inserted_values_are_never_markup() -> None:
    text = render_template("<b>Hallo {name}</b>, welkom", {"name": "<i>Eve</i>"})
    assert text.spans[0].style is Style.BOLD
    assert text.spans[0].text == "Hallo <i>Eve</i>"
    assert str(text) == "Hallo <i>Eve</i>, welkom"


def test_inserted_text_keeps_its_own_style() -> None:
    text = render_template("Zie {link}.", {"link": Text.link("de site", "https://example.org")})
    assert [s.style for s in text.spans] == [Style.PLAIN, Style.LINK, Style.PLAIN]


def test_platform_language_codes_map_to_catalogs() -> None:
    catalogs = Catalogs()
    assert catalogs.translator("en-US").language == "en"
    assert catalogs.translator("nl_BE").language == "nl"
    assert catalogs.translator("de").language == "nl"
    assert catalogs.translator(None).language == "nl"


def test_every_form_and_command_text_exists() -> None:
    router, _ = build_router()
    keys = {key for command in router.commands() for key in (command.help_key, command.args_key)}
    for form in router.forms():
        keys.add(form.title_key)
        for field in form.fields:
            keys.update({field.prompt_key, field.label_key})
            keys.update(choice.label_key for choice in field.choices)
    keys.discard("")
    assert sorted(keys - set(_catalog("nl"))) == []
