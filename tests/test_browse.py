"""Browse pages (nscn_graph.web.browse, nscn_graph.publish.collection): ``/id/{type}/`` and
``/doc/{type}/`` for every kind the annotations declare, in every form; members, facet counts
and filters against SPARQL; paging links that cover a set exactly once; bad input; every store
and real HTTP."""

from __future__ import annotations

import csv
import io
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from nscn_graph import paths
from nscn_graph.publish import collection
from nscn_graph.publish.annotations import load as load_layout
from nscn_graph.stores import write_persistent
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.web import create_app

BASE = "https://w3id.org/nscn/"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LAYOUT = load_layout()
KINDS = LAYOUT.browsable()
FACETED = [segment for segment, kind in KINDS.items() if kind.facets]

#: (Accept, media type sent, rdflib parser or None)
FORMS = [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/json", "application/ld+json", "json-ld"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("text/csv", "text/csv", None),
    (HTML["Accept"], "text/html", None),
]


@pytest.fixture(scope="module")
def app():
    """One app for this module's read-only requests (each test makes its own only when it
    changes a setting or the store)."""
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def links(response) -> dict[str, str]:
    """The ``Link`` header's targets by relation (RFC 8288), alternates left out."""
    found = {}
    for target, rel in re.findall(r'<([^>]*)>; rel="([^"]+)"', response.headers.get("Link", "")):
        if rel != "alternate":
            found[rel] = target
    return found


def rows(client, path: str) -> list[dict[str, str]]:
    response = client.get(path, headers={"Accept": "text/csv"})
    assert response.status_code == 200, (path, response.get_data(as_text=True))
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


def everything(client, path: str) -> list[str]:
    """The members of every page of ``path``, in order, following ``rel="next"``."""
    found: list[str] = []
    while path:
        response = client.get(path, headers={"Accept": "text/csv"})
        assert response.status_code == 200, path
        reader = csv.DictReader(io.StringIO(response.get_data(as_text=True), newline=""))
        found += [row["id"] for row in reader]
        path = links(response).get("next")
    return found


def sparql(app, query: str) -> list:
    return list(app.extensions["nscn"].store.query(query))


@pytest.mark.parametrize("segment", list(KINDS))
def test_every_kind_has_a_collection_that_303s_to_its_browse_page(client, segment):
    response = client.get(f"/id/{segment}/")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/doc/{segment}/"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    kept = client.get(f"/id/{segment}/?page=2&limit=3")
    assert kept.headers["Location"] == f"/doc/{segment}/?page=2&limit=3"


@pytest.mark.parametrize("segment", list(KINDS))
def test_every_browse_page_lists_exactly_the_things_of_its_kind(app, client, segment):
    kind = KINDS[segment]
    expected = {
        row["s"].value
        for row in sparql(
            app, f"SELECT DISTINCT ?s WHERE {{ ?s a <{kind.iri}> FILTER(isIRI(?s)) }}"
        )
    }
    listed = everything(client, f"/doc/{segment}/?limit=500")
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    if not expected:  # a kind the annotations name before the data has any
        page = client.get(f"/doc/{segment}/", headers=HTML).get_data(as_text=True)
        assert "Nothing here" in page


@pytest.mark.parametrize("segment", ["case", "city", "organisation"])
def test_members_are_sorted_by_label(client, segment):
    listed = rows(client, f"/doc/{segment}/?limit=500")
    names = [row["label"].casefold() for row in listed]
    assert names == sorted(names)
    backwards = rows(client, f"/doc/{segment}/?limit=500&sort=-label")
    assert [row["id"] for row in backwards] == [row["id"] for row in listed][::-1]


@pytest.mark.parametrize(("accept", "media", "parser"), FORMS, ids=[f[1] for f in FORMS])
@pytest.mark.parametrize("path", ["/doc/case/?theme=mobility", "/doc/lab/", "/doc/country/"])
def test_every_form_of_a_browse_page(client, path, accept, media, parser):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media
    assert "Accept" in response.vary and "Accept-Language" in response.vary
    assert response.headers["ETag"]
    alternates = re.findall(r'<([^>]*)>; rel="alternate"; type="([^"]+)"', response.headers["Link"])
    assert {t for _, t in alternates} | {media} == {
        "text/turtle",
        "application/ld+json",
        "application/n-triples",
        "application/rdf+xml",
        "text/html",
        "text/csv",
    }
    listed = {row["id"] for row in rows(client, path)}
    text = response.get_data(as_text=True)
    if parser:
        graph = rdflib.Graph().parse(data=text, format=parser)
        hydra = rdflib.Namespace(collection.HYDRA)
        members = {str(o) for o in graph.objects(None, hydra.member)}
        assert members == listed
        turtle = client.get(path, headers={"Accept": "text/turtle"}).get_data(as_text=True)
        assert isomorphic(graph, rdflib.Graph().parse(data=turtle, format="turtle"))
    elif media == "text/html":
        for iri in listed:
            assert f'href="/{iri[len(BASE) :]}"' in text
    # a plain link names each form: format= wins over Accept
    for target, media_type in alternates:
        assert client.get(target, headers={"Accept": "image/png"}).mimetype == media_type


def test_csv_is_rfc_4180_and_parses_with_the_standard_library(client):
    response = client.get("/doc/case/?format=csv")
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    data = response.get_data(as_text=True)
    assert data.endswith("\r\n") and "\n" not in data.replace("\r\n", "")
    table = list(csv.reader(io.StringIO(data, newline="")))
    header, body = table[0], table[1:]
    assert header == ["id", "label", "city", "country", "theme", "year"]
    assert all(len(row) == len(header) for row in body)
    nul = next(row for row in body if row[0] == BASE + "id/case/nordic-urban-living-labs")
    assert nul[1] == "Nordic Urban Living Labs"
    assert "Tromsø" in nul[2].split("; ") and "Iceland" in nul[3].split("; ")
    assert nul[5] == "2018"


def test_paging_links_cover_the_set_exactly_once(app, client):
    total = len(rows(client, "/doc/case/?limit=500"))
    assert total > 7 * 3
    first = client.get("/doc/case/?limit=7", headers={"Accept": "text/csv"})
    relations = links(first)
    assert relations["first"] == "/doc/case/?limit=7"
    assert "prev" not in relations and relations["next"] == "/doc/case/?limit=7&page=2"
    pages = -(-total // 7)
    assert relations["last"] == f"/doc/case/?limit=7&page={pages}"
    second = links(client.get(relations["next"], headers={"Accept": "text/csv"}))
    assert second["prev"] == "/doc/case/?limit=7" and second["first"] == "/doc/case/?limit=7"
    last = links(client.get(relations["last"], headers={"Accept": "text/csv"}))
    assert "next" not in last
    paged = everything(client, "/doc/case/?limit=7")
    assert paged == [row["id"] for row in rows(client, "/doc/case/?limit=500")]
    html = client.get("/doc/case/?limit=7&page=2", headers=HTML).get_data(as_text=True)
    assert '<link rel="next" href="/doc/case/?limit=7&amp;page=3">' in html
    assert 'rel="prev" href="/doc/case/?limit=7"' in html


def test_the_rdf_view_names_its_neighbours(client):
    graph = rdflib.Graph().parse(
        data=client.get("/doc/case/?limit=7&page=2&format=ttl").get_data(as_text=True),
        format="turtle",
    )
    hydra = rdflib.Namespace(collection.HYDRA)
    view = rdflib.URIRef(BASE + "doc/case/?limit=7&page=2")
    assert (view, rdflib.RDF.type, hydra.PartialCollectionView) in graph
    assert graph.value(view, hydra.next) == rdflib.URIRef(BASE + "doc/case/?limit=7&page=3")
    assert graph.value(view, hydra.previous) == rdflib.URIRef(BASE + "doc/case/?limit=7")
    owner = graph.value(None, hydra.view, view)
    assert owner == rdflib.URIRef(BASE + "id/case/")
    total = graph.value(owner, hydra.totalItems)
    assert int(total) == len(rows(client, "/doc/case/?limit=500"))


def test_the_page_size_is_bounded_by_a_setting(client):
    app = create_app({"TESTING": True, "BROWSE_PAGE_SIZE": 5, "BROWSE_MAX_PAGE_SIZE": 10})
    small = app.test_client()
    assert len(rows(small, "/doc/case/")) == 5
    assert len(rows(small, "/doc/case/?limit=10")) == 10
    refused = small.get("/doc/case/?limit=11")
    assert refused.status_code == 400
    assert "from 1 to 10" in refused.get_json()["detail"]


def _facet_query(kind, facet, where: str = "") -> str:
    if facet.by_year:
        value = f"?s {facet.sparql_path()} ?d BIND(SUBSTR(STR(?d), 1, 4) AS ?v)"
    else:
        value = f"?s {facet.sparql_path()} ?v"
    return (
        f"SELECT ?v (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{kind.iri}> . {where} {value} }} "
        "GROUP BY ?v"
    )


@pytest.mark.parametrize("segment", FACETED)
def test_facet_counts_equal_sparql_counts(app, client, segment):
    kind = KINDS[segment]
    body = client.get(f"/doc/{segment}/", headers=HTML).get_data(as_text=True)
    store = app.extensions["nscn"].store
    prefixes = app.extensions["nscn"].prefixes
    for facet in kind.facets:
        expected = {
            collection.value_token(r["v"], base=BASE, prefixes=prefixes): int(r["n"].value)
            for r in store.query(_facet_query(kind, facet))
        }
        section = re.search(
            rf'<section class="facet" data-facet="{facet.key}">(.*?)</section>', body, re.S
        )
        assert section, facet.key
        shown = re.findall(
            r'<a href="([^"]+)"[^>]*>[^<]*</a> <span class="count">(\d+)</span>', section.group(1)
        )
        found = {}
        for href, count in shown:
            values = parse_qs(urlsplit(href.replace("&amp;", "&")).query)[facet.key]
            found[values[0]] = int(count)
        assert found == {k: v for k, v in expected.items() if k in found}
        assert len(found) == min(len(expected), collection.FACET_VALUES), facet.key


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/doc/case/?city=aarhus", "?s <{n}city> <{b}id/city/aarhus>"),
        (
            "/doc/case/?city=aarhus&theme=mobility",
            "?s <{n}city> <{b}id/city/aarhus> ; <{n}theme> <{b}id/theme/mobility>",
        ),
        (
            "/doc/case/?theme=mobility&theme=energy",
            "VALUES ?t {{ <{b}id/theme/mobility> <{b}id/theme/energy> }} ?s <{n}theme> ?t",
        ),
        ("/doc/case/?country=finland", "?s <{n}city>/<{n}country> <{b}id/country/finland>"),
        (
            "/doc/case/?year=2018",
            '?s <https://schema.org/startDate> ?d FILTER(STRSTARTS(STR(?d), "2018"))',
        ),
        ("/doc/lab/?country=norway", "?s <{n}city>/<{n}country> <{b}id/country/norway>"),
        ("/doc/city/?type=nscn:SmartCity", "?s a <{n}SmartCity>"),
        ("/doc/city/?country=iceland", "?s <{n}country> <{b}id/country/iceland>"),
        ("/doc/population/?area=municipality", '?s <{n}areaType> "municipality"'),
        ("/doc/organisation/?based-in=oslo", "?s <{n}basedIn> <{b}id/city/oslo>"),
    ],
)
def test_filters_keep_what_sparql_keeps_and_pages_cover_it_once(app, client, path, where):
    segment = urlsplit(path).path.split("/")[2]
    kind = KINDS[segment]
    pattern = where.format(n=BASE + "ontology#", b=BASE)
    expected = {
        r["s"].value
        for r in sparql(app, f"SELECT DISTINCT ?s WHERE {{ ?s a <{kind.iri}> . {pattern} }}")
    }
    assert expected, path  # a filter that keeps nothing would show nothing
    listed = everything(client, path + "&limit=3")
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    # facet counts under the filters are counts of the narrowed set
    body = client.get(path, headers=HTML).get_data(as_text=True)
    assert f"{len(expected)} of the {kind.plural} match the filters" in body


def test_a_facet_value_links_the_narrowed_page_and_back(client):
    body = client.get("/doc/case/", headers=HTML).get_data(as_text=True)
    section = re.search(r'data-facet="theme">(.*?)</section>', body, re.S).group(1)
    href = re.search(r'<a href="([^"]+)"[^>]*>Mobility</a>', section).group(1)
    assert href == "/doc/case/?theme=mobility"
    narrowed = client.get(href, headers=HTML).get_data(as_text=True)
    chosen = re.search(r'data-facet="theme">(.*?)</section>', narrowed, re.S).group(1)
    assert re.search(
        r'<li class="selected"><a href="/doc/case/" aria-current="true">Mobility', chosen
    )
    again = re.search(r'data-facet="city">.*?<a href="([^"]+)"[^>]*>Aarhus</a>', narrowed, re.S)
    assert again.group(1) == "/doc/case/?city=aarhus&amp;theme=mobility"


BAD = {
    "unknown-filter": ("/doc/case/?colour=red", "not a filter of the cases"),
    "page-zero": ("/doc/case/?page=0", "page= is a whole number"),
    "page-text": ("/doc/case/?page=two", "page= is a whole number"),
    "limit-too-big": ("/doc/case/?limit=100000", "limit= is a whole number from 1 to"),
    "page-twice": ("/doc/case/?page=1&page=2", "give it once"),
    "bad-sort": ("/doc/case/?sort=date", "sort= is label"),
    "year-not-a-year": ("/doc/case/?year=last", "year of four digits"),
    "long-value": ("/doc/case/?city=" + "a" * 300, "at most 200"),
    "control-characters": ("/doc/case/?city=a%00b", "control characters"),
    "too-many-values": ("/doc/case/?" + "&".join(f"theme=t{i}" for i in range(30)), "at most 20"),
    "injection": ('/doc/case/?city=x"%29%7D%20DROP%20ALL', None),
}


@pytest.mark.parametrize(("path", "detail"), list(BAD.values()), ids=list(BAD))
def test_bad_filters_are_400_with_a_message(client, path, detail):
    response = client.get(path)
    if detail is None:  # a value no thing has: an empty page, never query syntax
        assert response.status_code == 200
        assert links(response)["first"].startswith("/doc/case/")
        return
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert detail in response.get_json()["detail"]
    page = client.get(path, headers=HTML)
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_an_unknown_kind_is_404(client):
    for path in ("/doc/unicorn/", "/id/unicorn/"):
        response = client.get(path)
        assert response.status_code == 404
        assert "/doc/ lists the kinds" in response.get_json()["detail"]


def test_unacceptable_is_406_in_one_shape(client):
    response = client.get("/doc/case/", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/csv" in response.get_json()["offered"]


def test_a_kind_costs_a_bounded_number_of_queries_and_a_page_none(monkeypatch):
    """Each kind's things are read once, in at most MAX_QUERIES queries whatever their number;
    pages, filters and facet counts then ask the store nothing."""
    from nscn_graph.stores.memory import EmbeddedStore

    asked: list[str] = []
    original = EmbeddedStore.query

    def counting(self, query, **kw):
        asked.append(query)
        return original(self, query, **kw)

    monkeypatch.setattr(EmbeddedStore, "query", counting)
    app = create_app({"TESTING": True})
    store = app.extensions["nscn"].store
    prepared = app.extensions["nscn.browse"]
    assert set(prepared) == set(KINDS)
    for segment in ("case", "lab", "theme"):
        asked.clear()
        collection.prepare(
            store, KINDS[segment], base=BASE, prefixes=app.extensions["nscn"].prefixes
        )
        assert 1 <= len(asked) <= collection.MAX_QUERIES, segment
    client = app.test_client()
    asked.clear()
    for path in (
        "/doc/case/",
        "/doc/case/?city=aarhus&theme=mobility&page=1",
        "/doc/city/?format=csv",
    ):
        assert client.get(path, headers=HTML).status_code == 200
    assert asked == []


def test_the_kinds_index_lists_every_browse_page(client):
    body = client.get("/doc/", headers=HTML).get_data(as_text=True)
    for segment in KINDS:
        assert f'href="/doc/{segment}/"' in body
    listed = client.get("/doc/", headers={"Accept": "application/json"}).get_json()["kinds"]
    assert [k["kind"] for k in listed] == list(KINDS)


def test_the_landing_page_links_the_browse_pages(client):
    body = client.get("/", headers=HTML).get_data(as_text=True)
    assert 'href="/doc/case/"' in body and 'href="/doc/lab/"' in body
    assert 'href="/doc/city/?type=nscn%3ASmartCity"' in body  # member cities among cities


def test_browse_over_the_persistent_store(tmp_path, client):
    folder = tmp_path / "store"
    write_persistent(EmbeddedStore.from_files(paths.data_files()).triples(), folder)
    app = create_app(
        {"TESTING": True, "STORE": f"oxigraph:{folder}", "DIST": str(tmp_path / "dist")}
    )
    other = app.test_client()
    for path in ("/doc/case/?theme=mobility&format=csv", "/doc/lab/?format=csv&limit=5&page=2"):
        assert other.get(path).data == client.get(path).data, path


@pytest.mark.stores
def test_browse_over_a_remote_store(tmp_path_factory, tmp_path, client):
    import storeservers
    from conftest import run_cli

    try:
        running = storeservers.start_oxigraph(tmp_path_factory.mktemp("oxigraph-browse"))
    except FileNotFoundError as exc:
        pytest.skip(f"!!! OXIGRAPH SERVER MISSING: {exc} !!!")
    try:
        loaded = run_cli("load", "--store", running.spec, env={"NSCN_DIST": str(tmp_path)})
        assert loaded.code == 0, loaded.err
        app = create_app({"TESTING": True, "STORE": running.spec, "DIST": str(tmp_path)})
        remote = app.test_client()
        for path in ("/doc/case/?theme=mobility&format=csv", "/doc/city/?format=csv&limit=9"):
            assert remote.get(path).data == client.get(path).data, path
    finally:
        running.stop()


@pytest.mark.http
def test_browse_over_http(live_server):
    response = requests.get(live_server + "/id/case/?theme=mobility", timeout=10)
    assert response.status_code == 200 and response.history[0].status_code == 303
    assert response.url == live_server + "/doc/case/?theme=mobility"
    table = list(
        csv.DictReader(
            io.StringIO(
                requests.get(live_server + "/doc/case/?theme=mobility&format=csv", timeout=10).text,
                newline="",
            )
        )
    )
    assert table and all("Mobility" in row["theme"] for row in table)
    paged = requests.get(
        live_server + "/doc/case/?limit=5", timeout=10, headers={"Accept": "application/ld+json"}
    )
    assert paged.links["next"]["url"] == "/doc/case/?limit=5&page=2"
    assert json.loads(paged.text)
    bad = requests.get(live_server + "/doc/case/?page=-1", timeout=10)
    assert bad.status_code == 400
    assert bad.headers["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/id/case", "/doc/case", "/doc/case?theme=mobility"])
def test_a_collection_without_its_slash_is_301_to_its_canonical_iri(client, path):
    response = client.get(path)
    assert response.status_code == 301
    where, _, query = path.partition("?")
    assert response.headers["Location"] == where + "/" + (f"?{query}" if query else "")
