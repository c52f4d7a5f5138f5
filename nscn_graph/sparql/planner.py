"""Answering some query shapes of a persistent store from what was computed when it was written.

A persistent store is read-only, so facts about it computed once at build time stay true: its
statistics (the triple count, the instances of each class: VoID's ``void:triples`` and class
partitions) and, for the predicates with many literal values, an index of their
``(subject, object)`` pairs in SPARQL ``ORDER BY ?object ?subject`` order (computed by
pyoxigraph itself, so the order is exactly the engine's). Three shapes are answered from them:

- ``SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }``: the triple count;
- ``SELECT ?c (COUNT([DISTINCT] ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c [ORDER BY ?c]``: the
  class partition (a triple is in a set once, so both counts are the same);
- ``SELECT ?s ?o WHERE { ?s <p> ?o } ORDER BY [ASC|DESC](?o) [ASC|DESC](?s) LIMIT n
  [OFFSET m]`` for an indexed ``<p>``: a slice of the ordered index (the order is total because
  the pair is unique).

Anything else, any other spelling (a FILTER, DISTINCT, a second pattern, a FROM, a dataset given
by the protocol), is evaluated by pyoxigraph as usual. No answer is ever cached: each is computed
from the statistics and indexes of the store as it is on disk.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
INDEX_DIR = "ordered"
#: Predicates with at least this many triples whose objects are all literals get an index.
INDEX_MIN_TRIPLES = 1000

_EMPTY = ox.Store()


# --- build time ----------------------------------------------------------------------------


def planner_statistics(store: ox.Store, folder: Path) -> dict:
    """What the planner needs, computed once when the store is written (and its indexes)."""
    type_counts: dict[str, int] = {}
    for row in store.query("SELECT ?c (COUNT(*) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):
        if not isinstance(row["c"], ox.NamedNode):
            type_counts = {}
            break
        type_counts[row["c"].value] = int(row["n"].value)
    else:
        return {"type_counts": type_counts, "ordered": write_indexes(store, folder)}
    return {"ordered": write_indexes(store, folder)}


def write_indexes(store: ox.Store, folder: Path) -> dict[str, bool]:
    """Write the ordered index of every predicate with many literal objects; returns them,
    each with whether its ties can be found by text (see :attr:`OrderedIndex.safe_ties`)."""
    target = folder / INDEX_DIR
    target.mkdir(parents=True, exist_ok=True)
    candidates = store.query(
        "SELECT ?p (COUNT(*) AS ?n) (SUM(IF(isLiteral(?o), 0, 1)) AS ?others) "
        "WHERE { ?s ?p ?o } GROUP BY ?p"
    )
    predicates = [
        row["p"].value
        for row in candidates
        if int(row["n"].value) >= INDEX_MIN_TRIPLES and int(row["others"].value) == 0
    ]
    written = {}
    for predicate in predicates:
        rows = list(store.query(f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }} ORDER BY ?o ?s"))
        lines = [f"{row['s']}\t{row['o']}\n".encode() for row in rows]
        written[predicate] = _safe_ties([row["o"] for row in rows])
        offsets, position = [], 0
        for line in lines:
            offsets.append(position)
            position += len(line)
        path = target / _index_name(predicate)
        with path.open("wb") as out:
            out.write(len(lines).to_bytes(8, "little"))
            for offset in offsets:
                out.write(offset.to_bytes(8, "little"))
            out.writelines(lines)
    return written


_CANONICAL = {
    "http://www.w3.org/2001/XMLSchema#string",
    "http://www.w3.org/2001/XMLSchema#integer",
    "http://www.w3.org/2001/XMLSchema#decimal",
    "http://www.w3.org/2001/XMLSchema#date",
    "http://www.w3.org/2001/XMLSchema#dateTime",
}


def _safe_ties(objects: list) -> bool:
    """One datatype (and one language) whose stored forms are canonical, and date-times all in
    UTC: then equal values are equal texts."""
    kinds = {(o.datatype.value, o.language) for o in objects}
    if len(kinds) != 1:
        return False
    datatype, _ = next(iter(kinds))
    if datatype.endswith("#dateTime") or datatype.endswith("#date"):
        return all(o.value.endswith("Z") for o in objects)
    return datatype in _CANONICAL or datatype.endswith("#langString")


def _index_name(predicate: str) -> str:
    return hashlib.sha256(predicate.encode()).hexdigest()[:32] + ".idx"


# --- query time ----------------------------------------------------------------------------


class OrderedIndex:
    """``(subject, object)`` pairs of one predicate in ORDER BY ?o ?s order, memory-mapped (the
    pages are shared by every process through the OS page cache)."""

    def __init__(self, path: Path, *, safe_ties: bool = False) -> None:
        #: Whether two objects that ORDER BY finds equal always have the same text (one
        #: datatype with canonical forms), so that groups of ties can be found by text.
        self.safe_ties = safe_ties
        with path.open("rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        self.count = int.from_bytes(self._map[:8], "little")
        self._data = 8 + 8 * self.count

    def _line(self, i: int) -> tuple[str, str]:
        start = self._data + int.from_bytes(self._map[8 + 8 * i : 16 + 8 * i], "little")
        end = self._map.find(b"\n", start)
        subject, _, obj = self._map[start:end].decode("utf-8").partition("\t")
        return subject, obj

    def page(self, *, descending_o: bool, descending_s: bool, offset: int, limit: int):
        """Rows ``offset .. offset+limit`` in the asked order."""
        if not descending_o and not descending_s:
            indices = range(offset, min(offset + limit, self.count))
            return [self._line(i) for i in indices]
        if descending_o and descending_s:
            first = self.count - 1 - offset
            return [self._line(i) for i in range(first, max(first - limit, -1), -1)]
        return self._mixed(descending_o, offset, limit)

    def _mixed(self, descending_o: bool, offset: int, limit: int):
        """One key descending, the other ascending: walk the groups of equal objects (equal
        text is equal value: :attr:`safe_ties`), each group reversed."""
        out: list[tuple[str, str]] = []
        skipped = 0
        step = -1 if descending_o else 1
        i = self.count - 1 if descending_o else 0
        while 0 <= i < self.count and len(out) < limit:
            first = self._line(i)
            group = [first]
            i += step
            while 0 <= i < self.count:
                row = self._line(i)
                if row[1] != first[1]:
                    break
                group.append(row)
                i += step
            group.reverse()
            for row in group:
                if skipped < offset:
                    skipped += 1
                elif len(out) < limit:
                    out.append(row)
        return out


@dataclass
class Planner:
    """Answers the shapes above for one persistent store, or says it cannot (``None``)."""

    triples: int
    classes: dict[str, int] | None  # None: some rdf:type objects are not IRIs
    indexes: dict[str, OrderedIndex]

    @classmethod
    def open(cls, folder: Path, stats: dict) -> Planner | None:
        if not isinstance(stats.get("triples"), int) or "ordered" not in stats:
            return None
        indexes = {}
        for predicate, safe_ties in stats.get("ordered", {}).items():
            path = folder / INDEX_DIR / _index_name(predicate)
            if path.exists():
                indexes[predicate] = OrderedIndex(path, safe_ties=bool(safe_ties))
        classes = stats.get("type_counts")
        return cls(stats["triples"], dict(classes) if classes is not None else None, indexes)

    def answer(self, sparql: str, prefixes: dict[str, str] | None):
        upper = sparql.upper()
        if "COUNT" not in upper and "ORDER" not in upper:
            return None  # none of the shapes: no need to read the query
        tokens = _tokens(sparql, dict(prefixes or PREFIXES))
        if tokens is None:
            return None
        for shape in (self._count, self._classes, self._page):
            found = shape(tokens)
            if found is not None:
                return found
        return None

    def _count(self, t: list[str]):
        # SELECT ( COUNT ( * ) AS ?n ) [WHERE] { ?a ?b ?c [.] }
        m = _match(t, ["SELECT", "(", "COUNT", "(", "*", ")", "AS", "?", ")", "{?", "?", "?", "?"])
        if m is None or len(set(m[2:5])) != 3 or m.rest:
            return None
        return _values([m[1]], [(ox.Literal(str(self.triples), datatype=_INTEGER),)])

    def _classes(self, t: list[str]):
        # SELECT ?c ( COUNT ( [DISTINCT] ?s ) AS ?n ) [WHERE] { ?s a ?c } GROUP BY ?c
        if self.classes is None:
            return None
        distinct = "DISTINCT" in t[:8]
        u = [x for x in t if not (x == "DISTINCT" and distinct)] if distinct else t
        m = _match(
            u, ["SELECT", "?", "(", "COUNT", "(", "?", ")", "AS", "?", ")", "{?", "?", "<>", "?"]
        )
        if m is None:
            return None
        c, s, n, s2, p, c2 = m[1], m[2], m[3], m[4], m[5], m[6]
        if s != s2 or c != c2 or p != RDF_TYPE or len({c, s, n}) != 3:
            return None
        rest = m.rest
        if rest[:3] != ["GROUP", "BY", c]:
            return None
        rest = rest[3:]
        if rest == ["ORDER", "BY", c] or rest == ["ORDER", "BY", "ASC", "(", c, ")"]:
            rest = []
        if rest:
            return None
        rows = [
            (ox.NamedNode(iri), ox.Literal(str(count), datatype=_INTEGER))
            for iri, count in sorted(self.classes.items())
        ]
        return _values([c, n], rows)

    def _page(self, t: list[str]):
        # SELECT ?s ?o [WHERE] { ?s <p> ?o [.] } ORDER BY keys LIMIT n [OFFSET m]
        m = _match(t, ["SELECT", "?", "?", "{?", "?", "<>", "?"])
        if m is None:
            return None
        a, b, s, p, o = m[1], m[2], m[3], m[4], m[5]
        if {a, b} != {s, o} or s == o or p not in self.indexes:
            return None
        keys, rest = _order_keys(m.rest)
        if keys is None or [k for k, _ in keys] != [o, s]:
            return None
        index = self.indexes[p]
        if keys[0][1] != keys[1][1] and not index.safe_ties:
            return None
        limit, offset = _limit_offset(rest)
        if limit is None:
            return None
        rows = index.page(
            descending_o=keys[0][1], descending_s=keys[1][1], offset=offset, limit=limit
        )
        if any(subject.startswith("_:") for subject, _ in rows):
            return None  # VALUES cannot hold blank nodes
        terms = [(x, y) if (a, b) == (s, o) else (y, x) for x, y in rows]
        return _values([a, b], terms)


_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")


class _Match(list):
    rest: list[str]


def _match(tokens: list[str], pattern: list[str]) -> _Match | None:
    """Match the head of ``tokens`` against ``pattern``: keywords literally, ``?`` any
    variable, ``<>`` any IRI, ``{?`` an optional WHERE then ``{``; the triple pattern must then
    close with an optional ``.`` and ``}``. Captures the variables and IRIs."""
    out = _Match()
    i = 0
    for want in pattern:
        if i >= len(tokens):
            return None
        token = tokens[i]
        if want == "{?":
            if token == "WHERE":
                i += 1
                if i >= len(tokens):
                    return None
            if tokens[i] != "{":
                return None
            i += 1
            continue
        if want == "?":
            if not token.startswith("?"):
                return None
            out.append(token)
        elif want == "<>":
            if not token.startswith("<"):
                return None
            out.append(token[1:-1])
        elif token != want:
            return None
        i += 1
    rest = tokens[i:]
    if rest[:1] == ["."]:
        rest = rest[1:]
    if rest[:1] != ["}"]:
        return None
    out.insert(0, "SELECT")
    out.rest = rest[1:]
    return out


def _order_keys(rest: list[str]):
    if rest[:2] != ["ORDER", "BY"]:
        return None, rest
    keys, i = [], 2
    while i < len(rest):
        if rest[i].startswith("?"):
            keys.append((rest[i], False))
            i += 1
        elif (
            rest[i] in ("ASC", "DESC")
            and rest[i + 1 : i + 2] == ["("]
            and rest[i + 3 : i + 4] == [")"]
        ):
            if not rest[i + 2].startswith("?"):
                return None, rest
            keys.append((rest[i + 2], rest[i] == "DESC"))
            i += 4
        else:
            break
    return keys, rest[i:]


def _limit_offset(rest: list[str]) -> tuple[int | None, int]:
    values: dict[str, int] = {}
    i = 0
    while i + 1 < len(rest) and rest[i] in ("LIMIT", "OFFSET") and rest[i] not in values:
        if not rest[i + 1].isdigit():
            return None, 0
        values[rest[i]] = int(rest[i + 1])
        i += 2
    if i != len(rest) or "LIMIT" not in values:
        return None, 0
    return values["LIMIT"], values.get("OFFSET", 0)


_LEX = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>["'])
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$][A-Za-z0-9_]+)
  | (?P<number>\d+(?![\w.]))
  | (?P<pname>(?:[A-Za-z][\w-]*)?:(?:[A-Za-z0-9_](?:[\w.-]*[\w-])?)?)
  | (?P<word>[A-Za-z_]+)
  | (?P<punct>[{}().*,;])
    """,
    re.VERBOSE,
)


def _tokens(sparql: str, prefixes: dict[str, str]) -> list[str] | None:
    """The query after its prologue as normalised tokens: keywords upper-case, variables as
    ``?name``, IRIs as ``<iri>`` (prefixed names and ``a`` expanded), integers, punctuation;
    ``None`` if it holds anything else (a string, a decimal, a blank node, BASE...)."""
    out: list[str] = []
    declared = dict(prefixes)
    position, length = 0, len(sparql)
    prologue = True
    while position < length:
        m = _LEX.match(sparql, position)
        if m is None:
            return None
        position = m.end()
        kind, text = m.lastgroup, m.group()
        if kind in ("space", "comment"):
            continue
        if kind == "string":
            return None
        if prologue and kind == "word" and text.upper() == "PREFIX":
            names = []
            while len(names) < 2:
                m = _LEX.match(sparql, position)
                if m is None:
                    return None
                position = m.end()
                if m.lastgroup not in ("space", "comment"):
                    names.append(m)
            if names[0].lastgroup != "pname" or not names[0].group().endswith(":"):
                return None
            if names[1].lastgroup != "iri":
                return None
            declared[names[0].group()[:-1]] = names[1].group()[1:-1]
            continue
        prologue = False
        if kind == "var":
            out.append("?" + text[1:])
        elif kind == "pname":
            prefix, _, local = text.partition(":")
            if prefix not in declared:
                return None
            out.append(f"<{declared[prefix]}{local}>")
        elif kind == "word":
            if text == "a":
                out.append(f"<{RDF_TYPE}>")
            elif text.upper() == "BASE":
                return None
            else:
                out.append(text.upper())
        else:
            out.append(text)
    return out


def _values(variables: list[str], rows: list[tuple]):
    """Real pyoxigraph ``QuerySolutions`` holding ``rows``, in that order."""
    head = " ".join(variables)
    body = " ".join("(" + " ".join(str(term) for term in row) + ")" for row in rows)
    return _EMPTY.query(f"SELECT {head} WHERE {{ VALUES ({head}) {{ {body} }} }}")


def read_stats(folder: Path) -> dict:
    try:
        return json.loads((folder / "nscn-store.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
