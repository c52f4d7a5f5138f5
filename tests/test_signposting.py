"""FAIR Signposting level 1 (``nscn_graph.web.signposting``): the typed links on every kind of
answer of the landing page, the documents (every form, negotiated or by suffix, and their 304s)
and the dumps; the linkset (RFC 9264) at ``/linkset``; over Flask's client and real HTTP."""

from __future__ import annotations

import pytest
import requests
from werkzeug.http import parse_options_header

from nscn_graph.publish.build import DUMPS, read_manifest

LICENCE = "https://creativecommons.org/licenses/by/4.0/"
AARHUS = "https://w3id.org/nscn/id/city/aarhus"


def links(header: str) -> list[tuple[str, dict[str, str]]]:
    """(target, parameters) of each link of a ``Link`` header (RFC 8288)."""
    found = []
    for part in header.split(", <"):
        target, _, rest = part.strip().lstrip("<").partition(">")
        _, params = parse_options_header("x" + rest)
        found.append((target, params))
    return found


def rels(header: str, rel: str) -> list[str]:
    return [target for target, params in links(header) if params.get("rel") == rel]


def _dump(dist, suffix: str) -> str:
    manifest = read_manifest(dist)
    return next(
        d["file"]
        for d in manifest["dumps"]
        if d["release"] == manifest["release"] and d["file"].endswith(suffix)
    )


DOCUMENT_REQUESTS = [
    pytest.param("/doc/city/aarhus", {"Accept": "text/html"}, id="page"),
    pytest.param("/doc/city/aarhus", {"Accept": "text/turtle"}, id="negotiated-turtle"),
    pytest.param("/doc/city/aarhus", {"Accept": "application/json"}, id="negotiated-json"),
    pytest.param("/doc/city/aarhus.ttl", {}, id="ttl"),
    pytest.param("/doc/city/aarhus.jsonld", {}, id="jsonld"),
    pytest.param("/doc/city/aarhus.nt", {}, id="nt"),
    pytest.param("/doc/city/aarhus.rdf", {}, id="rdf"),
    pytest.param("/doc/city/aarhus.html", {}, id="html"),
    pytest.param("/doc/lab/aarhus-city-lab", {"Accept": "text/html"}, id="a-lab"),
]


@pytest.mark.parametrize("path, headers", DOCUMENT_REQUESTS)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_documents_are_signposted(client, path, headers, method):
    response = client.open(path, method=method, headers=headers)
    assert response.status_code == 200
    header = response.headers["Link"]
    if "aarhus-city-lab" in path:
        assert rels(header, "cite-as") == ["https://w3id.org/nscn/id/lab/aarhus-city-lab"]
    else:
        assert rels(header, "cite-as") == [AARHUS]
    described = dict((t, p.get("type")) for t, p in links(header) if p.get("rel") == "describedby")
    assert {t.rsplit(".", 1)[1] for t in described} == {"ttl", "jsonld", "nt", "rdf"}
    assert "text/turtle" in described.values()
    types = rels(header, "type")
    assert "https://schema.org/AboutPage" in types
    assert len(types) >= 2 and all(t.startswith("https://schema.org/") for t in types)
    assert rels(header, "license") == [LICENCE]
    assert rels(header, "collection") == ["http://localhost/"]


def test_a_city_is_typed_as_a_schema_org_city(client):
    header = client.get("/doc/city/aarhus.ttl").headers["Link"]
    assert "https://schema.org/City" in rels(header, "type")


def test_a_304_keeps_the_links(client):
    first = client.get("/doc/city/aarhus.ttl")
    again = client.get("/doc/city/aarhus.ttl", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert rels(again.headers["Link"], "cite-as") == [AARHUS]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_the_landing_page_is_signposted(client, dist, method):
    response = client.open("/", method=method)
    header = response.headers["Link"]
    assert rels(header, "cite-as") == ["https://w3id.org/nscn/dataset"]
    assert set(rels(header, "describedby")) == {
        "http://localhost/catalog",
        "http://localhost/.well-known/void",
    }
    assert set(rels(header, "type")) == {
        "https://schema.org/AboutPage",
        "https://schema.org/Dataset",
    }
    assert rels(header, "license") == [LICENCE]
    items = rels(header, "item")
    assert sorted(items) == sorted(
        f"http://localhost/dumps/{_dump(dist, s)}" for _, s, _ in DUMPS
    )
    assert rels(header, "linkset") == ["http://localhost/linkset"]


@pytest.mark.parametrize("suffix", [suffix for _, suffix, _ in DUMPS])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_dumps_are_signposted(client, dist, suffix, method):
    manifest = read_manifest(dist)
    response = client.open(f"/dumps/{_dump(dist, suffix)}", method=method, buffered=True)
    assert response.status_code == 200
    header = response.headers["Link"]
    edition = manifest["release"]
    cited = (
        "https://w3id.org/nscn/dataset"
        if edition == "unreleased"
        else f"https://w3id.org/nscn/dataset/{edition}"
    )
    assert rels(header, "cite-as") == [cited]
    assert rels(header, "collection") == ["http://localhost/"]
    assert rels(header, "license") == [LICENCE]
    assert rels(header, "type") == ["https://schema.org/DataDownload"]
    assert rels(header, "describedby") == ["http://localhost/catalog"]


@pytest.mark.parametrize(
    "path", ["/sparql", "/search?q=oslo", "/doc/city/no-such-city", "/health", "/catalog"]
)
def test_other_answers_carry_no_signposting(client, path):
    header = client.get(path, headers={"Accept": "application/json"}).headers.get("Link", "")
    assert rels(header, "cite-as") == []


def test_the_linkset_lists_the_landing_page_and_each_dump(client, dist):
    response = client.get("/linkset")
    assert response.status_code == 200
    assert response.mimetype == "application/linkset+json"
    assert response.headers["ETag"] and response.headers["Cache-Control"]
    entries = response.get_json()["linkset"]
    anchors = {e["anchor"]: e for e in entries}
    landing = anchors["http://localhost/"]
    assert landing["cite-as"] == [{"href": "https://w3id.org/nscn/dataset"}]
    assert {i["href"] for i in landing["item"]} == {
        f"http://localhost/dumps/{_dump(dist, s)}" for _, s, _ in DUMPS
    }
    dump = anchors[f"http://localhost/dumps/{_dump(dist, 'ttl')}"]
    assert dump["collection"] == [{"href": "http://localhost/", "type": "text/html"}]
    assert dump["license"] == [{"href": LICENCE}]
    # the linkset says what the headers say
    header = client.get("/").headers["Link"]
    assert {i["href"] for i in landing["item"]} == set(rels(header, "item"))


@pytest.mark.http
def test_signposting_over_http(live_server):
    for path in ("/", "/doc/city/aarhus.ttl"):
        response = requests.head(live_server + path, timeout=10)
        assert response.status_code == 200
        assert rels(response.headers["Link"], "cite-as"), path
        assert rels(response.headers["Link"], "license") == [LICENCE]
