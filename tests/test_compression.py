"""Compression (``nscn_graph.web.compression``): text answers in ``br`` or ``gzip`` when the
client accepts them, ``Vary: Accept-Encoding``, one ETag per coding and ``304`` per coding."""

from __future__ import annotations

import gzip

import brotli
import pytest
import requests

DECODE = {"br": brotli.decompress, "gzip": gzip.decompress}
HTML = {"Accept": "text/html"}
QUERY = {"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 200"}

ANSWERS = [
    ("/doc/city/aarhus", {}, HTML),
    ("/doc/city/aarhus.ttl", {}, {}),
    ("/sparql", QUERY, {"Accept": "application/sparql-results+json"}),
    ("/sparql", QUERY, {"Accept": "text/csv"}),
    ("/.well-known/void", {}, {"Accept": "text/turtle"}),
    ("/", {}, HTML),
]
IDS = ["page", "turtle", "sparql-json", "sparql-csv", "void", "landing"]


@pytest.mark.parametrize("path, args, headers", ANSWERS, ids=IDS)
@pytest.mark.parametrize("coding", ["br", "gzip"])
def test_text_answers_are_compressed_and_decode_to_the_same_body(
    client, path, args, headers, coding
):
    plain = client.get(path, query_string=args, headers=headers)
    packed = client.get(path, query_string=args, headers={**headers, "Accept-Encoding": coding})
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == coding
    assert DECODE[coding](packed.data) == plain.data
    assert len(packed.data) < len(plain.data)
    assert int(packed.headers["Content-Length"]) == len(packed.data)
    for answer in (plain, packed):
        assert "accept-encoding" in answer.headers["Vary"].lower()
    # a representation of its own: its own validator (RFC 9110 §8.8.3)
    assert packed.headers["ETag"] != plain.headers["ETag"]
    assert packed.headers["ETag"].endswith(f'-{coding}"')


@pytest.mark.parametrize("path, args, headers", ANSWERS, ids=IDS)
@pytest.mark.parametrize("coding", ["br", "gzip", None])
def test_each_coding_revalidates_with_its_own_etag(client, path, args, headers, coding):
    sent = {**headers, **({"Accept-Encoding": coding} if coding else {})}
    first = client.get(path, query_string=args, headers=sent)
    etag = first.headers["ETag"]
    again = client.get(path, query_string=args, headers={**sent, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert "accept-encoding" in again.headers["Vary"].lower()
    if coding is None:
        return
    # another coding's tag does not match this one's body
    other = "gzip" if coding == "br" else "br"
    asked = {**headers, "Accept-Encoding": other, "If-None-Match": etag}
    fresh = client.get(path, query_string=args, headers=asked)
    assert fresh.status_code == 200 and fresh.headers["Content-Encoding"] == other


@pytest.mark.parametrize(
    "accept, expected",
    [
        ("gzip, br", "br"),
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("gzip;q=0, br;q=0", None),
        ("deflate", None),
    ],
)
def test_the_coding_follows_accept_encoding(client, accept, expected):
    answer = client.get("/doc/city/aarhus", headers={**HTML, "Accept-Encoding": accept})
    assert answer.headers.get("Content-Encoding") == expected


def test_small_and_binary_answers_are_sent_as_they_are(client):
    small = client.get(
        "/sparql",
        query_string={"query": "ASK {}"},
        headers={"Accept": "application/sparql-results+json", "Accept-Encoding": "br"},
    )
    assert small.status_code == 200 and len(small.data) < 1024
    assert "Content-Encoding" not in small.headers
    icon = client.get("/favicon.ico", headers={"Accept-Encoding": "br"})
    assert "Content-Encoding" not in icon.headers


def test_every_city_page_travels_in_under_30_kb(client):
    listing = client.get(
        "/sparql",
        query_string={
            "query": "SELECT ?s WHERE { ?s a <https://w3id.org/nscn/ontology#City> }",
            "format": "csv",
        },
    )
    cities = [line.rsplit("/", 1)[-1] for line in listing.get_data(as_text=True).split()[1:]]
    assert len(cities) > 10
    for city in cities:
        for coding in ("br", "gzip"):
            page = client.get(f"/doc/city/{city}", headers={**HTML, "Accept-Encoding": coding})
            assert page.status_code == 200 and page.headers["Content-Encoding"] == coding
            assert len(page.data) < 30_000, (city, coding, len(page.data))


@pytest.mark.http
def test_over_http_requests_decodes_the_compressed_page(live_server):
    """A real client (requests, which sends ``Accept-Encoding: gzip, deflate``, and ``br`` when
    brotli is installed) gets a compressed page and reads it as usual."""
    answer = requests.get(live_server + "/doc/city/aarhus", headers=HTML, timeout=30)
    assert answer.headers["Content-Encoding"] in ("gzip", "br")
    assert "Aarhus" in answer.text
    raw = requests.get(
        live_server + "/doc/city/aarhus",
        headers={**HTML, "Accept-Encoding": "gzip"},
        stream=True,
        timeout=30,
    )
    wire = raw.raw.read(decode_content=False)
    assert raw.headers["Content-Encoding"] == "gzip" and len(wire) < 30_000
    assert gzip.decompress(wire).decode("utf-8") == answer.text
