"""Content negotiation (RFC 9110 §12.5): the pure function over a table of Accept headers, and
the same table against every negotiated route over the Flask test client, so that each route
holds the one rule: q-values, Turtle first, ``application/json`` to JSON-LD, ``Vary: Accept``,
``Link: rel="alternate"`` to the other forms, and 406 in one shape."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from nscn_graph import formats
from nscn_graph.web import create_app
from nscn_graph.web.negotiation import choose, error_format, requested

DOC = formats.DOCUMENT_FORMATS


def _offered(path: str) -> tuple[formats.Format, ...]:
    """What a route offers: a thing's document adds TriG and N-Quads (its records' graphs)."""
    return formats.THING_FORMATS if path.startswith("/doc/") else DOC
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


def accept(header: str | None) -> MIMEAccept:
    return parse_accept_header(header, MIMEAccept)


#: (Accept, form of a document) for every route that offers RDF and HTML.
DOCUMENT_TABLE = [
    pytest.param(None, "turtle", id="no-accept"),
    pytest.param("", "turtle", id="empty"),
    pytest.param("*/*", "turtle", id="anything"),
    pytest.param("text/turtle", "turtle", id="turtle"),
    pytest.param("application/x-turtle", "turtle", id="old-turtle-type"),
    pytest.param("application/ld+json", "json-ld", id="json-ld"),
    pytest.param("application/json", "json-ld", id="plain-json-is-json-ld"),
    pytest.param("application/json, text/turtle;q=0.5", "json-ld", id="json-over-turtle"),
    pytest.param("application/n-triples", "n-triples", id="n-triples"),
    pytest.param("text/plain", "n-triples", id="text-plain-is-n-triples"),
    pytest.param("application/rdf+xml", "rdf-xml", id="rdf-xml"),
    pytest.param("text/html", "html", id="html"),
    pytest.param(BROWSER, "html", id="firefox"),
    pytest.param("text/html;q=0.5, text/turtle", "turtle", id="q-prefers-turtle"),
    pytest.param("text/turtle;q=0.5, text/html", "html", id="q-prefers-html"),
    pytest.param("text/html, text/turtle", "turtle", id="tie-goes-to-turtle"),
    pytest.param("application/rdf+xml, application/ld+json", "json-ld", id="tie-order"),
    pytest.param("application/rdf+xml;q=1.0, */*;q=0.1", "rdf-xml", id="rdfxml-else-any"),
    pytest.param("application/*", "json-ld", id="application-wildcard"),
    pytest.param("text/*", "turtle", id="text-wildcard"),
    pytest.param("text/*;q=0.9, text/turtle;q=0.1", "html", id="specific-range-wins"),
    pytest.param("text/turtle;q=0, */*", "json-ld", id="q0-refuses"),
    pytest.param("application/ld+json;q=0.8, text/turtle;q=0.9", "turtle", id="q-order"),
    pytest.param("TEXT/Turtle", "turtle", id="case-insensitive"),
]

#: Accept headers that nothing on a document route satisfies.
REFUSED = [
    pytest.param("image/png", id="image"),
    pytest.param("text/csv", id="csv"),
    pytest.param("application/json;q=0, text/turtle;q=0, */*;q=0", id="all-q0"),
    pytest.param("text/turtle;q=0, text/html;q=0, application/*;q=0", id="all-refused"),
]


@pytest.mark.parametrize(("header", "expected"), DOCUMENT_TABLE)
def test_negotiation_table(header, expected):
    assert choose(accept(header), DOC).name == expected


@pytest.mark.parametrize("header", REFUSED)
def test_nothing_acceptable(header):
    assert choose(accept(header), DOC) is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [(BROWSER, "html"), ("application/json", "problem"), ("*/*", "problem"), (None, "problem")]
    + [("text/html", "html"), ("image/png", "problem")],
)
def test_errors_are_pages_for_browsers_only(header, expected):
    assert error_format(accept(header)).name == expected


@pytest.mark.parametrize(
    ("values", "table", "expected"),
    [
        (["csv"], formats.RESULT_FORMATS, "csv"),
        (["json"], formats.RESULT_FORMATS, "json"),
        (["json"], formats.RDF_FORMATS, "json-ld"),
        (["xml"], formats.RESULT_FORMATS, "xml"),
        (["xml"], formats.RDF_FORMATS, "rdf-xml"),
        (["TSV"], formats.RESULT_FORMATS, "tsv"),
        (["text/csv"], formats.RESULT_FORMATS, "csv"),
        (["text/csv; charset=utf-8"], formats.RESULT_FORMATS, "csv"),
        (["turtle"], formats.RDF_FORMATS, "turtle"),
        (["jsonld"], formats.RDF_FORMATS, "json-ld"),
        (["ntriples"], formats.RDF_FORMATS, "n-triples"),
        (["rdfxml"], formats.RDF_FORMATS, "rdf-xml"),
        # SPARQLWrapper repeats a name with the media type it stands for
        (["rdf+xml", "application/rdf+xml"], formats.RDF_FORMATS, "rdf-xml"),
        (["json-ld", "application/ld+json,application/x-json+ld"], formats.RDF_FORMATS, "json-ld"),
        (["nonsense", "tsv"], formats.RESULT_FORMATS, "tsv"),
    ],
)
def test_format_parameter_names(values, table, expected):
    assert requested(values, table).name == expected


@pytest.mark.parametrize(
    ("values", "table"),
    [(["turtle"], formats.RESULT_FORMATS), (["csv"], formats.RDF_FORMATS), (["png"], DOC)],
)
def test_format_parameter_that_names_nothing_offered(values, table):
    assert requested(values, table) is None


# -- the same table against every negotiated route ---------------------------------------------


@pytest.fixture(scope="module")
def client():
    """One app for the tables below (they only read): the table runs hundreds of requests."""
    return create_app({"TESTING": True}).test_client()


CITIES = "SELECT ?city WHERE { ?city a nscn:SmartCity } LIMIT 3"
AARHUS = "CONSTRUCT WHERE { city:aarhus ?p ?o }"

#: Routes that offer the RDF formats and HTML: (path, where the other forms are linked).
RDF_ROUTES = {
    "document": ("/doc/city/aarhus", "suffix"),
    "ontology": ("/ontology", "suffix"),
    "shapes": ("/shapes", "suffix"),
    "void": ("/.well-known/void", "same"),
    "dataset": ("/dataset", "same"),
    "catalog": ("/catalog", "same"),
    "service-description": ("/sparql", "same"),
    "construct": ("/sparql?query=" + quote(AARHUS), "format"),
}


def _get(client, path, header):
    return client.get(path, headers={"Accept": header} if header is not None else {})


def _problem(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def _alternates(response) -> dict[str, str]:
    """type → URL of the ``Link: rel="alternate"`` headers."""
    found = {}
    for link in response.headers.get("Link", "").split(", <"):
        if 'rel="alternate"' in link:
            url = link.split(">", 1)[0].lstrip("<")
            media = link.split('type="', 1)[1].split('"', 1)[0]
            found[media] = url
    return found


@pytest.mark.parametrize(("header", "expected"), DOCUMENT_TABLE)
@pytest.mark.parametrize("route", RDF_ROUTES, ids=list(RDF_ROUTES))
def test_every_rdf_route_negotiates_alike(client, route, header, expected):
    path, linked = RDF_ROUTES[route]
    if route == "construct" and expected == "html":
        expected = "html"  # a browser following a query link gets the editor
    response = _get(client, path, header)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    fmt = next(f for f in DOC if f.name == expected)
    assert response.mimetype == fmt.media_type
    assert "Accept" in response.vary
    links = _alternates(response)
    assert set(links) == {f.media_type for f in _offered(path) if f is not fmt}
    bare = path.split("?")[0]
    for other in _offered(path):
        if other is fmt:
            continue
        if linked == "suffix":
            assert links[other.media_type] == f"{bare}.{other.extension}"
        elif linked == "same":
            assert links[other.media_type] == bare
        else:
            assert links[other.media_type].endswith(f"format={other.name}")
    if linked == "suffix":
        assert response.headers["Content-Location"] == f"{bare}.{fmt.extension}"


@pytest.mark.parametrize("header", REFUSED)
@pytest.mark.parametrize("route", RDF_ROUTES, ids=list(RDF_ROUTES))
def test_every_rdf_route_refuses_alike(client, route, header):
    path, _ = RDF_ROUTES[route]
    response = _get(client, path, header)
    body = _problem(response, 406)
    offered = [f.media_type for f in _offered(path)]
    assert body["offered"] == offered
    assert body["detail"].startswith("None of the media types in Accept is offered here.")
    for media_type in offered:
        assert media_type in body["detail"]
    assert "Accept" in response.vary
    assert set(_alternates(response)) == set(offered)


#: Routes with forms of their own: (method, path, body, {Accept: expected media type}).
OTHER_ROUTES = {
    "select": (
        "GET",
        "/sparql?query=" + quote(CITIES),
        {
            None: "application/sparql-results+json",
            "*/*": "application/sparql-results+json",
            "application/json": "application/sparql-results+json",
            "application/xml": "application/sparql-results+xml",
            "text/csv;q=0.9, text/tab-separated-values": "text/tab-separated-values",
            BROWSER: "text/html",
        },
    ),
    "dumps-listing": (
        "GET",
        "/dumps/",
        {
            None: "application/json",
            "*/*": "application/json",
            "application/json": "application/json",
            BROWSER: "text/html",
            "application/json;q=0.5, text/html": "text/html",
        },
    ),
    "validate": (
        "POST",
        "/validate",
        {
            None: "text/turtle",
            "*/*": "text/turtle",
            "application/json": "application/json",
            "text/turtle;q=0.5, text/html": "text/html",
            BROWSER: "text/html",
        },
    ),
}
OTHER_CASES = [
    pytest.param(route, header, expected, id=f"{route}-{header or 'none'}")
    for route, (_, _, table) in OTHER_ROUTES.items()
    for header, expected in table.items()
]
VALID = b"@prefix ex: <http://example.org/> . ex:a ex:b ex:c ."


def _call(client, route, header):
    method, path, _ = OTHER_ROUTES[route]
    headers = {"Accept": header} if header is not None else {}
    if method == "POST":
        headers["Content-Type"] = "text/turtle"
        return client.post(path, data=VALID, headers=headers)
    return client.get(path, headers=headers)


@pytest.mark.parametrize(("route", "header", "expected"), OTHER_CASES)
def test_other_routes_negotiate(client, route, header, expected):
    response = _call(client, route, header)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize("route", OTHER_ROUTES)
def test_other_routes_refuse_in_the_one_shape(client, route):
    response = _call(client, route, "image/png")
    body = _problem(response, 406)
    assert body["detail"].startswith("None of the media types in Accept is offered here.")
    assert body["offered"] and all("/" in media for media in body["offered"])
    assert "Accept" in response.vary


@pytest.mark.parametrize("path", ["/no/such/thing", "/doc/city/nowhere", "/dumps/nothing"])
@pytest.mark.parametrize(
    ("header", "expected"),
    [(BROWSER, "text/html"), ("application/json", "application/problem+json")]
    + [(None, "application/problem+json"), ("image/png", "application/problem+json")],
)
def test_errors_negotiate_page_or_problem(client, path, header, expected):
    response = _get(client, path, header)
    assert response.status_code == 404
    assert response.mimetype == expected
    assert "Accept" in response.vary


@pytest.mark.parametrize("fmt", DOC, ids=lambda f: f.extension)
@pytest.mark.parametrize("path", ["/doc/city/aarhus", "/ontology", "/shapes"])
def test_suffix_overrides_accept(client, path, fmt):
    response = client.get(f"{path}.{fmt.extension}", headers={"Accept": "image/png"})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert "Accept" not in response.vary
    assert "Content-Location" not in response.headers
    assert set(_alternates(response)) == {f.media_type for f in _offered(path) if f is not fmt}


def test_html_pages_link_their_other_forms(client):
    page = client.get("/doc/city/aarhus", headers={"Accept": BROWSER}).get_data(as_text=True)
    for fmt in formats.RDF_FORMATS:
        assert f'type="{fmt.media_type}" href="/doc/city/aarhus.{fmt.extension}"' in page
    shapes = client.get("/shapes.html").get_data(as_text=True)
    for fmt in formats.RDF_FORMATS:
        assert f'href="/shapes.{fmt.extension}"' in shapes


# -- /sparql: format= / output= / results= over Accept (as Fuseki and Virtuoso) -----------------

FORMAT_CASES = [
    pytest.param(CITIES, {"format": "csv"}, "text/csv", id="csv"),
    pytest.param(CITIES, {"format": "tsv"}, "text/tab-separated-values", id="tsv"),
    pytest.param(CITIES, {"format": "xml"}, "application/sparql-results+xml", id="xml"),
    pytest.param(CITIES, {"format": "json"}, "application/sparql-results+json", id="json"),
    pytest.param(CITIES, {"output": "csv"}, "text/csv", id="output"),
    pytest.param(CITIES, {"results": "tsv"}, "text/tab-separated-values", id="results"),
    pytest.param(CITIES, {"format": "text/csv"}, "text/csv", id="media-type"),
    pytest.param(CITIES, {"format": "CSV"}, "text/csv", id="any-case"),
    pytest.param(AARHUS, {"format": "turtle"}, "text/turtle", id="turtle"),
    pytest.param(AARHUS, {"format": "jsonld"}, "application/ld+json", id="jsonld"),
    pytest.param(AARHUS, {"format": "json"}, "application/ld+json", id="json-for-a-graph"),
    pytest.param(AARHUS, {"format": "ntriples"}, "application/n-triples", id="ntriples"),
    pytest.param(AARHUS, {"format": "rdfxml"}, "application/rdf+xml", id="rdfxml"),
    pytest.param(AARHUS, {"format": "xml"}, "application/rdf+xml", id="xml-for-a-graph"),
]


@pytest.mark.parametrize(("query", "params", "expected"), FORMAT_CASES)
@pytest.mark.parametrize("header", [None, BROWSER, "application/sparql-results+json, text/turtle"])
def test_sparql_format_parameter_wins_over_accept(client, query, params, expected, header):
    headers = {"Accept": header} if header else {}
    response = client.get("/sparql", query_string={"query": query, **params}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == expected
    assert "Accept" not in response.vary  # this URL's answer does not depend on Accept
    assert response.get_data()


def test_a_plain_link_downloads_csv(client):
    """What a browser sends when a page links ``/sparql?query=…&format=csv``."""
    response = client.get("/sparql?format=csv&query=" + quote(CITIES), headers={"Accept": BROWSER})
    assert response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "city" and len(lines) == 4


def test_format_in_a_posted_form(client):
    response = client.post("/sparql", data={"query": CITIES, "format": "tsv"})
    assert response.mimetype == "text/tab-separated-values"
    direct = client.post("/sparql?output=csv", data=CITIES, content_type="application/sparql-query")
    assert direct.mimetype == "text/csv"


def test_the_first_value_that_names_a_form_wins(client):
    response = client.get(
        "/sparql", query_string={"query": CITIES, "format": ["nonsense", "csv"], "output": "xml"}
    )
    assert response.mimetype == "text/csv"


@pytest.mark.parametrize(
    ("query", "params"),
    [
        pytest.param(CITIES, {"format": "nonsense"}, id="unknown-name"),
        pytest.param(CITIES, {"format": "turtle"}, id="graph-format-for-a-table"),
        pytest.param(AARHUS, {"format": "csv"}, id="table-format-for-a-graph"),
        pytest.param(CITIES, {"output": "image/png"}, id="unknown-media-type"),
    ],
)
def test_a_format_that_names_nothing_offered_is_406_saying_what_is(client, query, params):
    response = client.get(
        "/sparql", query_string={"query": query, **params}, headers={"Accept": "*/*"}
    )
    body = _problem(response, 406)
    assert body["detail"].startswith("The format parameter names no form offered here.")
    table = formats.RDF_FORMATS if query == AARHUS else formats.RESULT_FORMATS
    for fmt in table:
        assert f"{fmt.name} ({fmt.media_type})" in body["detail"]
    assert "nonsense" not in body["detail"]  # what the client sent is not echoed
    assert body["offered"][: len(table)] == [f.media_type for f in table]


def test_query_answers_link_their_other_forms_by_format(client):
    response = client.get("/sparql", query_string={"query": CITIES, "default-graph-uri": "urn:g"})
    links = _alternates(response)
    assert set(links) == {f.media_type for f in formats.RESULT_FORMATS[1:]} | {"text/html"}
    csv = client.get(links["text/csv"], headers={"Accept": "application/sparql-results+json"})
    assert csv.mimetype == "text/csv"
    assert parse_qs(urlsplit(links["text/csv"]).query)["default-graph-uri"] == ["urn:g"]


def test_a_posted_query_has_no_links_to_other_forms(client):
    response = client.post("/sparql", data={"query": CITIES})
    assert response.status_code == 200 and not _alternates(response)


@pytest.mark.http
def test_sparqlwrapper_format_parameter_over_http(live_server):
    """SPARQLWrapper sends ``format=``, ``output=`` and ``results=``; they decide even when
    the ``Accept`` header says otherwise."""
    from SPARQLWrapper import CSV, SPARQLWrapper

    sparql = SPARQLWrapper(live_server + "/sparql")
    sparql.setQuery(CITIES)
    sparql.setReturnFormat(CSV)
    sparql.addCustomHttpHeader("Accept", "application/sparql-results+xml")
    result = sparql.query()
    assert result.info()["content-type"].startswith("text/csv")
    lines = result.convert().decode("utf-8").splitlines()
    assert lines[0] == "city" and len(lines) == 4
