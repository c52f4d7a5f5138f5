"""Matching names to things: candidates from the search index (:mod:`nscn_graph.search`, the
same folding and ranking as ``/search``), their types and property values from the store, then
a score and a decision.

- **Candidates**: the index's best matches for the query's words (labels and other names in
  every language, so ``Helsingfors`` finds Helsinki; folded, so ``Tromso`` finds Tromsø; with
  the index's typo correction as a last resort), restricted to the kind a ``type`` names. A
  query that is a thing's identifier (its IRI, ``city:tromso`` or ``city/tromso``) has that
  thing as its candidate.
- **Types** are a filter: a candidate must be of one of them (``type_strict: "all"``: of all),
  or of a subclass.
- **Score**, 0 to 100: the name's similarity to the query (100 when a label or other name
  folds to the same words; 95 for the same words in another order; less by the likeness of the
  letters) averaged with 100 for each property constraint the candidate meets and 0 for each
  it does not. A property value meets a constraint when it is the thing asked for (by IRI),
  or a text that folds to the same words as the value or as one of the value's names
  (``Norge`` meets ``country:norway``), or the same number or truth value.
- **match** is ``true`` only when it is certain: the best candidate's name folds to the query,
  it meets every constraint, no typo was corrected, and the next candidate scores at least
  :data:`MARGIN` less.

Each query is scored on its own (the API's §4.3); one store query per batch reads the facts of
every candidate of every query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import pyoxigraph as ox

from nscn_graph.publish.documents import KEY, alias_predicate
from nscn_graph.search import Hit, SearchIndex
from nscn_graph.search.collect import fields
from nscn_graph.search.folding import variants, words

from . import facts
from .queries import MAX_TEXT, Constraint, Query, Wanted
from .terms import Terms

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
#: How far ahead of the next candidate a certain match must be.
MARGIN = 10.0
#: Most candidates read from the index per query.
POOL = 50
_NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}


@dataclass
class Candidate:
    iri: str
    name: str
    types: list[str]
    score: float
    match: bool = False
    description: str = ""
    features: list[dict[str, object]] = field(default_factory=list)

    def as_json(self, terms: Terms) -> dict[str, object]:
        body: dict[str, object] = {
            "id": self.iri,
            "name": self.name,
            "type": [terms.type_json(t) for t in self.types],
            "score": self.score,
            "match": self.match,
            "features": self.features,
        }
        if self.description:
            body["description"] = self.description
        return body


@dataclass
class Found:
    """A query's candidates before scoring."""

    iris: list[str]
    hits: dict[str, Hit] = field(default_factory=dict)  #: the index's, by IRI
    corrected: bool = False  #: the index replaced a typo
    direct: bool = False  #: the query is the candidate's identifier


class Matcher:
    """Reconciles batches of queries against the index and the store."""

    def __init__(self, index: SearchIndex, store, terms: Terms, *, base: str) -> None:
        self.index = index
        self.store = store
        self.terms = terms
        self.base = base
        roles = fields()
        self.name_properties = [*roles["label"], *roles["name"]]
        self.alias = alias_predicate(base)

    # -- a batch ---------------------------------------------------------------------------
    def reconcile(
        self, queries: Sequence[Query], langs: Sequence[str]
    ) -> dict[str, list[Candidate]]:
        found: dict[str, Found] = {}
        wanted_properties: set[str] = set()
        for query in queries:
            found[query.key] = self._candidates(query)
            wanted_properties.update(c.pid for c in query.constraints)
        every = [iri for candidates in found.values() for iri in candidates.iris]
        known = facts.read(
            self.store,
            every,
            [RDF_TYPE, *self.name_properties, *sorted(wanted_properties)],
            self.name_properties,
        )
        return {q.key: self._score(q, found[q.key], known, langs) for q in queries}

    def _candidates(self, query: Query) -> Found:
        if query.text is None:
            return Found(self._by_properties(query))
        direct = self.identifier(query.text)
        if direct is not None:
            return Found([direct], direct=True)
        ws = words(query.text)
        if not ws or len(query.text) > MAX_TEXT:
            return Found([])
        slugs = {self.terms.kinds[t].slug for t in query.types}
        kind = slugs.pop() if len(slugs) == 1 and query.strict != "all" else None
        if kind is not None and kind not in self.index.kinds:
            return Found([])
        pool = min(POOL, max(query.limit * 3, 10 if not query.types else 20))
        results = self.index.search(list(dict.fromkeys(ws))[:12], kind=kind, limit=pool)
        hits = {hit.iri: hit for hit in results.hits}
        return Found(list(hits), hits, corrected=results.corrected is not None)

    def identifier(self, text: str) -> str | None:
        """The thing a text names by its identifier (``{base}id/city/tromso``, ``city:tromso``
        or ``city/tromso``; an alias's, its canonical thing), if the store has it."""
        prefix = self.base + "id/"
        text = text.strip()
        if text.startswith(prefix):
            key = text[len(prefix) :]
        elif KEY.fullmatch(text):
            key = text
        else:
            expanded = self.terms.expand(text)
            if expanded is None or not expanded.startswith(prefix) or "//" in text:
                return None
            key = expanded[len(prefix) :]
        if not KEY.fullmatch(key):
            return None
        iri = prefix + key
        about = facts.read(self.store, [iri], [self.alias, RDF_TYPE], []).get(iri, {})
        if about.get(self.alias):
            return about[self.alias][0].term.value
        return iri if about else None

    def _by_properties(self, query: Query) -> list[str]:
        """Without a text: the things that have every constraint's thing values."""
        patterns = []
        for i, constraint in enumerate(query.constraints):
            ids = [w.id for w in constraint.values if w.id]
            ids += [w.text for w in constraint.values if w.text and self.terms.expand(w.text)]
            if not ids:
                continue
            listed = " ".join(facts.iri_ref(iri) for iri in dict.fromkeys(ids))
            patterns.append(
                f"VALUES ?o{i} {{ {listed} }} ?s {facts.iri_ref(constraint.pid)} ?o{i} ."
            )
        if not patterns:
            return []
        prefix = self.base + "id/"
        rows = self.store.query(
            f"SELECT DISTINCT ?s WHERE {{ {' '.join(patterns)} "
            f'FILTER(STRSTARTS(STR(?s), "{prefix}")) }} LIMIT {POOL}'
        )
        return [row["s"].value for row in rows if isinstance(row["s"], ox.NamedNode)]

    # -- scoring ---------------------------------------------------------------------------
    def _score(
        self,
        query: Query,
        found: Found,
        known: facts.Facts,
        langs: Sequence[str],
    ) -> list[Candidate]:
        asked = _forms(query.text) if query.text else set()
        wanted = set(query.types)
        out = []
        for iri in found.iris:
            about = known.get(iri, {})
            types = [v.term.value for v in about.get(RDF_TYPE, [])]
            if not about:
                continue  # not in the store (an unknown identifier)
            if wanted:
                have = self.terms.closure(types)
                if query.strict == "all" and not wanted <= have:
                    continue
                if query.strict != "all" and not wanted & have:
                    continue
            names = [v.term for p in self.name_properties for v in about.get(p, [])]
            hit = found.hits.get(iri)
            name_score = 100.0 if found.direct else _likeness(asked, names)
            met = [_meets(c, about.get(c.pid, [])) for c in query.constraints]
            parts = ([name_score] if query.text else []) + [100.0 * m for m in met]
            score = round(sum(parts) / len(parts), 2)
            features: list[dict[str, object]] = []
            if query.text:
                features.append({"id": "name", "value": round(name_score, 2)})
            for i, (constraint, ok) in enumerate(zip(query.constraints, met, strict=True)):
                features.append({"id": f"property {i + 1}: {constraint.pid}", "value": ok})
            chosen = facts.pick([n for n in names if isinstance(n, ox.Literal)], langs)
            out.append(
                Candidate(
                    iri=iri,
                    name=hit.label(langs) if hit is not None else (chosen.value if chosen else iri),
                    types=self.terms.ranked(types) or types,
                    score=score,
                    description=_short(hit.description(langs)) if hit is not None else "",
                    features=features,
                )
            )
            certain = bool(query.text) and name_score == 100.0 and all(met) and not found.corrected
            out[-1].match = certain
        out.sort(key=lambda c: -c.score)  # stable: the index's order breaks ties
        if out and out[0].match and len(out) > 1 and out[1].score > out[0].score - MARGIN:
            out[0].match = False
        for other in out[1:]:
            other.match = False
        return out[: query.limit]


def _forms(text: str) -> set[str]:
    """The folded spellings of a name, as words separated by single spaces."""
    return {" ".join(words(v)) for v in variants(text)} - {""}


def _likeness(asked: set[str], names: Sequence[ox.Literal | ox.NamedNode]) -> float:
    """How alike the query is to the closest of ``names``: 100 for the same folded words,
    95 in another order, else 90 times the likeness of their letters."""
    best = 0.0
    for name in names:
        if not isinstance(name, ox.Literal):
            continue
        for form in _forms(name.value):
            for query in asked:
                if form == query:
                    return 100.0
                if sorted(form.split()) == sorted(query.split()):
                    best = max(best, 95.0)
                else:
                    best = max(best, 90.0 * SequenceMatcher(None, query, form).ratio())
    return best


def _meets(constraint: Constraint, values: list[facts.Value]) -> bool:
    return any(_equal(w, v) for w in constraint.values for v in values)


def _equal(wanted: Wanted, value: facts.Value) -> bool:
    term = value.term
    if wanted.id is not None and isinstance(term, ox.NamedNode) and term.value == wanted.id:
        return True
    if wanted.text is not None:
        if isinstance(term, ox.NamedNode):
            if term.value == wanted.text.strip():
                return True
            forms = _forms(wanted.text)
            return any(forms & _forms(n.value) for n in value.names)
        if isinstance(term, ox.Literal):
            if _forms(wanted.text) & _forms(term.value):
                return True
            return _number(term) is not None and _number_of(wanted.text) == _number(term)
    if wanted.number is not None and isinstance(term, ox.Literal):
        return _number(term) == wanted.number
    if wanted.truth is not None and isinstance(term, ox.Literal):
        return (
            term.datatype.value == XSD + "boolean" and (term.value in ("true", "1")) == wanted.truth
        )
    return False


def _number(term: ox.Literal) -> float | None:
    if term.datatype.value not in _NUMERIC:
        return None
    return _number_of(term.value)


def _number_of(text: str) -> float | None:
    try:
        return (
            float(text.replace(",", ""))
            if re.fullmatch(r"\s*[-+]?[0-9][0-9,]*(\.[0-9]+)?([eE][-+]?[0-9]+)?\s*", text)
            else None
        )
    except ValueError:
        return None


def _short(text: str, width: int = 200) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > 0 else width] + "…"
