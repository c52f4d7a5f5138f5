"""Scoping a query to our graphs in a store that holds other graphs too.

The embedded store holds the merged graph as its default graph and each source record as a named
graph, and nothing else. A remote store holds the merged graph as the named graph ``G`` and our
records as named graphs of their own IRIs (under the prefix ``load`` owns, listed by it); to
answer as the embedded store does, a query sent there must see ``G`` as its default graph and
our records, and nothing else, as its named graphs, whatever it says:

- with no ``FROM``, the SPARQL 1.1 Protocol's ``default-graph-uri=G`` and a ``named-graph-uri``
  per record (or ``EMPTY``, an IRI of a graph that holds nothing, for a query that has no
  ``GRAPH`` pattern: it reads no named graph) set the dataset;
- a graph a client names (``FROM``, ``FROM NAMED``, ``default-graph-uri``, ``named-graph-uri``)
  selects, as in the embedded store, among the graphs that store holds: one of our records is
  itself, any other IRI (``G`` included, an internal name) is ``EMPTY``. ``FROM <iri>`` is
  rewritten in the query text, because some stores (Virtuoso) let ``FROM`` win over the
  protocol's parameters, against SPARQL 1.1 Protocol section 2.1.4.

The ``FROM`` and ``GRAPH`` keywords are found among the query's tokens
(:mod:`nscn_graph.sparql.lexer`), never inside a string, an IRI, a comment or a name.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence

from nscn_graph.sparql.lexer import tokens


def names_graphs(
    sparql: str, *, default_graph_uris: Sequence[str] = (), named_graph_uris: Sequence[str] = ()
) -> bool:
    """Whether answering ``sparql`` needs the list of our named graphs: it has a ``GRAPH``
    pattern or a ``FROM``, or the protocol names graphs."""
    if default_graph_uris or named_graph_uris:
        return True
    return any(
        t.kind == "word" and t.text.upper() in ("GRAPH", "FROM")
        for t in tokens(sparql)
        if t.kind not in ("comment", "string")
    )


def scope_dataset(
    sparql: str,
    *,
    graph: str,
    empty: str,
    default_graph_uris: Sequence[str] = (),
    named_graph_uris: Sequence[str] = (),
    ours: Collection[str] = (),
    prefixes: Mapping[str, str] | None = None,
) -> tuple[str, list[tuple[str, str]]]:
    """The query to send and the protocol parameters that scope it to ``graph`` (the merged
    graph) and ``ours`` (our named graphs, when the query needs them: :func:`names_graphs`).
    ``prefixes`` are those predeclared for the query (a ``FROM`` may use a prefixed name)."""

    def select(iri: str) -> str:
        return iri if iri in ours else empty

    text, has_from = rewrite_from(sparql, select, prefixes=prefixes)
    if default_graph_uris or named_graph_uris:
        defaults = [select(iri) for iri in default_graph_uris] or [empty]
        named = [select(iri) for iri in named_graph_uris] or [empty]
        return text, [
            *(("default-graph-uri", iri) for iri in dict.fromkeys(defaults)),
            *(("named-graph-uri", iri) for iri in dict.fromkeys(named)),
        ]
    if has_from:
        return text, []
    named = sorted(ours) or [empty]
    return text, [("default-graph-uri", graph), *(("named-graph-uri", iri) for iri in named)]


def rewrite_from(
    sparql: str,
    select: str | Callable[[str], str],
    *,
    prefixes: Mapping[str, str] | None = None,
) -> tuple[str, bool]:
    """``sparql`` with the graph of every ``FROM`` and ``FROM NAMED`` replaced by
    ``<select(iri)>`` (or by ``<select>``, given a string), and whether there was any. A
    prefixed name is expanded with the query's ``PREFIX`` declarations, then ``prefixes``."""
    choose = (lambda _iri: select) if isinstance(select, str) else select
    found = [t for t in tokens(sparql) if t.kind not in ("comment", "string")]
    declared = dict(prefixes or {})
    for i, token in enumerate(found[:-2]):
        if token.kind == "word" and token.text.upper() == "PREFIX" and found[i + 2].kind == "iri":
            declared[found[i + 1].text.rstrip(":")] = found[i + 2].text[1:-1]
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
        named = found[j].text
        if named.startswith("<") and named.endswith(">"):
            iri = named[1:-1]
        else:
            prefix, _, local = named.partition(":")
            iri = declared[prefix] + local if prefix in declared else ""
        out += [sparql[last : found[j].start], f"<{choose(iri)}>"]
        last = found[j].end
    out.append(sparql[last:])
    return "".join(out), any_from
