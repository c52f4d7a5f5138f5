"""``/reconcile`` (nscn_graph.web.reconcile over nscn_graph.reconcile): the Reconciliation
Service API 0.2 as OpenRefine 3.x uses it. Every answer is checked against the specification's
JSON Schemas (``tests/reference/reconciliation/``), and every request the tests send is checked
against them too, so the tests speak the protocol as a client does: form-encoded ``queries=``
and ``extend=`` POSTs, GET suggest with ``prefix`` and ``cursor``."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

import pytest
import requests
from conftest import REFERENCE
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from nscn_graph.web import create_app

ID = "https://w3id.org/nscn/id/"
NSCN = "https://w3id.org/nscn/ontology#"
SCHEMAS = REFERENCE / "reconciliation"


def _validators() -> dict[str, Draft7Validator]:
    schemas = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in SCHEMAS.glob("*.json")}
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7))
        for s in schemas.values()
    )
    return {name: Draft7Validator(s, registry=registry) for name, s in schemas.items()}


VALIDATORS = _validators()


def valid(schema: str, document: object) -> object:
    """``document``, after checking it against the specification's schema ``schema``."""
    errors = sorted(VALIDATORS[schema].iter_errors(document), key=lambda e: list(e.path))
    assert not errors, f"{schema}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    return document


@pytest.fixture(scope="module")
def client():
    return create_app({"TESTING": True}).test_client()


def reconcile(client, queries: dict) -> dict:
    """A batch POSTed as OpenRefine sends it (``queries=``, form-encoded)."""
    valid("reconciliation-query-batch", queries)
    response = client.post("/reconcile", data={"queries": json.dumps(queries)})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return valid("reconciliation-result-batch", response.get_json())


def best(client, query: dict) -> dict:
    results = reconcile(client, {"q0": query})["q0"]["result"]
    assert results, query
    return results[0]


# --- the manifest ------------------------------------------------------------------------


def test_the_manifest_is_valid_and_names_every_kind(client):
    response = client.get("/reconcile")
    assert response.status_code == 200
    manifest = valid("manifest", response.get_json())
    assert "0.2" in manifest["versions"]
    assert manifest["identifierSpace"] == ID
    assert manifest["schemaSpace"] == NSCN
    types = {t["id"]: t["name"] for t in manifest["defaultTypes"]}
    layout = create_app({"TESTING": True}).extensions["nscn.linked"].vocab.layout
    assert set(types) == {k.iri for k in layout.kinds.values() if k.slug}  # the annotations'
    assert types[NSCN + "SmartCity"] == "Smart city" and types[NSCN + "LivingLab"] == "Living lab"
    city = next(t for t in manifest["defaultTypes"] if t["id"] == NSCN + "SmartCity")
    assert city["broader"] == [{"id": NSCN + "City", "name": "City"}]
    assert set(manifest["suggest"]) == {"entity", "type", "property"}
    assert manifest["extend"]["propose_properties"]["service_path"] == "/propose_properties"
    assert manifest["batchSize"] == 200


def test_the_manifest_links_resolve_to_this_server(client):
    manifest = client.get("/reconcile").get_json()
    iri = ID + "lab/aarhus-city-lab"
    view = urlsplit(manifest["view"]["url"].replace("{{id}}", quote(iri, safe="")))
    response = client.get(f"{view.path}?{view.query}")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/id/lab/aarhus-city-lab")
    preview = urlsplit(manifest["preview"]["url"].replace("{{id}}", quote(iri, safe="")))
    assert client.get(f"{preview.path}?{preview.query}").status_code == 200
    for kind, service in manifest["suggest"].items():
        url = urlsplit(service["service_url"] + service["service_path"])
        assert client.get(url.path, query_string={"prefix": "a"}).status_code == 200, kind


# --- matching ----------------------------------------------------------------------------

MATCHES = [
    # (query text, type, properties, expected IRI, certain?)
    ("Tromso", None, [], "city/tromso", True),
    ("TROMSØ", NSCN + "SmartCity", [], "city/tromso", True),
    ("tromsoe", None, [], "city/tromso", True),
    ("Kobenhavn", NSCN + "City", [], "city/copenhagen", True),
    ("København", None, [], "city/copenhagen", True),
    ("Copenhagen", "city", [], "city/copenhagen", True),
    ("Helsingfors", None, [], "city/helsinki", True),
    ("Arhus", NSCN + "City", [], "city/aarhus", True),
    ("Reykjavik", None, [], "city/reykjavik", True),
    ("Forum Virium", NSCN + "Organisation", [], "organisation/forum-virium-helsinki", False),
    ("Forum Virium", None, [], "organisation/forum-virium-helsinki", False),
    ("Helsinky", None, [], "city/helsinki", False),  # a typo: found, never certain
    ("Bergen mobility hubs", NSCN + "Case", [], "case/bergen-mobility-hubs", True),
    ("Bergen mobility hubs", NSCN + "LivingLab", [], "lab/bergen-mobility-hubs", True),
    (  # two things of that name; a property tells them apart
        "Bergen mobility hubs",
        None,
        [{"pid": NSCN + "livingLab", "v": "Bergen mobility hubs"}],
        "case/bergen-mobility-hubs",
        True,
    ),
    (
        "Hervanta 5G test site",
        None,
        [{"pid": "nscn:partner", "v": {"id": ID + "organisation/smart-tampere", "name": "x"}}],
        "lab/tampere-hervanta-5g",
        True,
    ),
    ("Oslo", NSCN + "City", [{"pid": NSCN + "country", "v": "Norway"}], "city/oslo", True),
    ("Oslo", None, [{"pid": NSCN + "country", "v": "Norge"}], "city/oslo", True),  # by a name
    (
        "Oslo",
        None,
        [{"pid": NSCN + "country", "v": {"id": ID + "country/norway"}}],
        "city/oslo",
        True,
    ),
    ("Oslo", None, [{"pid": NSCN + "country", "v": "Sweden"}], "city/oslo", False),  # conflict
    (
        "Aarhus City Lab",
        NSCN + "LivingLab",
        [{"pid": NSCN + "city", "v": "Aarhus"}],
        "lab/aarhus-city-lab",
        True,
    ),
    ("city:oulu", None, [], "city/oulu", True),  # an identifier
    (ID + "city/kobenhavn", None, [], "city/copenhagen", True),  # an alias's identifier
    ("case/bergen-mobility-hubs", None, [], "case/bergen-mobility-hubs", True),
]


@pytest.mark.parametrize(
    ("text", "type_", "properties", "expected", "certain"),
    MATCHES,
    ids=[f"{m[0]}-{m[1].rsplit('#')[-1] if m[1] else 'any'}-{len(m[2])}" for m in MATCHES],
)
def test_names_match_the_right_thing(client, text, type_, properties, expected, certain):
    query: dict = {"query": text}
    if type_:
        query.update(type=type_, type_strict="should")  # as OpenRefine sends a type
    if properties:
        query["properties"] = properties
    results = reconcile(client, {"q0": query})["q0"]["result"]
    assert results[0]["id"] == ID + expected
    assert results[0]["match"] is certain
    assert all(r["match"] is False for r in results[1:])
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True)
    if type_ and type_.startswith(NSCN):
        assert all(type_ in [t["id"] for t in r["type"]] for r in results)


def test_a_candidate_says_its_name_types_and_features(client):
    first = best(client, {"query": "Tromso"})
    assert first["name"] == "Tromsø"
    assert [t["id"] for t in first["type"]] == [NSCN + "SmartCity", NSCN + "City"]
    assert first["score"] == 100
    assert {"id": "name", "value": 100.0} in first["features"]
    assert "Norwegian member city" in first["description"]


def test_the_name_is_in_the_askers_language():
    client = create_app({"TESTING": True}).test_client()
    body = {"queries": json.dumps({"q0": {"query": "Kobenhavn"}})}
    danish = client.post("/reconcile", data=body, headers={"Accept-Language": "da"}).get_json()
    assert danish["q0"]["result"][0]["name"] == "København"


def test_two_things_of_one_name_are_not_a_certain_match(client):
    results = reconcile(client, {"q0": {"query": "Bergen mobility hubs"}})["q0"]["result"]
    assert {r["id"] for r in results[:2]} == {
        ID + "case/bergen-mobility-hubs",
        ID + "lab/bergen-mobility-hubs",
    }
    assert [r["match"] for r in results] == [False] * len(results)


def test_a_type_leaves_out_things_of_other_kinds(client):
    results = reconcile(client, {"q0": {"query": "Tromso", "type": NSCN + "Case"}})["q0"]["result"]
    assert ID + "city/tromso" not in [r["id"] for r in results]
    cities = reconcile(client, {"q0": {"query": "Bergen", "type": NSCN + "SmartCity"}})["q0"]
    assert [r["id"] for r in cities["result"]] == [ID + "city/bergen"]


def test_properties_alone_find_the_things_that_have_them(client):
    query = {"properties": [{"pid": NSCN + "city", "v": {"id": ID + "city/bergen"}}]}
    results = reconcile(client, {"q0": query})["q0"]["result"]
    assert ID + "lab/bergen-mobility-hubs" in [r["id"] for r in results]
    assert all(r["score"] == 100 and r["match"] is False for r in results)


def test_limit_and_nothing_found(client):
    found = reconcile(
        client, {"q0": {"query": "aarhus", "limit": 2}, "q1": {"query": "zzzzqqqq xxyy"}}
    )
    assert len(found["q0"]["result"]) == 2
    assert found["q1"]["result"] == []
    unsearchable = reconcile(client, {"q0": {"query": "?!*"}, "q1": {"query": "oslo " * 60}})
    assert unsearchable == {"q0": {"result": []}, "q1": {"result": []}}  # a cell, not an error


def test_a_batch_answers_each_query_as_if_alone(client):
    texts = [m[0] for m in MATCHES] + ["Bergen", "Oslo", "Stockholm", "Oulu", "Vejle"]
    batch = {f"q{i}": {"query": t} for i, t in enumerate(texts)}
    together = reconcile(client, batch)
    assert list(together) == list(batch)
    for key, query in batch.items():
        assert together[key] == reconcile(client, {"q0": query})["q0"], query


def test_get_with_queries_answers_the_same(client):
    queries = json.dumps({"q0": {"query": "Helsingfors"}})
    answer = client.get("/reconcile", query_string={"queries": queries})
    assert answer.status_code == 200
    posted = client.post("/reconcile", data={"queries": queries})
    assert valid("reconciliation-result-batch", answer.get_json()) == posted.get_json()


# --- suggest, preview, extend --------------------------------------------------------------


def test_suggest_entities_as_the_autocomplete_asks(client):
    response = client.get("/reconcile/suggest/entity", query_string={"prefix": "trom"})
    assert response.status_code == 200
    found = valid("suggest-entities-response", response.get_json())["result"]
    assert found[0]["id"] == ID + "city/tromso" and found[0]["name"] == "Tromsø"
    assert found[0]["notable"][0]["id"] == NSCN + "SmartCity"
    paged = {"prefix": "hel", "cursor": 2, "limit": 5}
    page = client.get("/reconcile/suggest/entity", query_string=paged).get_json()
    first = client.get("/reconcile/suggest/entity", query_string={"prefix": "hel", "limit": 20})
    assert valid("suggest-entities-response", page)["result"] == first.get_json()["result"][2:7]
    typed = client.get(
        "/reconcile/suggest/entity", query_string={"prefix": "bergen", "type": NSCN + "LivingLab"}
    ).get_json()["result"]
    assert [r["id"] for r in typed] == [ID + "lab/bergen-mobility-hubs"]


@pytest.mark.parametrize("typed", ["city:oulu", "city/oulu", ID + "city/oulu"])
def test_an_identifier_typed_whole_is_suggested_first(client, typed):
    answer = client.get("/reconcile/suggest/entity", query_string={"prefix": typed}).get_json()
    first = valid("suggest-entities-response", answer)["result"][0]
    assert (first["id"], first["name"]) == (ID + "city/oulu", "Oulu")


def test_a_name_shaped_like_an_identifier_is_searched_as_words(client):
    assert best(client, {"query": "bergen/mobility"})["id"] in (
        ID + "case/bergen-mobility-hubs",
        ID + "lab/bergen-mobility-hubs",
    )


def test_suggest_types_and_properties(client):
    types = client.get("/reconcile/suggest/type", query_string={"prefix": "living"}).get_json()
    assert [t["id"] for t in valid("suggest-types-response", types)["result"]] == [
        NSCN + "LivingLab"
    ]
    props = client.get("/reconcile/suggest/property", query_string={"prefix": "coun"}).get_json()
    assert NSCN + "country" in [
        p["id"] for p in valid("suggest-properties-response", props)["result"]
    ]
    for_labs = client.get(
        "/reconcile/suggest/property", query_string={"prefix": "c", "type": "lab"}
    ).get_json()["result"]
    assert NSCN + "city" in [p["id"] for p in for_labs]
    assert NSCN + "country" not in [p["id"] for p in for_labs]  # labs have a city, not a country


def test_propose_properties_for_a_type(client):
    response = client.get(
        "/reconcile/propose_properties", query_string={"type": NSCN + "SmartCity", "limit": 30}
    )
    proposed = valid("data-extension-property-proposal", response.get_json())
    assert proposed["type"] == NSCN + "SmartCity"
    ids = [p["id"] for p in proposed["properties"]]
    assert NSCN + "country" in ids and "http://www.w3.org/2003/01/geo/wgs84_pos#lat" in ids
    assert {"id": NSCN + "country", "name": "country", "description": "nscn:country"} in proposed[
        "properties"
    ]


def test_propose_properties_without_a_type_proposes_every_kinds(client):
    response = client.get("/reconcile/propose_properties", query_string={"limit": 100})
    proposed = valid("data-extension-property-proposal", response.get_json())
    ids = [p["id"] for p in proposed["properties"]]
    assert NSCN + "country" in ids and NSCN + "city" in ids and NSCN + "basedIn" in ids
    assert "type" not in proposed


def test_extend_fetches_values_for_reconciled_ids(client):
    query = {
        "ids": [ID + "city/tromso", ID + "lab/aarhus-city-lab", ID + "city/nowhere"],
        "properties": [{"id": NSCN + "country"}, {"id": "geo:lat"}, {"id": NSCN + "city"}],
    }
    valid("data-extension-query", query)
    response = client.post("/reconcile", data={"extend": json.dumps(query)})
    assert response.status_code == 200
    body = valid("data-extension-response", response.get_json())
    assert [m["id"] for m in body["meta"]] == [
        NSCN + "country",
        "http://www.w3.org/2003/01/geo/wgs84_pos#lat",
        NSCN + "city",
    ]
    tromso = body["rows"][ID + "city/tromso"]
    assert tromso[NSCN + "country"] == [{"id": ID + "country/norway", "name": "Norway"}]
    assert tromso["http://www.w3.org/2003/01/geo/wgs84_pos#lat"] == [{"float": 69.6496}]
    assert body["rows"][ID + "lab/aarhus-city-lab"][NSCN + "city"] == [
        {"id": ID + "city/aarhus", "name": "Aarhus"}
    ]
    assert body["rows"][ID + "city/nowhere"] == {p["id"]: [] for p in body["meta"]}
    got = client.get("/reconcile", query_string={"extend": json.dumps(query)}).get_json()
    assert got == body


def test_preview_is_a_small_escaped_card(client):
    response = client.get("/reconcile/preview", query_string={"id": ID + "lab/aarhus-city-lab"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Aarhus City Lab" in page and "Living lab" in page
    assert "<dt>city</dt><dd>Aarhus</dd>" in page and "<dt>country</dt><dd>Denmark</dd>" in page
    city = client.get("/reconcile/preview", query_string={"id": ID + "city/tromso"}).get_data(
        as_text=True
    )
    assert "<dt>country</dt><dd>Norway</dd>" in city
    bad = client.get("/reconcile/preview", query_string={"id": ID + "city/<script>"})
    assert bad.status_code == 404 and "<script>" not in bad.get_data(as_text=True)


def test_preview_escapes_what_the_data_says(tmp_path):
    data = tmp_path / "markup.ttl"
    data.write_text(
        "@prefix nscn: <https://w3id.org/nscn/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/nscn/id/organisation/markup> a nscn:Organisation ;\n"
        '  rdfs:label "<b>Bold</b> & <script>x()</script>"@en ;\n'
        "  nscn:basedIn <https://w3id.org/nscn/id/city/x> .\n"
        '<https://w3id.org/nscn/id/city/x> a nscn:City ; rdfs:label "<i>X</i>"@en .\n',
        encoding="utf-8",
    )
    app = create_app({"TESTING": True, "DATA": [str(data)], "DIST": str(tmp_path / "dist")})
    page = app.test_client().get(f"/reconcile/preview?id={ID}organisation/markup")
    text = page.get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;script&gt;x()&lt;/script&gt;" in text
    assert "<dd>&lt;i&gt;X&lt;/i&gt;</dd>" in text and "<script>" not in text


# --- CORS, JSONP, bad input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/reconcile",
        "/reconcile/suggest/entity?prefix=osl",
        "/reconcile/propose_properties?type=city",
    ],
)
def test_cors_on_every_answer_and_preflight(client, path):
    assert client.get(path).headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/reconcile",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"


def test_jsonp_wraps_the_answer_in_the_callback(client):
    response = client.get("/reconcile", query_string={"callback": "jQuery123_456"})
    assert response.status_code == 200
    assert response.mimetype == "application/javascript"
    text = response.get_data(as_text=True)
    assert text.startswith("/**/jQuery123_456(") and text.endswith(");")
    valid("manifest", json.loads(text[len("/**/jQuery123_456(") : -2]))
    suggest = client.get(
        "/reconcile/suggest/entity", query_string={"prefix": "osl", "callback": "cb"}
    )
    assert suggest.get_data(as_text=True).startswith("/**/cb({")


BAD = [
    ("POST", {"queries": "{not json"}, 400, "not JSON"),
    ("POST", {"queries": "[1, 2]"}, 400, "JSON object of queries"),
    ("POST", {"queries": json.dumps({"q0": "Tromso"})}, 400, "not an object"),
    ("POST", {"queries": json.dumps({"q0": {"query": 3}})}, 400, "query is a string"),
    (
        "POST",
        {"queries": json.dumps({"q0": {"query": "x", "type": "nscn:Nothing"}})},
        400,
        "no type",
    ),
    ("POST", {"queries": json.dumps({"q0": {"query": "x", "limit": 0}})}, 400, "limit"),
    ("POST", {"queries": json.dumps({"q0": {"query": "x", "size": 3}})}, 400, "does not define"),
    ("POST", {"queries": json.dumps({"q0": {}})}, 400, "neither a query text nor properties"),
    (
        "POST",
        {"queries": json.dumps({"q0": {"query": "x", "properties": [{"pid": "a b", "v": "y"}]}})},
        400,
        "not an IRI",
    ),
    (
        "POST",
        {"queries": json.dumps({f"q{i}": {"query": "x"} for i in range(201)})},
        413,
        "at most 200",
    ),
    ("POST", {"extend": json.dumps({"ids": "x"})}, 400, "extend="),
    ("POST", {}, 400, "queries= "),
    ("POST", {"queries": "{}", "extend": "{}"}, 400, "not both"),
    ("GET", {"callback": "alert(document.cookie)"}, 400, "callback="),
    ("GET", {"callback": "a" * 300}, 400, "callback="),
]


@pytest.mark.parametrize(("method", "fields", "status", "message"), BAD, ids=[b[3] for b in BAD])
def test_bad_input_is_a_problem_that_says_what_to_fix(client, method, fields, status, message):
    if method == "POST":
        response = client.post("/reconcile", data=fields)
    else:
        response = client.get("/reconcile", query_string=fields)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and message in problem["detail"]
    assert "Traceback" not in problem["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/reconcile/suggest/entity",
        "/reconcile/suggest/entity?prefix=a&cursor=-1",
        "/reconcile/suggest/type?prefix=a&limit=1000",
        "/reconcile/propose_properties?type=nothing",
        "/reconcile/preview",
    ],
)
def test_bad_parameters_are_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


# --- every store -----------------------------------------------------------------------------

EVERY_STORE_BATCH = {
    "q0": {"query": "Tromso"},
    "q1": {"query": "Oslo", "properties": [{"pid": NSCN + "country", "v": "Norge"}]},
    "q2": {"query": "Bergen mobility hubs", "type": NSCN + "Case"},
    "q3": {"query": "city:oulu"},
}
EVERY_STORE_EXTEND = {
    "ids": [ID + "city/tromso", ID + "lab/aarhus-city-lab"],
    "properties": [{"id": NSCN + "country"}, {"id": NSCN + "city"}, {"id": "rdfs:label"}],
}


def _answers(client) -> list:
    extend = client.post("/reconcile", data={"extend": json.dumps(EVERY_STORE_EXTEND)})
    return [
        reconcile(client, EVERY_STORE_BATCH),
        extend.get_json(),
        client.get("/reconcile/suggest/entity?prefix=hels").get_json(),
        client.get("/reconcile/propose_properties?type=lab").get_json(),
        client.get(f"/reconcile/preview?id={ID}lab/aarhus-city-lab").get_data(as_text=True),
    ]


def test_the_same_answers_over_the_persistent_store(client, tmp_path):
    from nscn_graph import paths
    from nscn_graph.stores import write_persistent
    from nscn_graph.stores.memory import EmbeddedStore

    folder = tmp_path / "store"
    write_persistent(EmbeddedStore.from_files(paths.data_files()).triples(), folder)
    app = create_app(
        {"TESTING": True, "STORE": f"oxigraph:{folder}", "DIST": str(tmp_path / "dist")}
    )
    assert _answers(app.test_client()) == _answers(client)


@pytest.mark.stores
@pytest.mark.parametrize("server", ["oxigraph", "virtuoso"])
def test_the_same_answers_over_a_remote_store(client, server, tmp_path_factory, tmp_path):
    import storeservers
    from conftest import run_cli

    start = {"oxigraph": storeservers.start_oxigraph, "virtuoso": storeservers.start_virtuoso}
    try:
        running = start[server](tmp_path_factory.mktemp(f"{server}-reconcile"))
    except FileNotFoundError as exc:
        pytest.skip(f"!!! {server.upper()} MISSING: {exc} !!!")
    try:
        environ = running.environ()
        loaded = run_cli(
            "load", "--store", running.spec, env={"NSCN_DIST": str(tmp_path), **environ}
        )
        assert loaded.code == 0, loaded.err
        with pytest.MonkeyPatch.context() as patch:
            for name, value in environ.items():
                patch.setenv(name, value)
            app = create_app({"TESTING": True, "STORE": running.spec, "DIST": str(tmp_path)})
            assert _answers(app.test_client()) == _answers(client)
    finally:
        running.stop()


# --- over HTTP -----------------------------------------------------------------------------


@pytest.mark.http
def test_openrefine_requests_over_http(live_server):
    manifest = requests.get(live_server + "/reconcile", timeout=10)
    assert manifest.headers["Access-Control-Allow-Origin"] == "*"
    valid("manifest", manifest.json())
    queries = {
        "q0": {"query": "Tromso", "type": NSCN + "City", "type_strict": "should"},
        "q1": {"query": "Kobenhavn"},
        "q2": {"query": "Forum Virium", "properties": [{"pid": NSCN + "basedIn", "v": "Helsinki"}]},
    }
    answer = requests.post(
        live_server + "/reconcile", data={"queries": json.dumps(queries)}, timeout=30
    )
    assert answer.status_code == 200
    body = valid("reconciliation-result-batch", answer.json())
    assert [body[k]["result"][0]["id"] for k in queries] == [
        ID + "city/tromso",
        ID + "city/copenhagen",
        ID + "organisation/forum-virium-helsinki",
    ]
    extend = {"ids": [ID + "city/oslo"], "properties": [{"id": NSCN + "country"}]}
    rows = requests.post(
        live_server + "/reconcile", data={"extend": json.dumps(extend)}, timeout=30
    )
    assert (
        valid("data-extension-response", rows.json())["rows"][ID + "city/oslo"][NSCN + "country"][
            0
        ]["id"]
        == ID + "country/norway"
    )
    suggest = requests.get(
        live_server + "/reconcile/suggest/entity",
        params={"prefix": "helsin", "cursor": 0},
        timeout=10,
    )
    assert (
        valid("suggest-entities-response", suggest.json())["result"][0]["id"]
        == ID + "city/helsinki"
    )
    jsonp = requests.get(live_server + "/reconcile", params={"callback": "cb"}, timeout=10)
    assert jsonp.headers["Content-Type"].startswith("application/javascript")
    bad = requests.post(live_server + "/reconcile", data={"queries": "{"}, timeout=10)
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/problem+json"
