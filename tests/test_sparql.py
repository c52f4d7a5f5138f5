"""``/sparql`` in-process (Flask's test client): SPARQL 1.1 Protocol, negotiation, errors,
read-only refusals and limits."""

from __future__ import annotations

import csv
import io
import json
import socket
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph.namespaces import PREFIXES

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

CITIES = "SELECT ?c WHERE { ?c a nscn:SmartCity } ORDER BY ?c"
AARHUS = "CONSTRUCT WHERE { city:aarhus ?p ?o }"


def cities_json(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [b["c"]["value"] for b in response.get_json(force=True)["results"]["bindings"]]


def aarhus_graph(app) -> rdflib.Graph:
    """What the store holds about Aarhus, as rdflib sees it."""
    store = app.extensions["nscn"].store
    result = store.query(AARHUS)
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(result, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.get_data(as_text=True)
    return body


# -- the three ways of sending a query -------------------------------------------------------


def test_get(client):
    response = client.get("/sparql", query_string={"query": CITIES})
    assert len(cities_json(response)) == 14
    assert response.mimetype == "application/sparql-results+json"
    assert "Accept" in response.headers["Vary"]


def test_post_form(client):
    response = client.post("/sparql", data={"query": CITIES})
    assert len(cities_json(response)) == 14


def test_post_direct_utf8_by_default(client):
    query = 'SELECT ?c WHERE { ?c rdfs:label "Tromsø"@en }'
    response = client.post("/sparql", data=query.encode("utf-8"), content_type=DIRECT)
    assert cities_json(response) == ["https://w3id.org/nscn/id/city/tromso"]


def test_post_direct_in_the_declared_charset(client):
    query = 'SELECT ?c WHERE { ?c rdfs:label "Tromsø"@en }'
    response = client.post(
        "/sparql", data=query.encode("latin-1"), content_type=DIRECT + "; charset=ISO-8859-1"
    )
    assert cities_json(response) == ["https://w3id.org/nscn/id/city/tromso"]


def test_post_direct_utf16_is_refused_as_the_w3c_tests_expect(client):
    response = client.post(
        "/sparql", data="ASK {}".encode("utf-16"), content_type=DIRECT + "; charset=UTF-16"
    )
    assert "UTF-8" in problem(response, 415)["detail"]


def test_post_direct_not_in_its_charset(client):
    response = client.post("/sparql", data=b"ASK { \xff }", content_type=DIRECT)
    problem(response, 400)


def test_head_has_no_body(client):
    response = client.head("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 200 and response.data == b""


# -- results chosen by Accept -----------------------------------------------------------------

SELECT_ACCEPT = {
    "none": (None, "application/sparql-results+json"),
    "any": ("*/*", "application/sparql-results+json"),
    "json": ("application/sparql-results+json", "application/sparql-results+json"),
    "plain-json": ("application/json", "application/sparql-results+json"),
    "xml": ("application/sparql-results+xml", "application/sparql-results+xml"),
    "csv": ("text/csv", "text/csv"),
    "tsv": ("text/tab-separated-values", "text/tab-separated-values"),
    "q-values": (
        "text/csv;q=0.5, application/sparql-results+xml",
        "application/sparql-results+xml",
    ),
    "q-values-low-json": (
        "application/sparql-results+json;q=0.1, text/tab-separated-values;q=0.9",
        "text/tab-separated-values",
    ),
    "xml-over-any": ("application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml"),
    "sparqlwrapper-json": (
        "application/sparql-results+json,application/json,text/javascript",
        "application/sparql-results+json",
    ),
}


@pytest.mark.parametrize(("accept", "expected"), SELECT_ACCEPT.values(), ids=SELECT_ACCEPT.keys())
def test_select_negotiation(client, accept, expected):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/sparql", query_string={"query": CITIES}, headers=headers)
    assert response.status_code == 200
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]
    text = response.get_data(as_text=True)
    if expected.endswith("json"):
        assert len(json.loads(text)["results"]["bindings"]) == 14
    elif expected.endswith("xml"):
        ns = "{http://www.w3.org/2005/sparql-results#}"
        assert len(ET.fromstring(text).findall(f"{ns}results/{ns}result")) == 14
    else:
        delimiter = "," if expected == "text/csv" else "\t"
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
        assert len(rows) == 15  # header and 14 cities


def test_ask(client):
    for accept, true in (
        ("application/sparql-results+json", '"boolean":true'),
        ("application/sparql-results+xml", "<boolean>true</boolean>"),
    ):
        response = client.get(
            "/sparql",
            query_string={"query": "ASK { city:aarhus a nscn:SmartCity }"},
            headers={"Accept": accept},
        )
        assert true in response.get_data(as_text=True)


GRAPH_ACCEPT = {
    "none": (None, "text/turtle", "turtle"),
    "any": ("*/*", "text/turtle", "turtle"),
    "turtle": ("text/turtle", "text/turtle", "turtle"),
    "json-ld": ("application/ld+json", "application/ld+json", "json-ld"),
    "n-triples": ("application/n-triples", "application/n-triples", "nt"),
    "rdf-xml": ("application/rdf+xml", "application/rdf+xml", "xml"),
    "q-values": (
        "text/turtle;q=0.2, application/rdf+xml;q=0.9, */*;q=0.1",
        "application/rdf+xml",
        "xml",
    ),
    "turtle-over-any": ("text/turtle;q=0.9, */*;q=0.8", "text/turtle", "turtle"),
}


@pytest.mark.parametrize(
    ("accept", "expected", "parser"), GRAPH_ACCEPT.values(), ids=GRAPH_ACCEPT.keys()
)
@pytest.mark.parametrize("form", ["construct", "describe"])
def test_graph_negotiation(app, client, accept, expected, parser, form):
    headers = {"Accept": accept} if accept else {}
    query = AARHUS if form == "construct" else "DESCRIBE city:aarhus"
    response = client.get("/sparql", query_string={"query": query}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == expected
    assert "Accept" in response.headers["Vary"]
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format=parser)
    if form == "construct":
        assert isomorphic(graph, aarhus_graph(app))
    else:
        assert (rdflib.URIRef(PREFIXES["city"] + "aarhus"), None, None) in graph


def test_a_browser_following_a_query_link_gets_the_editor(client):
    query = "SELECT ?c WHERE { ?c a nscn:SmartCity } # </script><script>alert(1)</script>"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    page = response.get_data(as_text=True)
    assert "SELECT ?c WHERE { ?c a nscn:SmartCity }" in page
    assert "<script>alert(1)</script>" not in page  # escaped, not reflected as markup


def test_a_browser_following_an_update_link_is_refused(client):
    response = client.get(
        "/sparql", query_string={"query": "DROP ALL"}, headers={"Accept": BROWSER}
    )
    assert response.status_code == 403 and response.mimetype == "text/html"


def test_never_n_quads_unasked(client):
    response = client.get("/sparql", query_string={"query": AARHUS}, headers={"Accept": "*/*"})
    assert response.mimetype != "application/n-quads"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (CITIES, "image/png"),
        (CITIES, "text/turtle"),  # a graph format for a SELECT
        (AARHUS, "text/csv"),  # a results format for a CONSTRUCT
    ],
    ids=["nothing-offered", "select-as-turtle", "construct-as-csv"],
)
def test_not_acceptable_lists_what_is_offered(client, query, accept):
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    body = problem(response, 406)
    assert "application/sparql-results+json" in body["detail"] or "text/turtle" in body["detail"]
    assert "Accept" in response.headers["Vary"]


# -- datasets: protocol graph parameters, FROM; nothing is fetched ----------------------------


def test_unknown_default_graph_is_empty(client):
    response = client.get(
        "/sparql",
        query_string={"query": CITIES, "default-graph-uri": "http://example.org/not-here"},
    )
    assert cities_json(response) == []


def test_from_an_unknown_graph_is_empty(client):
    query = "SELECT ?c FROM <http://127.0.0.1:9/data.ttl> WHERE { ?c a nscn:SmartCity }"
    assert cities_json(client.get("/sparql", query_string={"query": query})) == []


def test_named_graph_parameter(client):
    response = client.post(
        "/sparql",
        data={
            "query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
            "named-graph-uri": "http://example.org/g",
        },
    )
    assert response.get_json(force=True)["results"]["bindings"] == []


def test_graph_parameter_must_be_an_iri(client):
    response = client.get(
        "/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}
    )
    problem(response, 400)


# -- read-only --------------------------------------------------------------------------------

UPDATES = {
    "get-update": ("GET", {"update": "CLEAR ALL"}, None, None),
    "form-update": ("POST", None, {"update": "DROP ALL"}, None),
    "form-update-and-query": ("POST", None, {"update": "DROP ALL", "query": "ASK {}"}, None),
    "sparql-update-body": ("POST", None, b"DELETE WHERE { ?s ?p ?o }", "application/sparql-update"),
    "insert-as-query": ("GET", {"query": "INSERT DATA { city:x a nscn:City }"}, None, None),
    "delete-as-form-query": ("POST", None, {"query": "DELETE WHERE { ?s ?p ?o }"}, None),
    "load-as-direct-query": ("POST", None, b"LOAD <http://127.0.0.1:9/x.ttl>", DIRECT),
    "clear-as-query": ("GET", {"query": "CLEAR DEFAULT"}, None, None),
    "drop-as-query": ("GET", {"query": "DROP ALL"}, None, None),
}


@pytest.mark.parametrize(("method", "args", "body", "ctype"), UPDATES.values(), ids=UPDATES.keys())
def test_updates_are_refused_and_change_nothing(app, client, method, args, body, ctype):
    before = len(app.extensions["nscn"].store)
    response = client.open(
        "/sparql", method=method, query_string=args, data=body, content_type=ctype
    )
    assert "read-only" in problem(response, 403)["detail"]
    assert len(app.extensions["nscn"].store) == before
    assert len(cities_json(client.get("/sparql", query_string={"query": CITIES}))) == 14


@pytest.fixture()
def listener():
    """A loopback port that records whether anyone connects to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.3)
    yield sock
    sock.close()


def assert_no_connection(sock: socket.socket) -> None:
    with pytest.raises(TimeoutError):
        conn, _ = sock.accept()
        conn.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
        "SELECT * WHERE {{ SERVICE SILENT <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}",
        "select * {{ service<http://127.0.0.1:{port}/>{{?s ?p ?o}} }}",
        "SELECT * {{ BIND(<http://127.0.0.1:{port}/> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
    ],
    ids=["service", "silent", "lower-case", "variable"],
)
def test_service_is_refused_and_nothing_is_fetched(client, listener, template):
    port = listener.getsockname()[1]
    response = client.get("/sparql", query_string={"query": template.format(port=port)})
    assert "SERVICE" in problem(response, 403)["detail"]
    assert_no_connection(listener)


def test_graph_parameters_fetch_nothing(client, listener):
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.ttl"
    response = client.get(
        "/sparql",
        query_string={
            "query": f"SELECT * FROM <{url}> FROM NAMED <{url}> WHERE {{ ?s ?p ?o }}",
            "default-graph-uri": url,
            "named-graph-uri": url,
        },
    )
    assert response.status_code == 200
    assert_no_connection(listener)


# -- errors -----------------------------------------------------------------------------------


def test_malformed_query_has_the_parsers_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n ?s ?p }"})
    body = problem(response, 400)
    assert body["line"] == 2 and body["column"] >= 1
    assert "parse" in body["detail"]


def test_malformed_query_is_a_page_for_browsers(client):
    """(A browser's GET opens the editor, which shows the parser's message; a form POST,
    as the editor's no-JavaScript form sends, gets the error page: the browser's Accept
    takes results through ``*/*``, and the error is a page.)"""
    response = client.post(
        "/sparql",
        data={"query": "SELECT <script>alert(1)</script> WHERE {"},
        headers={"Accept": BROWSER},
    )
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


def test_post_form_without_query(client):
    response = client.post("/sparql", data={"default-graph-uri": "http://e/g"})
    assert "query" in problem(response, 400)["detail"]


def test_two_queries(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    problem(response, 400)


@pytest.mark.parametrize(
    ("body", "ctype"),
    [(b"ASK {}", "text/plain"), (b"ASK {}", None), (b"query=ASK%20%7B%7D", None)],
    ids=["text-plain", "no-type-direct", "no-type-form"],
)
def test_unsupported_media_type(client, body, ctype):
    response = client.post("/sparql", data=body, content_type=ctype)
    problem(response, 415)


def test_method_not_allowed(client):
    response = client.put("/sparql?query=ASK%20%7B%7D")
    assert response.status_code == 405


def test_empty_query(client):
    problem(client.get("/sparql", query_string={"query": "  "}), 400)


# -- limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize("ctype", [FORM, DIRECT])
def test_a_2mb_body_is_too_large(client, ctype):
    body = b"query=" + b"a" * 2_000_000 if ctype == FORM else b"#" * 2_000_000
    response = client.post("/sparql", data=body, content_type=ctype)
    problem(response, 413)


def test_long_query_is_too_large():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True, "SPARQL_MAX_QUERY": 100})
    response = app.test_client().post("/sparql", data={"query": "ASK {}" + " " * 200})
    problem(response, 413)


def test_result_too_large():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True, "SPARQL_MAX_RESULT": 1000})
    client = app.test_client()
    problem(client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"}), 422)
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200


# -- cross-origin use -------------------------------------------------------------------------


def test_cors_on_answers_and_errors(client):
    ok = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Origin": "https://x"})
    assert ok.headers["Access-Control-Allow-Origin"] == "*"
    bad = client.get("/sparql", query_string={"query": "ASK {"}, headers={"Origin": "https://x"})
    assert bad.status_code == 400 and bad.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(client):
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://yasgui.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()


# -- hostile input ----------------------------------------------------------------------------


def test_a_bug_in_a_worker_is_a_generic_500(monkeypatch, caplog):
    from nscn_graph.sparql import pool
    from nscn_graph.web import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(pool, "evaluate", broken)  # the worker is forked after this
    app = create_app({"TESTING": False})
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    body = problem(response, 500)
    assert "secret" not in response.get_data(as_text=True)
    assert body["detail"] == "The server failed to answer this request; the error was logged."
    assert any("unhandled error" in r.message for r in caplog.records)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000,
        "ASK { FILTER(" + "(" * 20_000 + "1" + ")" * 20_000 + ") }",
        "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * 5_000) + " ?o }",
        "ASK { " + "'" * 5_000 + " }",
    ],
    ids=["nested-groups", "nested-parentheses", "long-path", "quotes"],
)
def test_pathological_queries_get_an_answer_and_the_server_goes_on(query):
    from nscn_graph.web import create_app

    client = create_app({"TESTING": True, "SPARQL_TIMEOUT": 2}).test_client()
    problem(client.post("/sparql", data={"query": query}), 400)  # refused, never a crash
    assert cities_json(client.get("/sparql", query_string={"query": CITIES}))


def test_deep_nesting_is_refused_before_parsing(client):
    query = "SELECT * WHERE " + "{" * 20_000 + "}" * 20_000
    body = problem(client.post("/sparql", data={"query": query}), 400)
    assert "levels of nested groups" in body["detail"] and body["line"] == 1


@pytest.mark.parametrize(
    "path", ["/sparql/", "/sparql/../health", "//sparql", "/sparql%00", "/SPARQL", "/sparql;x"]
)
def test_path_tricks(client, path):
    response = client.get(path, query_string={"query": "ASK {}"})
    assert response.status_code in (200, 301, 308, 404), (path, response.status_code)
    assert "Traceback" not in response.get_data(as_text=True)


def test_bad_percent_encoding_is_a_400(client):
    response = client.get("/sparql?query=SELECT%20*%20%7B%ff%zz%7D")
    problem(response, 400)


# -- relative IRIs, charsets, readable errors ------------------------------------------------


def test_relative_iris_resolve_against_the_base_w3c_query_content_type_construct(client):
    """W3C SPARQL 1.1 Protocol test ``query_content_type_construct``."""
    response = client.post(
        "/sparql",
        data=b"CONSTRUCT { <s> <p> 1 } WHERE {}",
        content_type=DIRECT,
        headers={"Accept": "text/turtle"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    expected = rdflib.Graph().parse(
        data="<https://w3id.org/nscn/s> <https://w3id.org/nscn/p> 1 .", format="turtle"
    )
    assert isomorphic(rdflib.Graph().parse(data=response.get_data(as_text=True)), expected)
    ask = client.get("/sparql", query_string={"query": "ASK { <id/city/oslo> ?p ?o }"})
    assert ask.get_json(force=True)["boolean"] is True


@pytest.mark.parametrize("charset", ["rot13", "base64", "zlib", "no-such-charset"])
def test_a_charset_that_is_not_a_text_encoding_is_415(client, charset):
    response = client.post(
        "/sparql", data=b"ASK {}", content_type=f"{DIRECT}; charset={charset}"
    )
    assert "UTF-8" in problem(response, 415)["detail"]


def test_an_undeclared_prefix_is_named_with_the_predeclared_ones(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s foo:bar ?o }"})
    body = problem(response, 400)
    assert body["detail"].startswith("the prefix foo: is not declared (line 1, column 21)")
    assert "nscn:" in body["detail"] and "city:" in body["detail"]
    assert (body["line"], body["column"]) == (1, 21)
    assert "u{" not in body["detail"] and len(body["detail"]) < 400


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("SELECT * WHERE { ?s ?p ?o } LIMIT x", "found `x`"),
        ("SELECT * WHERE { ?s ?p ?o", "found the end of the query"),
        ('SELECT * WHERE { ?s ?p "never closed }', "found the end of the query"),
    ],
    ids=["bad-limit", "unclosed-group", "unclosed-string"],
)
def test_parse_errors_are_short_with_line_and_column(client, query, found):
    body = problem(client.get("/sparql", query_string={"query": query}), 400)
    assert body["detail"].startswith("the query does not parse (line 1, column ")
    assert found in body["detail"] and body["line"] == 1 and body["column"] > 1
    assert "u{" not in body["detail"] and "'0'" not in body["detail"]
    assert len(body["detail"]) < 250


# -- bounds: refused with 400 before the engine, every store ------------------------------

TOO_COMPLEX = {
    "comparison-of-30000-parentheses": (
        "ASK { FILTER(1 < " + "(" * 30_000 + "1" + ")" * 30_000 + " > 0) }"
    ),
    "plus-chain": "ASK { FILTER(1" + "+1" * 20_000 + " > 0) }",
    "union-of-10000": "ASK { " + " UNION ".join(["{}"] * 10_000) + " }",
}


@pytest.mark.parametrize("query", TOO_COMPLEX.values(), ids=TOO_COMPLEX.keys())
def test_too_complex_is_a_400_naming_the_limit_and_the_server_goes_on(client, query):
    body = problem(client.post("/sparql", data={"query": query}), 400)
    assert "this endpoint's limit" in body["detail"] and body["line"] == 1
    assert body["title"] == "Query too complex"
    assert cities_json(client.get("/sparql", query_string={"query": CITIES}))


# -- memory -----------------------------------------------------------------------------------

DOUBLING = (
    "SELECT (STRLEN(?x26) AS ?n) WHERE { BIND('aaaaaaaaaaaaaaaa' AS ?x0) "
    + " ".join(f"BIND(CONCAT(?x{i}, ?x{i}) AS ?x{i + 1})" for i in range(26))
    + " }"
)


def _stores(tmp_path_factory) -> dict[str, str]:
    from nscn_graph import paths
    from nscn_graph.graph.load import load
    from nscn_graph.stores import write_persistent

    folder = tmp_path_factory.mktemp("persistent") / "store"
    write_persistent(load(paths.data_files(paths.ROOT)).triples(), folder)
    return {"memory": "memory", "persistent": f"oxigraph:{folder}"}


@pytest.fixture(scope="module", params=["memory", "persistent"])
def store_spec(request, tmp_path_factory):
    if not hasattr(request.module, "_STORES"):
        request.module._STORES = _stores(tmp_path_factory)
    return request.module._STORES[request.param]


def test_a_query_past_the_memory_limit_is_a_503_that_says_so(store_spec):
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True, "STORE": store_spec, "SPARQL_MEMORY_LIMIT": 64})
    client = app.test_client()
    body = problem(client.post("/sparql", data={"query": DOUBLING}), 503)
    assert "memory" in body["detail"] and "64 MB" in body["detail"]
    assert cities_json(client.get("/sparql", query_string={"query": CITIES}))


def test_every_store_stops_a_runaway_query_at_the_time_limit(store_spec):
    from nscn_graph.web import create_app

    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    app = create_app({"TESTING": True, "STORE": store_spec, "SPARQL_TIMEOUT": 1})
    client = app.test_client()
    body = problem(client.post("/sparql", data={"query": runaway}), 503)
    assert "limit of 1 seconds" in body["detail"]
    assert cities_json(client.get("/sparql", query_string={"query": CITIES}))
