"""Scoping a query to our graph in a store that holds other graphs too.

The embedded store holds our graph as its default graph and no named graph. A remote store holds
it as the named graph ``G``; to answer as the embedded store does, a query sent there must see
``G`` as its default graph and no named graph, whatever it says:

- with no ``FROM``, the SPARQL 1.1 Protocol's ``default-graph-uri=G`` and
  ``named-graph-uri=EMPTY`` (an IRI of a graph that holds nothing) set the dataset;
- a graph a client names (``FROM``, ``FROM NAMED``, ``default-graph-uri``, ``named-graph-uri``)
  selects, as in the embedded store, among the graphs that store holds: none, so it is
  ``EMPTY``. ``FROM <iri>`` is rewritten in the query text, because some stores (Virtuoso) let
  ``FROM`` win over the protocol's parameters, against SPARQL 1.1 Protocol section 2.1.4.

The ``FROM`` keyword is found among the query's tokens (:mod:`nscn_graph.sparql.lexer`), never
inside a string, an IRI, a comment or a name.
"""

from __future__ import annotations

from collections.abc import Sequence

from nscn_graph.sparql.lexer import tokens


def scope_dataset(
    sparql: str,
    *,
    graph: str,
    empty: str,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
) -> tuple[str, list[tuple[str, str]]]:
    """The query to send and the protocol parameters that scope it to ``graph``."""
    text, has_from = rewrite_from(sparql, empty)
    if default_graph_uris or named_graph_uris:
        return text, [("default-graph-uri", empty), ("named-graph-uri", empty)]
    if has_from:
        return text, []
    return text, [("default-graph-uri", graph), ("named-graph-uri", empty)]


def rewrite_from(sparql: str, empty: str) -> tuple[str, bool]:
    """``sparql`` with the graph of every ``FROM`` and ``FROM NAMED`` replaced by ``<empty>``,
    and whether there was any."""
    found = [t for t in tokens(sparql) if t.kind not in ("comment", "string")]
    out, last, any_from = [], 0, False
    for i, token in enumerate(found):
        if token.kind != "word" or token.text.upper() != "FROM":
            continue
        any_from = True
        j = i + 1
        if j < len(found) and found[j].text.upper() == "NAMED":
            j += 1
        if j >= len(found):
            break
        out += [sparql[last : found[j].start], f"<{empty}>"]
        last = found[j].end
    out.append(sparql[last:])
    return "".join(out), any_from
