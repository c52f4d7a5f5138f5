"""``/id/`` and ``/doc/``: 303 from things to documents (Cool URIs for the Semantic Web), content
negotiation, suffix forms, aliases and errors; every thing dereferences, in-process and over
real HTTP."""

from __future__ import annotations

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from nscn_graph import formats
from nscn_graph.graph.load import to_rdflib

BASE = "https://w3id.org/nscn/"
FORMS = formats.RDF_FORMATS
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture(scope="module")
def things():
    from nscn_graph.web import create_app

    return create_app({"TESTING": True}).extensions["nscn.linked"].documents


def expected_graph(document) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in document.triples:
        graph.add(tuple(to_rdflib(t) for t in triple))
    return graph


def parse(data: bytes, fmt: formats.Format) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt.rdflib)


def test_thing_answers_303_to_its_document(client):
    response = client.get("/id/city/aarhus")
    assert response.status_code == 303
    assert response.headers["Location"] == "/doc/city/aarhus"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/id/city/kobenhavn", "/id/city/copenhagen"),
        ("/doc/city/kobenhavn", "/doc/city/copenhagen"),
        ("/doc/city/kobenhavn.ttl", "/doc/city/copenhagen.ttl"),
    ],
)
def test_alias_answers_301_to_the_canonical_iri(client, path, location):
    response = client.get(path)
    assert response.status_code == 301
    assert response.headers["Location"] == location


@pytest.mark.parametrize(
    "path",
    [
        "/id/city/nowhere",
        "/id/unicorn",
        "/id/city/aarhus/more",
        "/id/City/Nowhere",
        "/id/city/aarhus.ttl",
        "/doc/city/nowhere",
        "/doc/city/nowhere.ttl",
        "/doc/city/aarhus.png",
        "/doc/city/aarhus.ttl.ttl",
        "/id/population/aarhus-2017x",
    ],
)
def test_unknown_things_are_404_problem_json_for_machines(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 404 and body["detail"]


def test_unknown_thing_is_a_short_page_for_browsers(client):
    response = client.get("/id/city/nowhere", headers={"Accept": BROWSER})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "404" in page and "Nothing in the graph has this identifier" in page


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("text/turtle", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        (BROWSER, "text/html"),
        ("text/html;q=0.4, application/rdf+xml;q=0.6", "application/rdf+xml"),
        ("application/ld+json;q=0.9, text/turtle;q=0.8", "application/ld+json"),
    ],
)
def test_document_negotiates(client, accept, media_type):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/doc/city/aarhus", headers=headers)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary
    fmt = formats.by_name(media_type) if media_type != "text/html" else formats.HTML
    assert response.headers["Content-Location"] == f"/doc/city/aarhus.{fmt.extension}"
    links = response.headers["Link"]
    for other in formats.DOCUMENT_FORMATS:
        link = f'</doc/city/aarhus.{other.extension}>; rel="alternate"; type="{other.media_type}"'
        assert (link in links) is (other is not fmt)


def test_charset_is_declared(client):
    response = client.get("/doc/city/aarhus.ttl")
    assert response.headers["Content-Type"] == "text/turtle; charset=utf-8"
    response = client.get("/doc/city/aarhus.html")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize("fmt", formats.DOCUMENT_FORMATS, ids=lambda f: f.extension)
def test_suffix_gives_that_form_whatever_the_accept(client, fmt):
    response = client.get(f"/doc/city/aarhus.{fmt.extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert "Accept" not in response.vary
    assert "Content-Location" not in response.headers


def test_not_acceptable_lists_the_offered_types(client):
    response = client.get("/doc/city/aarhus", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    for fmt in formats.DOCUMENT_FORMATS:
        assert fmt.media_type in detail


def test_head_answers_like_get(client):
    get = client.get("/doc/city/aarhus.ttl")
    head = client.head("/doc/city/aarhus.ttl")
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"]


@pytest.mark.parametrize("fmt", FORMS, ids=lambda f: f.extension)
def test_every_thing_dereferences_in_every_form(client, things, fmt):
    for document in things:
        thing = client.get(f"/id/{document.key}")
        assert thing.status_code == 303, document.key
        location = thing.headers["Location"]
        assert location == f"/doc/{document.key}"
        response = client.get(location, headers={"Accept": fmt.media_type})
        assert response.status_code == 200, document.key
        assert response.mimetype == fmt.media_type
        graph = parse(response.data, fmt)
        assert (rdflib.URIRef(document.iri), None, None) in graph, document.key
        assert isomorphic(graph, expected_graph(document)), document.key


def test_every_thing_has_a_page(client, things):
    for document in things:
        response = client.get(f"/doc/{document.key}", headers={"Accept": BROWSER})
        assert response.status_code == 200, document.key
        assert response.mimetype == "text/html"


def test_city_document_lists_its_labs_and_cases(client):
    graph = parse(client.get("/doc/city/aarhus.ttl").data, formats.TURTLE)
    nscn = rdflib.Namespace(BASE + "ontology#")
    aarhus = rdflib.URIRef(BASE + "id/city/aarhus")
    labs = set(graph.subjects(nscn.city, aarhus))
    assert rdflib.URIRef(BASE + "id/lab/aarhus-city-lab") in labs
    assert any((lab, rdflib.RDF.type, nscn.Case) in graph for lab in labs)
    assert any((lab, rdflib.RDF.type, nscn.LivingLab) in graph for lab in labs)
    for lab in labs:
        assert graph.value(lab, rdflib.RDFS.label) is not None


def test_documents_follow_a_configured_base():
    from nscn_graph.web import create_app

    client = create_app({"TESTING": True, "BASE": "http://example.org/lod/"}).test_client()
    response = client.get("/doc/city/aarhus.nt")
    assert response.status_code == 200
    assert b"<http://example.org/lod/id/city/aarhus>" in response.data
    assert b"https://w3id.org/nscn/" not in response.data


@pytest.mark.http
def test_every_thing_dereferences_over_http(live_server, things):
    with requests.Session() as http:
        for document in things:
            thing = http.get(f"{live_server}/id/{document.key}", allow_redirects=False, timeout=10)
            assert thing.status_code == 303, document.key
            assert thing.headers["Location"].endswith(f"/doc/{document.key}")
            for fmt in FORMS:
                response = http.get(
                    f"{live_server}/id/{document.key}",
                    headers={"Accept": fmt.media_type},
                    timeout=10,
                )
                assert response.status_code == 200, document.key
                assert response.history[0].status_code == 303
                assert response.headers["Content-Type"] == fmt.content_type
                graph = parse(response.content, fmt)
                assert (rdflib.URIRef(document.iri), None, None) in graph, document.key


@pytest.mark.http
def test_alias_and_errors_over_http(live_server):
    alias = requests.get(f"{live_server}/id/city/kobenhavn", allow_redirects=False, timeout=10)
    assert alias.status_code == 301
    followed = requests.get(
        f"{live_server}/id/city/kobenhavn", headers={"Accept": "text/turtle"}, timeout=10
    )
    assert [r.status_code for r in followed.history] == [301, 303]
    assert followed.url.endswith("/doc/city/copenhagen")
    refused = requests.get(
        f"{live_server}/doc/city/aarhus", headers={"Accept": "image/png"}, timeout=10
    )
    assert refused.status_code == 406
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_the_303_names_the_document_that_describes_the_thing(client):
    response = client.get("/id/lab/aarhus-city-lab")
    assert response.headers["Link"] == '</doc/lab/aarhus-city-lab>; rel="describedby"'


@pytest.mark.parametrize("suffix", ["", ".ttl", ".html"])
def test_documents_can_be_revalidated(client, suffix):
    first = client.get(f"/doc/city/aarhus{suffix}")
    etag = first.headers["ETag"]
    again = client.get(f"/doc/city/aarhus{suffix}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/doc/city/aarhus.nt", headers={"If-None-Match": etag})
    assert other.status_code == 200


#: Lenient paths (DESIGN.md, "Lenient paths, one canonical IRI"): path -> the 301's Location.
LENIENT = {
    "/id/city/oslo/": "/id/city/oslo",
    "/id/city/Oslo": "/id/city/oslo",
    "/id/city/TROMSO": "/id/city/tromso",
    "/id/city/tromsø": "/id/city/tromso",
    "/id/city/Tromsø": "/id/city/tromso",
    "/id/city/TROMSØ/": "/id/city/tromso",
    "/id/city/k%C3%B8benhavn": "/id/city/copenhagen",  # folds to an alias: its canonical IRI
    "/id/city/Reykjav%C3%ADk": "/id/city/reykjavik",
    "/id/City/Aarhus": "/id/city/aarhus",
    "/id/city/oslo//": "/id/city/oslo",
    "/id/theme/Mobility": "/id/theme/mobility",
    "/doc/city/Oslo": "/doc/city/oslo",
    "/doc/city/oslo/": "/doc/city/oslo",
    "/doc/city/Tromsø.ttl": "/doc/city/tromso.ttl",
    "/doc/city/oslo.TTL": "/doc/city/oslo.ttl",
    "/doc/city/oslo.jsonld/": "/doc/city/oslo.jsonld",
    "/doc/city/K%C3%B8benhavn.html": "/doc/city/copenhagen.html",
}


@pytest.mark.parametrize(("path", "location"), list(LENIENT.items()), ids=list(LENIENT))
def test_lenient_paths_redirect_to_the_canonical_iri(client, path, location):
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 301
    assert response.headers["Location"] == location
    then = client.get(location, headers={"Accept": "text/turtle"})
    if location.startswith("/id/"):
        assert then.status_code == 303
        assert then.headers["Location"] == location.replace("/id/", "/doc/", 1)
    else:
        assert then.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/id/city/Nowhere",
        "/id/city/tromsø-x",
        "/id/city/oslo.ttl/",
        "/id/city/%2F%2Fevil.example",
        "/id/city/http:%2F%2Fevil.example",
        "/id/city/oslo%0d%0aSet-Cookie:x",
        "/id/city/osl%C3%B8%20x",
        "/doc/city/Oslo.exe",
        "/doc/city/Nowhere.ttl",
        "/doc/city/oslo.ttl.ttl",
        "/id/%E2%80%AEcity/oslo",
    ],
)
def test_lenient_paths_never_redirect_to_what_the_graph_does_not_know(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_every_lenient_redirect_is_a_path_on_this_server(client):
    documents = client.application.extensions["nscn.linked"].documents
    for path, location in LENIENT.items():
        response = client.get(path)
        assert response.headers["Location"] == location
        key = location.split("/", 2)[2].split(".")[0]
        assert documents.thing_iri(key) in documents.documents  # a known, canonical thing


@pytest.mark.http
@pytest.mark.parametrize("path", ["/id/city/Tromsø", "/id/city/k%C3%B8benhavn", "/doc/city/OSLO/"])
def test_lenient_paths_over_http(live_server, path):
    response = requests.get(live_server + path, headers={"Accept": "text/turtle"}, timeout=10)
    assert response.status_code == 200
    assert [r.status_code for r in response.history][0] == 301
    assert response.url.startswith(live_server + "/doc/city/")
    graph = rdflib.Graph().parse(data=response.text, format="turtle")
    slug = response.url.rsplit("/", 1)[1]
    assert (rdflib.URIRef(f"https://w3id.org/nscn/id/city/{slug}"), None, None) in graph
