"""The embedded store: the graph in an in-memory pyoxigraph store, queried with SPARQL 1.1.

Query errors are raised as :class:`~nscn_graph.errors.QuerySyntaxError` with the parser's line
and column. Graph IRIs given by a client (SPARQL 1.1 Protocol ``default-graph-uri`` and
``named-graph-uri``) only ever select among the graphs the store holds: nothing is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.graph.load import load
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES
from nscn_graph.sparql.syntax import query_syntax_error

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


class EmbeddedStore:
    """The graph in memory, in pyoxigraph's default graph."""

    def __init__(self, store: ox.Store | None = None) -> None:
        self.store = store if store is not None else ox.Store()

    @classmethod
    def from_files(cls, paths: Sequence[Path], *, base: str = DEFAULT_BASE) -> EmbeddedStore:
        return cls(load(paths, base=base).store)

    def __len__(self) -> int:
        return len(self.store)

    def triples(self) -> Iterable[ox.Triple]:
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.triple

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate ``sparql``. The project's prefixes are predeclared; relative IRIs resolve
        against ``base_iri``."""
        options: dict[str, object] = {}
        if default_graph_uris:
            options["default_graph"] = [_graph(iri) for iri in default_graph_uris]
        if named_graph_uris:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graph_uris]
        if base_iri:
            options["base_iri"] = base_iri
        prefixes = prefixes or PREFIXES
        try:
            return self.store.query(sparql, prefixes=prefixes, **options)
        except SyntaxError as exc:
            raise query_syntax_error(exc, query=sparql, prefixes=prefixes) from None


def _graph(iri: str) -> ox.NamedNode | ox.DefaultGraph:
    return ox.NamedNode(iri)
