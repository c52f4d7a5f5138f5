"""Serialising triples to the RDF formats of :mod:`nscn_graph.formats`.

Turtle, N-Triples and RDF/XML are written by pyoxigraph (fast, streaming). JSON-LD is compacted
by rdflib against the project's published context (``context.jsonld``, served at
``/context.jsonld``), which is embedded in each document so that it reads offline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pyoxigraph as ox
import rdflib

from nscn_graph import formats
from nscn_graph.graph.load import to_rdflib
from nscn_graph.namespaces import PREFIXES

CONTEXT_FILE = Path(__file__).with_name("context.jsonld")


def context(prefixes: dict[str, str] | None = None) -> dict[str, object]:
    """The JSON-LD context: one term per prefix."""
    return {"@context": dict(prefixes or PREFIXES)}


@lru_cache(maxsize=1)
def published_context() -> dict[str, object]:
    return json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))


def serialize(
    triples: Iterable[ox.Triple | ox.Quad],
    fmt: formats.Format,
    *,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``triples`` in ``fmt``, as UTF-8 bytes. A dataset format (TriG, N-Quads) writes quads
    in their graphs, graph by graph in a fixed order, and triples in the default graph; a
    graph format writes the triples of quads (the merged graph)."""
    prefixes = prefixes or PREFIXES
    if fmt in formats.DATASET_FORMATS:
        assert isinstance(fmt.oxigraph, ox.RdfFormat), fmt
        quads = sorted(
            (t if isinstance(t, ox.Quad) else ox.Quad(*t) for t in triples),
            key=lambda q: (
                not isinstance(q.graph_name, ox.DefaultGraph),
                str(q.graph_name),
                str(q),
            ),
        )
        used = prefixes if fmt is formats.TRIG else None
        return ox.serialize(quads, format=fmt.oxigraph, prefixes=used)
    triples = [t.triple if isinstance(t, ox.Quad) else t for t in triples]
    if fmt is formats.JSONLD:
        graph = rdflib.Graph()
        for triple in triples:
            graph.add(tuple(to_rdflib(t) for t in triple))  # type: ignore[arg-type]
        text = graph.serialize(
            format="json-ld", context=context(prefixes)["@context"], auto_compact=True, indent=2
        )
        return text.encode("utf-8")
    assert isinstance(fmt.oxigraph, ox.RdfFormat), fmt
    used = prefixes if fmt in (formats.TURTLE, formats.RDFXML) else None
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=used)
