"""``/metrics`` (``nscn_graph.web.metrics``): Prometheus text that moves when requests are made,
read with prometheus_client's own parser; not answered to other addresses; under ``serve``,
the counts of every worker added up. The JSON access log and the query log
(``nscn_graph.web.logs``) name the request id, client, route, status and bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest
import requests
from conftest import ROOT, free_port
from prometheus_client.parser import text_string_to_metric_families

from nscn_graph.web import create_app

RESULTS = {"Accept": "application/sparql-results+json"}


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) -> value."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: dict, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture()
def client():
    return create_app({"TESTING": True}).test_client()


def scrape(client) -> dict:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.mimetype == "text/plain"
    return samples(answer.get_data(as_text=True))


def test_requests_and_queries_move_the_counters(client):
    before = scrape(client)
    assert client.get("/doc/city/aarhus", headers={"Accept": "text/turtle"}).status_code == 200
    client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=RESULTS)
    client.get("/sparql", query_string={"query": "SELECT * WHERE {"}, headers=RESULTS)
    client.get("/no/such/path")
    after = scrape(client)
    page = {"route": "/doc/<path:name>", "method": "GET", "status": "200", "format": "turtle"}
    assert value(after, "nscn_http_requests_total", **page) == (
        value(before, "nscn_http_requests_total", **page) + 1
    )
    for outcome in ("ok", "400"):
        assert value(after, "nscn_sparql_queries_total", outcome=outcome) == (
            value(before, "nscn_sparql_queries_total", outcome=outcome) + 1
        )
    unknown = {"route": "unmatched", "method": "GET", "status": "404", "format": "problem"}
    assert value(after, "nscn_http_requests_total", **unknown) >= 1
    count = "nscn_http_request_duration_seconds_count"
    assert value(after, count, route="/sparql") == value(before, count, route="/sparql") + 2
    infos = [k for k in after if k[0] == "nscn_build_info"]
    assert infos and dict(infos[0][1])["store"] == "memory"


def test_a_query_past_its_time_limit_counts_a_timeout_and_a_worker_restart():
    client = create_app({"TESTING": True, "SPARQL_TIMEOUT": 0.5}).test_client()
    before = scrape(client)
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    answer = client.get("/sparql", query_string={"query": slow}, headers=RESULTS)
    assert answer.status_code == 503
    after = scrape(client)
    for name, labels in (
        ("nscn_sparql_queries_total", {"outcome": "timeout"}),
        ("nscn_query_worker_restarts_total", {"reason": "timeout"}),
    ):
        assert value(after, name, **labels) == value(before, name, **labels) + 1


def test_refusals_of_fair_use_are_counted_as_429():
    client = create_app({"TESTING": True, "FAIR_USE_QUERY_TIME": 0.000001}).test_client()
    before = scrape(client)
    for _ in range(2):
        client.get("/sparql", query_string={"query": "ASK {}"}, headers=RESULTS)
    after = scrape(client)
    assert value(after, "nscn_sparql_queries_total", outcome="429") == (
        value(before, "nscn_sparql_queries_total", outcome="429") + 1
    )


@pytest.mark.parametrize(
    "environ, headers",
    [
        ({"REMOTE_ADDR": "192.0.2.7"}, {}),
        ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "192.0.2.7"}),
    ],
    ids=["other-address", "forwarded-by-untrusted-proxy"],
)
def test_metrics_are_not_public(client, environ, headers):
    answer = client.get("/metrics", environ_base=environ, headers=headers)
    assert answer.status_code == 403
    assert "METRICS_ALLOW" in answer.get_json()["detail"]


def test_an_allowed_network_reads_them():
    app = create_app({"TESTING": True, "METRICS_ALLOW": "10.0.0.0/8"})
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/metrics").status_code == 403  # loopback is no longer in the list


def test_every_answer_has_a_request_id(client):
    first, second = client.get("/health"), client.get("/nothing")
    assert first.headers["X-Request-Id"] and second.headers["X-Request-Id"]
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    # a request id sent by a client that is not a trusted proxy is not taken
    sent = client.get("/health", headers={"X-Request-Id": "mine"})
    assert sent.headers["X-Request-Id"] != "mine"


@pytest.mark.http
def test_the_workers_counts_are_added_up_and_the_logs_are_json_lines(tmp_path):
    """Two workers: /metrics counts every request, whichever worker answered it or the
    scrape; the access log and the query log have one JSON object a line."""
    queries = tmp_path / "queries.jsonl"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nscn_graph.cli", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={
            **os.environ,
            "NSCN_ACCESS_LOG": str(tmp_path / "access.jsonl"),
            "NSCN_QUERY_LOG": str(queries),
            "NSCN_QUERY_LOG_TEXT": "true",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert time.monotonic() < deadline and process.poll() is None, "did not start"
            time.sleep(0.2)
        query = {"query": "ASK { ?s ?p ?o }"}
        for _ in range(20):  # new connections: both workers answer some
            assert requests.get(url + "/sparql", params=query, headers=RESULTS, timeout=30).ok
        found = samples(requests.get(url + "/metrics", timeout=30).text)
        assert value(found, "nscn_sparql_queries_total", outcome="ok") == 20
        labels = {"route": "/sparql", "method": "GET", "status": "200", "format": "json"}
        assert value(found, "nscn_http_requests_total", **labels) == 20
    finally:
        process.terminate()
        process.wait(timeout=30)
    lines = [json.loads(line) for line in (tmp_path / "access.jsonl").read_text().splitlines()]
    asked = [e for e in lines if e["route"] == "/sparql"]
    assert len(asked) == 20
    assert {e["status"] for e in asked} == {200} and all(e["bytes"] > 0 for e in asked)
    assert {e["client"] for e in asked} == {"127.0.0.1"}
    assert len({e["request_id"] for e in asked}) == 20
    logged = [json.loads(line) for line in queries.read_text().splitlines()]
    assert len(logged) == 20 and {e["outcome"] for e in logged} == {"ok"}
    assert {e["query"] for e in logged} == {query["query"]}
    assert len({e["hash"] for e in logged}) == 1
    assert {e["request_id"] for e in logged} == {e["request_id"] for e in asked}

