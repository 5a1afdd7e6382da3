"""Recall, false alarms and speed of the client-data guard on the practice sentences.

Prints, per half of bench/data/personal_data_sentences.yaml (`tuning`, `test`): recall per
kind (every number shape, names with a title or initials, ages, addresses), false alarms on
the ordinary sentences (300+ per half), and the time for a 500-character text. With
`--deduce` it measures the `deduce` library (Dutch clinical de-identification) on the same
sentences instead; that mode needs only PyYAML and deduce, so it runs in a separate
environment:

    PYTHONPATH=. .venv/bin/python bench/personal_data.py
    /path/to/venv-with-deduce/bin/python bench/personal_data.py --deduce
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parent / "data" / "personal_data_sentences.yaml"
HALVES = ("tuning", "test")
SENTENCES_PER_HALF = 320

# A finder returns (kind, value) pairs for a text.
Finder = Callable[[str], list[tuple[str, str]]]


@dataclass(frozen=True)
class Half:
    positives: list[tuple[str, str, str]]
    negatives: list[str]


def load() -> dict[str, Half]:
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    parts = raw["negative_parts"]
    halves: dict[str, Half] = {}
    for index, name in enumerate(HALVES):
        firsts = parts["first"][index::2]
        combined = [f"{first} {second}" for first in firsts for second in parts["second"]]
        # Spread over every first part rather than taking the first few in full.
        step = max(1, len(combined) // SENTENCES_PER_HALF)
        negatives = [*raw[name]["negatives"], *combined[::step][:SENTENCES_PER_HALF]]
        positives = [(kind, sentence, value) for kind, sentence, value in raw[name]["positives"]]
        halves[name] = Half(positives, negatives)
    return halves


def ours() -> Finder:
    from bot.dialogs.personal_data import find_personal_data

    def find(text: str) -> list[tuple[str, str]]:
        return [(f.kind.value, text[f.start : f.end]) for f in find_personal_data(text)]

    return find


def deduce_finder() -> Finder:
    """deduce's annotations mapped to our kinds (person names, ages and addresses are what it
    adds; its phone, date and BSN tags are listed too)."""
    from deduce import Deduce  # type: ignore[import-not-found]  # optional, see module doc

    model = Deduce()
    kinds = {
        "persoon": "name",
        "patient": "name",
        "telefoonnummer": "phone",
        "bsn": "bsn",
        "locatie": "postcode_address",
        "email": "email",
        "datum": "birth_date",
        "leeftijd": "age",
        "iban": "iban",
    }

    def find(text: str) -> list[tuple[str, str]]:
        document = model.deidentify(text)
        return [(kinds.get(a.tag, a.tag), a.text) for a in document.annotations]

    return find


def measure(name: str, half: Half, find: Finder) -> None:
    found: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: list[str] = []
    for kind, sentence, value in half.positives:
        total[kind] += 1
        hits = find(sentence)
        if any(
            k == kind and (value in v or v in value) and len(v) >= len(value) // 2 for k, v in hits
        ):
            found[kind] += 1
        else:
            misses.append(f"    {kind}: {sentence!r} -> {hits}")
    alarms = [(s, find(s)) for s in half.negatives]
    alarms = [(s, hits) for s, hits in alarms if hits]
    print(f"[{name}] recall per kind:")
    for kind in sorted(total):
        print(f"  {kind:<18} {found[kind]}/{total[kind]} = {found[kind] / total[kind]:.0%}")
    print(f"[{name}] false alarms: {len(alarms)} in {len(half.negatives)} ordinary sentences")
    for sentence, hits in alarms:
        print(f"    {sentence!r} -> {hits}")
    if misses:
        print(f"[{name}] missed:")
        print("\n".join(misses))


def speed(find: Finder, halves: dict[str, Half]) -> None:
    text = " ".join(s for s in halves["test"].negatives)[:500]
    mixed = " ".join(s for _, s, _ in halves["test"].positives)[:500]
    for label, sample in (("ordinary", text), ("with personal data", mixed)):
        find(sample)
        runs = []
        for _ in range(300):
            started = time.perf_counter()
            find(sample)
            runs.append((time.perf_counter() - started) * 1000)
        runs.sort()
        print(
            f"speed, 500 characters {label}: median {statistics.median(runs):.3f} ms,"
            f" p99 {runs[int(len(runs) * 0.99) - 1]:.3f} ms"
        )


def main() -> None:
    halves = load()
    find = deduce_finder() if "--deduce" in sys.argv else ours()
    print("finder:", "deduce" if "--deduce" in sys.argv else "bot.dialogs.personal_data")
    for name, half in halves.items():
        measure(name, half, find)
    speed(find, halves)


if __name__ == "__main__":
    main()
