"""Cross-origin use (Fetch standard, CORS): every kind of answer carries the CORS headers, a
preflight works on every path, and a page on another origin can ``fetch()`` a document, the
catalogue and a dump in a real browser and read their bodies and exposed headers."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from nscn_graph.web import create_app
from nscn_graph.web.cors import EXPOSED

ORIGIN = {"Origin": "https://elsewhere.example"}
EXPOSED_NAMES = {"Link", "ETag", "Location", "Content-Location", "Retry-After"}


def dump_name(client) -> str:
    return client.get("/dumps/", headers={"Accept": "application/json"}).get_json()["dumps"][0][
        "file"
    ]


def assert_cors(response) -> None:
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert {name.strip() for name in exposed.split(",")} == EXPOSED_NAMES
    assert "Access-Control-Allow-Credentials" not in response.headers


#: (method, path, headers, status) for each kind of answer.
KINDS = {
    "document": ("GET", "/doc/city/aarhus", {"Accept": "application/ld+json"}, 200),
    "page": ("GET", "/doc/city/aarhus", {"Accept": "text/html"}, 200),
    "landing": ("GET", "/", {}, 200),
    "catalogue": ("GET", "/catalog", {}, 200),
    "void": ("GET", "/.well-known/void", {}, 200),
    "ontology": ("GET", "/ontology.ttl", {}, 200),
    "context": ("GET", "/context.jsonld", {}, 200),
    "health": ("GET", "/health", {}, 200),
    "sparql": ("GET", "/sparql?query=" + quote("ASK {}"), {}, 200),
    "sparql-post": ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, 200),
    "dump-list": ("GET", "/dumps/", {}, 200),
    "head": ("HEAD", "/doc/city/aarhus.ttl", {}, 200),
    "see-other": ("GET", "/id/city/aarhus", {}, 303),
    "moved": ("GET", "/id/city/kobenhavn", {}, 301),
    "bad-request": ("GET", "/sparql?query=" + quote("ASK {"), {}, 400),
    "not-found": ("GET", "/no/such/thing", {}, 404),
    "not-found-page": ("GET", "/doc/city/nowhere", {"Accept": "text/html"}, 404),
    "method-not-allowed": ("PUT", "/sparql", {}, 405),
    "not-acceptable": ("GET", "/catalog", {"Accept": "image/png"}, 406),
    "unsupported-type": ("POST", "/validate", {"Content-Type": "text/csv"}, 415),
}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_answer_allows_any_origin(client, kind):
    method, path, headers, status = KINDS[kind]
    data = b"ASK {}" if kind == "sparql-post" else b"a,b"
    response = client.open(path, method=method, headers={**ORIGIN, **headers}, data=data)
    assert response.status_code == status
    assert_cors(response)


def test_a_server_bug_allows_any_origin(monkeypatch):
    app = create_app({"TESTING": False})
    from nscn_graph.web import health

    monkeypatch.setattr(health, "published", lambda: 1 / 0)
    response = app.test_client().get("/health", headers=ORIGIN)
    assert response.status_code == 500
    assert_cors(response)


def test_not_modified_allows_any_origin(client):
    first = client.get("/doc/city/aarhus.ttl")
    again = client.get(
        "/doc/city/aarhus.ttl", headers={**ORIGIN, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert_cors(again)
    assert again.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_dumps_allow_any_origin(client, method):
    path = f"/dumps/{dump_name(client)}"
    response = client.open(path, method=method, headers=ORIGIN, buffered=True)
    assert response.status_code == 200
    assert_cors(response)
    conditional = client.open(
        path,
        method=method,
        headers={**ORIGIN, "If-None-Match": response.headers["ETag"]},
        buffered=True,
    )
    assert conditional.status_code == 304
    assert_cors(conditional)


PREFLIGHT = {
    **ORIGIN,
    "Access-Control-Request-Method": "GET",
    "Access-Control-Request-Headers": "accept, if-none-match",
}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/doc/city/aarhus", {"GET", "HEAD", "OPTIONS"}),
        ("/catalog", {"GET", "HEAD", "OPTIONS"}),
        ("/sparql", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/validate", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/dumps/nscn-graph-0.0.0.ttl", {"GET", "HEAD", "OPTIONS"}),
        ("/id/city/aarhus", {"GET", "HEAD", "OPTIONS"}),
        ("/no/such/thing", {"GET", "HEAD", "POST", "OPTIONS"}),  # its GET will be a 404
    ],
)
def test_preflight_on_every_path(client, path, methods):
    response = client.options(path, headers=PREFLIGHT)
    assert response.status_code == 204
    assert_cors(response)
    assert {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")} == (
        methods
    )
    assert response.headers["Access-Control-Allow-Headers"] == "accept, if-none-match"
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert response.get_data() == b""


def test_preflight_never_reflects_anything_but_header_names(client):
    response = client.options(
        "/catalog",
        headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-a, <script>alert(1)</script>"},
    )
    assert response.status_code == 204
    assert "Access-Control-Allow-Headers" not in response.headers


def test_plain_options_is_not_a_preflight(client):
    response = client.options("/catalog")
    assert response.status_code == 200
    assert "GET" in response.headers["Allow"]
    assert_cors(response)


def test_exposed_headers_are_the_contract():
    assert {name.strip() for name in EXPOSED.split(",")} == EXPOSED_NAMES


@pytest.mark.http
def test_cors_over_http(live_server):
    """gunicorn sends what the app says, for a file sent from disk and a redirect too."""
    listing = requests.get(live_server + "/dumps/", timeout=10).json()
    for url in (listing["dumps"][0]["url"], live_server + "/id/city/aarhus"):
        for method in ("GET", "HEAD"):
            response = requests.request(
                method, url, headers=ORIGIN, allow_redirects=False, timeout=30
            )
            assert response.status_code in (200, 303)
            assert_cors(response)
    preflight = requests.options(live_server + "/catalog", headers=PREFLIGHT, timeout=10)
    assert preflight.status_code == 204
    assert_cors(preflight)


# -- a page on another origin, in a real browser --------------------------------------------------

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)

#: Run in a page of the other origin: fetch three resources of the server, read what a script
#: may read (a body, an exposed header), and report it.
FETCHES = """async (server) => {
  const read = async (path, accept) => {
    const response = await fetch(server + path, {headers: accept ? {Accept: accept} : {}});
    return {
      status: response.status,
      type: response.type,
      body: (await response.text()).slice(0, 200000),
      link: response.headers.get("Link"),
      etag: response.headers.get("ETag"),
    };
  };
  return {
    document: await read("/doc/city/aarhus", "application/ld+json"),
    catalogue: await read("/catalog", "text/turtle"),
    dump: await read(DUMP, null),
    missing: await read("/doc/city/nowhere", "application/json"),
  };
}"""


@pytest.fixture(scope="module")
def other_origin() -> Iterator[str]:
    """A second local origin: a tiny static server on another loopback address and port."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            body = b"<!doctype html><title>elsewhere</title><p>another site</p>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
@pytest.mark.http
def test_a_page_on_another_origin_reads_documents_catalogue_and_dumps(live_server, other_origin):
    if CHROMIUM is None:
        pytest.skip("BROWSER TEST SKIPPED: Debian chromium not found; install it (make browser)")
    import rdflib
    from playwright.sync_api import sync_playwright

    dump = requests.get(live_server + "/dumps/", timeout=10).json()["dumps"]
    ttl = next(d["file"] for d in dump if d["file"].endswith(".ttl"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(other_origin + "/", wait_until="load")
            assert page.evaluate("location.origin") != live_server
            got = page.evaluate(FETCHES.replace("DUMP", repr(f"/dumps/{ttl}")), live_server)
        finally:
            browser.close()
    for name in ("document", "catalogue", "dump"):
        assert got[name]["status"] == 200 and got[name]["type"] == "cors", name
    document = rdflib.Graph().parse(data=got["document"]["body"], format="json-ld")
    assert (rdflib.URIRef("https://w3id.org/nscn/id/city/aarhus"), None, None) in document
    assert 'rel="alternate"' in got["document"]["link"]
    assert got["document"]["etag"]
    assert "dcat:Catalog" in got["catalogue"]["body"] and got["catalogue"]["etag"]
    assert "@prefix" in got["dump"]["body"] and got["dump"]["etag"]
    # an error is readable too: the script sees the problem details, not a network error
    assert got["missing"]["status"] == 404
    assert json.loads(got["missing"]["body"])["status"] == 404
    assert [e for e in errors if "404" not in e] == []  # the browser logs the 404, nothing else
