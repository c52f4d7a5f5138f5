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
    triples: Iterable[ox.Triple],
    fmt: formats.Format,
    *,
    prefixes: dict[str, str] | None = None,
) -> bytes:
    """``triples`` in ``fmt``, as UTF-8 bytes."""
    prefixes = prefixes or PREFIXES
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
