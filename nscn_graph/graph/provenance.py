"""Provenance of each statement: every statement about a thing is in a source record's graph.

A source record is a named graph that says where its statements were read:
``record:x { record:x a nscn:SourceRecord ; prov:wasDerivedFrom <URL> ; dcterms:source <URL> .
... }``. A statement whose subject is a thing (an IRI under ``{base}id/``, hash IRIs included)
must be in at least one such graph; one read on two sources is in both. The check is one SPARQL
query over a store whose default graph is the union of the graphs and whose named graphs are the
records (:data:`UNSOURCED`), so it runs alike over the loaded files and over every store.

:func:`check` turns what it finds into validation results that name the file and line of the
statement: the line where its graph's block opens, or, for a statement in no graph, the line its
subject starts on outside every graph block.
"""

from __future__ import annotations

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE

PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

#: The statements about things that no source record holds (``?g``: a graph that holds it but
#: is not a source record, if any).
UNSOURCED = f"""
SELECT ?s ?p ?o (SAMPLE(?in) AS ?g) WHERE {{
  ?s ?p ?o
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{{space}}"))
  FILTER NOT EXISTS {{ GRAPH ?record {{ ?s ?p ?o }} ?record <{PROV_DERIVED}> ?source }}
  OPTIONAL {{ GRAPH ?in {{ ?s ?p ?o }} }}
}} GROUP BY ?s ?p ?o ORDER BY ?s ?p ?o
"""

#: What an editor is told for each statement :data:`UNSOURCED` finds.
MESSAGE = (
    "every statement about a thing belongs in the graph of the source record it was read on: "
    "put it in a `record:SLUG { ... }` block of a .trig file, whose record says "
    "prov:wasDerivedFrom its source (see data/records.trig)"
)


def unsourced(store, *, base: str = DEFAULT_BASE) -> list[tuple[ox.Quad, str | None]]:
    """``(statement, graph)`` for each statement about a thing under ``base`` that is in no
    source record's graph; ``graph`` is a named graph that holds it (not a source record), or
    ``None`` when it is in no named graph. ``store`` is queried by SPARQL (a pyoxigraph store
    or any :class:`~nscn_graph.stores.base.Store`)."""
    rows = store.query(UNSOURCED.replace("{space}", base + "id/"))
    found = []
    for row in rows:
        graph = row["g"]
        found.append(
            (
                ox.Quad(row["s"], row["p"], row["o"]),
                graph.value if isinstance(graph, ox.NamedNode) else None,
            )
        )
    return found


def has_records(store) -> bool:
    """Whether ``store`` holds any source record (a named graph that says where it was read)."""
    ask = f"ASK {{ GRAPH ?g {{ ?s ?p ?o }} ?g <{PROV_DERIVED}> ?source }}"
    return bool(store.query(ask))
