"""What the store says about a few things: the values of some properties, with the names of the
values that are things themselves. One ``SELECT`` per few hundred things, through the store
protocol (:class:`~nscn_graph.stores.base.Store`), so it is the same on every store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox

#: Things asked about in one query.
CHUNK = 200


@dataclass
class Value:
    """One value of a property: the term, and its names when it is a thing."""

    term: ox.NamedNode | ox.Literal | ox.BlankNode
    names: list[ox.Literal] = field(default_factory=list)


Facts = dict[str, dict[str, list[Value]]]  #: thing -> property -> values


def iri_ref(iri: str) -> str:
    """``<iri>`` for a query; ``iri`` has been checked (:data:`nscn_graph.reconcile.terms.IRI`)
    or comes from the store, and is checked again here by pyoxigraph."""
    return str(ox.NamedNode(iri))


def read(store, things: Iterable[str], properties: Sequence[str], names: Sequence[str]) -> Facts:
    """The values of ``properties`` of each of ``things``, with the ``names`` (literal values of
    those properties) of the values that are IRIs."""
    things = list(dict.fromkeys(things))
    found: Facts = {t: {} for t in things}
    if not things or not properties:
        return found
    wanted = " ".join(iri_ref(p) for p in dict.fromkeys(properties))
    naming = " ".join(iri_ref(p) for p in names)
    for start in range(0, len(things), CHUNK):
        chunk = " ".join(iri_ref(t) for t in things[start : start + CHUNK])
        query = (
            f"SELECT ?s ?p ?o ?n WHERE {{ VALUES ?s {{ {chunk} }} VALUES ?p {{ {wanted} }} "
            f"?s ?p ?o . OPTIONAL {{ VALUES ?np {{ {naming} }} ?o ?np ?n "
            "FILTER(isLiteral(?n)) } }"
        )
        seen: dict[tuple[str, str, object], Value] = {}
        for row in store.query(query):
            subject, predicate, obj, name = row["s"], row["p"], row["o"], row["n"]
            key = (subject.value, predicate.value, obj)
            value = seen.get(key)
            if value is None:
                value = seen[key] = Value(obj)
                found[subject.value].setdefault(predicate.value, []).append(value)
            if isinstance(name, ox.Literal) and name not in value.names:
                value.names.append(name)
    return found


def pick(names: Sequence[ox.Literal], langs: Sequence[str]) -> ox.Literal | None:
    """The name in the first of ``langs`` that has one, else the first."""
    for lang in langs:
        for name in names:
            if (name.language or "").split("-", 1)[0] == lang:
                return name
    return names[0] if names else None
