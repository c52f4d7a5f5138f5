"""The search index: an SQLite database with an FTS5 full-text table (standard library
``sqlite3``), written once from the graph and opened read-only by every process that serves.

Tables:

``things``
    one row per thing: IRI, ``type/slug`` key, kind (the IRI's type segment), main
    ``rdf:type``, labels and other names with their languages, descriptions (JSON). Row ids are
    ordered by kind, so ``type=`` is a row-id range that FTS5 reads without a scan.
``text``, ``nametext``
    FTS5, contentless: the folded words (:mod:`nscn_graph.search.folding`) of each thing's
    labels, other names, identifiers, descriptions and kinds, one column each, ranked by BM25
    with the column weights below; ``nametext`` holds the first three only, so that asking
    for names never reads the long posting lists of words common in descriptions. Prefix
    indexes for two and three letters make type-ahead cheap. Each query ranks at most
    :data:`WINDOW` candidates (the first that match), so a word that half the things hold
    costs as much as a rare one.
``names``
    every whole label and other name, folded, with the original text and its words sorted
    (exact-name matches in any word order, and suggestions that begin with what was typed,
    read from B-tree indexes).
``vocab``
    the words of labels and names with their counts, for "did you mean": the words one letter
    away from an unknown word are generated and looked up (as Norvig's spelling corrector).
``kinds``, ``meta``
    the kinds with their row-id ranges; what the index was built from (source fingerprint).

Queries never reach FTS5's query language as text from a request: the words are folded to
letters and digits and each is written as a quoted FTS5 string (:func:`_phrase`).
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable

from .collect import Entry, local_words, main_types
from .folding import WORD, fold, variants, words

INDEX_FILE = "search.sqlite"
#: Bump when what the index holds changes, so that older indexes are rebuilt.
FORMAT = 3
#: BM25 weights of the FTS5 columns: a label counts most, a description least.
COLUMNS = (("label", 10.0), ("name", 8.0), ("identifier", 4.0), ("description", 1.0), ("kind", 2.0))
#: Most candidates a full-text query ranks (FTS5 ranks every match it is given: without a
#: bound, the cost of a query grows with the number of things that hold its words).
WINDOW = 1000
#: Words shorter than this are never corrected as typos.
TYPO_MIN = 4


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
    matched: str | None = None  #: the whole name that matched, for suggestions

    def label(self, languages: Sequence[str]) -> str:
        """The label in the first of ``languages`` that has one, else the first, else the key."""
        for language in languages:
            for text, tag in self.labels:
                if tag.split("-", 1)[0] == language:
                    return text
        return self.labels[0][0] if self.labels else self.key

    def completion(self, typed: str, languages: Sequence[str]) -> str:
        """What a type-ahead offers for ``typed``: the label in the asker's language if it
        begins with what was typed, else the name that matched, else that label."""
        start = " ".join(words(typed))
        preferred = self.label(languages)
        for text in (preferred, self.matched):
            if text and any(" ".join(WORD.findall(v)).startswith(start) for v in variants(text)):
                return text
        return preferred

    def description(self, languages: Sequence[str]) -> str:
        for language in languages:
            for text, tag in self.descriptions:
                if tag.split("-", 1)[0] == language:
                    return text
        return self.descriptions[0][0] if self.descriptions else ""


@dataclass
class Results:
    words: list[str]
    hits: list[Hit] = field(default_factory=list)
    corrected: list[str] | None = None  #: the words searched instead ("did you mean")


# --- writing -----------------------------------------------------------------------------


def write_index(entries: Iterable[Entry], path: Path, *, source: str = "") -> dict:
    """Write the index of ``entries`` to ``path`` (staged beside it, then moved in place, so a
    reader never sees half an index). Returns what ``meta`` records."""
    started = time.monotonic()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    entries = sorted(entries, key=lambda e: (e.kind, e.key))
    types = main_types(entries)
    fd, staged = tempfile.mkstemp(prefix=".search-", suffix=".sqlite", dir=path.parent)
    os.close(fd)
    db = sqlite3.connect(staged)
    try:
        _schema(db)
        vocab: dict[str, int] = {}
        kinds: dict[str, list[int]] = {}
        things, texts, names = [], [], []
        for rowid, entry in enumerate(entries, start=1):
            labels = list(dict.fromkeys(entry.labels))
            other = [n for n in dict.fromkeys(entry.names) if n not in labels]
            descriptions = list(dict.fromkeys(entry.descriptions))
            identifiers = list(dict.fromkeys(entry.identifiers))
            things.append(
                (
                    rowid,
                    entry.iri,
                    entry.key,
                    entry.kind,
                    types[entry.iri],
                    json.dumps(labels, ensure_ascii=False),
                    json.dumps(other, ensure_ascii=False),
                    json.dumps(descriptions, ensure_ascii=False),
                )
            )
            span = kinds.setdefault(entry.kind, [rowid, rowid])
            span[1] = rowid
            label_text = _folded(t for t, _ in labels)
            name_text = _folded(t for t, _ in other)
            texts.append(
                (
                    rowid,
                    label_text,
                    name_text,
                    " ".join(" ".join(words(i.rsplit("/", 1)[-1])) for i in identifiers),
                    _folded((t for t, _ in descriptions), spellings=False),
                    " ".join(
                        [entry.kind.replace("-", " "), *(local_words(t) for t in entry.types)]
                    ).lower(),
                )
            )
            seen_forms: set[str] = set()
            for text, _ in (*labels, *other):
                for form in variants(text):
                    form = " ".join(words(form))
                    if form and form not in seen_forms:
                        seen_forms.add(form)
                        names.append((form, rowid, text, " ".join(sorted(form.split()))))
            for word in (label_text + " " + name_text).split():
                vocab[word] = vocab.get(word, 0) + 1
        db.executemany("INSERT INTO things VALUES (?, ?, ?, ?, ?, ?, ?, ?)", things)
        db.executemany(
            "INSERT INTO text(rowid, label, name, identifier, description, kind) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            texts,
        )
        db.executemany("INSERT INTO names VALUES (?, ?, ?, ?)", names)
        db.executemany("INSERT INTO vocab VALUES (?, ?)", sorted(vocab.items()))
        db.execute("CREATE INDEX names_form ON names(form)")
        db.execute("CREATE INDEX names_bag ON names(bag)")
        db.executemany(
            "INSERT INTO kinds VALUES (?, ?, ?, ?)",
            [(k, lo, hi, hi - lo + 1) for k, (lo, hi) in sorted(kinds.items())],
        )
        db.executemany(
            "INSERT INTO nametext(rowid, label, name, identifier) VALUES (?, ?, ?, ?)",
            (row[:4] for row in texts),
        )
        db.execute("INSERT INTO text(text) VALUES ('optimize')")
        db.execute("INSERT INTO nametext(nametext) VALUES ('optimize')")
        meta = {
            "format": FORMAT,
            "version": __version__,
            "source": source,
            "things": len(entries),
            "alphabet": "".join(sorted({c for w in vocab for c in w})),
            "seconds": round(time.monotonic() - started, 3),
        }
        db.executemany(
            "INSERT INTO meta VALUES (?, ?)", [(k, json.dumps(v)) for k, v in meta.items()]
        )
        db.commit()
        db.execute("VACUUM")
    finally:
        db.close()
    os.replace(staged, path)
    return meta


def _schema(db: sqlite3.Connection) -> None:
    columns = ", ".join(name for name, _ in COLUMNS)
    weights = ", ".join(str(weight) for _, weight in COLUMNS)
    name_columns = ", ".join(name for name, _ in COLUMNS[:3])
    name_weights = ", ".join(str(weight) for _, weight in COLUMNS[:3])
    db.executescript(
        f"""
        PRAGMA journal_mode = OFF;
        PRAGMA synchronous = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
        CREATE TABLE things (id INTEGER PRIMARY KEY, iri TEXT, key TEXT, kind TEXT, type TEXT,
                             labels TEXT, names TEXT, descriptions TEXT);
        CREATE VIRTUAL TABLE text USING fts5({columns}, content='', prefix='2 3',
                                             tokenize='unicode61 remove_diacritics 2');
        INSERT INTO text(text, rank) VALUES ('rank', 'bm25({weights})');
        CREATE VIRTUAL TABLE nametext USING fts5({name_columns}, content='', prefix='2 3',
                                                     tokenize='unicode61 remove_diacritics 2');
        INSERT INTO nametext(nametext, rank) VALUES ('rank', 'bm25({name_weights})');
        CREATE TABLE names (form TEXT, id INTEGER, text TEXT, bag TEXT);
        CREATE TABLE vocab (word TEXT PRIMARY KEY, count INTEGER) WITHOUT ROWID;
        CREATE TABLE kinds (kind TEXT PRIMARY KEY, first INTEGER, last INTEGER, count INTEGER);
        """
    )


def _folded(texts: Iterable[str], *, spellings: bool = True) -> str:
    """The folded words of ``texts``; with ``spellings``, every spelling of each (``Århus``
    gives ``arhus aarhus``), else the usual one."""
    out: list[str] = []
    for text in texts:
        for form in variants(text) if spellings else [fold(text)]:
            out.extend(WORD.findall(form))
    return " ".join(out) if not spellings else " ".join(dict.fromkeys(out))


def _edits(word: str, alphabet: str) -> set[str]:
    """Every word one deletion, transposition of neighbours, substitution or insertion (of a
    letter of ``alphabet``) away from ``word``."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in alphabet}
    out |= {a + c + b for a, b in splits for c in alphabet}
    out.discard(word)
    return out


# --- reading -----------------------------------------------------------------------------


def read_meta(path: Path) -> dict | None:
    """What the index at ``path`` was built from, or ``None`` if there is no readable one."""
    if not Path(path).is_file():
        return None
    try:
        db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
        try:
            return {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        finally:
            db.close()
    except (sqlite3.Error, ValueError):
        return None


class SearchIndex:
    """An index written by :func:`write_index`, opened read-only; one connection per thread
    (and per process, after a fork)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise StoreUnavailable(f"no search index at {self.path}", status=503)
        self._local = threading.local()
        db = self._db()
        self.meta = {k: json.loads(v) for k, v in db.execute("SELECT key, value FROM meta")}
        self.kinds: dict[str, tuple[int, int, int]] = {
            k: (lo, hi, n) for k, lo, hi, n in db.execute("SELECT * FROM kinds")
        }

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            uri = f"{self.path.absolute().as_uri()}?mode=ro&immutable=1"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def __len__(self) -> int:
        return int(self.meta.get("things", 0))

    # --- search

    def search(
        self,
        query_words: Sequence[str],
        *,
        kind: str | None = None,
        limit: int = 20,
        correct: bool = True,
    ) -> Results:
        """Things matching every word, best first: a whole label or name equal to the words,
        then every word in the labels, names or identifiers (exact words, then as prefixes),
        then every word anywhere, descriptions included (exact, then prefixes). Within a tier,
        BM25 with the column weights. Nothing found: each unknown word is replaced by the
        known word one letter away (``corrected``)."""
        found = self._search(list(query_words), kind, limit)
        if found or not correct:
            return Results(list(query_words), found)
        corrected = self.correct(query_words)
        if corrected is None:
            return Results(list(query_words), [])
        return Results(list(query_words), self._search(corrected, kind, limit), corrected)

    def _search(self, ws: list[str], kind: str | None, limit: int) -> list[Hit]:
        if not ws:
            return []
        exact = " AND ".join(_phrase(w) for w in ws)
        prefix = " AND ".join(_phrase(w) + "*" for w in ws)
        tiers = [
            ("nametext", exact),
            ("nametext", prefix),
            ("text", exact),
            ("text", prefix),
        ]
        scores: dict[int, float] = {}
        form = " ".join(ws)
        whole = self._whole_names(form, kind)
        for rowid in whole:
            scores[rowid] = 5.0
        for tier, (table, expression) in enumerate(tiers):
            if len(scores) >= limit and not whole:
                break
            if tier == 1:  # among prefixes, names that begin with the words come first
                for rowid, length in self._names_starting(form, kind, limit):
                    scores.setdefault(rowid, 3.5 + 0.49 / (1 + length - len(form)))
            for rowid, rank in self._match(expression, kind, limit + len(whole), table):
                relevance = -rank / (1 - rank)
                if rowid in whole:  # order the whole-name matches among themselves
                    scores[rowid] = max(scores[rowid], 5.0 + relevance)
                elif rowid not in scores:
                    scores[rowid] = (4 - tier) + 0.49 * relevance
            whole = set()
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return self._hits(best)

    def _match(
        self, expression: str, kind: str | None, limit: int, table: str = "text"
    ) -> list[tuple[int, float]]:
        """Row ids and BM25 ranks of the best matches in ``table`` (``text``: every field;
        ``nametext``: labels, other names and identifiers only, so that a word common in
        descriptions costs nothing when only names are asked)."""
        assert table in ("text", "nametext")
        inner = f"SELECT rowid, rank FROM {table} WHERE {table} MATCH ?"
        args: list[object] = [expression]
        if kind is not None:
            lo, hi, _ = self.kinds[kind]
            inner += " AND rowid BETWEEN ? AND ?"
            args += [lo, hi]
        sql = f"SELECT * FROM ({inner} LIMIT {WINDOW}) ORDER BY rank LIMIT ?"
        return self._db().execute(sql, [*args, limit]).fetchall()

    def _names_starting(self, form: str, kind: str | None, limit: int) -> list[tuple[int, int]]:
        """(row id, length of the name) of the names that begin with ``form``, shortest first."""
        rows = (
            self._db()
            .execute(
                "SELECT id, MIN(LENGTH(form)) AS n FROM "
                "(SELECT id, form FROM names WHERE form > ? AND form < ? LIMIT ?) "
                "GROUP BY id ORDER BY n LIMIT ?",
                (form, form + "\U0010ffff", limit * 20, limit),
            )
            .fetchall()
        )
        return [(r, n) for r, n in rows if kind is None or self._in_kind(r, kind)]

    def _whole_names(self, form: str, kind: str | None) -> set[int]:
        bag = " ".join(sorted(form.split()))  # the same words in any order
        rows = self._db().execute("SELECT id FROM names WHERE bag = ?", (bag,)).fetchall()
        return {r for (r,) in rows if kind is None or self._in_kind(r, kind)}

    def _in_kind(self, rowid: int, kind: str) -> bool:
        lo, hi, _ = self.kinds[kind]
        return lo <= rowid <= hi

    def _hits(
        self, scored: Sequence[tuple[int, float]], matched: dict[int, str] | None = None
    ) -> list[Hit]:
        if not scored:
            return []
        ids = [rowid for rowid, _ in scored]
        marks = ",".join("?" * len(ids))
        rows = {
            row[0]: row
            for row in self._db().execute(f"SELECT * FROM things WHERE id IN ({marks})", ids)
        }
        hits = []
        for rowid, score in scored:
            _, iri, key, kind, type_, labels, names, descriptions = rows[rowid]
            hits.append(
                Hit(
                    iri=iri,
                    key=key,
                    kind=kind,
                    type=type_,
                    labels=[tuple(x) for x in json.loads(labels)],
                    names=[tuple(x) for x in json.loads(names)],
                    descriptions=[tuple(x) for x in json.loads(descriptions)],
                    score=round(score, 4),
                    matched=(matched or {}).get(rowid),
                )
            )
        return hits

    # --- type-ahead

    def suggest(
        self, query_words: Sequence[str], *, limit: int = 10, kind: str | None = None
    ) -> list[Hit]:
        """Things for a half-typed text, the last word a prefix: names that begin with the
        text first (alphabetically), then things whose labels, names or identifiers hold
        every word (BM25)."""
        ws = list(query_words)
        if not ws:
            return []
        form = " ".join(ws)
        found: dict[int, float] = {}
        matched: dict[int, str] = {}
        rows = self._db().execute(
            "SELECT id, text FROM names WHERE form >= ? AND form < ? ORDER BY form LIMIT ?",
            (form, form + "\U0010ffff", limit * 4),
        )
        for rowid, text in rows:
            if kind is not None and not self._in_kind(rowid, kind):
                continue
            if rowid not in found and len(found) < limit:
                found[rowid] = 2.0 - len(found) / (limit * 10)
                matched[rowid] = text
        if len(found) < limit:
            expression = " AND ".join([*(_phrase(w) for w in ws[:-1]), _phrase(ws[-1]) + "*"])
            for rowid, rank in self._match(expression, kind, limit * 2, "nametext"):
                if rowid not in found and len(found) < limit:
                    found[rowid] = 1.0 + (-rank) / (1 - rank)
        return self._hits(list(found.items()), matched)

    # --- did you mean

    def known(self, word: str) -> bool:
        row = self._db().execute("SELECT 1 FROM vocab WHERE word = ?", (word,)).fetchone()
        return row is not None or bool(self._match(_phrase(word), None, 1))

    def correct(self, query_words: Sequence[str]) -> list[str] | None:
        """The words with each unknown one replaced by the most frequent name word one letter
        away (insertion, deletion, substitution or transposition); ``None`` if none is."""
        out, changed = [], False
        for word in query_words:
            if len(word) < TYPO_MIN or self.known(word):
                out.append(word)
                continue
            best = self._nearest(word)
            if best is None:
                out.append(word)
            else:
                out.append(best)
                changed = True
        return out if changed else None

    def _nearest(self, word: str) -> str | None:
        near = sorted(_edits(word, self.meta.get("alphabet", "")))
        found: list[tuple[int, str]] = []
        db = self._db()
        for start in range(0, len(near), 500):  # within SQLite's limit of bound parameters
            chunk = near[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += [
                (count, w)
                for w, count in db.execute(
                    f"SELECT word, count FROM vocab WHERE word IN ({marks})", chunk
                )
            ]
        return max(found)[1] if found else None


def _phrase(word: str) -> str:
    """A folded word as an FTS5 string: only letters and digits reach here, and a quote is
    doubled all the same, so nothing is ever read as FTS5 syntax."""
    return '"' + word.replace('"', '""') + '"'
