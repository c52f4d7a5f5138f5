"""Scoping a query to our graph in a remote store (nscn_graph/sparql/dataset.py)."""

from __future__ import annotations

import pytest

from nscn_graph.sparql.dataset import rewrite_from, scope_dataset

G, EMPTY = "https://w3id.org/nscn/graph", "https://w3id.org/nscn/graph#nothing"


@pytest.mark.parametrize(
    ("query", "expected", "found"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * FROM <urn:x> WHERE {}", f"SELECT * FROM <{EMPTY}> WHERE {{}}", True),
        ("ask from named ex:g {}", f"ask from named <{EMPTY}> {{}}", True),
        (
            "SELECT * FROM <urn:a> FROM NAMED <urn:b> {}",
            f"SELECT * FROM <{EMPTY}> FROM NAMED <{EMPTY}> {{}}",
            True,
        ),
        ('SELECT ("FROM <urn:x>" AS ?v) {}', 'SELECT ("FROM <urn:x>" AS ?v) {}', False),
        ("SELECT ?from { ?from ex:from ?o } # FROM <urn:x>\n", None, False),
        ("SELECT * { ?s <urn:from> from:x }", None, False),
        ("SELECT * { FILTER(?a < ?b && ?c > 1) } ", None, False),
        ("SELECT * FROM <urn:a#b> {}", f"SELECT * FROM <{EMPTY}> {{}}", True),
        ("SELECT (\"\"\"\nFROM <urn:x>\n\"\"\" AS ?v) {}", None, False),
        ("SELECT * { ?s ex:a\\#b ?o } # FROM <urn:x>", None, False),
    ],
    ids=[
        "none",
        "from",
        "from-named-prefixed",
        "both",
        "in-a-string",
        "variable-comment",
        "prefixed-names",
        "comparisons",
        "hash-in-iri",
        "in-a-long-string",
        "escaped-name-then-comment",
    ],
)
def test_from_is_rewritten_only_where_it_is_a_keyword(query, expected, found):
    assert rewrite_from(query, EMPTY) == (expected if expected is not None else query, found)


def test_without_from_the_protocol_sets_our_graph():
    assert scope_dataset("ASK {}", graph=G, empty=EMPTY)[1] == [
        ("default-graph-uri", G),
        ("named-graph-uri", EMPTY),
    ]


def test_graphs_a_client_names_hold_nothing_as_in_the_embedded_store():
    params = scope_dataset("ASK {}", graph=G, empty=EMPTY, default_graph_uris=[G, "urn:x"])[1]
    assert dict(params) == {"default-graph-uri": EMPTY, "named-graph-uri": EMPTY}
    assert scope_dataset("ASK FROM <urn:x> {}", graph=G, empty=EMPTY)[1] == []
