"""HTTP caching (RFC 9111; RFC 9110 §8.8.3 ETag, §13 conditional requests): ``/sparql`` GET
answers carry a validator known before the query runs, so ``If-None-Match`` is a 304 without
evaluating it again; every other cacheable answer has a validator and a ``Cache-Control``."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from nscn_graph.web import create_app
from nscn_graph.web.sparql import EXTENSION

CITIES = "SELECT ?city WHERE { ?city a nscn:SmartCity } ORDER BY ?city"
AARHUS = "CONSTRUCT WHERE { city:aarhus ?p ?o }"


class Counting:
    """Stands in for the query pool and counts the queries it is asked to run."""

    def __init__(self, runner) -> None:
        self.runner = runner
        self.runs = 0

    def run(self, job):
        self.runs += 1
        return self.runner.run(job)


@pytest.fixture()
def counted(app):
    counter = Counting(app.extensions[EXTENSION])
    app.extensions[EXTENSION] = counter
    return app.test_client(), counter


def _query(client, query=CITIES, **headers):
    return client.get("/sparql", query_string={"query": query}, headers=headers)


def test_an_answer_has_a_weak_etag_and_a_shared_cache_control(client):
    response = _query(client)
    assert response.status_code == 200
    etag = response.headers["ETag"]
    assert etag.startswith('W/"') and len(etag) > 20
    control = {part.strip() for part in response.headers["Cache-Control"].split(",")}
    assert "public" in control
    assert any(part.startswith("max-age=") and int(part[8:]) > 0 for part in control)
    assert "Accept" in response.vary


def test_if_none_match_is_304_without_running_the_query(counted):
    client, counter = counted
    first = _query(client)
    assert counter.runs == 1
    again = _query(client, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert counter.runs == 1  # not evaluated again
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert "Accept" in again.vary
    assert again.headers["Access-Control-Allow-Origin"] == "*"
    star = _query(client, **{"If-None-Match": "*"})
    assert star.status_code == 304 and counter.runs == 1


def test_a_validator_of_another_answer_gets_the_answer(counted):
    client, counter = counted
    response = _query(client, **{"If-None-Match": 'W/"0123456789abcdef", "other"'})
    assert response.status_code == 200 and counter.runs == 1
    assert response.get_json()["results"]["bindings"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"query": CITIES}, {"query": CITIES + " LIMIT 3"}),
        ({"query": CITIES}, {"query": CITIES, "format": "csv"}),
        ({"query": AARHUS}, {"query": AARHUS, "format": "ntriples"}),
        ({"query": CITIES}, {"query": CITIES, "default-graph-uri": "http://example.org/g"}),
        ({"query": CITIES}, {"query": CITIES, "named-graph-uri": "http://example.org/g"}),
    ],
    ids=["query", "format", "graph-format", "default-graph", "named-graph"],
)
def test_each_answer_has_its_own_validator(client, one, other):
    first = client.get("/sparql", query_string=one)
    second = client.get("/sparql", query_string=other)
    assert first.status_code == second.status_code == 200
    assert first.headers["ETag"] != second.headers["ETag"]
    stale = client.get(
        "/sparql", query_string=other, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert stale.status_code == 200


def test_the_same_answer_by_accept_or_by_format_has_one_validator(client):
    by_accept = _query(client, Accept="text/csv")
    by_name = client.get("/sparql", query_string={"query": CITIES, "format": "csv"})
    assert by_accept.headers["ETag"] == by_name.headers["ETag"]
    assert by_accept.data == by_name.data


def test_other_data_has_other_validators(app, client, monkeypatch):
    first = _query(client)
    store = app.extensions["nscn"].store
    monkeypatch.setattr(store, "data_version", lambda: "another release of the data")
    second = _query(client, **{"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] != first.headers["ETag"]


def test_the_data_version_is_the_data_files(tmp_path):
    from nscn_graph import paths

    one = create_app({"TESTING": True}).extensions["nscn"].data_version
    assert one and one == create_app({"TESTING": True}).extensions["nscn"].data_version
    copy = tmp_path / "cities.trig"
    source = next(p for p in paths.data_files() if p.name.startswith("cit"))
    copy.write_bytes(source.read_bytes() + b"\n# edited\n")
    files = [str(copy if p == source else p) for p in paths.data_files()]
    edited = create_app({"TESTING": True, "DATA": files}).extensions["nscn"].data_version
    assert edited and edited != one


def test_without_a_data_identity_answers_are_revalidated_each_time(app, counted, monkeypatch):
    """A store whose data can change under the server (a remote one): no validator can be
    known before the query runs; the answer's own digest still saves the transfer."""
    client, counter = counted
    monkeypatch.setattr(app.extensions["nscn"].store, "data_version", lambda: None)
    first = _query(client)
    assert first.headers["Cache-Control"] == "no-cache"
    etag = first.headers["ETag"]
    again = _query(client, **{"If-None-Match": etag})
    assert again.status_code == 304 and counter.runs == 2


def test_head_has_the_validator_of_get(counted):
    client, counter = counted
    get = _query(client)
    head = client.head("/sparql", query_string={"query": CITIES})
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == get.headers["ETag"]
    again = client.head(
        "/sparql", query_string={"query": CITIES}, headers={"If-None-Match": get.headers["ETag"]}
    )
    assert again.status_code == 304 and counter.runs == 2


def test_post_answers_carry_no_validator(client):
    response = client.post("/sparql", data={"query": CITIES})
    assert response.status_code == 200
    assert "ETag" not in response.headers


def test_errors_carry_no_validator(client):
    response = _query(client, "SELECT * WHERE {")
    assert response.status_code == 400 and "ETag" not in response.headers


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/", "text/html"),
        ("/ontology", "text/turtle"),
        ("/shapes.html", None),
        ("/dumps/", "application/json"),
        ("/sparql", "text/turtle"),
        ("/sparql", "text/html"),
        ("/sparql?query=" + quote(CITIES), "text/html"),
        ("/doc/city/aarhus", "application/ld+json"),
        ("/catalog", "application/ld+json"),
        ("/context.jsonld", None),
    ],
)
def test_every_cacheable_answer_has_a_validator(client, path, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers.get("ETag") or response.headers.get("Last-Modified")
    assert response.headers["Cache-Control"]
    again = client.get(path, headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_answers_that_must_not_be_kept_are_not_validated(client):
    health = client.get("/health")
    assert health.headers["Cache-Control"] == "no-store" and "ETag" not in health.headers
