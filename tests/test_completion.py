"""``/sparql/terms`` and ``/sparql/map`` (nscn_graph.web.completion): what the query editor's
autocompletion and map view ask of the server."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from nscn_graph.web import create_app

NSCN = "https://w3id.org/nscn/ontology#"


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True}).test_client()


def completions(client, role: str, q: str) -> list[dict]:
    response = client.get("/sparql/terms", query_string={"role": role, "q": q})
    assert response.status_code == 200
    body = response.get_json()
    assert body["role"] == role and body["q"] == q
    return body["results"]


@pytest.mark.parametrize(
    ("role", "q", "first"),
    [
        ("class", "nscn:Liv", NSCN + "LivingLab"),
        ("class", "living", NSCN + "LivingLab"),
        ("class", NSCN + "Sma", NSCN + "SmartCity"),
        ("class", "<" + NSCN + "Case", NSCN + "Case"),
        ("class", "skos:Concept", "http://www.w3.org/2004/02/skos/core#Concept"),
        ("property", "nscn:ci", NSCN + "city"),
        ("property", "rdfs:la", "http://www.w3.org/2000/01/rdf-schema#label"),
        ("property", "population co", NSCN + "populationCount"),
    ],
)
def test_terms_begin_with_what_was_typed(client, role, q, first):
    results = completions(client, role, q)
    assert results and results[0]["iri"] == first
    assert all(set(r) == {"iri", "curie", "label"} for r in results)


def test_a_class_is_no_property_and_the_list_is_bounded(client):
    assert NSCN + "city" not in {r["iri"] for r in completions(client, "class", "nscn:")}
    assert NSCN + "City" not in {r["iri"] for r in completions(client, "property", "nscn:")}
    assert 0 < len(completions(client, "property", "")) <= 30
    labelled = completions(client, "class", "nscn:LivingLab")[0]
    assert labelled == {"iri": NSCN + "LivingLab", "curie": "nscn:LivingLab", "label": "Living lab"}


def test_every_class_with_things_can_be_completed(client):
    app = client.application
    for iri in app.extensions["nscn"].summary.classes:
        curie = app.extensions["nscn.linked"].vocab.curie(iri)
        assert iri in {r["iri"] for r in completions(client, "class", curie)}, curie


@pytest.mark.parametrize(
    "query", [{"q": "x"}, {"role": "thing", "q": "x"}, {"role": "class", "q": "x" * 201}]
)
def test_bad_completion_requests_are_400(client, query):
    response = client.get("/sparql/terms", query_string=query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"]


def test_the_map_is_the_bundled_outlines_and_its_projection(client):
    body = client.get("/sparql/map").get_json()
    svg = ET.fromstring(body["svg"])
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert len(svg.findall("{http://www.w3.org/2000/svg}path")) >= 5
    from nscn_graph.web import geomap

    frame = geomap.frame()
    p = body["projection"]
    assert p["centre"] == list(geomap.CENTRE)
    assert (p["x0"], p["y0"], p["scale"]) == (frame.x0, frame.y0, frame.scale)
    assert "http" not in body["svg"].replace("http://www.w3.org/2000/svg", "")
