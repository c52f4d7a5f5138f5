"""The query editor's autocompletion and result views in a real headless browser (the harness
of ``test_browser.py``: Debian's chromium through Playwright, requests to any other host
refused and recorded, console errors fail the test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from test_browser import Visit, browser  # noqa: F401 - the module's browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.http]

GSP = "PREFIX gsp: <http://www.opengis.net/ont/geosparql#>\n"
WKT_QUERY = GSP + (
    "SELECT ?city ?name ?wkt WHERE { ?city a nscn:SmartCity ; rdfs:label ?name ; "
    'gsp:hasGeometry/gsp:asWKT ?wkt FILTER(lang(?name) = "en") }'
)
LATLONG_QUERY = (
    "SELECT ?name ?lat ?long WHERE { ?c a nscn:SmartCity ; rdfs:label ?name ; "
    'geo:lat ?lat ; geo:long ?long FILTER(lang(?name) = "en") }'
)
CHART_QUERY = (
    "SELECT ?city (COUNT(?lab) AS ?labs) WHERE { ?lab a nscn:LivingLab ; nscn:city/rdfs:label "
    '?city FILTER(lang(?city) = "en") } GROUP BY ?city ORDER BY DESC(?labs) ?city'
)


@pytest.fixture()
def visit(browser, live_server) -> Iterator[Visit]:  # noqa: F811
    opened = Visit(browser, live_server)
    opened.open("/sparql")
    opened.page.wait_for_function("() => window.nscnYasgui && window.nscnYasgui.getTab()")
    yield opened
    opened.close()


def type_after(visit: Visit, before: str, typed: str) -> list[str]:
    """Put ``before`` in the editor, type ``typed`` at its end as a person would, and return
    the completions offered."""
    page = visit.page
    page.evaluate(
        """(text) => { const y = window.nscnYasgui.getTab().getYasqe();
        y.setValue(text); y.focus(); y.setCursor(y.lastLine(), 10000); }""",
        before,
    )
    page.keyboard.type(typed, delay=40)
    hints = page.locator(".CodeMirror-hints li")
    hints.first.wait_for(timeout=10_000)
    return hints.all_inner_texts()


def editor_text(visit: Visit) -> str:
    return visit.page.evaluate("() => window.nscnYasgui.getTab().getYasqe().getValue()")


@pytest.mark.parametrize(
    ("before", "typed", "offered", "inserted"),
    [
        ("SELECT * WHERE {\n  ?x a ", "nscn:Liv", "nscn:LivingLab", "?x a nscn:LivingLab"),
        ("SELECT * WHERE {\n  ?x a ", "Living", "nscn:LivingLab", "?x a nscn:LivingLab"),
        ("SELECT * WHERE {\n  ?x ", "nscn:ci", "nscn:city", "?x nscn:city"),
        ("SELECT * WHERE {\n  ?x nscn:city ", "city:aar", "city:aarhus", "nscn:city city:aarhus"),
    ],
    ids=["class-prefixed", "class-by-label", "property", "thing"],
)
def test_autocompletion_offers_the_graphs_terms_as_prefixed_names(
    visit, before, typed, offered, inserted
):
    hints = type_after(visit, before, typed)
    texts = [h.split("  \u2014 ")[0] for h in hints]
    assert offered in texts, hints
    assert all(" \u2014 " in h for h in hints)  # each with its label
    chosen = texts.index(offered)
    for _ in range(chosen):
        visit.page.keyboard.press("ArrowDown")
    visit.page.keyboard.press("Enter")
    assert inserted in editor_text(visit)
    visit.assert_clean()


def test_the_completions_come_from_this_server(visit, live_server):
    body = requests.get(live_server + "/sparql/terms?role=class&q=nscn:Liv", timeout=10).json()
    assert body["results"][0]["curie"] == "nscn:LivingLab"
    with visit.page.expect_request(lambda r: "/sparql/terms?role=property" in r.url):
        type_after(visit, "SELECT * WHERE {\n  ?x ", "nscn:coun")
    visit.assert_clean()


def run(visit: Visit, query: str) -> None:
    visit.page.evaluate(
        "(q) => { const t = window.nscnYasgui.getTab(); t.setQuery(q); return t.query(); }", query
    )
    visit.page.locator("#yasgui table").first.wait_for(state="visible", timeout=20_000)


@pytest.mark.parametrize("query", [WKT_QUERY, LATLONG_QUERY], ids=["wkt", "lat-long"])
def test_the_map_view_places_every_city_on_the_bundled_outlines(visit, query):
    run(visit, query)
    page = visit.page
    page.locator(".yasr .select_map").click()
    figure = page.locator("figure.nscn-result-map")
    markers = figure.locator("svg circle.marker")
    markers.first.wait_for(timeout=10_000)
    assert markers.count() == 14
    assert figure.locator("svg path.land").count() >= 5
    box = figure.locator("svg").bounding_box()
    for i in range(markers.count()):
        marker = markers.nth(i).bounding_box()
        assert box["x"] <= marker["x"] <= box["x"] + box["width"]
        assert box["y"] <= marker["y"] <= box["y"] + box["height"]
    assert "14 of 14 places on the map" in figure.locator("figcaption").inner_text()
    titles = figure.locator("svg circle.marker title").all_text_contents()
    assert "Tromsø" in titles and "Reykjavík" in titles
    visit.assert_clean()


def test_a_map_marker_links_the_things_page(visit):
    run(visit, WKT_QUERY)
    visit.page.locator(".yasr .select_map").click()
    link = visit.page.locator('figure.nscn-result-map svg a.place[href="/id/city/tromso"]')
    link.wait_for(timeout=10_000)
    visit.assert_clean()


def test_the_chart_view_draws_a_bar_per_row(visit, live_server):
    expected = requests.get(
        live_server + "/sparql",
        params={"query": CHART_QUERY},
        headers={"Accept": "application/sparql-results+json"},
        timeout=10,
    ).json()["results"]["bindings"]
    run(visit, CHART_QUERY)
    page = visit.page
    page.locator(".yasr .select_chart").click()
    bars = page.locator("svg.nscn-result-chart rect.bar")
    bars.first.wait_for(timeout=10_000)
    assert bars.count() == len(expected)
    widths = [float(bars.nth(i).get_attribute("width")) for i in range(bars.count())]
    counts = [int(row["labs"]["value"]) for row in expected]
    assert widths.index(max(widths)) == counts.index(max(counts))
    assert all(w > 0 for w in widths)
    titles = page.locator("svg.nscn-result-chart rect.bar title").all_text_contents()
    assert titles[0] == f"{expected[0]['city']['value']}: {expected[0]['labs']['value']}"
    visit.assert_clean()


def test_views_that_cannot_show_a_result_are_not_offered(visit):
    run(visit, "SELECT ?s WHERE { ?s a nscn:Theme } LIMIT 3")
    assert "disabled" in visit.page.locator(".yasr .select_map").get_attribute("class")
    assert "disabled" in visit.page.locator(".yasr .select_chart").get_attribute("class")
    visit.assert_clean()
