"""Pages in a real headless browser: Debian's chromium driven by Playwright, against the live
server (gunicorn). Requests to any other host are refused and recorded, as on a machine with no
internet: the pages must not need them.

Deselect with ``-m 'not browser'``. Chromium comes from Debian (``make browser``), never from
``playwright install``; if it cannot be found these tests are skipped, loudly.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rdflib
import requests

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None
)
if CHROMIUM is None:
    pytest.skip(
        "BROWSER TESTS SKIPPED: Debian chromium not found; install it with `make browser` "
        "(apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from nscn_graph import formats  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.http]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BASE = "https://w3id.org/nscn/"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


class Visit:
    """A page whose console errors, page errors and off-host requests are recorded."""

    def __init__(
        self, browser: Browser, server: str, locale: str = "en-GB", javascript: bool = True
    ) -> None:
        self.context = browser.new_context(locale=locale, java_script_enabled=javascript)
        self.errors: list[str] = []
        self.offsite: list[str] = []
        host = urlsplit(server).netloc
        self.server = server

        def route(route):
            if urlsplit(route.request.url).netloc == host:
                route.continue_()
            else:
                self.offsite.append(route.request.url)
                route.abort()

        self.context.route("**/*", route)
        self.page: Page = self.context.new_page()
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, path: str):
        response = self.page.goto(self.server + path, wait_until="load")
        assert response is not None and response.ok, path
        return response

    def close(self) -> None:
        self.context.close()

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.offsite == []


@pytest.fixture()
def visit(browser, live_server) -> Iterator[Visit]:
    opened = Visit(browser, live_server)
    yield opened
    opened.close()


def test_landing_page_draws_the_map_without_errors(visit):
    visit.open("/")
    page = visit.page
    assert page.locator("h1").inner_text() == "Nordic Smart City Network knowledge graph"
    svg = page.locator("svg.map").first
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 150
    markers = page.locator("svg.map a.place circle.marker")
    assert markers.count() == 14
    for i in range(markers.count()):
        assert markers.nth(i).is_visible()
        marker = markers.nth(i).bounding_box()
        assert box["x"] <= marker["x"] <= box["x"] + box["width"]
        assert box["y"] <= marker["y"] <= box["y"] + box["height"]
    assert page.locator("svg.map path.land.member").count() >= 5
    visit.assert_clean()


def test_a_map_marker_leads_to_the_city_page(visit):
    visit.open("/")
    visit.page.locator('svg.map a[href="/id/city/tromso"]').click()
    visit.page.wait_for_url("**/doc/city/tromso")
    assert visit.page.locator("h1").inner_text() == "Tromsø"
    visit.assert_clean()


def test_city_page_links_each_of_its_labs_and_cases(visit, live_server):
    response = visit.open("/id/city/aarhus")
    assert response.url.endswith("/doc/city/aarhus")
    page = visit.page
    assert page.locator("h1").inner_text() == "Aarhus"
    turtle = requests.get(live_server + "/doc/city/aarhus.ttl", timeout=10).text
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    nscn = rdflib.Namespace(BASE + "ontology#")
    aarhus = rdflib.URIRef(BASE + "id/city/aarhus")
    linked = [str(s) for s in graph.subjects(nscn.city, aarhus)]
    labs = [s for s in linked if "/id/lab/" in s]
    cases = [s for s in linked if "/id/case/" in s]
    assert labs and cases
    for iri in labs + cases:
        link = page.locator(f'a[href="/{iri[len(BASE) :]}"]').first
        assert link.is_visible(), iri
        assert link.inner_text() == english(graph, iri)
    assert page.locator("svg.map.small circle.marker").is_visible()
    lab = labs[0]
    page.locator(f'a[href="/{lab[len(BASE) :]}"]').first.click()
    page.wait_for_url(f"**/doc/{lab[len(BASE) + 3 :]}")
    assert page.locator("h1").inner_text() == str(
        graph.value(rdflib.URIRef(lab), rdflib.RDFS.label)
    )
    visit.assert_clean()


def english(graph: rdflib.Graph, iri: str) -> str:
    labels = graph.objects(rdflib.URIRef(iri), rdflib.RDFS.label)
    return next(str(label) for label in labels if label.language == "en")


def test_page_embeds_its_data_for_scrapers(visit):
    visit.open("/doc/city/oslo")
    # the first script is its data; the second its schema.org type, for search engines
    data = visit.page.locator('script[type="application/ld+json"]').first.text_content()
    graph = rdflib.Graph().parse(data=data, format="json-ld")
    assert (rdflib.URIRef(BASE + "id/city/oslo"), None, None) in graph
    alternates = visit.page.locator('link[rel="alternate"]')
    # Turtle, JSON-LD, N-Triples, RDF/XML, and TriG, N-Quads with the records' graphs
    assert alternates.count() == len(formats.THING_FORMATS) - 1
    visit.assert_clean()


def test_label_in_the_browsers_language(browser, live_server):
    danish = Visit(browser, live_server, locale="da-DK")
    try:
        danish.open("/id/city/copenhagen")
        assert danish.page.locator("h1").inner_text() == "København"
        danish.assert_clean()
    finally:
        danish.close()


@pytest.mark.parametrize(
    "path", ["/doc/country/norway", "/doc/case/nordic-urban-living-labs", "/ontology", "/shapes"]
)
def test_other_pages_load_cleanly(visit, path):
    visit.open(path)
    assert visit.page.locator("h1").first.is_visible()
    visit.assert_clean()


ACCESSIBILITY = """() => {
  const problems = [];
  if (!document.documentElement.lang) problems.push("html has no lang");
  if (document.querySelectorAll("h1").length !== 1) problems.push("not exactly one h1");
  for (const a of document.querySelectorAll("a[href]")) {
    const name = (a.textContent || a.getAttribute("aria-label") || a.title || "").trim();
    if (!name) problems.push("link without text: " + a.getAttribute("href"));
  }
  for (const svg of document.querySelectorAll("svg")) {
    if (svg.getAttribute("role") !== "img" || !svg.getAttribute("aria-label"))
      problems.push("svg without role=img and aria-label");
  }
  for (const img of document.querySelectorAll("img")) {
    if (!img.hasAttribute("alt")) problems.push("img without alt");
  }
  return problems;
}"""


@pytest.mark.parametrize(
    "path", ["/", "/doc/city/aarhus", "/doc/country/finland", "/doc/lab/aarhus-city-lab", "/shapes"]
)
def test_pages_meet_basic_accessibility_checks(visit, path):
    visit.open(path)
    assert visit.page.evaluate(ACCESSIBILITY) == []
    visit.assert_clean()


def test_pages_are_readable_without_javascript(browser, live_server):
    plain = Visit(browser, live_server, javascript=False)
    try:
        plain.open("/id/city/aarhus")
        assert plain.page.locator("h1").inner_text() == "Aarhus"
        assert plain.page.locator('a[href="/id/lab/aarhus-city-lab"]').first.is_visible()
        assert plain.page.locator("svg.map.small circle.marker").is_visible()
        plain.open("/")
        assert plain.page.locator("svg.map a.place circle.marker").count() == 14
        plain.assert_clean()
    finally:
        plain.close()


def test_ontology_term_anchor_lands_on_the_term(visit):
    visit.open("/ontology#LivingLab")
    assert visit.page.locator("#LivingLab").is_visible()
    assert "Living lab" in visit.page.locator("#LivingLab h3").inner_text()
    visit.assert_clean()


def test_query_editor_runs_a_query_and_shows_a_table(visit, live_server):
    visit.open("/sparql")
    page = visit.page
    page.locator("button.example").first.click()
    table = page.locator("#yasgui table")
    table.first.wait_for(state="visible", timeout=20_000)
    page.get_by_text("Aarhus").first.wait_for(timeout=20_000)
    assert table.first.locator("tr").count() > 1
    visit.assert_clean()


def test_landing_example_opens_in_the_query_editor(visit, live_server):
    visit.open("/")
    link = visit.page.locator("a.run").first
    navigation_accept = (
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
        "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
    )
    answer = requests.get(
        live_server + link.get_attribute("href"),
        headers={"Accept": navigation_accept},
        timeout=10,
    )
    if not answer.headers.get("Content-Type", "").startswith("text/html"):
        pytest.xfail(
            "/sparql answers a browser's GET ?query= with results, not with the editor "
            "pre-filled: the endpoint must give the editor to clients that prefer text/html"
        )
    link.click()
    table = visit.page.locator("#yasgui table")
    table.first.wait_for(state="visible", timeout=20_000)
    visit.page.get_by_text("Aarhus").first.wait_for(timeout=20_000)
    visit.assert_clean()


def _editor(visit, live_server):
    probe = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=10)
    assert probe.status_code == 200
    visit.open("/sparql")
    visit.page.wait_for_function("() => window.nscnYasgui && window.nscnYasgui.getTab()")


CHECK_SYNTAX = """(query) => {
  const yasqe = window.nscnYasgui.getTab().getYasqe();
  yasqe.setValue(query);
  yasqe.checkSyntax();
  const marks = [];
  for (let line = 0; line < yasqe.lineCount(); line++) {
    const mark = (yasqe.lineInfo(line).gutterMarkers || {}).gutterErrorBar;
    if (!mark) continue;
    mark.onmouseover();  // the warning's tooltip, as when hovering over it
    marks.push(mark.querySelector(".yasqe_tooltip").textContent);
  }
  return {valid: yasqe.queryValid, marks: marks};
}"""


def test_query_editor_knows_the_predeclared_prefixes(visit, live_server):
    _editor(visit, live_server)
    page = visit.page
    query = "SELECT ?lab WHERE {\n  ?lab a nscn:LivingLab ; nscn:city city:aarhus ;\n"
    query += "    rdfs:label ?name .\n}"
    checked = page.evaluate(CHECK_SYNTAX, query)
    assert checked == {"valid": True, "marks": []}
    # a prefix the endpoint does not know is still an error in the editor
    unknown = page.evaluate(CHECK_SYNTAX, "SELECT * WHERE { ?s foo:bar ?o }")
    assert unknown["valid"] is False
    assert any("foo" in mark and "not defined" in mark for mark in unknown["marks"])
    # ... and the query without PREFIX lines runs
    page.evaluate(CHECK_SYNTAX, query)
    page.evaluate("() => window.nscnYasgui.getTab().query()")
    page.locator("#yasgui table").first.wait_for(state="visible", timeout=20_000)
    page.get_by_text("aarhus-city-lab").first.wait_for(timeout=20_000)
    visit.assert_clean()


def test_query_editor_shows_the_error_with_line_and_column(visit, live_server):
    _editor(visit, live_server)
    page = visit.page
    query = "SELECT * WHERE {\n  ?s ?p\n}"
    problem = requests.post(live_server + "/sparql", data={"query": query}, timeout=10).json()
    page.evaluate(CHECK_SYNTAX, query)
    page.evaluate("() => window.nscnYasgui.getTab().query().catch(() => null)")
    box = page.locator("#yasgui .query-error")
    box.wait_for(state="visible", timeout=20_000)
    text = box.inner_text()
    assert "Malformed query (400)" in text
    assert f"Line {problem['line']}, column {problem['column']}" in text
    assert problem["line"] == 3 and problem["detail"] in text
    assert '"type"' not in text and "{" not in text.split("\n")[0]
    detail = box.locator(".query-error-detail")
    assert detail.is_visible()
    width = page.evaluate("() => document.querySelector('#yasgui .query-error').scrollWidth")
    assert width <= box.bounding_box()["width"] + 1  # the message wraps, nothing is cut off
    assert page.locator(".CodeMirror .query-error-line").count() == 1
    # the browser itself reports the failed request (400); the page adds no error of its own
    assert all("status of 400" in error for error in visit.errors), visit.errors
    assert visit.offsite == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/doc/city/aarhus",
        "/doc/country/finland",
        "/doc/lab/aarhus-city-lab",
        "/doc/case/nordic-urban-living-labs",
        "/doc/theme/mobility",
        "/doc/organisation/nordic-smart-city-network",
        "/ontology",
        "/shapes",
        "/sparql",
        "/dumps/",
        "/validate",
        "/catalog",
        "/dataset",
        "/.well-known/void",
    ],
)
def test_every_page_has_the_navigation_and_an_icon(visit, path):
    visit.open(path)
    page = visit.page
    page.wait_for_load_state("networkidle")
    nav = page.locator('nav.site[aria-label="Site"] a')
    assert nav.all_inner_texts() == ["Home", "Browse", "Query", "Data", "Validate"]
    for i in range(nav.count()):
        assert nav.nth(i).is_visible()
    # The icon the browser asks for by itself (Playwright lets requests for a path ending in
    # /favicon.ico bypass its routing, so the page fetches it with a query string).
    icon = page.evaluate(
        "() => fetch('/favicon.ico?from-the-page')"
        ".then((r) => [r.status, r.headers.get('content-type')])"
    )
    assert icon == [200, "image/vnd.microsoft.icon"]
    visit.assert_clean()


def test_the_navigation_takes_a_reader_to_the_validator(visit):
    visit.open("/doc/city/oslo")
    visit.page.locator("nav.site a", has_text="Validate").click()
    visit.page.wait_for_url("**/validate")
    assert visit.page.locator("h1").inner_text() == "Validate RDF against the shapes"
    visit.assert_clean()


def test_validation_form_and_report_fit_the_page_column(visit):
    visit.page.set_viewport_size({"width": 700, "height": 900})  # a narrow window
    visit.open("/validate")
    page = visit.page
    cases = (Path(__file__).parent.parent / "data" / "cases.trig").read_text(encoding="utf-8")
    pasted = cases.replace("<https://w3id.org/nscn/id/theme/>", "<https://w3id.org/nscn/id/thme/>")
    page.locator("#data").fill(pasted)
    page.locator("#format").select_option("trig")
    page.locator("#alone").check()
    page.locator("form.validate button[type=submit]").click()
    page.locator("table.report").wait_for(state="visible", timeout=60_000)
    column = page.locator("main").bounding_box()
    for selector in ("table.report", "#data", "form.validate"):
        box = page.locator(selector).bounding_box()
        assert box["x"] >= column["x"] - 1, selector
        assert box["x"] + box["width"] <= column["x"] + column["width"] + 1, selector
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    assert page.locator("#data").input_value() == pasted  # the pasted text is kept
    assert page.locator("#alone").is_checked()
    assert page.locator("table.report tbody tr").count() >= 1
    visit.assert_clean()


def test_validation_error_keeps_the_pasted_text(visit):
    visit.open("/validate")
    page = visit.page
    pasted = "@prefix x: <http://x/> .\nx:a x:b .\n"
    page.locator("#data").fill(pasted)
    with page.expect_navigation():
        page.locator("form.validate button[type=submit]").click()
    assert "RDF syntax error" in page.locator("section.problem").inner_text()
    assert "At line 2, column 9" in page.locator("section.problem").inner_text()
    assert page.locator("#data").input_value() == pasted
    # the browser reports the 400 of the page itself; the page adds no error of its own
    assert all("status of 400" in error for error in visit.errors), visit.errors
    assert visit.offsite == []
