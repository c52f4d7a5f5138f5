"""The header's search box in a real headless browser (the harness of ``test_browser.py``:
Debian's chromium through Playwright, requests to any other host refused and recorded)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from test_browser import Visit, browser  # noqa: F401 - the module's browser fixture

pytestmark = [pytest.mark.browser, pytest.mark.http]


@pytest.fixture()
def visit(browser, live_server) -> Iterator[Visit]:  # noqa: F811
    opened = Visit(browser, live_server, locale="en-GB")
    yield opened
    opened.close()


def test_typing_offers_suggestions_then_enter_shows_results(visit):
    visit.open("/")
    page = visit.page
    box = page.locator("header form[role=search] input[name=q]")
    assert box.is_visible()
    with page.expect_response(lambda r: "/search/suggest?q=tro" in r.url) as answered:
        box.press_sequentially("tro", delay=30)
    assert answered.value.status == 200
    options = page.locator("#site-search-suggestions option")
    options.first.wait_for(state="attached")
    offered = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert offered[0] == "Tromsø" and "Trondheim" in offered
    box.fill("tromso")
    box.press("Enter")
    page.wait_for_url("**/search?q=tromso")
    first = page.locator("ol.search-results li a").first
    assert first.inner_text() == "Tromsø"
    first.click()
    page.wait_for_url("**/doc/city/tromso")
    visit.assert_clean()


def test_punctuation_only_asks_nothing_and_logs_no_error(visit):
    visit.open("/doc/city/aarhus")
    page = visit.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/search/suggest" in r.url else None)
    page.locator("#site-search").press_sequentially('"*', delay=30)
    page.wait_for_timeout(400)  # longer than the box waits before it asks
    assert asked == []
    visit.assert_clean()


def test_the_results_page_corrects_a_typo(visit):
    visit.open("/search?q=stavanegr")
    page = visit.page
    assert "Did you mean" in page.locator("p.did-you-mean").inner_text()
    assert page.locator("ol.search-results li a").first.inner_text() == "Stavanger"
    page.locator("p.did-you-mean a").click()
    page.wait_for_url("**/search?q=stavanger")
    visit.assert_clean()
