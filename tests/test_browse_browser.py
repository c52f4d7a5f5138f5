"""Browse pages and the data model in a real headless browser (the harness of
``test_browser.py``: Debian's chromium through Playwright, requests to any other host refused
and recorded, console errors fail the test)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser import Visit, browser  # noqa: F401 - the module's browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.http]


@pytest.fixture()
def visit(browser, live_server) -> Iterator[Visit]:  # noqa: F811
    opened = Visit(browser, live_server)
    yield opened
    opened.close()


def test_the_navigation_leads_to_a_browse_page_that_narrows_by_a_facet(visit):
    visit.open("/")
    page = visit.page
    page.locator('nav.site a:text-is("Browse")').click()
    page.wait_for_url("**/doc/")
    page.locator('a[href="/doc/case/"]').first.click()
    page.wait_for_url("**/doc/case/")
    assert page.locator("h1").inner_text() == "Cases"
    everything = page.locator("table.members tbody tr").count()
    page.locator('section.facet[data-facet="theme"] a:text-is("Mobility")').click()
    page.wait_for_url("**/doc/case/?theme=mobility")
    narrowed = page.locator("table.members tbody tr").count()
    assert 0 < narrowed < everything
    assert "match the filters" in page.locator("p.lead").inner_text()
    page.locator("table.members tbody tr a").first.click()
    page.wait_for_url("**/doc/case/*")
    assert "Mobility" in page.locator("body").inner_text()
    visit.assert_clean()


def test_the_pages_of_a_long_list_link_each_other(visit):
    visit.open("/doc/organisation/?limit=10")
    page = visit.page
    first = page.locator("table.members tbody tr a").first.inner_text()
    page.locator('nav.paging a[rel="next"]').click()
    page.wait_for_url("**/doc/organisation/?limit=10&page=2")
    assert page.locator("table.members tbody tr a").first.inner_text() != first
    page.locator('nav.paging a[rel="prev"]').click()
    page.wait_for_url("**/doc/organisation/?limit=10")
    visit.assert_clean()


def test_the_model_diagram_is_drawn_and_leads_to_browse_pages(visit):
    visit.open("/model")
    page = visit.page
    svg = page.locator("figure.model-diagram svg")
    box = svg.bounding_box()
    assert box is not None and box["width"] > 300
    nodes = page.locator("figure.model-diagram svg g.node")
    assert nodes.count() >= 10
    for i in range(nodes.count()):
        assert nodes.nth(i).is_visible()
    page.locator('figure.model-diagram svg a[href="/doc/lab/"]').click()
    page.wait_for_url("**/doc/lab/")
    assert page.locator("h1").inner_text() == "Living labs"
    visit.assert_clean()
