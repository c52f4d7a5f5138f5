"""``GET /sparql`` without a query: the SPARQL 1.1 Service Description, negotiated."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph.web import create_app

SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = rdflib.Namespace("http://www.w3.org/ns/formats/")


def description(client, accept: str | None = None) -> tuple[rdflib.Graph, str]:
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", headers=headers)
    assert response.status_code == 200
    assert "Accept" in response.headers["Vary"]
    parser = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
    }[response.mimetype]
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format=parser), parser


@pytest.mark.parametrize(
    ("accept", "parser"),
    [
        (None, "turtle"),
        ("*/*", "turtle"),
        ("text/turtle", "turtle"),
        ("application/ld+json", "json-ld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
    ],
)
def test_negotiated_formats_say_the_same(client, accept, parser):
    graph, used = description(client, accept)
    assert used == parser
    turtle, _ = description(client, "text/turtle")
    assert isomorphic(graph, turtle)


def test_what_the_service_says(app, client):
    graph, _ = description(client)
    service = graph.value(predicate=rdflib.RDF.type, object=SD.Service)
    assert graph.value(service, SD.endpoint) == rdflib.URIRef("http://localhost/sparql")
    assert set(graph.objects(service, SD.supportedLanguage)) == {SD.SPARQL11Query}
    assert SD.BasicFederatedQuery not in set(graph.objects(service, SD.feature))
    formats = set(graph.objects(service, SD.resultFormat))
    assert {FORMATS.SPARQL_Results_JSON, FORMATS.Turtle, FORMATS["JSON-LD"]} <= formats
    triples = next(graph.objects(None, rdflib.URIRef("http://rdfs.org/ns/void#triples")))
    assert int(triples) == app.extensions["nscn"].summary.triples


def test_public_url_setting():
    client = create_app({"TESTING": True, "PUBLIC_URL": "https://data.example/nscn/"}).test_client()
    graph, _ = description(client)
    assert (None, SD.endpoint, rdflib.URIRef("https://data.example/nscn/sparql")) in graph


def test_not_acceptable(client):
    response = client.get("/sparql", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["detail"]


def test_the_request_host_makes_the_endpoint_link(client):
    response = client.get(
        "/sparql", headers={"Host": "data.example.org:8443", "Accept": "text/turtle"}
    )
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert (None, SD.endpoint, rdflib.URIRef("http://data.example.org:8443/sparql")) in graph


@pytest.mark.parametrize("host", ["a>b", "a b", 'exa"mple'])
def test_a_host_that_makes_no_iri_is_400_as_for_void(client, host):
    # It used to describe the endpoint as <http:///sparql>.
    for path in ("/sparql", "/.well-known/void"):
        response = client.get(path, headers={"Host": host, "Accept": "text/turtle"})
        assert response.status_code == 400, path
        assert response.mimetype == "application/problem+json"
