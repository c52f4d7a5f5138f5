"""``/search``, ``/search/suggest`` and ``/opensearch.xml`` (nscn_graph.web.search): the JSON and
HTML answers, the OpenSearch formats, bad input, and the same answers over every store."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from nscn_graph import paths
from nscn_graph.stores import write_persistent
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.web import create_app

CITY = "https://w3id.org/nscn/id/city/"
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"


def test_json_answer_has_the_documented_shape(client):
    response = client.get("/search?q=tromso", headers=JSON)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "Accept" in response.vary and "Accept-Language" in response.vary
    assert response.headers["ETag"] and "max-age" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["query"] == "tromso"
    first = body["results"][0]
    assert set(first) >= {"id", "label", "type", "score", "url", "snippet"}
    assert first["id"] == CITY + "tromso"
    assert first["label"] == "Tromsø"
    assert first["type"] == "https://w3id.org/nscn/ontology#SmartCity"
    assert first["url"] == "http://localhost/doc/city/tromso"
    assert isinstance(first["score"], float)
    assert [r["score"] for r in body["results"]] == sorted(
        (r["score"] for r in body["results"]), reverse=True
    )
    assert "did_you_mean" not in body


def test_the_sparql_link_runs_the_same_search(client):
    body = client.get("/search?q=kobenhavn&type=city", headers=JSON).get_json()
    link = urlsplit(body["sparql"])
    assert link.path == "/sparql"
    query = parse_qs(link.query)["query"][0]
    answer = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert answer.status_code == 200
    things = {b["thing"]["value"] for b in answer.get_json()["results"]["bindings"]}
    assert things == {CITY + "copenhagen"}


def test_the_label_is_in_the_askers_language(client):
    def label(language: str) -> str:
        headers = {**JSON, "Accept-Language": language}
        return client.get("/search?q=copenhagen&type=city", headers=headers).get_json()["results"][
            0
        ]["label"]

    assert label("da") == "København"
    assert label("en-GB,en;q=0.8") == "Copenhagen"
    assert label("fr") == "Copenhagen"  # English when the asker's language has none


def test_a_typo_says_did_you_mean(client):
    body = client.get("/search?q=helsinky", headers=JSON).get_json()
    assert body["did_you_mean"] == "helsinki"
    assert body["results"][0]["id"] == CITY + "helsinki"
    page = client.get("/search?q=helsinky", headers=HTML).get_data(as_text=True)
    assert "Did you mean" in page and "/search?q=helsinki" in page


def test_type_and_limit(client):
    body = client.get("/search?q=aarhus&type=lab&limit=2", headers=JSON).get_json()
    assert 0 < len(body["results"]) <= 2
    assert all(r["kind"] == "lab" for r in body["results"])


def test_browsers_get_a_results_page(client):
    response = client.get("/search?q=aarhus+city+lab", headers=HTML)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'href="/doc/lab/aarhus-city-lab"' in page
    assert "<mark>" in page
    assert "/sparql?query=" in page
    assert 'rel="alternate"; type="application/json"' in response.headers["Link"]
    assert 'value="aarhus city lab"' in page  # the header box keeps the words


def test_request_text_is_escaped_in_the_page(client):
    page = client.get("/search?q=<b>tromso</b>", headers=HTML).get_data(as_text=True)
    assert "<b>tromso" not in page and "&lt;b&gt;tromso" in page


def test_every_page_has_the_search_box_and_the_opensearch_link(client):
    for path in ("/", "/doc/city/aarhus", "/sparql", "/search?q=bergen"):
        page = client.get(path, headers=HTML).get_data(as_text=True)
        assert 'role="search"' in page and 'name="q"' in page, path
        assert 'rel="search" type="application/opensearchdescription+xml"' in page, path
        assert 'src="/static/search-box.js"' in page, path


def test_nothing_acceptable_is_406(client):
    response = client.get("/search?q=aarhus", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "give some words"),
        ("q=", "give some words"),
        ("q=" + "a" * 10_000, "at most 200"),
        ("q=%22", "no letters or digits"),
        ("q=*", "no letters or digits"),
        ("q=-%3A%5E", "no letters or digits"),
        ("q=%22tromso%22+NEAR+bergen", "no operators"),
        ("q=tromso+OR+bergen", "no operators"),
        ("q=aarhus&type=nothing", "type= is one of"),
        ("q=aarhus&limit=100000", "from 1 to 100"),
        ("q=aarhus&limit=x", "from 1 to 100"),
    ],
    ids=[
        "none",
        "empty",
        "10kB",
        "quote",
        "star",
        "punctuation",
        "near",
        "or",
        "type",
        "limit-big",
        "limit-text",
    ],
)
@pytest.mark.parametrize("path", ["/search", "/search/suggest"])
def test_bad_input_is_a_400_problem(client, path, query, message):
    response = client.get(f"{path}?{query}", headers=JSON)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 400 and message in problem["detail"]


def test_bad_input_from_a_browser_is_a_page(client):
    response = client.get("/search?q=%22", headers=HTML)
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "no letters or digits" in response.get_data(as_text=True)


def test_suggest_is_opensearch_suggestions_json(client):
    response = client.get("/search/suggest?q=tro")
    assert response.status_code == 200
    assert response.mimetype == "application/x-suggestions+json"
    prefix, labels, kinds, iris = response.get_json(force=True)
    assert prefix == "tro"
    assert len(labels) == len(kinds) == len(iris) <= 10
    assert labels[0] == "Tromsø" and iris[0] == CITY + "tromso"
    assert kinds[0] == "Smart city"
    assert "Trondheim" in labels


def test_suggest_offers_the_name_that_was_typed(client):
    _, labels, _, iris = client.get("/search/suggest?q=helsingf").get_json(force=True)
    assert labels[0] == "Helsingfors" and iris[0] == CITY + "helsinki"
    _, labels, _, _ = client.get(
        "/search/suggest?q=kob", headers={"Accept-Language": "en"}
    ).get_json(force=True)
    assert "København" in labels


def test_opensearch_description_parses(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/opensearchdescription+xml"
    root = ET.fromstring(response.data)
    assert root.tag == OPENSEARCH + "OpenSearchDescription"
    assert len(root.find(OPENSEARCH + "ShortName").text) <= 16
    urls = {u.get("type"): u.get("template") for u in root.findall(OPENSEARCH + "Url")}
    assert urls["text/html"] == "http://localhost/search?q={searchTerms}"
    assert urls["application/x-suggestions+json"] == (
        "http://localhost/search/suggest?q={searchTerms}"
    )


# --- every store -----------------------------------------------------------------------------


def _answers(client) -> dict[str, str]:
    out = {}
    for query in ("tromso", "kobenhavn", "helsingfors", "arhus", "helsinky"):
        body = client.get(f"/search?q={query}", headers=JSON).get_json()
        out[query] = body["results"][0]["id"]
    return out


EXPECTED = {
    "tromso": CITY + "tromso",
    "kobenhavn": CITY + "copenhagen",
    "helsingfors": CITY + "helsinki",
    "arhus": CITY + "aarhus",
    "helsinky": CITY + "helsinki",
}


def test_search_over_the_persistent_store(tmp_path):
    folder = tmp_path / "store"
    write_persistent(EmbeddedStore.from_files(paths.data_files()).triples(), folder)
    app = create_app(
        {"TESTING": True, "STORE": f"oxigraph:{folder}", "DIST": str(tmp_path / "dist")}
    )
    assert (tmp_path / "dist" / "search.sqlite").is_file()  # built once, at start-up
    assert _answers(app.test_client()) == EXPECTED


def test_the_build_writes_the_index_next_to_the_dumps(cli, tmp_path):
    result = cli("build", "--out", str(tmp_path))
    assert result.code == 0, result.err
    assert (tmp_path / "search.sqlite").is_file()
    app = create_app({"TESTING": True, "DIST": str(tmp_path)})
    before = (tmp_path / "search.sqlite").stat().st_mtime_ns
    assert _answers(app.test_client()) == EXPECTED
    assert (tmp_path / "search.sqlite").stat().st_mtime_ns == before  # read, not rebuilt


@pytest.mark.stores
def test_search_over_a_remote_store(tmp_path_factory, tmp_path):
    import storeservers
    from conftest import run_cli

    try:
        running = storeservers.start_oxigraph(tmp_path_factory.mktemp("oxigraph-search"))
    except FileNotFoundError as exc:
        pytest.skip(f"!!! OXIGRAPH SERVER MISSING: {exc} !!!")
    try:
        loaded = run_cli("load", "--store", running.spec, env={"NSCN_DIST": str(tmp_path)})
        assert loaded.code == 0, loaded.err
        index = tmp_path / "search.sqlite"
        # its data can change under the server (no data version): indexed at each start
        assert not index.exists()
        app = create_app({"TESTING": True, "STORE": running.spec, "DIST": str(tmp_path)})
        assert _answers(app.test_client()) == EXPECTED
        assert index.is_file()
        (tmp_path / "search.sqlite").unlink()
        app = create_app({"TESTING": True, "STORE": running.spec, "DIST": str(tmp_path)})
        assert index.is_file()  # missing: written at start-up
        assert _answers(app.test_client()) == EXPECTED
    finally:
        running.stop()


@pytest.mark.http
def test_search_over_http(live_server):
    response = requests.get(live_server + "/search?q=Troms%C3%B8", headers=JSON, timeout=10)
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == CITY + "tromso"
    page = requests.get(live_server + "/search?q=bergen", headers=HTML, timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert 'href="/doc/city/bergen"' in page.text
    suggest = requests.get(live_server + "/search/suggest?q=berg", timeout=10)
    assert suggest.headers["Content-Type"].startswith("application/x-suggestions+json")
    assert suggest.json()[1][0] == "Bergen"
    bad = requests.get(live_server + "/search?q=%2A", headers=JSON, timeout=10)
    assert bad.status_code == 400
    assert bad.headers["Content-Type"].startswith("application/problem+json")


def test_answers_revalidate_with_their_etag(client):
    first = client.get("/search?q=bergen", headers=JSON)
    again = client.get(
        "/search?q=bergen", headers={**JSON, "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and again.data == b""
    other = client.get("/search?q=bergen", headers={**JSON, "Accept-Language": "nb"})
    assert other.status_code == 200
    head = client.head("/search/suggest?q=berg")
    assert head.status_code == 200 and head.data == b""
