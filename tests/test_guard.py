"""The query guard: updates and SERVICE are refused; the same words quoted or named are not."""

from __future__ import annotations

import pytest

from nscn_graph.errors import Forbidden, QueryTooComplex
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


# -- bounds on the lexer's tokens: refused with 400 before the engine sees the query ----------

TOO_COMPLEX = {
    "nested-groups": ("SELECT * WHERE " + "{" * 20_000 + "}" * 20_000, "levels of nested"),
    "nested-parentheses": ("ASK { FILTER(" + "(" * 300 + "1" + ")" * 300 + ") }", "levels"),
    # with no spaces `<(((…)))>` also lexes as an IRI: it counts from where it stands
    "comparison-chain": ("ASK { FILTER(1<" + "(" * 30_000 + "1" + ")" * 30_000 + ">0) }", "levels"),
    "comparison-chain-spaced": (
        "ASK { FILTER(1 < " + "(" * 30_000 + "1" + ")" * 30_000 + " > 0) }",
        "levels",
    ),
    "plus-chain": ("ASK { FILTER(1" + "+1" * 10_000 + " > 0) }", "operators"),
    "not-chain": ("ASK { FILTER(" + "!" * 10_000 + "true) }", "operators"),
    "path-chain": ("ASK { ?s " + "/".join(["<http://e/p>"] * 3_000) + " ?o }", "operators"),
    "union-branches": ("ASK { " + " UNION ".join(["{ ?s ?p ?o }"] * 10_000) + " }", "UNION"),
    "optionals": ("ASK { ?s ?p ?o " + "OPTIONAL { ?s ?p ?x } " * 300 + "}", "OPTIONAL"),
    "sibling-groups": ("ASK { " + "{ } " * 1_200 + "}", "groups"),
    "tokens": ("SELECT * { VALUES ?x { " + "1 " * 60_000 + "} }", "tokens"),
    # `1<1+1…>0` also lexes as an IRI: in an expression its operators count
    "plus-chain-as-iri": ("ASK { FILTER(1<1" + "+1" * 5_000 + ">0) }", "operators"),
    "division-chain-as-iri": ("ASK { FILTER(1<a:1" + "/1" * 5_000 + ">0) }", "operators"),
    "escaped-name-hides-no-bracket": ("ASK { ?s ex:a\\#" + "(" * 300 + " }", "levels"),
}


@pytest.mark.parametrize(("query", "says"), TOO_COMPLEX.values(), ids=TOO_COMPLEX.keys())
def test_too_complex_is_refused_naming_the_limit(query, says):
    with pytest.raises(QueryTooComplex) as caught:
        guard.check(query)
    error = caught.value
    assert error.status == 400 and says in error.detail and "limit" in error.detail
    assert error.line == 1 and error.column >= 1


WITHIN_BOUNDS = {
    "nested-200": "ASK {" + "{" * 200 + "}" * 200 + "}",
    "brackets-in-a-string": "ASK { FILTER('" + "(" * 300 + "') }",
    "brackets-in-a-comment": "ASK { } # " + "(" * 300,
    "brackets-in-an-iri": "ASK { <http://e/a_(b)> ?p ?o }",
    "closing-brackets-in-iris": "ASK { " + "<http://e/))))> ?p ?o . " * 100 + "}",
    "negative-numbers": "SELECT * { VALUES ?x { " + "-1 +2 " * 2_000 + "} }",
    "many-iris-in-an-expression": (
        "ASK { FILTER(?x IN (" + ", ".join(["<http://e/a-b/c?x=1&y=2>"] * 1_000) + ")) }"
    ),
    "sixty-optionals": "ASK { ?s ?p ?o " + "OPTIONAL { ?s ?p ?x } " * 60 + "}",
}


@pytest.mark.parametrize("query", WITHIN_BOUNDS.values(), ids=WITHIN_BOUNDS.keys())
def test_within_bounds(query):
    guard.check(query)


# --- calls of functions a store does not evaluate --------------------------------------------

GEOF = "http://www.opengis.net/def/function/geosparql/"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
CALLS = {
    "prefixed": (f"PREFIX g: <{GEOF}>\nSELECT (g:buffer(?x) AS ?b) {{}}", [GEOF + "buffer"]),
    "full IRI": (f"ASK {{ FILTER(<{GEOF}distance>(?a, ?b, ?u) < 1) }}", [GEOF + "distance"]),
    "predeclared": ("SELECT (xsd:integer('1') AS ?i) {}", [XSD_INTEGER]),
    "redeclared": ("PREFIX xsd: <urn:x:>\nSELECT (xsd:f(1) AS ?i) {}", ["urn:x:f"]),
    "named, not called": (f"SELECT * {{ VALUES ?f {{ <{GEOF}buffer> }} }}", []),
    "in a comment": (f"SELECT * {{ # <{GEOF}buffer>(1)\n }}", []),
    "undeclared prefix": ("SELECT (nope:f(1) AS ?x) {}", []),
}


@pytest.mark.parametrize("query, expected", CALLS.values(), ids=CALLS.keys())
def test_function_calls_are_read_from_the_tokens(query, expected):
    from nscn_graph.namespaces import PREFIXES
    from nscn_graph.sparql.lexer import tokens

    found = [iri for iri, _ in guard.function_calls(list(tokens(query)), PREFIXES)]
    assert found == expected


def test_only_geosparql_functions_outside_the_set_are_refused():
    from nscn_graph.errors import BadRequest

    query = f"SELECT (<{GEOF}buffer>(?x) AS ?b) (<urn:x:f>(1) AS ?c) {{}}"
    assert guard.check(query) == "SELECT"  # no set: nothing checked
    assert guard.check(query, functions=frozenset({GEOF + "buffer"})) == "SELECT"
    with pytest.raises(BadRequest, match="geof:buffer") as caught:
        guard.check(query, functions=frozenset({GEOF + "distance"}))
    assert "geof:distance" in caught.value.detail and caught.value.column == 9
