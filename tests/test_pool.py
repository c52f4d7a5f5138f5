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


# -- no special path: every query, every time, in a worker that can be stopped ---------------

SIBLINGS = {
    "count-star": "SELECT (COUNT(*) AS ?n) WHERE { ?s a nscn:SmartCity }",
    "count-variable": "SELECT (COUNT(?s) AS ?n) WHERE { ?s a nscn:SmartCity }",
    "limit-10": "SELECT ?s WHERE { ?s a nscn:SmartCity } ORDER BY ?s LIMIT 10",
    "limit-100": "SELECT ?s WHERE { ?s a nscn:SmartCity } ORDER BY ?s LIMIT 100 OFFSET 2",
}


@pytest.mark.parametrize("query", SIBLINGS.values(), ids=SIBLINGS.keys())
def test_every_run_of_every_spelling_is_answered_by_a_worker(pool, query):
    """The second run of a query takes the same path as the first: a worker (here a new one,
    because the first was stopped), never the calling thread."""
    job = Job(query, "json", None)
    first = pool.run(job)
    used = set(pool.pids())
    pool.close()  # no worker left: the next run must start one
    assert pool.pids() == []
    assert pool.run(job).body == first.body
    assert pool.pids() and not used & set(pool.pids())


@pytest.mark.parametrize("query", [RUNAWAY, RUNAWAY.replace("COUNT(*)", "COUNT(?a)")])
def test_a_runaway_query_is_stopped_every_time(pool, query):
    for _ in range(2):
        with pytest.raises(errors.QueryTimeout, match="limit of 1 seconds"):
            pool.run(Job(query, "json", None))


def test_relative_iris_resolve_against_the_base(store):
    pool = QueryPool(
        store,
        size=1,
        timeout=5,
        prefixes=PREFIXES,
        max_result_bytes=10_000,
        base_iri="https://w3id.org/nscn/",
    )
    try:
        answer = pool.run(Job("CONSTRUCT { <s> <p> 1 } WHERE {}", None, "n-triples"))
        assert answer.body.startswith(b"<https://w3id.org/nscn/s> <https://w3id.org/nscn/p> ")
        ask = pool.run(Job("ASK { <id/city/oslo> a nscn:SmartCity }", "json", None))
        assert ask.body == b'{"head":{},"boolean":true}'
    finally:
        pool.close()


# -- memory ----------------------------------------------------------------------------------

#: Grows steadily (tens of MB a second on the bundled data) until it is stopped.
GROWING = "SELECT (STRLEN(GROUP_CONCAT(STR(?s))) AS ?n) WHERE { ?s ?p ?o . ?a ?b ?c }"
#: Doubles a string 26 times: 1 GB at once.
DOUBLING = (
    "SELECT (STRLEN(?x26) AS ?n) WHERE { BIND('aaaaaaaaaaaaaaaa' AS ?x0) "
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(26))
    + " }"
)
LIMIT = 64 << 20


@pytest.fixture()
def small_pool(store):
    pool = QueryPool(
        store,
        size=1,
        timeout=20,
        prefixes=PREFIXES,
        max_result_bytes=1_000_000,
        memory_limit=LIMIT,
    )
    yield pool
    pool.close()


@pytest.mark.parametrize("query", [GROWING, DOUBLING], ids=["growing", "doubling"])
def test_a_query_past_the_memory_limit_says_so_and_the_next_is_answered(small_pool, query):
    small_pool.run(Job("ASK {}", "json", None))
    (first,) = small_pool.pids()
    with pytest.raises(errors.QueryOutOfMemory) as caught:
        small_pool.run(Job(query, "json", None))
    assert caught.value.status == 503
    assert "memory" in caught.value.detail and "64 MB" in caught.value.detail
    assert not alive(first)
    assert small_pool.run(Job("ASK {}", "json", None)).body == b'{"head":{},"boolean":true}'


def test_the_memory_watch_stops_a_worker_without_an_address_space_limit(
    small_pool, monkeypatch
):
    """The second line: where RLIMIT_AS cannot be set, the web thread's watch on the worker's
    memory stops it."""
    from nscn_graph.sparql import pool as pool_module

    monkeypatch.setattr(pool_module, "_limit_memory", lambda limit: None)  # forked after this
    with pytest.raises(errors.QueryOutOfMemory, match="64 MB"):
        small_pool.run(Job(GROWING, "json", None))
    assert small_pool.run(Job("ASK {}", "json", None)).body


def test_a_worker_that_keeps_much_memory_is_recycled(small_pool, monkeypatch):
    from nscn_graph.sparql import pool as pool_module

    small_pool.run(Job("ASK {}", "json", None))
    (first,) = small_pool.pids()
    monkeypatch.setattr(pool_module, "RECYCLE_SHARE", -1)  # any worker counts as grown
    small_pool.run(Job("SELECT * { ?s ?p ?o } LIMIT 5", "json", None))
    assert small_pool.pids() == [] and not alive(first)
    assert small_pool.run(Job("ASK {}", "json", None)).body


def test_an_idle_worker_that_died_is_replaced_before_the_next_query(pool):
    import signal

    pool.run(Job("ASK {}", "json", None))
    (first,) = pool.pids()
    os.kill(first, signal.SIGKILL)
    for _ in range(50):
        if not pool._workers[0].process.is_alive():
            break
        threading.Event().wait(0.05)
    assert pool.run(Job("ASK {}", "json", None)).body == b'{"head":{},"boolean":true}'
    assert first not in pool.pids()


def test_a_worker_that_crashes_on_a_query_is_a_503_and_replaced(pool):
    """The pool runs no guard: a query past the lexer's bounds crashes the engine's parser in
    the worker, never the web process."""
    deep = "ASK { FILTER(" + "(" * 50_000 + "1" + ")" * 50_000 + ") }"
    with pytest.raises(errors.QueryTimeout) as caught:
        pool.run(Job(deep, "json", None))
    assert caught.value.status == 503
    assert pool.run(Job("ASK {}", "json", None)).body
