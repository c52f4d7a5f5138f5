"""The alternative measured against SQLite FTS5 (``bench/search_engines.py``), kept for
re-running the comparison (``pip install tantivy``): the same index as
:mod:`nscn_graph.search.index`, in tantivy.

The search index: a tantivy index (PyPI ``tantivy``, the Python binding of the Rust search
engine), written once from the graph and opened read-only by every process that serves.

Fields (every text is folded first, :mod:`nscn_graph.search.folding`):

``label``, ``name``, ``identifier``, ``description``, ``kindwords``
    the words of each thing's labels (every language), other names, slugs, descriptions and
    kinds; BM25, weighted by :data:`WEIGHTS`.
``whole``
    each whole label and other name as one term, for exact-name matches and names that begin
    with what was typed.
``kind``
    the type segment of the thing's IRI (``city``), for ``type=``.
``record``
    stored only: what an answer shows (IRI, labels, names, descriptions, main ``rdf:type``).

A request's words never reach a query language: queries are built as tantivy query objects from
folded words, and a prefix becomes a regular expression only after every character that is not
a letter or digit has been escaped (:func:`_literal`).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import tantivy

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable
from nscn_graph.search.collect import Entry, local_words, main_types
from nscn_graph.search.folding import WORD, fold, variants

INDEX_DIR = "search"
META_FILE = "nscn-search.json"
#: BM25 weight of each field: a label counts most, a description least.
WEIGHTS = {"label": 10.0, "name": 8.0, "identifier": 4.0, "description": 1.0, "kindwords": 2.0}
NAME_FIELDS = ("label", "name", "identifier")
#: Words shorter than this are never corrected as typos.
TYPO_MIN = 4

Q = tantivy.Query
MUST, SHOULD = tantivy.Occur.Must, tantivy.Occur.Should


@dataclass(frozen=True)
class Hit:
    """One thing found, with what the answer shows of it."""

    iri: str
    key: str
    kind: str
    type: str
    labels: list[tuple[str, str]]
    names: list[tuple[str, str]]
    descriptions: list[tuple[str, str]]
    score: float

    def label(self, languages: Sequence[str]) -> str:
        """The label in the first of ``languages`` that has one, else the first, else the key."""
        return _in(self.labels, languages) or self.key

    def description(self, languages: Sequence[str]) -> str:
        return _in(self.descriptions, languages)

    def completion(self, typed: str, languages: Sequence[str]) -> str:
        """What a type-ahead offers for ``typed``: the label in the asker's language if it
        begins with what was typed, else the first label or other name that does."""
        start = " ".join(WORD.findall(fold(typed)))
        preferred = self.label(languages)
        candidates = [preferred, *(t for t, _ in (*self.labels, *self.names))]
        for text in candidates:
            if any(" ".join(WORD.findall(v)).startswith(start) for v in variants(text)):
                return text
        return preferred


def _in(texts: Sequence[tuple[str, str]], languages: Sequence[str]) -> str:
    for language in languages:
        for text, tag in texts:
            if tag.split("-", 1)[0] == language:
                return text
    return texts[0][0] if texts else ""


@dataclass
class Results:
    words: list[str]
    hits: list[Hit] = field(default_factory=list)
    corrected: list[str] | None = None  #: the words searched instead ("did you mean")


# --- writing -----------------------------------------------------------------------------


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    for name in WEIGHTS:
        builder.add_text_field(name, stored=False, index_option="freq")
    builder.add_text_field("whole", stored=False, tokenizer_name="raw", index_option="freq")
    builder.add_text_field("kind", stored=False, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("record", stored=True, indexed=False)
    return builder.build()


def write_index(entries: Iterable[Entry], path: Path, *, source: str = "") -> dict:
    """Write the index of ``entries`` to the folder ``path``, staged beside it and then moved in
    place, so a reader never sees half an index. Returns what its ``nscn-search.json`` says."""
    started = time.monotonic()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Equal scores keep the order of writing: shorter names first, as type-ahead wants.
    entries = sorted(entries, key=lambda e: (min((len(t) for t, _ in e.labels), default=99), e.key))
    types = main_types(entries)
    staging = path.with_name(f".{path.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    index = tantivy.Index(_schema(), path=str(staging))
    writer = index.writer(heap_size=100_000_000, num_threads=1)
    kinds: dict[str, int] = {}
    for entry in entries:
        labels = list(dict.fromkeys(entry.labels))
        names = [n for n in dict.fromkeys(entry.names) if n not in labels]
        descriptions = list(dict.fromkeys(entry.descriptions))
        wholes = {" ".join(WORD.findall(v)) for t, _ in (*labels, *names) for v in variants(t)}
        record = {
            "iri": entry.iri,
            "key": entry.key,
            "kind": entry.kind,
            "type": types[entry.iri],
            "labels": labels,
            "names": names,
            "descriptions": descriptions,
        }
        document = tantivy.Document(
            label=_folded(t for t, _ in labels),
            name=_folded(t for t, _ in names),
            identifier=" ".join(i.rsplit("/", 1)[-1] for i in dict.fromkeys(entry.identifiers)),
            description=" ".join(fold(t) for t, _ in descriptions),
            kindwords=" ".join([entry.kind, *(local_words(t) for t in entry.types)]),
            kind=entry.kind,
            record=json.dumps(record, ensure_ascii=False).encode("utf-8"),
        )
        for whole in sorted(w for w in wholes if w):
            document.add_text("whole", whole)
        writer.add_document(document)
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
    writer.commit()
    writer.wait_merging_threads()
    meta = {
        "format": 1,
        "version": __version__,
        "source": source,
        "things": len(entries),
        "kinds": dict(sorted(kinds.items())),
        "seconds": round(time.monotonic() - started, 3),
    }
    (staging / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    if path.exists():
        path.rename(old)
    staging.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return meta


def read_meta(path: Path) -> dict | None:
    """What the index at ``path`` was built from, or ``None`` if there is none there."""
    try:
        return json.loads((Path(path) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _folded(texts: Iterable[str]) -> str:
    """The folded words of ``texts``, every spelling of each (``Århus``: ``arhus aarhus``)."""
    out: list[str] = []
    for text in texts:
        for form in variants(text):
            out.extend(WORD.findall(form))
    return " ".join(dict.fromkeys(out))


# --- reading -----------------------------------------------------------------------------


class SearchIndex:
    """An index written by :func:`write_index`, opened read-only, once per process (the
    searcher is shared by the process's threads)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        meta = read_meta(self.path)
        if meta is None:
            raise StoreUnavailable(f"no search index at {self.path}", status=503)
        self.meta = meta
        self.kinds: dict[str, int] = dict(meta.get("kinds", {}))
        self._lock = threading.Lock()
        self._opened: tuple[int, tantivy.Searcher, tantivy.Schema] | None = None

    def _searcher(self) -> tuple[tantivy.Searcher, tantivy.Schema]:
        opened = self._opened
        if opened is None or opened[0] != os.getpid():
            with self._lock:
                opened = self._opened
                if opened is None or opened[0] != os.getpid():
                    index = tantivy.Index.open(str(self.path))
                    opened = (os.getpid(), index.searcher(), index.schema)
                    self._opened = opened
        return opened[1], opened[2]

    def __len__(self) -> int:
        return int(self.meta.get("things", 0))

    # --- search

    def search(self, words: Sequence[str], *, kind: str | None = None, limit: int = 20) -> Results:
        """Things matching every word, best first: a whole label or name equal to the words,
        then every word in the labels, names or identifiers (exact words, then as prefixes,
        names that begin with the words first), then every word anywhere, descriptions
        included (exact, then prefixes); BM25 within each. Nothing found: each unknown word is
        replaced by a word one letter away from it in a label or name (``corrected``)."""
        ws = list(words)
        found = self._search(ws, kind, limit)
        if found:
            return Results(ws, found)
        fuzzy = self._fuzzy(ws, kind, limit)
        if not fuzzy:
            return Results(ws, [])
        corrected = _corrections(ws, fuzzy[0])
        return Results(ws, fuzzy, corrected if corrected != ws else None)

    def _search(self, ws: list[str], kind: str | None, limit: int) -> list[Hit]:
        if not ws:
            return []
        searcher, schema = self._searcher()
        whole = " ".join(ws)
        tiers = [
            Q.term_query(schema, "whole", whole),
            _all(schema, ws, NAME_FIELDS, prefix=False),
            Q.boolean_query(
                [
                    (MUST, _all(schema, ws, NAME_FIELDS, prefix=True)),
                    (SHOULD, Q.boost_query(_starts(schema, whole), 20.0)),
                ]
            ),
            _all(schema, ws, tuple(WEIGHTS), prefix=False),
            _all(schema, ws, tuple(WEIGHTS), prefix=True),
        ]
        scored: dict[tuple[int, int], tuple[float, tantivy.DocAddress]] = {}
        for tier, query in enumerate(tiers):
            if len(scored) >= limit:
                break
            for score, address in self._top(searcher, schema, query, kind, limit):
                key = (address.segment_ord, address.doc)
                if key not in scored:
                    scored[key] = ((len(tiers) - tier) + score / (1 + score), address)
        best = sorted(scored.values(), key=lambda item: -item[0])[:limit]
        return [self._hit(searcher, address, score) for score, address in best]

    def _fuzzy(self, ws: list[str], kind: str | None, limit: int) -> list[Hit]:
        if not any(len(w) >= TYPO_MIN for w in ws):
            return []
        searcher, schema = self._searcher()
        whole = Q.fuzzy_term_query(schema, "whole", " ".join(ws), 1, True, False)
        clauses = [(SHOULD, Q.boost_query(whole, 20.0))]
        for w in ws:
            options = [Q.boost_query(Q.term_query(schema, f, w), WEIGHTS[f]) for f in NAME_FIELDS]
            if len(w) >= TYPO_MIN:
                options += [
                    Q.boost_query(Q.fuzzy_term_query(schema, f, w, 1, True, False), WEIGHTS[f])
                    for f in ("label", "name")
                ]
            clauses.append((MUST, Q.disjunction_max_query(options)))
        found = self._top(searcher, schema, Q.boolean_query(clauses), kind, limit)
        return [self._hit(searcher, a, 1 + s / (1 + s)) for s, a in found]

    def _top(self, searcher, schema, query, kind: str | None, limit: int):
        if kind is not None:
            query = Q.boolean_query([(MUST, query), (MUST, Q.term_query(schema, "kind", kind))])
        return searcher.search(query, limit, count=False).hits

    def _hit(self, searcher: tantivy.Searcher, address, score: float) -> Hit:
        record = json.loads(bytes(searcher.doc(address)["record"][0]))
        return Hit(
            iri=record["iri"],
            key=record["key"],
            kind=record["kind"],
            type=record["type"],
            labels=[tuple(x) for x in record["labels"]],
            names=[tuple(x) for x in record["names"]],
            descriptions=[tuple(x) for x in record["descriptions"]],
            score=round(score, 4),
        )

    # --- type-ahead

    def suggest(
        self, words: Sequence[str], *, limit: int = 10, kind: str | None = None
    ) -> list[Hit]:
        """Things for a half-typed text, the last word a prefix: names that begin with the
        text first, then things whose labels, names or identifiers hold every word."""
        ws = list(words)
        if not ws:
            return []
        searcher, schema = self._searcher()
        complete = [
            Q.boost_query(Q.term_query(schema, f, w), WEIGHTS[f])
            for w in ws[:-1]
            for f in NAME_FIELDS
        ]
        shorter = Q.boost_query(Q.term_query(schema, "whole", " ".join(ws)), 5.0)
        tiers = [
            Q.boolean_query(
                [(MUST, _starts(schema, " ".join(ws))), (SHOULD, shorter)]
                + [(SHOULD, c) for c in complete]
            ),
            Q.boolean_query(
                ([(MUST, _all(schema, ws[:-1], NAME_FIELDS, prefix=False))] if ws[:-1] else [])
                + [(MUST, _any(schema, ws[-1], NAME_FIELDS, prefix=True))]
            ),
        ]
        scored: dict = {}
        for tier, query in enumerate(tiers):
            if len(scored) >= limit:
                break
            for score, address in self._top(searcher, schema, query, kind, limit):
                key = (address.segment_ord, address.doc)
                if key not in scored:
                    scored[key] = ((len(tiers) - tier) + score / (1 + score), address)
        best = sorted(scored.values(), key=lambda item: -item[0])[:limit]
        return [self._hit(searcher, address, score) for score, address in best]


def _literal(word: str) -> str:
    """``word`` as a regular expression that matches only itself."""
    return "".join(c if c.isalnum() else "\\" + c if c.isascii() else c for c in word)


def _starts(schema, text: str):
    """Whole names that begin with ``text``."""
    return Q.regex_query(schema, "whole", _literal(text) + ".*")


def _any(schema, word: str, fields: Sequence[str], *, prefix: bool):
    """``word`` in any of ``fields`` (the best field counts), or as a prefix of a word there."""
    options = [Q.boost_query(Q.term_query(schema, f, word), WEIGHTS[f]) for f in fields]
    if prefix:
        options += [
            Q.boost_query(Q.regex_query(schema, f, _literal(word) + ".+"), WEIGHTS[f] / 2)
            for f in fields
        ]
    return Q.disjunction_max_query(options)


def _all(schema, ws: Sequence[str], fields: Sequence[str], *, prefix: bool):
    """Every word of ``ws``, each in any of ``fields``."""
    return Q.boolean_query([(MUST, _any(schema, w, fields, prefix=prefix)) for w in ws])


def _corrections(ws: Sequence[str], hit: Hit) -> list[str]:
    """The words of ``ws`` with each one replaced by the word of ``hit``'s labels and names that
    is one letter away from it, if there is one ("did you mean")."""
    known = {w for t, _ in (*hit.labels, *hit.names) for v in variants(t) for w in WORD.findall(v)}
    out = []
    for w in ws:
        if w in known or len(w) < TYPO_MIN:
            out.append(w)
            continue
        near = sorted(k for k in known if _one_edit(w, k))
        out.append(near[0] if near else w)
    return out


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by one insertion, deletion, substitution or transposition of
    neighbours (optimal string alignment distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]
