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


def canonical(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """``triples`` in one fixed order (their N-Triples text), each once, blank nodes relabelled
    canonically (pyoxigraph's canonicalisation): the same graph gives the same list in any
    process, whatever order a store or parser gave it in and whatever labels its blank nodes
    had."""
    found = list(dict.fromkeys(triples))
    if any(
        isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in found
    ):
        dataset = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in found)
        dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
        found = [quad.triple for quad in dataset]
    return sorted(found, key=str)


def stable_json_ld(data: bytes) -> bytes:
    """The same JSON-LD document with its nodes and multi-valued properties in a fixed order, so
    that the same graph always gives the same bytes (and checksum, and ``ETag``). Arrays are
    unordered sets in JSON-LD except under ``@list``, which is left as it is."""

    def key(value: object) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def order(value: object, *, in_list: bool = False) -> object:
        if isinstance(value, dict):
            return {k: order(v, in_list=(k == "@list")) for k, v in value.items()}
        if isinstance(value, list):
            items = [order(v) for v in value]
            return items if in_list else sorted(items, key=key)
        return value

    document = order(json.loads(data))
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def serialize(
    triples: Iterable[ox.Triple | ox.Quad],
    fmt: formats.Format,
    *,
    prefixes: dict[str, str] | None = None,
    stable: bool = False,
) -> bytes:
    """``triples`` in ``fmt``, as UTF-8 bytes. A dataset format (TriG, N-Quads) writes quads
    in their graphs, graph by graph in a fixed order, and triples in the default graph; a
    graph format writes the triples of quads (the merged graph). ``stable``: the same bytes for
    the same graph in any process (:func:`canonical` order; JSON-LD arrays sorted,
    :func:`stable_json_ld`), for answers whose ``ETag`` caches share."""
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
    if stable:
        data = serialize(canonical(triples), fmt, prefixes=prefixes)
        return stable_json_ld(data) if fmt is formats.JSONLD else data
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
