"""``/ontology`` and ``/shapes``: HTML documentation for browsers (pyLODE for the ontology),
RDF by negotiation or suffix."""

from __future__ import annotations

import html
import re
import socket

import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph import formats, paths

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NS = {"ontology": "https://w3id.org/nscn/ontology#", "shapes": "https://w3id.org/nscn/shapes#"}
FILES = {"ontology": paths.ontology_file(), "shapes": paths.shapes_file()}


@pytest.fixture(scope="module")
def client():
    from nscn_graph.web import create_app

    return create_app({"TESTING": True}).test_client()


@pytest.fixture(scope="module")
def ontology_page(client):
    response = client.get("/ontology", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.fixture(scope="module")
def shapes_page(client):
    response = client.get("/shapes", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["ontology", "shapes"])
@pytest.mark.parametrize("fmt", formats.RDF_FORMATS, ids=lambda f: f.extension)
def test_rdf_by_negotiation_and_by_suffix(client, name, fmt):
    expected = rdflib.Graph().parse(FILES[name], format="turtle")
    negotiated = client.get(f"/{name}", headers={"Accept": fmt.media_type})
    suffixed = client.get(f"/{name}.{fmt.extension}", headers={"Accept": "image/png"})
    for response in (negotiated, suffixed):
        assert response.status_code == 200
        assert response.mimetype == fmt.media_type
        graph = rdflib.Graph().parse(data=response.data, format=fmt.rdflib)
        assert isomorphic(graph, expected)
    assert "Accept" in negotiated.vary
    assert negotiated.headers["Content-Location"] == f"/{name}.{fmt.extension}"
    assert f'</{name}.html>; rel="alternate"; type="text/html"' in negotiated.headers["Link"]


@pytest.mark.parametrize("name", ["ontology", "shapes"])
def test_default_is_turtle_and_unacceptable_is_406(client, name):
    assert client.get(f"/{name}").mimetype == "text/turtle"
    refused = client.get(f"/{name}", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.get_json()["detail"]


def test_ontology_page_is_pylode_with_an_anchor_per_term(ontology_page):
    assert "pyLODE" in ontology_page or "pylode" in ontology_page
    ontology = rdflib.Graph().parse(FILES["ontology"], format="turtle")
    terms = {
        str(s)[len(NS["ontology"]) :]
        for s in ontology.subjects()
        if isinstance(s, rdflib.URIRef) and str(s).startswith(NS["ontology"])
    }
    assert {"SmartCity", "LivingLab", "Case", "city", "aliasOf"} <= terms
    for term in terms:
        assert f'id="{term}"' in ontology_page, term


def test_ontology_page_keeps_links_on_this_server_and_loads_nothing_else(ontology_page):
    assert 'href="https://w3id.org/nscn/' not in ontology_page
    assert 'href="#SmartCity"' in ontology_page
    # scripts are the server's own (the header's search box), never another host's
    sources = re.findall(r'<script[^>]+src="([^"]*)"', ontology_page)
    assert all(src.startswith("/static/") for src in sources)
    assert not re.search(r'<link[^>]+rel="?stylesheet"?[^>]+href="?https?:', ontology_page)
    assert '<link rel="alternate" type="text/turtle" href="/ontology.ttl"' in ontology_page


def test_ontology_page_is_made_without_the_network(monkeypatch):
    from nscn_graph.web import create_app

    def refuse(*args, **kwargs):
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    client = create_app({"TESTING": True}).test_client()
    response = client.get("/ontology.html")
    assert response.status_code == 200
    assert 'id="SmartCity"' in response.get_data(as_text=True)


def test_shapes_page_lists_every_shape_with_its_messages(shapes_page):
    shapes = rdflib.Graph().parse(FILES["shapes"], format="turtle")
    sh = rdflib.SH
    text = html.unescape(shapes_page)
    node_shapes = set(shapes.subjects(rdflib.RDF.type, sh.NodeShape))
    property_shapes = set(shapes.subjects(rdflib.RDF.type, sh.PropertyShape))
    assert len(node_shapes) >= 20 and len(property_shapes) >= 80
    for shape in node_shapes | property_shapes:
        assert f'id="{str(shape)[len(NS["shapes"]) :]}"' in shapes_page, shape
    for message in shapes.objects(None, sh.message):
        assert str(message) in text, message
    assert "sh:targetClass" in text and "nscn:SmartCity" in text


def test_a_thing_page_links_its_types_to_the_ontology_page(client, ontology_page):
    page = client.get("/doc/city/aarhus.html").get_data(as_text=True)
    assert 'href="/ontology#SmartCity"' in page
    assert 'id="SmartCity"' in ontology_page
