"""The query guard: updates and SERVICE are refused; the same words quoted or named are not."""

from __future__ import annotations

import pytest

from nscn_graph.errors import Forbidden
from nscn_graph.sparql import guard

REFUSED = {
    "insert-data": "INSERT DATA { <http://e/s> <http://e/p> 1 }",
    "delete-where": "delete where { ?s ?p ?o }",
    "modify": "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "load": "LOAD <http://example.org/data.ttl>",
    "clear": "CLEAR ALL",
    "drop": "DROP SILENT GRAPH <http://e/g>",
    "create": "CREATE GRAPH <http://e/g>",
    "add-move-copy": "ADD DEFAULT TO <http://e/g>",
    "update-after-prologue": "PREFIX ex: <http://e/>\nINSERT { ?s ex:p 1 } WHERE { ?s ?p ?o }",
    "service": "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
    "service-silent": "SELECT * { SERVICE SILENT <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "service-variable": "SELECT * { VALUES ?e { <http://x/> } SERVICE ?e { ?s ?p ?o } }",
    "service-lower-no-space": "select * {service<http://127.0.0.1:9/>{?s ?p ?o}}",
    "service-after-comment": "SELECT * { # a comment\n SERVICE <http://x/> { ?s ?p ?o } }",
    "service-after-string": "SELECT * { BIND('#' AS ?x) SERVICE <http://x/> { ?s ?p ?o } }",
    "service-after-long-string": 'SELECT * { BIND("""a"b""" AS ?x) SERVICE <http://x/> {} }',
    "service-after-less-than": "SELECT * { FILTER(?a<1) SERVICE <http://x/> { ?s ?p ?o } }",
}

ALLOWED = {
    "select": "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1",
    "keywords-in-strings": 'SELECT * { ?s ?p \'INSERT DATA SERVICE\' . ?s ?p """DROP\nALL""" }',
    "keywords-in-comment": "ASK { ?s ?p ?o } # SERVICE <http://x/> DELETE",
    "keywords-in-iris": "ASK { <http://e/SERVICE> <http://e/delete> <http://e/load#drop> }",
    "keywords-as-names": "SELECT ?insert ?service { ?insert ex:service ?delete . ?x service:y 1 }",
    "keywords-as-lang-tag-free": "SELECT * { ?s ?p 'x'@en-GB }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
}


@pytest.mark.parametrize("query", REFUSED.values(), ids=REFUSED.keys())
def test_refused(query):
    with pytest.raises(Forbidden) as caught:
        guard.check(query)
    assert caught.value.status == 403
    assert "read-only" in caught.value.detail or "SERVICE" in caught.value.detail


@pytest.mark.parametrize("query", ALLOWED.values(), ids=ALLOWED.keys())
def test_allowed(query):
    guard.check(query)


def test_an_update_says_the_endpoint_is_read_only():
    with pytest.raises(Forbidden, match="read-only"):
        guard.check("CLEAR DEFAULT")


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("PREFIX ex: <http://e/select> SELECT * {}", "SELECT"),
        ("# SELECT\nask {}", "ASK"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { { SELECT * { ?s ?p ?o } } }", "CONSTRUCT"),
        ("DESCRIBE <http://e/x>", "DESCRIBE"),
        ("nothing here", None),
    ],
)
def test_query_form(query, form):
    assert guard.query_form(query) == form


def test_deep_nesting_is_a_syntax_error():
    from nscn_graph.errors import QuerySyntaxError

    guard.check("ASK {" + "{" * 200 + "}" * 200 + "}")
    with pytest.raises(QuerySyntaxError, match="levels deep"):
        guard.check("ASK { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }")
    guard.check("ASK { FILTER('" + "(" * 300 + "') }")  # brackets in a string do not count
