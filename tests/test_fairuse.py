"""Fair use (``nscn_graph.web.fairuse``): a client past its share of answering time, or with too
many requests in progress, gets 429 with ``Retry-After`` and a problem document naming the
limit; other clients are answered as usual."""

from __future__ import annotations

import threading

import pytest
import requests
from conftest import serving
from requests.adapters import HTTPAdapter

from nscn_graph.web import create_app

RESULTS = {"Accept": "application/sparql-results+json"}
CHEAP = {"query": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"}
#: the whole graph crossed with itself three times: runs until the time limit stops it
SLOW = {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"}


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


@pytest.fixture()
def tight():
    """A server whose budget is spent by any one query."""
    return create_app({"TESTING": True, "FAIR_USE_QUERY_TIME": 0.000001}).test_client()


def _assert_refused(answer, limit: str) -> None:
    assert answer.status_code == 429
    assert int(answer.headers["Retry-After"]) >= 1
    assert answer.mimetype == "application/problem+json"
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    problem = answer.get_json()
    assert problem["status"] == 429 and problem["title"] == "Too many requests"
    assert "fair-use limit" in problem["detail"] and limit in problem["detail"]
    assert problem["limits"]["window_seconds"] == 60


def test_a_client_past_its_query_time_gets_429_and_another_does_not(tight):
    first = tight.get("/sparql", query_string=CHEAP, headers=RESULTS, **_from("127.0.0.2"))
    assert first.status_code == 200
    refused = tight.get("/sparql", query_string=CHEAP, headers=RESULTS, **_from("127.0.0.2"))
    _assert_refused(refused, "1e-06 s per 60 s")
    other = tight.get("/sparql", query_string=CHEAP, headers=RESULTS, **_from("127.0.0.3"))
    assert other.status_code == 200 and other.get_json()["results"]["bindings"]


def test_pages_are_not_metered(tight):
    tight.get("/sparql", query_string=CHEAP, headers=RESULTS, **_from("127.0.0.2"))
    assert tight.get("/sparql", query_string=CHEAP, **_from("127.0.0.2")).status_code == 429
    assert tight.get("/doc/city/aarhus", **_from("127.0.0.2")).status_code == 200
    assert tight.get("/health", **_from("127.0.0.2")).status_code == 200


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("get", "/search", {"query_string": {"q": "oslo"}}),
        ("get", "/search/suggest", {"query_string": {"q": "osl"}}),
        (
            "post",
            "/validate",
            {
                "data": b"<http://example.org/a> <http://example.org/b> 1 .",
                "headers": {"Content-Type": "text/turtle", "Accept": "application/json"},
            },
        ),
    ],
    ids=["search", "suggest", "validate"],
)
def test_search_and_validate_share_the_budget(tight, method, path, kwargs):
    first = getattr(tight, method)(path, **kwargs, **_from("127.0.0.2"))
    assert first.status_code == 200
    _assert_refused(getattr(tight, method)(path, **kwargs, **_from("127.0.0.2")), "per 60 s")
    assert getattr(tight, method)(path, **kwargs, **_from("127.0.0.3")).status_code == 200


def test_forwarded_addresses_count_only_from_trusted_proxies():
    app = create_app(
        {"TESTING": True, "FAIR_USE_QUERY_TIME": 0.000001, "TRUSTED_PROXIES": "127.0.0.9"}
    )
    client = app.test_client()

    def ask(peer: str, forwarded: str) -> int:
        headers = {**RESULTS, "X-Forwarded-For": forwarded}
        return client.get("/sparql", query_string=CHEAP, headers=headers, **_from(peer)).status_code

    # through the trusted proxy, each forwarded address is a client of its own
    assert ask("127.0.0.9", "192.0.2.1") == 200
    assert ask("127.0.0.9", "192.0.2.1") == 429
    assert ask("127.0.0.9", "192.0.2.2") == 200
    # the right-most address not a trusted proxy counts: the client cannot choose its own
    assert ask("127.0.0.9", "192.0.2.77, 192.0.2.1") == 429
    # from anyone else, the header is ignored: the peer is the client
    assert ask("127.0.0.4", "192.0.2.3") == 200
    assert ask("127.0.0.4", "192.0.2.4") == 429


def test_a_bad_trusted_proxy_setting_stops_start_up():
    from nscn_graph.errors import InputError

    with pytest.raises(InputError, match="TRUSTED_PROXIES"):
        create_app({"TESTING": True, "TRUSTED_PROXIES": "proxy.example.org"})


class _SourceAddress(HTTPAdapter):
    """Connections from one loopback address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", _SourceAddress(address))
    return session


@pytest.mark.http
def test_concurrent_queries_over_http_from_two_addresses():
    """A client with a query in progress and a limit of one at once is refused a second, at
    once and over real HTTP, across the server's two workers; another address is answered."""
    env = {"NSCN_FAIR_USE_CONCURRENCY": "1", "NSCN_SPARQL_TIMEOUT": "4"}
    with serving("--workers", "2", "--threads", "4", env=env) as url:
        busy, other = session_from("127.0.0.2"), session_from("127.0.0.3")
        slow: list[requests.Response] = []

        def run_slow() -> None:
            while True:  # until it is let in (a cheap query of its own may be in progress)
                answer = busy.get(url + "/sparql", params=SLOW, headers=RESULTS, timeout=30)
                if answer.status_code != 429:
                    slow.append(answer)
                    return

        thread = threading.Thread(target=run_slow)
        thread.start()
        try:
            refused = None
            second = session_from("127.0.0.2")
            while thread.is_alive():  # until the slow query is seen in progress
                answer = second.get(url + "/sparql", params=CHEAP, headers=RESULTS, timeout=30)
                if answer.status_code == 429:
                    refused = answer
                    break
            assert refused is not None, "the second query of 127.0.0.2 was never refused"
            assert int(refused.headers["Retry-After"]) >= 1
            assert "1 at once" in refused.json()["detail"]
            answered = other.get(url + "/sparql", params=CHEAP, headers=RESULTS, timeout=30)
            assert answered.status_code == 200 and answered.json()["results"]["bindings"]
        finally:
            thread.join(timeout=60)
        assert slow and slow[0].status_code == 503  # the slow one went on to its time limit
        # its time is charged: not yet over the 60 s budget, so the next query is answered
        assert second.get(url + "/sparql", params=CHEAP, headers=RESULTS, timeout=30).ok
