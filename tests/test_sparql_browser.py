"""The query editor in a real (headless) browser: it loads from this server only, starts
pre-filled, and an example query shows its results as a table."""

from __future__ import annotations

import shutil
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.http

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture()
def browser_page():
    if not shutil.which(CHROMIUM):
        pytest.skip(
            f"CHROMIUM IS NOT INSTALLED at {CHROMIUM}: the editor was not tried in a browser"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            yield page
        finally:
            browser.close()


def test_editor_runs_an_example_and_shows_a_table(live_server, browser_page):
    page = browser_page
    here = urlsplit(live_server).netloc
    elsewhere: list[str] = []

    def only_here(route):
        if urlsplit(route.request.url).netloc == here:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", only_here)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(live_server + "/sparql")
    page.wait_for_selector(".yasqe .CodeMirror", timeout=20_000)
    editor_text = page.evaluate("window.nscnYasgui.getTab().getQuery()")
    assert "PREFIX nscn:" in editor_text and "SELECT" in editor_text

    page.click("button.example >> nth=0")
    page.wait_for_selector(".yasr table tbody tr", timeout=20_000)
    table = page.inner_text(".yasr table")
    assert "Aarhus" in table and "Tromsø" in table

    assert elsewhere == [], f"the page asked other hosts for {elsewhere}"
    assert errors == [], errors
