"""Content negotiation, validators and the ``/dataset`` description of the descriptions."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph.namespaces import DCAT, VOID

DATASET = rdflib.URIRef("https://w3id.org/nscn/dataset")
PATHS = ["/.well-known/void", "/catalog", "/dataset"]


@pytest.mark.parametrize(
    "accept, media_type",
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json;q=0.5, text/turtle;q=0.9", "text/turtle"),
        ("application/rdf+xml, application/ld+json", "application/ld+json"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", "text/html"),
        ("text/html;q=0.5, text/turtle", "text/turtle"),
    ],
    ids=lambda v: str(v),
)
@pytest.mark.parametrize("path", PATHS)
def test_negotiation(client, path, accept, media_type):
    response = client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary


@pytest.mark.parametrize("path", PATHS)
def test_every_format_gives_the_same_graph(client, path):
    graphs = []
    for media_type, parser in (
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ):
        data = client.get(path, headers={"Accept": media_type}).get_data(as_text=True)
        graphs.append(rdflib.Graph().parse(data=data, format=parser))
    for graph in graphs[1:]:
        assert isomorphic(graph, graphs[0])


def test_not_acceptable(client):
    response = client.get("/catalog", headers={"Accept": "text/csv"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["detail"]


def test_conditional_get(client):
    first = client.get("/catalog")
    again = client.get("/catalog", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    since = client.get("/catalog", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    head = client.head("/catalog")
    assert head.status_code == 200 and head.headers["ETag"] == first.headers["ETag"]


def test_dataset_is_described_by_void_and_dcat(client):
    graph = rdflib.Graph().parse(data=client.get("/dataset").get_data(as_text=True))
    assert (DATASET, rdflib.RDF.type, VOID.Dataset) in graph
    assert (DATASET, rdflib.RDF.type, DCAT.Dataset) in graph


def test_a_host_that_cannot_make_links_is_refused(client):
    response = client.get("/catalog", headers={"Host": "bad host>"})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", PATHS)
def test_page_for_browsers_links_its_rdf_twins(client, path):
    response = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Creative Commons Attribution 4.0" in page and "/dumps/nscn-graph-" in page
    assert f'<{path}>; rel="alternate"; type="text/turtle"' in response.headers["Link"]


def test_dataset_lists_shared_triples_once(client):
    lines = client.get("/dataset", headers={"Accept": "application/n-triples"}).get_data(
        as_text=True
    )
    triples = [line for line in lines.splitlines() if line.strip() and "_:" not in line]
    assert len(triples) == len(set(triples))
