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

The query text is scanned with a small tokenizer (comments, strings, IRIs, variables, names),
enough to find the ``FROM`` keyword outside strings, IRIs and comments; the query has already
been parsed by pyoxigraph, so it is well-formed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
              |"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<var>[?$]\w+)
  | (?P<name>(?:[A-Za-z_][\w.-]*)?:[\w.:%\\-]*|[A-Za-z_]\w*)
    """,
    re.VERBOSE,
)


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
    tokens = [m for m in _TOKEN.finditer(sparql) if m.lastgroup not in ("comment", "string")]
    out, last, found = [], 0, False
    for i, token in enumerate(tokens):
        if token.lastgroup != "name" or token.group().upper() != "FROM":
            continue
        found = True
        j = i + 1
        if j < len(tokens) and tokens[j].group().upper() == "NAMED":
            j += 1
        if j >= len(tokens):
            break
        out += [sparql[last : tokens[j].start()], f"<{empty}>"]
        last = tokens[j].end()
    out.append(sparql[last:])
    return "".join(out), found


def mentions(sparql: str, keyword: str) -> bool:
    """Whether ``keyword`` (such as ``SERVICE``) is used as a keyword in ``sparql``: not in a
    string, an IRI, a comment, a variable or a prefixed name."""
    keyword = keyword.upper()
    return any(
        m.lastgroup == "name" and m.group().upper() == keyword for m in _TOKEN.finditer(sparql)
    )
