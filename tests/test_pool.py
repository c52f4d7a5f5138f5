"""Query worker processes: answers, typed errors, and queries stopped past the time limit."""

from __future__ import annotations

import os
import threading

import pyoxigraph as ox
import pytest

from nscn_graph import errors
from nscn_graph.namespaces import PREFIXES
from nscn_graph.sparql.pool import Job, QueryPool, WorkerBug, evaluate

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


@pytest.fixture()
def store(bundled):
    return bundled.store


@pytest.fixture()
def pool(store):
    pool = QueryPool(store, size=2, timeout=1.0, prefixes=PREFIXES, max_result_bytes=1_000_000)
    yield pool
    pool.close()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_answer_is_serialised_in_the_worker(pool):
    answer = pool.run(Job("ASK { city:oslo a nscn:SmartCity }", "json", "turtle"))
    assert answer.body == b'{"head":{},"boolean":true}'
    assert answer.format.name == "json"
    assert pool.pids() and all(pid != os.getpid() for pid in pool.pids())


def test_syntax_error_keeps_its_position(pool):
    with pytest.raises(errors.QuerySyntaxError) as caught:
        pool.run(Job("SELECT * WHERE {\n  ?s ?p }", "json", "turtle"))
    assert caught.value.line == 2 and caught.value.status == 400


def test_a_bug_in_the_worker_is_not_a_client_error(pool):
    with pytest.raises(WorkerBug):
        pool.run(Job("ASK {}", "no-such-format", None))
    assert pool.run(Job("ASK {}", "json", None)).body  # the worker still serves


def test_runaway_query_is_stopped_and_its_worker_replaced(pool):
    pool.run(Job("ASK {}", "json", None))
    (first,) = pool.pids()
    with pytest.raises(errors.QueryTimeout) as caught:
        pool.run(Job(RUNAWAY, "json", None))
    assert caught.value.status == 503
    assert int(caught.value.headers["Retry-After"]) >= 1
    assert not alive(first)
    assert pool.run(Job("ASK {}", "json", None)).body == b'{"head":{},"boolean":true}'
    assert first not in pool.pids()


def test_other_queries_are_answered_while_one_runs_away(pool):
    done: list[str] = []

    def runaway() -> None:
        try:
            pool.run(Job(RUNAWAY, "json", None))
        except errors.QueryTimeout:
            done.append("runaway stopped")

    thread = threading.Thread(target=runaway)
    thread.start()
    try:
        for _ in range(5):
            pool.run(Job("ASK { city:oslo ?p ?o }", "json", None))
        done.append("quick queries answered")
    finally:
        thread.join()
    assert done == ["quick queries answered", "runaway stopped"]


def test_pool_restarts_after_fork(pool):
    pool.run(Job("ASK {}", "json", None))
    pool._owner = -1  # as if this process were a fork of the one that started the workers
    pool.run(Job("ASK {}", "json", None))
    assert len(pool.pids()) == 1


def test_protocol_graphs_override_from():
    store = ox.Store()
    g1, g2 = ox.NamedNode("http://e/g1"), ox.NamedNode("http://e/g2")
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal("1"), g1))
    store.add(ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("2"), g2))
    query = "SELECT ?s FROM <http://e/g1> WHERE { ?s ?p ?o }"
    by_from = evaluate(store, Job(query, "csv", None), prefixes={}, max_result_bytes=10_000)
    assert by_from.body.split() == [b"s", b"http://e/a"]
    overridden = evaluate(
        store,
        Job(query, "csv", None, default_graph_uris=("http://e/g2",)),
        prefixes={},
        max_result_bytes=10_000,
    )
    assert overridden.body.split() == [b"s", b"http://e/b"]
    named = evaluate(
        store,
        Job("SELECT ?g WHERE { GRAPH ?g {} }", "csv", None, named_graph_uris=("http://e/g1",)),
        prefixes={},
        max_result_bytes=10_000,
    )
    assert named.body.split() == [b"g", b"http://e/g1"]


def test_workers_cannot_connect_even_past_the_guard(pool):
    """Defence in depth: the pool does not run the guard, yet SERVICE reaches nobody."""
    import socket

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        query = f"SELECT * {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}"
        pool.run(Job("ASK {}", "json", None))
        if not pool.isolated():
            pytest.skip("NO NETWORK ISOLATION: this kernel refuses user namespaces")
        answer = pool.run(Job(query, "json", None))
        assert b'"bindings":[{}]' in answer.body or b'"bindings":[]' in answer.body
        with pytest.raises(TimeoutError):
            listener.accept()[0].close()


@pytest.fixture()
def fast_pool(store):
    pool = QueryPool(
        store,
        size=2,
        timeout=1.0,
        prefixes=PREFIXES,
        max_result_bytes=1_000_000,
        fast_path=0.5,
    )
    yield pool
    pool.close()


def test_a_query_proven_fast_runs_in_the_thread(fast_pool):
    job = Job("SELECT ?c WHERE { ?c a nscn:SmartCity }", "json", None)
    first = fast_pool.run(job)
    fast_pool.close()  # no worker left: the second run must not need one
    assert fast_pool.pids() == []
    assert fast_pool.run(job).body == first.body
    assert fast_pool.pids() == []


def test_a_runaway_query_is_never_proven_fast(fast_pool):
    for _ in range(2):
        with pytest.raises(errors.QueryTimeout):
            fast_pool.run(Job(RUNAWAY, "json", None))


def test_service_never_takes_the_fast_path(fast_pool):
    job = Job("SELECT * { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }", "json", None)
    fast_pool.run(job)
    fast_pool.run(job)
    assert len(fast_pool.pids()) >= 1 and not fast_pool._proven
