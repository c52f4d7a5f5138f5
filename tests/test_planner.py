"""Query shapes a persistent store answers from its build-time statistics and ordered indexes
(nscn_graph/planner.py): the same answers as pyoxigraph's evaluation, in the same order, and
everything else left to pyoxigraph."""

from __future__ import annotations

import random

import pyoxigraph as ox
import pytest

from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.stores.persistent import PersistentStore, write_persistent

EX = "https://example.org/"
N = 1500


def _graph():
    rng = random.Random(3)
    nn, lit = ox.NamedNode, ox.Literal
    a = nn("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    for i in range(N):
        s = nn(f"{EX}thing/{i:04d}")
        yield ox.Triple(s, a, nn(EX + ("Even" if i % 2 else "Odd")))
        value = lit(
            str(rng.randrange(100)), datatype=nn("http://www.w3.org/2001/XMLSchema#integer")
        )
        yield ox.Triple(s, nn(EX + "value"), value)  # many ties
        when = f"2025-01-{1 + i % 28:02d}T{rng.randrange(24):02d}:00:00Z"
        yield ox.Triple(
            s, nn(EX + "when"), lit(when, datatype=nn("http://www.w3.org/2001/XMLSchema#dateTime"))
        )
        yield ox.Triple(
            s, nn(EX + "label"), lit(f"thing {i % 700}", language="en" if i % 3 else "sv")
        )


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> PersistentStore:
    folder = tmp_path_factory.mktemp("planner") / "store"
    write_persistent(_graph(), folder)
    return PersistentStore(folder)


P = "PREFIX ex: <https://example.org/>\n"
PLANNED = {
    "count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "count-lower-case-no-where": "select (count(*) as ?x) { ?a ?b ?c . }",
    "classes": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    "classes-distinct-ordered": (
        "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) { ?s rdf:type ?c } GROUP BY ?c ORDER BY ?c"
    ),
    "page-asc": P + "SELECT ?s ?v WHERE { ?s ex:value ?v } ORDER BY ?v ?s LIMIT 20 OFFSET 30",
    "page-desc-desc": P + "SELECT ?v ?s { ?s ex:value ?v } ORDER BY DESC(?v) DESC(?s) LIMIT 15",
    "page-desc-asc-ties": (
        P + "SELECT ?s ?v { ?s ex:value ?v } ORDER BY DESC(?v) ?s OFFSET 37 LIMIT 25"
    ),
    "page-asc-desc-ties": (
        P + "SELECT ?s ?v { ?s ex:value ?v } ORDER BY ASC(?v) DESC(?s) LIMIT 25 OFFSET 1490"
    ),
    "page-date-times": (
        P + "SELECT ?s ?t { ?s ex:when ?t } ORDER BY DESC(?t) ?s LIMIT 10 OFFSET 100"
    ),
    "page-labels-asc": P + "SELECT ?s ?l { ?s ex:label ?l } ORDER BY ?l ?s LIMIT 10 OFFSET 5",
    "comment-with-a-quote": (
        P + 'SELECT ?s ?v { ?s ex:value ?v } ORDER BY ?v ?s LIMIT 20 # "quoted"\n'
    ),
    "page-full-iri-prefix-declared": (
        "PREFIX e: <https://example.org/> SELECT ?s ?v { ?s e:value ?v } ORDER BY ?v ?s LIMIT 3"
    ),
}
NOT_PLANNED = {
    "same-variable-twice": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?s }",
    "count-with-filter": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(?o != 1) }",
    "count-distinct": "SELECT (COUNT(DISTINCT *) AS ?n) WHERE { ?s ?p ?o }",
    "order-not-total": P + "SELECT ?s ?v { ?s ex:value ?v } ORDER BY ?v LIMIT 20",
    "no-limit": P + "SELECT ?s ?v { ?s ex:value ?v } ORDER BY ?v ?s",
    "mixed-languages-mixed-directions": (
        P + "SELECT ?s ?l { ?s ex:label ?l } ORDER BY DESC(?l) ?s LIMIT 10"
    ),
    "not-indexed": "SELECT ?s ?c { ?s a ?c } ORDER BY ?c ?s LIMIT 10",
    "a-string": P + 'SELECT ?s ?v { ?s ex:value ?v FILTER(?v != "1") } ORDER BY ?v ?s LIMIT 2',
    "base": "BASE <https://example.org/> SELECT ?s ?v { ?s <value> ?v } ORDER BY ?v ?s LIMIT 2",
    "second-pattern": (P + "SELECT ?s ?v { ?s ex:value ?v ; a ex:Odd } ORDER BY ?v ?s LIMIT 20"),
}


def _rows(result):
    names = [v.value for v in result.variables]
    return [tuple(str(row[n]) for n in names) for row in result]


@pytest.mark.parametrize("name", PLANNED)
def test_planned_answers_equal_the_engines(store, name):
    query = PLANNED[name]
    planned = store.planner.answer(query, None)
    assert planned is not None, "this shape should be answered from the indexes"
    reference = EmbeddedStore(store.store).query(query)
    mine, theirs = _rows(planned), _rows(reference)
    if "GROUP BY" in query and "ORDER BY" not in query:
        mine, theirs = sorted(mine), sorted(theirs)
    assert [v.value for v in planned.variables] == [v.value for v in reference.variables]
    assert mine == theirs and mine


@pytest.mark.parametrize("name", NOT_PLANNED)
def test_other_shapes_are_left_to_the_engine(store, name):
    assert store.planner.answer(NOT_PLANNED[name], None) is None
    assert isinstance(store.query(NOT_PLANNED[name]), ox.QuerySolutions)


def test_the_store_uses_the_planner_only_without_a_dataset(store):
    query = PLANNED["count"]
    assert int(next(iter(store.query(query)))["n"].value) == 4 * N
    scoped = store.query(query, default_graph_uris=["https://example.org/g"])
    assert int(next(iter(scoped))["n"].value) == 0


def test_indexes_were_written_at_build_time(store):
    assert set(store.stats["ordered"]) == {EX + "value", EX + "when", EX + "label"}
    assert store.stats["ordered"][EX + "label"] is False  # two languages: ties not by text
    assert store.stats["type_counts"] == {EX + "Even": N // 2, EX + "Odd": N // 2}
