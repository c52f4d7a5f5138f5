"""``/sparql`` over real HTTP against ``nscn-graph serve`` (gunicorn), with SPARQLWrapper and
``requests``: every query form and result format, the service description, refusals, and
queries stopped past the time limit while others are answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
import requests
from conftest import serving
from SPARQLWrapper import (
    CSV,
    GET,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    URLENCODED,
    XML,
    SPARQLWrapper,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

pytestmark = [
    pytest.mark.http,
    # SPARQLWrapper converts JSON-LD into an rdflib ConjunctiveGraph (deprecated in rdflib 7)
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

SELECT = """SELECT ?c ?label WHERE {
  ?c a nscn:SmartCity ; rdfs:label ?label . FILTER(lang(?label) = 'en')
}"""
ASK = "ASK { city:aarhus a nscn:SmartCity }"
CONSTRUCT = "CONSTRUCT WHERE { city:aarhus ?p ?o }"
DESCRIBE = "DESCRIBE city:aarhus"
AARHUS = rdflib.URIRef("https://w3id.org/nscn/id/city/aarhus")

REQUESTS = {
    "get": (GET, URLENCODED),
    "post-form": (POST, URLENCODED),
    "post-direct": (POST, POSTDIRECTLY),
}


def wrapper(url: str, query: str, fmt: str, how: str) -> SPARQLWrapper:
    method, request_method = REQUESTS[how]
    sparql = SPARQLWrapper(url + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    sparql.setRequestMethod(request_method)
    sparql.setTimeout(30)
    return sparql


@pytest.mark.parametrize("how", REQUESTS)
@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_select(live_server, fmt, how):
    result = wrapper(live_server, SELECT, fmt, how).query()
    converted = result.convert()
    if fmt == JSON:
        labels = {b["label"]["value"] for b in converted["results"]["bindings"]}
    elif fmt == XML:
        ns = "http://www.w3.org/2005/sparql-results#"
        labels = {n.firstChild.data for n in converted.getElementsByTagNameNS(ns, "literal")}
    else:
        text = converted.decode("utf-8")
        labels = {line.split("," if fmt == CSV else "\t")[-1] for line in text.splitlines()[1:]}
        labels = {label.strip('"').removesuffix("@en").strip('"') for label in labels}
    assert len(labels) == 14 and "Aarhus" in labels


@pytest.mark.parametrize("how", REQUESTS)
@pytest.mark.parametrize("fmt", [JSON, XML])
def test_ask(live_server, fmt, how):
    converted = wrapper(live_server, ASK, fmt, how).query().convert()
    if fmt == JSON:
        assert converted["boolean"] is True
    else:
        assert "true" in converted.toxml()


@pytest.mark.parametrize("how", REQUESTS)
@pytest.mark.parametrize("fmt", [TURTLE, N3, JSONLD, RDFXML, XML])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_graph_forms(live_server, query, fmt, how):
    result = wrapper(live_server, query, fmt, how).query()
    converted = result.convert()
    if isinstance(converted, rdflib.Graph):
        graph = converted
    else:
        content_type = result.info()["content-type"].split(";")[0]
        parser = {"text/turtle": "turtle", "application/ld+json": "json-ld"}[content_type]
        graph = rdflib.Graph().parse(data=converted, format=parser)
    assert (AARHUS, None, None) in graph
    assert len(graph) > 10


def test_malformed_query_is_400_for_sparqlwrapper(live_server):
    with pytest.raises(QueryBadFormed):
        wrapper(live_server, "SELECT * WHERE {", JSON, "get").query()


def test_update_over_http_is_refused(live_server):
    response = requests.post(live_server + "/sparql", data={"update": "DROP ALL"}, timeout=10)
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    count = requests.get(
        live_server + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) { ?c a nscn:SmartCity }"},
        timeout=10,
    ).json()
    assert count["results"]["bindings"][0]["n"]["value"] == "14"


def test_service_over_http_connects_nowhere(live_server):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        query = f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
        response = requests.get(live_server + "/sparql", params={"query": query}, timeout=10)
        assert response.status_code == 403
        with pytest.raises(TimeoutError):
            listener.accept()[0].close()


def test_huge_body_is_413_over_http(live_server):
    response = requests.post(
        live_server + "/sparql",
        data=b"#" * 2_000_000,
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")


def test_service_description_over_http(live_server):
    response = requests.get(live_server + "/sparql", headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200 and "Accept" in response.headers["Vary"]
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    assert (None, sd.endpoint, rdflib.URIRef(live_server + "/sparql")) in graph


# -- a server of our own: other data, a short time limit ---------------------------------------


@pytest.fixture(scope="module")
def big_nt(tmp_path_factory) -> Path:
    """An N-Triples file of 60,000 triples (a 'large' file for `serve --data`)."""
    path = tmp_path_factory.mktemp("data") / "big.nt"
    with path.open("w", encoding="utf-8") as out:
        for i in range(20_000):
            s = f"<http://example.org/thing/{i}>"
            out.write(
                f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://e.org/Thing> .\n"
            )
            out.write(f'{s} <http://www.w3.org/2000/01/rdf-schema#label> "thing {i}"@en .\n')
            out.write(f"{s} <http://example.org/next> <http://example.org/thing/{i + 1}> .\n")
    return path


@pytest.fixture(scope="module")
def short_server(big_nt) -> Iterator[str]:
    """A server of the large file with a 1 s query time limit."""
    with serving(
        "--workers",
        "1",
        "--threads",
        "4",
        "--data",
        str(big_nt),
        env={"NSCN_SPARQL_TIMEOUT": "1"},
        timeout=120,
    ) as url:
        yield url


def test_serve_data_serves_a_large_n_triples_file(short_server):
    response = requests.get(
        short_server + "/sparql",
        params={"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"},
        timeout=30,
    )
    assert response.json()["results"]["bindings"][0]["n"]["value"] == "60000"


def test_runaway_query_is_503_while_others_are_answered(short_server):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    outcome: dict[str, requests.Response] = {}

    def run() -> None:
        outcome["runaway"] = requests.get(
            short_server + "/sparql", params={"query": runaway}, timeout=60
        )

    thread = threading.Thread(target=run)
    thread.start()
    answered = 0
    while thread.is_alive() and answered < 3:
        quick = requests.get(
            short_server + "/sparql",
            params={"query": "ASK { <http://example.org/thing/7> ?p ?o }"},
            timeout=30,
        )
        assert quick.status_code == 200 and quick.json()["boolean"] is True
        answered += 1
    thread.join()
    assert answered >= 1
    response = outcome["runaway"]
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["title"] == "Query timed out"
    again = requests.get(short_server + "/sparql", params={"query": "ASK {}"}, timeout=30)
    assert again.status_code == 200


DOUBLING = (
    "SELECT (STRLEN(?x26) AS ?n) WHERE { BIND('aaaaaaaaaaaaaaaa' AS ?x0) "
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(26))
    + " }"
)


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    """A server whose query workers may use 64 MB each."""
    env = {"NSCN_SPARQL_MEMORY_LIMIT": "64", "NSCN_SPARQL_TIMEOUT": "30"}
    with serving("--workers", "1", "--threads", "2", env=env, timeout=120) as url:
        yield url


def test_a_query_past_the_memory_limit_is_503_and_the_next_is_answered(small_server):
    response = requests.post(small_server + "/sparql", data={"query": DOUBLING}, timeout=60)
    assert response.status_code == 503
    body = response.json()
    assert body["title"] == "Query memory limit reached" and "64 MB" in body["detail"]
    for _ in range(3):  # the worker that died is replaced before it is used again
        again = requests.get(small_server + "/sparql", params={"query": "ASK {}"}, timeout=30)
        assert again.status_code == 200


def test_bounds_relative_iris_and_charsets_over_http(live_server):
    deep = "ASK { FILTER(1 < " + "(" * 30_000 + "1" + ")" * 30_000 + " > 0) }"
    too_complex = requests.post(live_server + "/sparql", data={"query": deep}, timeout=30)
    assert too_complex.status_code == 400 and "limit" in too_complex.json()["detail"]
    construct = requests.post(
        live_server + "/sparql",
        data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "text/turtle"},
        timeout=30,
    )
    assert construct.status_code == 200
    graph = rdflib.Graph().parse(data=construct.text, format="turtle")
    assert len(graph) == 1 and next(iter(graph))[0] == rdflib.URIRef("https://w3id.org/nscn/s")
    for charset in ("rot13", "base64"):
        refused = requests.post(
            live_server + "/sparql",
            data=b"ASK {}",
            headers={"Content-Type": f"application/sparql-query; charset={charset}"},
            timeout=30,
        )
        assert refused.status_code == 415


def test_chunked_huge_body_is_413_over_http(live_server):
    def chunks():
        for _ in range(40):
            yield b"#" * 65_536

    response = requests.post(
        live_server + "/sparql",
        data=chunks(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert response.status_code == 413


def test_cors_over_http(live_server):
    response = requests.options(
        live_server + "/sparql",
        headers={
            "Origin": "https://client.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_long_query_by_get(live_server):
    """SPARQLWrapper sends by GET unless told otherwise: a query of a few kilobytes works."""
    values = " ".join(f"<https://w3id.org/nscn/id/city/c{i}>" for i in range(120))
    query = f"SELECT ?c WHERE {{ VALUES ?c {{ {values} }} ?c a nscn:SmartCity }}"
    assert len(query) > 4096  # gunicorn's default limit for the whole request line
    result = wrapper(live_server, query, JSON, "get").query().convert()
    assert result["results"]["bindings"] == []
