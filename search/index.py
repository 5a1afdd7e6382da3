"""The tool index: a tantivy index in memory, kept current tool by tool.

tantivy (Rust, through tantivy-py) stores the postings, scores BM25 per field and runs the
queries that search/ranking.py builds; this module only maps tools to tantivy documents and
hits back to tool ids. Adding, changing or removing tools commits only those documents and
reloads the searcher (milliseconds), so an approval never rebuilds the whole index; the
segment merges such commits start run behind them, in the threads of the one writer kept for
changes, so a commit never waits for a merge.

A search that runs while another thread changes the index sees the searcher of before or of
after the change, never half of it; changes themselves are serialised by a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

import tantivy
from rapidfuzz import fuzz, process

from search.analysis import Analyzers, Language
from search.documents import SearchHit, ToolDocument
from search.ranking import FIELDS, Planner, good_matches
from search.synonyms import SynonymLookup, SynonymTable, default_synonyms
from search.text import STOP_WORDS, fold

ID_FIELD = "id"
KEY_FIELD = "key"
WRITER_HEAP = 32_000_000
WRITER_THREADS = 1
BUILD_HEAP = 64_000_000
BUILD_THREADS = 2
OVERFETCH = 8
SUGGEST_CUTOFF = 60.0


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field(ID_FIELD, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field(KEY_FIELD, fast=True)
    for spec in FIELDS:
        option = "position" if spec.phrases else "freq"
        builder.add_text_field(spec.name, tokenizer_name=spec.language.value, index_option=option)
    return builder.build()


def _fields(document: ToolDocument) -> dict[str, list[str]]:
    """A tool's text per index field (names, aliases and tags stemmed both ways)."""
    name, aliases, tags = [document.name], list(document.aliases), list(document.tags)
    values = {
        "name_nl": name,
        "name_en": name,
        "aliases_nl": aliases,
        "aliases_en": aliases,
        "tags_nl": tags,
        "tags_en": tags,
        "text_nl": [text for text in (document.summary, document.when_to_use) if text],
        "text_en": [document.summary_en] if document.summary_en else [],
        "steps_nl": list(document.steps),
    }
    return {field: texts for field, texts in values.items() if texts}


class ToolIndex:
    """The searchable approved tools. Build it with `ToolIndex.build`; change it with
    `upsert` and `remove`."""

    def __init__(self, synonyms: SynonymTable | None = None) -> None:
        self._schema = _schema()
        self._index = tantivy.Index(self._schema)
        # Only `_write` reloads, right after its commit. With tantivy's default ("commit":
        # reload on a watched commit) a manual reload now and then waited ~100 ms for it.
        self._index.config_reader(reload_policy="manual")
        self._analyzers = Analyzers()
        for language in Language:
            self._index.register_tokenizer(language.value, self._analyzers.of(language))
        self._lookup = SynonymLookup(synonyms or default_synonyms(), self._analyzers)
        self._lock = threading.Lock()
        self._labels: dict[str, tuple[str, ...]] = {}
        self._keys: dict[str, int] = {}
        self._ids: dict[int, str] = {}
        self._next_key = 0
        self._folded: list[tuple[str, str]] | None = None
        self._writer: tantivy.IndexWriter | None = None
        """Kept for the changes after the build, as tantivy means a writer to be used: its
        commits return without waiting for the segment merges they start, which run in its
        threads (a writer made per change had to wait for them before it could go)."""
        self._state = self._snapshot()

    @classmethod
    def build(
        cls, documents: Iterable[ToolDocument], synonyms: SynonymTable | None = None
    ) -> ToolIndex:
        index = cls(synonyms)
        index._write(list(documents), (), building=True)
        return index

    def __len__(self) -> int:
        return len(self._labels)

    def __contains__(self, tool_id: object) -> bool:
        return tool_id in self._labels

    def upsert(self, documents: Sequence[ToolDocument]) -> None:
        """Add these tools, or replace the ones with the same id."""
        self._write(list(documents), ())

    def remove(self, tool_ids: Sequence[str]) -> None:
        """Take these tools out (unknown ids are ignored)."""
        known = [tool_id for tool_id in tool_ids if tool_id in self._labels]
        if known:
            self._write([], known)

    def search(self, query: str, limit: int = 3) -> list[SearchHit]:
        """The best `limit` tools for a free-text query, best first, ties broken by id."""
        if limit <= 0:
            return []
        searcher, planner = self._state
        plan = planner.plan(query)
        if plan.query is None:
            return []
        return [
            SearchHit(tool_id, score) for score, tool_id in self._run(searcher, plan.query, limit)
        ]

    @property
    def tantivy_index(self) -> tantivy.Index:
        """The tantivy index itself (for the benchmark's baseline)."""
        return self._index

    def ids_of(self, query: tantivy.Query, limit: int) -> list[str]:
        """The ids of the best tools for a tantivy query built elsewhere (for the baseline)."""
        return [tool_id for _, tool_id in self._run(self._state[0], query, limit)]

    def _run(
        self, searcher: tantivy.Searcher, query: tantivy.Query, limit: int
    ) -> list[tuple[float, str]]:
        result = searcher.search(query, limit + OVERFETCH, count=False)
        keys = searcher.fast_field_values(KEY_FIELD, [address for _, address in result.hits])
        ids = self._ids
        scored = [
            (score, ids[int(key)])
            for (score, _), key in zip(result.hits, keys, strict=True)
            if key is not None and int(key) in ids
        ]
        return good_matches(scored)[:limit]

    def suggest(self, text: str, limit: int = 3) -> list[SearchHit]:
        """Tools whose name or alias looks most like `text` (a proposal's name): for
        'did you mean'. Similarity from 0 to 1."""
        wanted = " ".join(word for word in fold(text).split() if word not in STOP_WORDS)
        if limit <= 0 or not wanted:
            return []
        owners = self._folded_labels()
        matches = process.extract(
            wanted,
            [label for label, _ in owners],
            scorer=fuzz.token_set_ratio,
            score_cutoff=SUGGEST_CUTOFF,
            limit=None,
        )
        best: dict[str, float] = {}
        for _label, similarity, position in matches:
            tool_id = owners[position][1]
            best[tool_id] = max(best.get(tool_id, 0.0), similarity / 100.0)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [SearchHit(tool_id, score) for tool_id, score in ranked[:limit]]

    def _folded_labels(self) -> list[tuple[str, str]]:
        """Every name and alias, folded, with its tool (made on the first suggestion after a
        change, so that building the index does not pay for it)."""
        folded = self._folded
        if folded is None:
            folded = [
                (label, tool_id)
                for tool_id, labels in self._labels.items()
                for label in dict.fromkeys(fold(text) for text in labels)
            ]
            self._folded = folded
        return folded

    def _write(
        self, documents: list[ToolDocument], removed: Sequence[str], *, building: bool = False
    ) -> None:
        ids = [document.id for document in documents]
        if len(set(ids)) != len(ids):
            raise ValueError("tool ids must be unique")
        with self._lock:
            writer = self._writer_for(building=building)
            for tool_id in (*removed, *(i for i in ids if i in self._labels)):
                writer.delete_documents_by_term(ID_FIELD, tool_id)
            keys = range(self._next_key, self._next_key + len(documents))
            for key, document in zip(keys, documents, strict=True):
                fields = _fields(document)
                writer.add_document(tantivy.Document(id=document.id, key=key, **fields))
            writer.commit()
            if building:
                writer.wait_merging_threads()  # a built index starts merged
            self._index.reload()
            self._next_key += len(documents)
            for tool_id in removed:
                self._labels.pop(tool_id, None)
                self._ids.pop(self._keys.pop(tool_id), None)
            for key, document in zip(keys, documents, strict=True):
                old = self._keys.get(document.id)
                if old is not None:
                    self._ids.pop(old, None)
                self._keys[document.id] = key
                self._ids[key] = document.id
                self._labels[document.id] = (document.name, *document.aliases)
            self._folded = None
            self._state = self._snapshot()

    def _writer_for(self, *, building: bool) -> tantivy.IndexWriter:
        if building:
            return self._index.writer(heap_size=BUILD_HEAP, num_threads=BUILD_THREADS)
        if self._writer is None:
            self._writer = self._index.writer(heap_size=WRITER_HEAP, num_threads=WRITER_THREADS)
        return self._writer

    def _snapshot(self) -> tuple[tantivy.Searcher, Planner]:
        """A searcher and a planner that reads the same searcher's term statistics."""
        searcher = self._index.searcher()
        cache: dict[tuple[str, str], int] = {}

        def doc_freq(field: str, term: str) -> int:
            key = (field, term)
            found = cache.get(key)
            if found is None:
                found = searcher.doc_freq(field, term)
                if len(cache) > 100_000:
                    cache.clear()
                cache[key] = found
            return found

        size = searcher.num_docs
        return searcher, Planner(
            self._schema, doc_freq, lambda: size, self._analyzers, self._lookup
        )
