"""The landing page: what the graph is, counts, an offline map of the member cities, the cities
by country, example queries that open in the query editor, and links to everything else."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from htmlpage import Page

from nscn_graph.namespaces import NSCN

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture()
def landing(client):
    response = client.get("/", headers={"Accept": BROWSER})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_map_has_a_linked_marker_per_member_city(app, landing):
    members = app.extensions["nscn"].summary.count(str(NSCN.SmartCity))
    assert members == 14
    svg = landing[landing.index("<svg") : landing.index("</svg>")]
    markers = re.findall(r'<a href="(/id/city/[a-z-]+)" class="place"><circle class="marker"', svg)
    assert len(markers) == members == len(set(markers))
    assert "/id/city/reykjavik" in markers and "/id/city/tromso" in markers
    for code in ("DK", "NO", "SE", "FI", "IS"):
        assert f'class="land member" data-country="{code}"' in svg
    assert 'role="img"' in svg and "<title>" in svg


def test_page_loads_nothing_from_another_host(landing):
    for attribute in re.findall(r'(?:src|href)="([^"]+)"', landing):
        if attribute.startswith("http"):
            # only plain links to other sites, never assets: no <script src>, <img>, <link>
            assert f'<a href="{attribute}"' in landing or f"<a href='{attribute}'" in landing
    assert "<img" not in landing
    # scripts are the server's own (the header's search box), never another host's
    assert all(src.startswith("/static/") for src in re.findall(r'<script src="([^"]*)"', landing))


def test_cities_are_listed_by_country_with_links(landing):
    shown = Page(landing)
    countries = ["Denmark", "Finland", "Iceland", "Norway", "Sweden"]
    positions = [landing.index(f">{name}</a></h3>") for name in countries]
    assert positions == sorted(positions)
    assert ("/id/country/norway", "Norway") in shown.anchors
    assert ("/id/city/tromso", "Tromsø") in shown.anchors
    assert ("/id/city/copenhagen", "Copenhagen") in shown.anchors


def counts_table(landing: str) -> dict[str, str]:
    table = landing[landing.index('<table class="counts">') : landing.index("</table>")]
    rows = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]*)(?:</a>)?</th><td>([^<]*)</td>', table)
    return dict(rows)


def test_counts_per_kind(app, landing):
    """The landing page counts each kind the page annotations mark ``nscn:counted``, in their
    order, with the number of distinct instances the store holds."""
    store = app.extensions["nscn"].store
    layout = app.extensions["nscn.linked"].vocab.layout
    shown = counts_table(landing)
    kinds = layout.counted
    assert [k.plural for k in kinds] == [label for label in shown if label != "triples"]
    assert {k.plural for k in kinds} >= {"member cities", "countries", "living labs", "cases"}
    for kind in kinds:
        rows = list(store.query(f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{kind.iri}> }}"))
        assert shown[kind.plural] == rows[0]["n"].value, kind.plural
    assert shown["member cities"] == "14"


def test_each_count_links_its_browse_page_and_a_query_that_lists_those_things(client, app, landing):
    """The name of a kind opens its browse page, which lists as many things as the count says;
    beside it, a link opens the query editor with a query that lists them (as many rows)."""
    shown = Page(landing)
    table = landing[landing.index('<table class="counts">') : landing.index("</table>")]
    counted = counts_table(landing)
    rows = re.findall(
        r'<th scope="row"><a href="([^"]+)"[^>]*>([^<]*)</a></th><td>[^<]*</td>'
        r'<td><a class="query" href="([^"]+)"',
        table,
    )
    assert {label for _, label, _ in rows} == set(counted) - {"triples"}
    graph = app.extensions["nscn"]
    for browse, label, href in rows:
        assert href in shown.hrefs and href.startswith("/sparql?query=")
        query = parse_qs(urlsplit(href).query)["query"][0]
        answer = list(graph.store.query(query, prefixes=graph.prefixes))
        assert len({row["thing"].value for row in answer}) == int(counted[label]), label
        assert browse.startswith("/doc/"), label
        whole = browse + ("&" if "?" in browse else "?") + "limit=500"
        listed = client.get(whole, headers={"Accept": "text/csv"})
        assert listed.status_code == 200, browse
        assert len(listed.get_data(as_text=True).splitlines()) - 1 == int(counted[label]), label


def test_example_queries_open_in_the_query_editor_and_run(client, landing):
    shown = Page(landing)
    runs = [href for href in shown.hrefs if href.startswith("/sparql?query=")]
    assert len(runs) >= 4
    from nscn_graph.web.state import published

    with client.application.app_context():
        graph = published()
        for href in runs:
            query = parse_qs(urlsplit(href).query)["query"][0]
            rows = list(graph.store.query(query, prefixes=graph.prefixes))
            assert rows, query


@pytest.mark.parametrize(
    "href", ["/dumps/", "/.well-known/void", "/catalog", "/ontology", "/shapes", "/sparql"]
)
def test_links_to_the_rest_of_the_service(landing, href):
    assert f'href="{href}"' in landing
