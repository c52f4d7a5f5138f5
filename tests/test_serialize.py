"""Every RDF format round-trips the graph (compared by isomorphism, never as strings)."""

from __future__ import annotations

import json

import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph import formats
from nscn_graph.graph.serialize import published_context, serialize


@pytest.mark.parametrize("fmt", formats.RDF_FORMATS, ids=lambda f: f.name)
def test_round_trip(bundled, fmt):
    data = serialize(bundled.triples(), fmt)
    parsed = rdflib.Graph().parse(data=data, format=fmt.rdflib)
    assert len(parsed) == len(bundled)
    assert isomorphic(parsed, bundled.to_rdflib())


def test_json_ld_uses_the_published_context(bundled):
    document = json.loads(serialize(bundled.triples(), formats.JSONLD))
    assert document["@context"] == published_context()["@context"]
    ids = {node["@id"] for node in document["@graph"]}
    assert "city:aarhus" in ids


def test_turtle_uses_the_project_prefixes(bundled):
    text = serialize(bundled.triples(), formats.TURTLE).decode()
    assert "@prefix nscn: <https://w3id.org/nscn/ontology#> ." in text
    assert "city:aarhus" in text
