"""The reconciliation service's answers, without HTTP: a batch of queries reconciled, entities,
types and properties suggested, properties proposed for a type, property values fetched for
reconciled things (data extension), and what a thing's preview card shows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from nscn_graph.errors import BadRequest
from nscn_graph.publish.annotations import Layout
from nscn_graph.search import SearchIndex
from nscn_graph.search.folding import words

from . import facts
from .matching import RDF_TYPE, Matcher
from .queries import MAX_LIMIT, Extension, Query
from .terms import Terms

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "nonNegativeInteger",
        "positiveInteger",
        "unsignedInt",
        "unsignedLong",
        "gYear",
    )
}
_FLOATS = {XSD + t for t in ("decimal", "double", "float")}
SUGGEST_LIMIT = 10
#: Suggestions a client may skip (``cursor``): type-ahead needs a few pages, not the index.
MAX_CURSOR = 500


@dataclass
class Card:
    """What a preview shows: name, kind, and the annotated properties' values."""

    iri: str
    name: str
    lang: str | None
    kind: str
    rows: list[tuple[str, list[str]]]
    description: str


class Service:
    def __init__(
        self, *, index: SearchIndex, store, layout: Layout, prefixes: dict[str, str], base: str
    ) -> None:
        self.index = index
        self.store = store
        self.layout = layout
        self.base = base
        self.terms = Terms(layout, prefixes, store)
        self.matcher = Matcher(index, store, self.terms, base=base)

    @property
    def identifier_space(self) -> str:
        return self.base + "id/"

    @property
    def schema_space(self) -> str:
        return self.base + "ontology#"

    def default_types(self) -> list[dict[str, object]]:
        return [self.terms.type_json(iri) for iri in self.terms.kinds]

    # -- matching --------------------------------------------------------------------------
    def reconcile(self, queries: Sequence[Query], langs: Sequence[str]) -> dict[str, object]:
        found = self.matcher.reconcile(queries, langs)
        return {
            key: {"result": [c.as_json(self.terms) for c in candidates]}
            for key, candidates in found.items()
        }

    # -- suggest ---------------------------------------------------------------------------
    def suggest_entities(
        self, prefix: str, *, cursor: int, limit: int, type_: str | None, langs: Sequence[str]
    ) -> dict[str, object]:
        """Things whose names begin with ``prefix`` (the index's type-ahead); an identifier
        typed whole (``city:oulu``, the IRI) puts that thing first."""
        ws = words(prefix)[:12]
        kind = self.terms.kinds[type_].slug if type_ else None
        direct = self.matcher.identifier(prefix)
        hits = []
        if ws and (kind is None or kind in self.index.kinds):
            wanted = cursor + limit if type_ is None else cursor + limit * 3
            hits = self.index.suggest(ws, limit=min(wanted, MAX_CURSOR + MAX_LIMIT), kind=kind)
        iris = ([direct] if direct else []) + [h.iri for h in hits if h.iri != direct]
        description = "http://purl.org/dc/terms/description"
        names = self.matcher.name_properties
        known = facts.read(self.store, iris, [RDF_TYPE, description, *names], [])
        by_iri = {h.iri: h for h in hits}
        out = []
        for iri in iris:
            about = known.get(iri, {})
            types = [v.term.value for v in about.get(RDF_TYPE, [])]
            if type_ and type_ not in self.terms.closure(types):
                continue
            hit = by_iri.get(iri)
            if hit is not None:
                name, text = hit.completion(prefix, langs), hit.description(langs)
            else:
                labels = [v.term for p in names for v in about.get(p, [])]
                chosen = facts.pick([t for t in labels if isinstance(t, ox.Literal)], langs)
                said = facts.pick([v.term for v in about.get(description, [])], langs)
                name = chosen.value if chosen else iri
                text = said.value if said else ""
            entry: dict[str, object] = {
                "id": iri,
                "name": name,
                "notable": [self.terms.type_json(t) for t in self.terms.ranked(types)],
            }
            if text:
                entry["description"] = _short(text)
            out.append(entry)
        return {"result": out[cursor : cursor + limit]}

    def suggest_types(self, prefix: str, *, cursor: int, limit: int) -> dict[str, object]:
        asked = " ".join(words(prefix))
        out = []
        for iri, kind in self.terms.kinds.items():
            said = [kind.label, kind.plural, kind.slug or "", self.terms.curie(iri), iri]
            if _begins(asked, said) or prefix.strip() in (iri, self.terms.curie(iri)):
                out.append({**self.terms.type_json(iri), "description": kind.plural})
        return {"result": out[cursor : cursor + limit]}

    def suggest_properties(
        self, prefix: str, *, cursor: int, limit: int, type_: str | None
    ) -> dict[str, object]:
        asked = " ".join(words(prefix))
        out = []
        for iri in self.terms.properties(type_):
            said = [self.terms.label(iri), self.terms.curie(iri), iri, _local(iri)]
            if _begins(asked, said) or prefix.strip() in (iri, self.terms.curie(iri)):
                out.append(self.terms.property_json(iri))
        return {"result": out[cursor : cursor + limit]}

    def propose_properties(self, type_: str | None, *, limit: int) -> dict[str, object]:
        """The properties things of ``type_`` use (of every kind, for a column reconciled
        without a type), in the pages' order."""
        found = self.terms.properties(type_)
        body: dict[str, object] = {"type": type_} if type_ else {}
        body["properties"] = [self.terms.property_json(p) for p in found[:limit]]
        body["limit"] = limit
        return body

    # -- data extension --------------------------------------------------------------------
    def extend(self, extension: Extension, langs: Sequence[str]) -> dict[str, object]:
        names = self.matcher.name_properties
        ours = [
            i
            for i in extension.ids
            if i.startswith(self.identifier_space) and self.terms.expand(i) == i
        ]
        known = facts.read(self.store, ours, list(extension.properties), names)
        rows: dict[str, dict[str, list[dict[str, object]]]] = {}
        for iri in extension.ids:
            about = known.get(iri, {})
            rows[iri] = {p: self._cells(about.get(p, []), langs) for p in extension.properties}
        meta = [{"id": p, "name": self.terms.label(p)} for p in extension.properties]
        return {"meta": meta, "rows": rows}

    def _cells(self, values: list[facts.Value], langs: Sequence[str]) -> list[dict[str, object]]:
        literals = [v.term for v in values if isinstance(v.term, ox.Literal)]
        tagged = [t for t in literals if t.language]
        chosen = facts.pick(tagged, langs)
        wanted_language = chosen.language if chosen is not None else None
        cells: list[dict[str, object]] = []
        for value in values:
            term = value.term
            if isinstance(term, ox.NamedNode):
                if term.value.startswith(self.identifier_space):
                    name = facts.pick(value.names, langs)
                    cells.append({"id": term.value, "name": name.value if name else term.value})
                else:  # outside this service's identifier space: the IRI as text
                    cells.append({"str": term.value})
            elif isinstance(term, ox.Literal):
                if term.language and term.language != wanted_language:
                    continue
                cells.append(_literal_cell(term))
        return cells

    # -- preview ---------------------------------------------------------------------------
    def card(self, iri: str, langs: Sequence[str]) -> Card | None:
        """What the preview of ``iri`` shows, or ``None`` if the store has nothing of it."""
        if not iri.startswith(self.identifier_space) or self.terms.expand(iri) != iri:
            return None
        names = self.matcher.name_properties
        shown = list(self.layout.preview)
        description = "http://purl.org/dc/terms/description"
        about = facts.read(self.store, [iri], [RDF_TYPE, *names, description, *shown], names)[iri]
        if not about:
            return None
        labels = [v.term for p in names for v in about.get(p, []) if isinstance(v.term, ox.Literal)]
        name = facts.pick(labels, langs)
        types = [v.term.value for v in about.get(RDF_TYPE, [])]
        kind = self.layout.kind_of(types)
        # a property the thing lacks is read from what it links to by an earlier one
        linked = [
            v.term.value
            for p in shown
            for v in about.get(p, [])
            if isinstance(v.term, ox.NamedNode)
        ]
        through = facts.read(self.store, linked, shown, names) if linked else {}
        rows = []
        for i, prop in enumerate(shown):
            values = about.get(prop, [])
            if not values:
                for earlier in shown[:i]:
                    for v in about.get(earlier, []):
                        values = values or through.get(v.term.value, {}).get(prop, [])
            texts = []
            for value in values:
                if isinstance(value.term, ox.NamedNode):
                    chosen = facts.pick(value.names, langs)
                    texts.append(chosen.value if chosen else value.term.value)
                else:
                    texts.append(value.term.value)
            if texts:
                rows.append((self.terms.label(prop), sorted(set(texts))))
        descriptions = [
            v.term for v in about.get(description, []) if isinstance(v.term, ox.Literal)
        ]
        chosen = facts.pick(descriptions, langs)
        return Card(
            iri=iri,
            name=name.value if name else iri,
            lang=name.language if name else None,
            kind=kind.label if kind else "",
            rows=rows,
            description=_short(chosen.value, 160) if chosen else "",
        )

    def limit_of(self, text: str | None, default: int) -> int:
        return whole(text, "limit", default, 1, MAX_LIMIT)


def whole(text: str | None, name: str, default: int, low: int, high: int) -> int:
    """A request parameter that is a whole number from ``low`` to ``high``."""
    if text is None or text == "":
        return default
    if not re.fullmatch(r"[0-9]{1,6}", text) or not low <= int(text) <= high:
        raise BadRequest(f"{name}= is a whole number from {low} to {high}")
    return int(text)


def _literal_cell(term: ox.Literal) -> dict[str, object]:
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS and re.fullmatch(r"[-+]?[0-9]+", term.value):
            return {"int": int(term.value)}
        if datatype in _FLOATS:
            return {"float": float(term.value)}
    except ValueError:
        pass
    if datatype == XSD + "dateTime" and re.fullmatch(
        r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?",
        term.value,
    ):
        return {"date": term.value}
    if datatype == XSD + "date" and re.fullmatch(r"-?[0-9]{4}-[0-9]{2}-[0-9]{2}", term.value):
        return {"date": term.value + "T00:00:00"}
    return {"str": term.value}


def _begins(asked: str, texts: Sequence[str]) -> bool:
    """Whether one of ``texts`` begins with the folded words ``asked`` (word by word, the last
    as a prefix), or ``asked`` is empty (every item)."""
    if not asked:
        return True
    for text in texts:
        form = " ".join(words(text))
        if form.startswith(asked) or any(w.startswith(asked) for w in form.split()):
            return True
    return False


def _local(iri: str) -> str:
    return re.split(r"[#/]", iri)[-1]


def _short(text: str, width: int = 200) -> str:
    if len(text) <= width:
        return text
    cut = text.rfind(" ", 0, width)
    return text[: cut if cut > 0 else width] + "…"
