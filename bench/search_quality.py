"""Ranking quality of the tool search on the query sets: the members' tuning half and test half
(tests/search/data) and the public development set (tests/data/tool_queries.yaml).

Prints recall@3 (micro: over all expected ids; macro: averaged per query) and MRR per set, for
the search and for a baseline (tantivy's own query parser over the same fields: stemmed BM25,
no synonyms, lemmas, compounds or typo tolerance), then the queries of the tuning half and the
public set whose expected tools did not all make the top 3. The test half's misses are not
printed: it only measures. Pass a YAML file of queries to measure it as well (a held-out set).

    .venv/bin/python bench/search_quality.py [held_out.yaml ...]
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search import ToolDocument, ToolIndex, documents_from_catalogue
from search.ranking import FIELDS

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE_PATH = ROOT / "storage" / "data" / "tools_catalogue.yaml"
QUERIES_PATH = ROOT / "tests" / "data" / "tool_queries.yaml"
TUNING_PATH = ROOT / "tests" / "search" / "data" / "queries_tuning.yaml"
TEST_PATH = ROOT / "tests" / "search" / "data" / "queries_test.yaml"
TOP = 3
RANK_DEPTH = 10
TARGET_RECALL = 0.95
TARGET_MRR = 0.90

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


def baseline_ranker(documents: Sequence[ToolDocument]) -> Ranker:
    """The same index, queried through tantivy's lenient query parser without boosts."""
    index = ToolIndex.build(documents)
    raw = index.tantivy_index
    names = [spec.name for spec in FIELDS]

    def rank(query: str, limit: int) -> list[str]:
        parsed, _errors = raw.parse_query_lenient(query.replace(":", " "), names)
        return index.ids_of(parsed, limit)

    return rank


def _print_report(title: str, report: Report) -> None:
    verdict = (
        "meets target"
        if report.micro_recall >= TARGET_RECALL and report.mrr >= TARGET_MRR
        else "below target"
    )
    print(
        f"  {title:<34} recall@{TOP} micro {report.micro_recall:.3f}  "
        f"macro {report.macro_recall:.3f}  MRR {report.mrr:.3f}  ({verdict})"
    )


def _print_misses(title: str, report: Report) -> None:
    print(f"\nMisses in {title} ({len(report.misses)} of {len(report.outcomes)} queries):")
    for outcome in report.misses:
        missing = sorted(set(outcome.case.expected_ids) - set(outcome.ranking[:TOP]))
        print(f"- {outcome.case.query!r}")
        print(f"    missing {missing}; top {TOP}: {list(outcome.ranking[:TOP])}")


def main(extra: Sequence[str] = ()) -> None:
    documents = load_documents()
    engine, baseline = engine_ranker(documents), baseline_ranker(documents)
    sets = {
        "tuning half": load_queries(TUNING_PATH),
        "test half": load_queries(TEST_PATH),
        "public set": load_queries(QUERIES_PATH),
    }
    for path in extra:
        sets[f"held out: {Path(path).name}"] = load_queries(Path(path))
    print(f"targets: recall@{TOP} >= {TARGET_RECALL}, MRR >= {TARGET_MRR}\n")
    reports = {}
    for title, cases in sets.items():
        expected = sum(len(case.expected_ids) for case in cases)
        print(f"{title}: {len(cases)} queries, {expected} expected ids")
        reports[title] = evaluate(engine, cases)
        _print_report("search (tantivy + ranking.py)", reports[title])
        _print_report("baseline (tantivy query parser)", evaluate(baseline, cases))
    for title in ("tuning half", "public set"):
        _print_misses(title, reports[title])


if __name__ == "__main__":
    main(sys.argv[1:])
