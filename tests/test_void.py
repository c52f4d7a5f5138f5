"""``/.well-known/void``: the W3C VoID description, its counts checked against SPARQL on the
same store, its links against the server."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from nscn_graph.namespaces import NSCN, VOID
from nscn_graph.publish.build import DUMPS
from nscn_graph.publish.void import vocabularies

DATASET = rdflib.URIRef("https://w3id.org/nscn/dataset")


def _void(client, **kw) -> rdflib.Graph:
    response = client.get("/.well-known/void", **kw)
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")


def _count(store, query: str) -> int:
    return int(next(iter(store.query(query)))["n"].value)


def _int(graph, subject, predicate) -> int:
    value = graph.value(subject, predicate)
    assert value is not None, predicate
    assert value.datatype == XSD.integer
    return int(value)


def test_triples_and_entities_equal_sparql_counts(app, client):
    store = app.extensions["nscn"].store
    graph = _void(client)
    assert (DATASET, RDF.type, VOID.Dataset) in graph
    assert _int(graph, DATASET, VOID.triples) == _count(
        store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    )
    assert _int(graph, DATASET, VOID.entities) == _count(
        store,
        "SELECT (COUNT(DISTINCT ?s) AS ?n) "
        '{ ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), "https://w3id.org/nscn/id/")) }',
    )
    assert _int(graph, DATASET, VOID.distinctSubjects) == _count(
        store, "SELECT (COUNT(DISTINCT ?s) AS ?n) { ?s ?p ?o }"
    )


def test_class_partitions_equal_sparql_counts(app, client):
    store = app.extensions["nscn"].store
    graph = _void(client)
    partitions = {
        graph.value(p, VOID["class"]): _int(graph, p, VOID.entities)
        for p in graph.objects(DATASET, VOID.classPartition)
    }
    assert partitions[rdflib.URIRef(NSCN.SmartCity)] == 14
    expected = {
        rdflib.URIRef(row["c"].value): int(row["n"].value)
        for row in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s a ?c } GROUP BY ?c")
    }
    assert partitions == expected
    assert _int(graph, DATASET, VOID.classes) == len(expected)


def test_property_partitions_equal_sparql_counts(app, client):
    store = app.extensions["nscn"].store
    graph = _void(client)
    partitions = {
        graph.value(p, VOID.property): _int(graph, p, VOID.triples)
        for p in graph.objects(DATASET, VOID.propertyPartition)
    }
    expected = {
        rdflib.URIRef(row["p"].value): int(row["n"].value)
        for row in store.query("SELECT ?p (COUNT(*) AS ?n) { ?s ?p ?o } GROUP BY ?p")
    }
    assert partitions == expected
    assert sum(partitions.values()) == _int(graph, DATASET, VOID.triples)


def test_example_resources_are_a_city_a_lab_and_a_case(app, client):
    store = app.extensions["nscn"].store
    examples = set(_void(client).objects(DATASET, VOID.exampleResource))
    kinds = set()
    for example in examples:
        for row in store.query(f"SELECT ?c {{ <{example}> a ?c }}"):
            kinds.add(row["c"].value)
    assert {str(NSCN.SmartCity), str(NSCN.LivingLab), str(NSCN.Case)} <= kinds
    assert len(examples) == 3


def test_links_follow_the_request_url(client, dist):
    graph = _void(client, base_url="http://data.example:8000/")
    assert graph.value(DATASET, VOID.sparqlEndpoint) == rdflib.URIRef(
        "http://data.example:8000/sparql"
    )
    dumps = {str(d) for d in graph.objects(DATASET, VOID.dataDump)}
    assert len(dumps) == len(DUMPS)
    for url in dumps:
        assert url.startswith("http://data.example:8000/dumps/nscn-graph-")
        path = url.removeprefix("http://data.example:8000")
        assert client.head(path, buffered=True).status_code == 200
    assert "nscn-graph.invalid" not in client.get("/.well-known/void").get_data(as_text=True)


def test_links_use_the_public_url_setting():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True, "PUBLIC_URL": "https://data.nscn.example/graph"})
    graph = _void(app.test_client(), base_url="http://internal:8080/")
    assert graph.value(DATASET, VOID.sparqlEndpoint) == rdflib.URIRef(
        "https://data.nscn.example/graph/sparql"
    )


def test_metadata(client):
    graph = _void(client)
    assert graph.value(DATASET, VOID.uriSpace) == rdflib.Literal("https://w3id.org/nscn/id/")
    assert graph.value(DATASET, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    for predicate in (DCTERMS.title, DCTERMS.description):
        assert graph.value(DATASET, predicate).language == "en"
    assert graph.value(DATASET, DCTERMS.modified).datatype == XSD.dateTime
    for predicate in (DCTERMS.publisher, DCTERMS.creator):
        agent = graph.value(DATASET, predicate)
        assert (agent, RDF.type, FOAF.Agent) in graph and graph.value(agent, FOAF.name)
    vocabularies_ = set(graph.objects(DATASET, VOID.vocabulary))
    for iri in (
        "https://w3id.org/nscn/ontology",
        "http://purl.org/dc/terms/",
        "http://www.w3.org/2004/02/skos/core",
        "https://schema.org/",
    ):
        assert rdflib.URIRef(iri) in vocabularies_


@pytest.mark.parametrize(
    "term, vocabulary",
    [
        ("https://w3id.org/nscn/ontology#SmartCity", "https://w3id.org/nscn/ontology"),
        ("http://xmlns.com/foaf/0.1/homepage", "http://xmlns.com/foaf/0.1/"),
        ("http://example.org/v#p", "http://example.org/v"),
        ("http://example.org/terms/p", "http://example.org/terms/"),
    ],
)
def test_vocabulary_of_a_term(term, vocabulary):
    assert vocabularies([term]) == (vocabulary,)


def test_void_over_http(live_server):
    response = requests.get(live_server + "/.well-known/void", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    endpoint = graph.value(DATASET, VOID.sparqlEndpoint)
    assert endpoint == rdflib.URIRef(live_server + "/sparql")
    for dump in graph.objects(DATASET, VOID.dataDump):
        assert requests.head(str(dump), timeout=10).status_code == 200


def test_void_triples_equal_the_count_on_the_sparql_endpoint(client):
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    count = int(response.get_json()["results"]["bindings"][0]["n"]["value"])
    assert count == _int(_void(client), DATASET, VOID.triples)


def test_each_source_record_is_a_subset_with_its_size_and_source():
    """The named graphs of a dataset written as records (tests/fixtures/provenance, made up)."""
    from pathlib import Path

    from nscn_graph.graph.load import load
    from nscn_graph.publish import void
    from nscn_graph.stores.memory import EmbeddedStore

    fixture = Path(__file__).parent / "fixtures" / "provenance" / "sourced.trig"
    stats = void.statistics(EmbeddedStore(load([fixture]).store), example_classes=[])
    graph = void.void_graph(stats, [], base=BASE, links="http://x/", modified="2026", version="1")
    record = rdflib.URIRef(BASE + "id/record/fixture-two")
    assert set(graph.objects(DATASET, VOID.subset)) == {BASE_RECORD_ONE, record}
    assert int(graph.value(record, VOID.triples)) == 7
    source = rdflib.URIRef("https://example.org/fixture/two")
    assert graph.value(record, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == source


BASE = "https://w3id.org/nscn/"
BASE_RECORD_ONE = rdflib.URIRef(BASE + "id/record/fixture-one")
