"""GeoSPARQL on every store (nscn_graph/sparql/geo.py, the guard, the editor's examples).

The geographic example queries of the editor are run on each store (the embedded store of the
server, the library's in-memory store through the query workers, the persistent store, and,
with the ``stores`` marker, Oxigraph server and Virtuoso) and their answers compared with
distances computed here, in Python (haversine), from the data's ``geo:lat``/``geo:long``. A
GeoSPARQL function a store does not evaluate is a 400 that names it.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import storeservers
from conftest import run_cli

from nscn_graph import paths
from nscn_graph.errors import NscnError
from nscn_graph.namespaces import PREFIXES
from nscn_graph.sparql import geo
from nscn_graph.sparql.pool import Job, QueryPool
from nscn_graph.stores import write_persistent
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.web import create_app
from nscn_graph.web.editor import EXAMPLES, prologue

CITY = "https://w3id.org/nscn/id/city/"
GEOF = geo.GEOF
PREFIX_GEO = (
    "PREFIX geof: <http://www.opengis.net/def/function/geosparql/>\n"
    "PREFIX uom: <http://www.opengis.net/def/uom/OGC/1.0/>\n"
)
#: Relative difference allowed between the store's distance and ours: the engine uses the
#: same sphere, so only the last bits of a double may differ.
CLOSE = 1e-9


def example(start: str) -> str:
    """The query of the editor's example whose name starts with ``start``."""
    found = [e.query for e in EXAMPLES if e.name.startswith(start)]
    assert len(found) == 1, start
    return found[0]


NEAR = example("Living labs within")
NEAREST = example("The member city nearest")
NORTH = example("Member cities north of")
#: The row of the "near" example that names the centre and the radius (in km).
NEAR_ROW = "(city:oslo 500)"


# --- the data: every place has both forms of its position -----------------------------------


@dataclass(frozen=True)
class Place:
    iri: str
    label: str
    lon: float
    lat: float


def _rows(store, sparql: str) -> list[dict[str, str]]:
    result = store.query(sparql, prefixes=PREFIXES)
    names = [v.value for v in result.variables]
    return [{n: row[n].value for n in names if row[n] is not None} for row in result]


@pytest.fixture(scope="module")
def cities(bundled) -> dict[str, Place]:
    """Member cities by IRI, from their geo:lat / geo:long (not from the WKT)."""
    rows = _rows(
        bundled.store,
        """SELECT ?c ?label ?lat ?long WHERE {
          ?c a nscn:SmartCity ; rdfs:label ?label ; geo:lat ?lat ; geo:long ?long .
          FILTER(lang(?label) = "en") }""",
    )
    return {r["c"]: Place(r["c"], r["label"], float(r["long"]), float(r["lat"])) for r in rows}


@pytest.fixture(scope="module")
def labs(bundled) -> dict[str, tuple[str, str]]:
    """Living labs by IRI: (English label, city IRI)."""
    rows = _rows(
        bundled.store,
        """SELECT ?l ?label ?c WHERE {
          ?l a nscn:LivingLab ; rdfs:label ?label ; nscn:city ?c . FILTER(lang(?label) = "en") }""",
    )
    return {r["l"]: (r["label"], r["c"]) for r in rows}


def test_every_member_city_has_a_point_and_a_geometry(bundled, cities):
    members = _rows(bundled.store, "SELECT ?c WHERE { ?c a nscn:SmartCity }")
    assert len(cities) == len(members) == 14
    rows = _rows(
        bundled.store,
        """SELECT ?c ?wkt WHERE { ?c a nscn:SmartCity ;
             geosparql:hasGeometry/geosparql:asWKT ?wkt .
           FILTER(datatype(?wkt) = geosparql:wktLiteral) }""",
    )
    wkt = {r["c"]: r["wkt"] for r in rows}
    assert set(wkt) == set(cities)
    for iri, place in cities.items():  # the same point, longitude first (CRS84)
        x, y = re.fullmatch(r"POINT\((\S+) (\S+)\)", wkt[iri]).groups()
        assert (float(x), float(y)) == (place.lon, place.lat), iri


def test_whatever_has_one_form_of_position_has_the_other(bundled):
    """A thing with geo:lat/geo:long has a GeoSPARQL geometry, and the other way round."""
    lat_only = _rows(
        bundled.store,
        """SELECT ?s WHERE { ?s geo:lat ?lat ; geo:long ?long .
           FILTER NOT EXISTS { ?s geosparql:hasGeometry/geosparql:asWKT ?w } }""",
    )
    geometry_only = _rows(
        bundled.store,
        """SELECT ?s WHERE { ?s geosparql:hasGeometry/geosparql:asWKT ?w .
           FILTER NOT EXISTS { ?s geo:lat ?lat ; geo:long ?long } }""",
    )
    assert lat_only == [] and geometry_only == []


def test_every_lab_is_placed_by_its_city(cities, labs):
    """Labs have no coordinates of their own: each is in a member city that has them."""
    assert labs and all(city in cities for _, city in labs.values())


# --- distances computed here ---------------------------------------------------------------


def km(a: Place, b: Place) -> float:
    return geo.haversine((a.lon, a.lat), (b.lon, b.lat)) / 1000


def test_haversine_against_a_known_distance():
    # Copenhagen to Aarhus is about 157 km as the crow flies
    cph, aarhus = Place("", "", 12.5655, 55.6759), Place("", "", 10.2108, 56.1567)
    assert 150 < km(cph, aarhus) < 165


WKT = "http://www.opengis.net/ont/geosparql#wktLiteral"
POINTS = {
    "plain": ("POINT(10.2108 56.1567)", (10.2108, 56.1567)),
    "CRS84 IRI": (f"<{geo.CRS84}> POINT(10 56)", (10.0, 56.0)),
    "lower case, spaces": (" point ( -1.5e1  +2 ) ", (-15.0, 2.0)),
    "EPSG:4326 (latitude first)": (
        "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(56 10)",
        None,
    ),
    "not a point": ("LINESTRING(10 56, 11 57)", None),
    "out of range": ("POINT(200 56)", None),
    "malformed": ("POINT(1..2 3)", None),
}


@pytest.mark.parametrize("text, expected", POINTS.values(), ids=POINTS.keys())
def test_points_read_for_metric_distance(text, expected):
    import pyoxigraph as ox

    assert geo.point(ox.Literal(text, datatype=ox.NamedNode(WKT))) == expected
    assert geo.point(ox.Literal(text)) is None  # a plain string is no geometry


def near_query(centre: str, radius: int) -> str:
    assert NEAR.count(NEAR_ROW) == 1
    return NEAR.replace(NEAR_ROW, f"(city:{centre} {radius})")


def expected_near(cities, labs, centre: str, radius: float) -> dict[str, float]:
    here = cities[CITY + centre]
    found = {lab: km(here, cities[city]) for lab, (_, city) in labs.items()}
    return {lab: d for lab, d in found.items() if d <= radius}


def expected_nearest(cities, labs) -> dict[str, tuple[str, float]]:
    out = {}
    for lab, (_, own) in labs.items():
        others = [(km(cities[own], c), c.label) for iri, c in cities.items() if iri != own]
        distance, label = min(others)
        out[lab] = (label, distance)
    return out


# --- the stores ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: dict

    @property
    def rows(self) -> list[dict[str, str]]:
        assert self.status == 200, self.body
        return [{k: v["value"] for k, v in b.items()} for b in self.body["results"]["bindings"]]


Ask = Callable[[str], Answer]
ACCEPT = {"Accept": "application/sparql-results+json"}


def _over_app(app) -> Ask:
    client = app.test_client()

    def ask(query: str) -> Answer:
        response = client.post("/sparql", data={"query": query}, headers=ACCEPT)
        return Answer(response.status_code, json.loads(response.get_data(as_text=True)))

    return ask


@pytest.fixture(scope="module")
def persistent_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("geo-persistent") / "store"
    write_persistent(EmbeddedStore.from_files(paths.data_files()).triples(), folder)
    return folder


@pytest.fixture(scope="module")
def in_memory() -> Iterator[Ask]:
    """The library's in-memory store, its queries run by the query workers."""
    store = EmbeddedStore.from_files(paths.data_files())
    pool = QueryPool(store, size=1, timeout=30, prefixes=PREFIXES, max_result_bytes=1 << 24)

    def ask(query: str) -> Answer:
        try:
            answer = pool.run(Job(query, "json", None))
        except NscnError as exc:
            return Answer(exc.status, exc.problem())
        return Answer(200, json.loads(answer.body))

    yield ask
    pool.close()


@pytest.fixture(scope="module", params=["oxigraph", "virtuoso"])
def remote(request, tmp_path_factory) -> Iterator[storeservers.Running]:
    """Each real store, started once for this module and loaded with `nscn-graph load`."""
    with storeservers.started(request.param, tmp_path_factory.mktemp(request.param)) as running:
        result = run_cli("load", "--store", running.spec, env=running.environ())
        assert result.code == 0, result.err
        yield running


#: The local stores, always tested.
LOCAL = ["embedded", "in-memory", "persistent"]


@pytest.fixture(params=LOCAL)
def local(request, persistent_dir, in_memory) -> Ask:
    if request.param == "embedded":
        return _over_app(create_app({"TESTING": True}))
    if request.param == "persistent":
        return _over_app(create_app({"TESTING": True, "STORE": f"oxigraph:{persistent_dir}"}))
    return in_memory


@pytest.fixture()
def over_remote(remote, monkeypatch) -> Ask:
    for key, value in remote.environ().items():  # credentials: from the environment only
        monkeypatch.setenv(key, value)
    return _over_app(create_app({"TESTING": True, "STORE": remote.spec}))


def _virtuoso_evaluates_no_geosparql(remote, request) -> None:
    if remote.name == "virtuoso":
        request.applymarker(
            pytest.mark.xfail(
                reason="Virtuoso 7 evaluates no GeoSPARQL function: geof:distance is an "
                "undefined procedure (openlink/virtuoso-opensource#577)",
                strict=True,
            )
        )


# --- the example queries, on every store ---------------------------------------------------

#: (centre, radius in km) for the "labs near a city" query: the example's own (Oslo, 500 km),
#: the question of the issue (Oslo, 50 km: no lab in the data is that near), and others.
NEAR_CASES = [("oslo", 500), ("oslo", 50), ("copenhagen", 50), ("helsinki", 200), ("oulu", 1)]


def check_near(ask: Ask, cities, labs) -> None:
    for centre, radius in NEAR_CASES:
        rows = ask(prologue(PREFIXES) + near_query(centre, radius)).rows
        expected = expected_near(cities, labs, centre, radius)
        assert {r["lab"] for r in rows} == set(expected), (centre, radius)
        for r in rows:
            assert math.isclose(float(r["km"]), expected[r["lab"]], rel_tol=CLOSE, abs_tol=1e-9)
        distances = [float(r["km"]) for r in rows]
        assert distances == sorted(distances)  # nearest first


def check_nearest(ask: Ask, cities, labs) -> None:
    rows = ask(prologue(PREFIXES) + NEAREST).rows
    expected = expected_nearest(cities, labs)
    assert {r["lab"]: r["nearest"] for r in rows} == {k: v[0] for k, v in expected.items()}
    for r in rows:
        assert math.isclose(float(r["km"]), expected[r["lab"]][1], rel_tol=CLOSE)


def check_north(ask: Ask, cities) -> None:
    rows = ask(prologue(PREFIXES) + NORTH).rows
    expected = {c.label for c in cities.values() if c.lat > 63 and -30 < c.lon < 40}
    assert {r["city"] for r in rows} == expected and len(expected) >= 3


def test_labs_near_a_city(local, cities, labs):
    check_near(local, cities, labs)


def test_the_member_city_nearest_to_each_lab(local, cities, labs):
    check_nearest(local, cities, labs)


def test_cities_within_a_polygon(local, cities):
    check_north(local, cities)


def test_metric_distance_is_added_and_agrees_with_distance(local, cities):
    rows = local(
        PREFIX_GEO
        + """SELECT ?a ?b ?m ?d WHERE {
          ?a a nscn:SmartCity ; geosparql:hasGeometry/geosparql:asWKT ?x .
          ?b a nscn:SmartCity ; geosparql:hasGeometry/geosparql:asWKT ?y .
          BIND(geof:metricDistance(?x, ?y) AS ?m)
          BIND(geof:distance(?x, ?y, uom:metre) AS ?d) }"""
    ).rows
    assert len(rows) == len(cities) ** 2
    for r in rows:
        ours = km(cities[r["a"]], cities[r["b"]]) * 1000
        assert math.isclose(float(r["m"]), ours, rel_tol=CLOSE, abs_tol=1e-6)
        assert math.isclose(float(r["d"]), float(r["m"]), rel_tol=CLOSE, abs_tol=1e-6)


def test_metric_distance_of_what_is_not_a_crs84_point_is_unbound(local):
    rows = local(
        PREFIX_GEO
        + """SELECT ?m WHERE { VALUES ?g {
          "<http://www.opengis.net/def/crs/EPSG/0/4326> POINT(56 10)"^^geosparql:wktLiteral
          "LINESTRING(10 56, 11 57)"^^geosparql:wktLiteral "POINT(10 56)" }
          BIND(geof:metricDistance(?g, "POINT(10 56)"^^geosparql:wktLiteral) AS ?m) }"""
    ).rows
    assert rows == [{}, {}, {}]


@pytest.mark.stores
def test_labs_near_a_city_on_a_remote_store(over_remote, remote, request, cities, labs):
    _virtuoso_evaluates_no_geosparql(remote, request)
    check_near(over_remote, cities, labs)


@pytest.mark.stores
def test_the_member_city_nearest_to_each_lab_on_a_remote_store(
    over_remote, remote, request, cities, labs
):
    _virtuoso_evaluates_no_geosparql(remote, request)
    check_nearest(over_remote, cities, labs)


@pytest.mark.stores
def test_cities_within_a_polygon_on_a_remote_store(over_remote, remote, request, cities):
    _virtuoso_evaluates_no_geosparql(remote, request)
    check_north(over_remote, cities)


# --- what a store does not evaluate: a 400 that names it -------------------------------------

UNSUPPORTED = {
    "prefixed name": PREFIX_GEO
    + 'SELECT ?b WHERE { BIND(geof:buffer("POINT(10 56)"^^geosparql:wktLiteral, 5, uom:metre)'
    " AS ?b) }",
    "another prefix": "PREFIX f: <http://www.opengis.net/def/function/geosparql/>\n"
    'ASK { FILTER(f:buffer("POINT(10 56)"^^geosparql:wktLiteral, 5) != 0) }',
    "full IRI": "SELECT * WHERE { ?g geosparql:asWKT ?w .\n"
    "  FILTER(<http://www.opengis.net/def/function/geosparql/buffer>(?w, 1)) }",
}


@pytest.mark.parametrize("query", UNSUPPORTED.values(), ids=UNSUPPORTED.keys())
@pytest.mark.parametrize("store", ["embedded", "persistent"])
def test_an_unsupported_function_is_a_400_naming_it(store, query, persistent_dir):
    config = {"TESTING": True}
    if store == "persistent":
        config["STORE"] = f"oxigraph:{persistent_dir}"
    response = create_app(config).test_client().post("/sparql", data={"query": query})
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Unsupported function"
    assert "geof:buffer" in problem["detail"] and GEOF + "buffer" in problem["detail"]
    assert "geof:distance" in problem["detail"]  # what to use instead
    assert problem["line"] >= 1 and problem["column"] >= 1


def test_the_400_points_at_the_call():
    app = create_app({"TESTING": True})
    query = UNSUPPORTED["full IRI"]
    problem = app.test_client().post("/sparql", data={"query": query}).get_json()
    assert (problem["line"], problem["column"]) == (2, 10)


@pytest.mark.parametrize(
    "query",
    [
        '# geof:buffer(1) in a comment\nSELECT ("geof:buffer(1)" AS ?s) {}',
        PREFIX_GEO + "SELECT ?f WHERE { VALUES ?f { geof:buffer } }",  # named, not called
        # a prefix named geof: for another namespace
        'PREFIX geof: <http://www.w3.org/2001/XMLSchema#>\nSELECT (geof:integer("1") AS ?x) {}',
    ],
    ids=["comment and string", "not a call", "another namespace"],
)
def test_what_is_not_a_call_of_an_unsupported_function_passes(client, query):
    response = client.post("/sparql", data={"query": query}, headers=ACCEPT)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_every_standard_function_is_evaluated_or_refused(client):
    """No GeoSPARQL function fails a query on the embedded store: it is evaluated, or the
    guard refuses it before the store is asked."""
    for iri in geo.standard_functions():
        response = client.post(
            "/sparql", data={"query": f"SELECT (<{iri}>() AS ?r) {{}}"}, headers=ACCEPT
        )
        assert response.status_code == (200 if iri in geo.FUNCTIONS else 400), iri


def test_the_command_line_refuses_it_too(cli):
    result = run_cli("query", UNSUPPORTED["prefixed name"])
    assert result.code != 0 and "geof:buffer" in result.err


def test_the_store_capabilities_list_the_functions(client):
    health = client.get("/health").get_json()
    functions = health["capabilities"]["functions"]
    assert GEOF + "distance" in functions and GEOF + "metricDistance" in functions
    assert GEOF + "buffer" not in functions


#: What each remote store does not evaluate, besides geof:buffer: Oxigraph server lacks the
#: functions added here; Virtuoso 7 evaluates no GeoSPARQL function at all.
NOT_ON = {"oxigraph": "metricDistance", "virtuoso": "distance"}


@pytest.mark.stores
def test_an_unsupported_function_is_a_400_naming_it_on_a_remote_store(over_remote, remote):
    for name in ("buffer", NOT_ON[remote.name]):
        query = UNSUPPORTED["prefixed name"].replace("geof:buffer", f"geof:{name}")
        answer = over_remote(query)
        assert answer.status == 400, answer.body
        assert answer.body["title"] == "Unsupported function"
        assert f"geof:{name} <{GEOF}{name}>" in answer.body["detail"]
    evaluated = over_remote(
        PREFIX_GEO + 'ASK { FILTER(geof:sfWithin("POINT(1 1)"^^geosparql:wktLiteral,'
        ' "POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))"^^geosparql:wktLiteral)) }'
    )
    if remote.name == "oxigraph":
        assert evaluated.status == 200 and evaluated.body["boolean"] is True
    else:
        assert evaluated.status == 400 and "geof:sfWithin" in evaluated.body["detail"]


def test_a_remote_store_that_does_not_answer_is_not_judged():
    """Whether a store evaluates a function is asked of it; a store that is down says
    nothing, so the query goes on to the usual 503, not a 400."""
    from conftest import free_port

    app = create_app({"TESTING": True, "STORE": f"sparql+http://127.0.0.1:{free_port()}/q"})
    response = app.test_client().post("/sparql", data={"query": UNSUPPORTED["prefixed name"]})
    assert response.status_code == 503, response.get_data(as_text=True)
    assert "not reachable" in response.get_json()["detail"]


# --- the documentation's table is what the stores do ----------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "geosparql.md"
COLUMNS = {"local": 1, "oxigraph": 2, "virtuoso": 3}


def documented() -> dict[str, list[str]]:
    """The table of docs/geosparql.md: function IRI -> its cells."""
    rows = re.findall(r"^\| `geof:(\w+)` \| (.+) \|$", DOCS.read_text(encoding="utf-8"), re.M)
    return {GEOF + name: [c.strip() for c in cells.split("|")] for name, cells in rows}


def test_the_documented_table_lists_the_standard_and_the_local_stores():
    table = documented()
    assert list(table) == list(geo.standard_functions())
    for iri, cells in table.items():
        expected = "added" if iri in geo.ADDED else "yes" if iri in geo.FUNCTIONS else "400"
        assert cells[COLUMNS["local"] - 1] == expected, iri


@pytest.mark.stores
def test_the_documented_table_for_a_remote_store(over_remote, remote):
    from nscn_graph.stores import open_store

    store = open_store(remote.spec, environ=remote.environ())
    functions = store.capabilities.functions
    for iri, cells in documented().items():
        said = "yes" if iri in functions else "400"
        assert cells[COLUMNS[remote.name] - 1] == said, iri
