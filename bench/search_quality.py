"""Ranking quality of the tool search on the development query set.

Prints recall@3 (micro: over all expected ids; macro: averaged per query) and MRR for the
search engine and for a plain stemmed BM25 baseline, followed by the queries whose expected
tools did not all make the top 3.

Run from the repository root: PYTHONPATH=. .venv/bin/python bench/search_quality.py
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import Stemmer
import yaml

from search import ToolDocument, ToolIndex, documents_from_catalogue

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_PATH = ROOT / "storage" / "data" / "tools_catalogue.yaml"
QUERIES_PATH = ROOT / "tests" / "data" / "tool_queries.yaml"
TOP = 3
RANK_DEPTH = 10

Ranker = Callable[[str, int], list[str]]


@dataclass(frozen=True)
class QueryCase:
    query: str
    lang: str
    style: str
    expected_ids: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    case: QueryCase
    ranking: tuple[str, ...]

    @property
    def found(self) -> int:
        return len(set(self.case.expected_ids) & set(self.ranking[:TOP]))

    @property
    def reciprocal_rank(self) -> float:
        for rank, tool_id in enumerate(self.ranking, start=1):
            if tool_id in self.case.expected_ids:
                return 1.0 / rank
        return 0.0


@dataclass(frozen=True)
class Report:
    outcomes: tuple[Outcome, ...]

    @property
    def micro_recall(self) -> float:
        expected = sum(len(outcome.case.expected_ids) for outcome in self.outcomes)
        return sum(outcome.found for outcome in self.outcomes) / expected

    @property
    def macro_recall(self) -> float:
        shares = [o.found / len(o.case.expected_ids) for o in self.outcomes]
        return sum(shares) / len(shares)

    @property
    def mrr(self) -> float:
        return sum(outcome.reciprocal_rank for outcome in self.outcomes) / len(self.outcomes)

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.found < len(o.case.expected_ids)]


def load_documents(path: Path = CATALOGUE_PATH) -> list[ToolDocument]:
    return documents_from_catalogue(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_queries(path: Path = QUERIES_PATH) -> list[QueryCase]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        QueryCase(
            query=str(item["query"]),
            lang=str(item.get("lang", "")),
            style=str(item.get("style", "")),
            expected_ids=tuple(str(tool_id) for tool_id in item["expected_ids"]),
        )
        for item in raw
    ]


def evaluate(ranker: Ranker, cases: Sequence[QueryCase]) -> Report:
    return Report(tuple(Outcome(case, tuple(ranker(case.query, RANK_DEPTH))) for case in cases))


def engine_ranker(documents: Sequence[ToolDocument]) -> Ranker:
    index = ToolIndex.build(documents)
    return lambda query, limit: [hit.id for hit in index.search(query, limit)]


class PlainBM25:
    """Reference: one bag of Dutch-stemmed words per tool, all fields alike, plain BM25."""

    k1 = 1.5
    b = 0.75

    def __init__(self, documents: Sequence[ToolDocument]) -> None:
        self._stemmer = Stemmer.Stemmer("dutch")
        self._ids = [document.id for document in documents]
        self._bags = [Counter(self._terms(_all_text(document))) for document in documents]
        self._lengths = [sum(bag.values()) for bag in self._bags]
        self._average = sum(self._lengths) / len(self._lengths)
        frequency = Counter(term for bag in self._bags for term in bag)
        size = len(documents)
        self._idf = {t: math.log(1 + (size - n + 0.5) / (n + 0.5)) for t, n in frequency.items()}

    def rank(self, query: str, limit: int) -> list[str]:
        terms = self._terms(query)
        scores = [
            (self._score(terms, position), tool_id) for position, tool_id in enumerate(self._ids)
        ]
        ranked = sorted((item for item in scores if item[0] > 0), key=lambda x: (-x[0], x[1]))
        return [tool_id for _, tool_id in ranked[:limit]]

    def _terms(self, text: str) -> list[str]:
        stems: list[str] = self._stemmer.stemWords(re.findall(r"\w+", text.lower()))
        return stems

    def _score(self, terms: list[str], position: int) -> float:
        bag = self._bags[position]
        norm = self.k1 * (1 - self.b + self.b * self._lengths[position] / self._average)
        return sum(
            self._idf[t] * bag[t] * (self.k1 + 1) / (bag[t] + norm) for t in terms if t in bag
        )


def _all_text(document: ToolDocument) -> str:
    parts = (
        document.name,
        *document.aliases,
        *document.tags,
        document.summary,
        document.when_to_use,
        *document.steps,
        document.summary_en,
    )
    return " ".join(parts)


def _print_report(title: str, report: Report) -> None:
    print(
        f"{title:<22} recall@{TOP} micro {report.micro_recall:.3f}  "
        f"macro {report.macro_recall:.3f}  MRR {report.mrr:.3f}"
    )


def _print_misses(report: Report) -> None:
    print(f"\nMisses ({len(report.misses)} of {len(report.outcomes)} queries):")
    for outcome in report.misses:
        missing = sorted(set(outcome.case.expected_ids) - set(outcome.ranking[:TOP]))
        print(f"- {outcome.case.query!r}")
        print(f"    missing {missing}; top {TOP}: {list(outcome.ranking[:TOP])}")


def main() -> None:
    documents, cases = load_documents(), load_queries()
    baseline = evaluate(PlainBM25(documents).rank, cases)
    engine = evaluate(engine_ranker(documents), cases)
    print(f"{len(cases)} queries, {sum(len(c.expected_ids) for c in cases)} expected ids\n")
    _print_report("plain stemmed BM25", baseline)
    _print_report("ToolIndex (BM25F+)", engine)
    _print_misses(engine)


if __name__ == "__main__":
    main()
