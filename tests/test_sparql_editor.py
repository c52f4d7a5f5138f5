"""The query editor on ``/sparql`` (browsers): bundled YASGUI, nothing from another host,
pre-filled prefixes and examples that return rows."""

from __future__ import annotations

import html
import json
import re

import pytest

from nscn_graph.web import editor

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture()
def page(client) -> str:
    response = client.get("/sparql", headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Accept" in response.headers["Vary"]
    return response.get_data(as_text=True)


def test_editor_page_for_browsers(page):
    assert "SPARQL query editor" in page
    assert 'id="yasgui"' in page
    for example in editor.EXAMPLES:
        assert html.escape(example.name) in page


def test_assets_are_bundled_and_served(client, page):
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert any(a.endswith("yasgui.min.js") for a in assets)
    assert any(a.endswith("yasgui.min.css") for a in assets)
    for asset in assets:
        with client.get(asset) as response:
            assert response.status_code == 200, asset
            assert len(response.data) > 100, asset


def test_nothing_is_loaded_from_another_host(client, page):
    loaded = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="([^"]+)"', page)
    assert loaded and all(url.startswith("/") for url in loaded), loaded
    with client.get("/static/vendor/yasgui/yasgui.min.css") as response:
        css = response.get_data(as_text=True)
    assert not re.search(r"url\(['\"]?(https?:)?//", css)
    assert "@import" not in css


def test_the_editor_turns_off_outside_autocompletion(client):
    with client.get("/static/sparql-editor.js") as response:
        script = response.get_data(as_text=True)
    found = re.search(r"Yasqe\.defaults\.autocompleters = \[([^\]]*)\]", script)
    assert found, "the editor names its autocompleters"
    names = re.findall(r'"([^"]+)"', found.group(1))
    # YASQE's own "class" and "property" ask an outside service (LOV): ours ask this server
    assert names == ["prefixes", "variables", "nscn-classes", "nscn-properties", "nscn-things"]
    assert not re.search(
        r"https?://(?!www\.opengis\.net/ont/geosparql#|www\.w3\.org/2000/svg)", script
    )


def test_prologue_has_the_prefixes(page):
    assert "PREFIX nscn: \\u003chttps://w3id.org/nscn/ontology#\\u003e" in page


@pytest.mark.parametrize("example", editor.EXAMPLES, ids=lambda e: e.name)
def test_examples_return_rows(client, example):
    prologue = editor.prologue(client.application.extensions["nscn"].prefixes)
    response = client.post(
        "/sparql",
        data={"query": prologue + example.query},
        headers={"Accept": "application/sparql-results+json, text/turtle;q=0.9"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    if response.mimetype == "text/turtle":
        assert "aarhus" in response.get_data(as_text=True)
    else:
        rows = response.get_json(force=True)["results"]["bindings"]
        assert len(rows) >= 3


def test_the_editor_is_told_the_predeclared_prefixes(client, page):
    found = re.search(
        r'<script id="sparql-editor-config" type="application/json">(.*?)</script>', page, re.S
    )
    assert found
    config = json.loads(found.group(1))
    assert config["prefixes"] == client.application.extensions["nscn"].prefixes
    assert config["prefixes"]["nscn"] == "https://w3id.org/nscn/ontology#"
    # a query using them with no PREFIX line is one the endpoint answers
    response = client.post(
        "/sparql",
        data={"query": "ASK { ?lab a nscn:LivingLab ; nscn:city city:aarhus }"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.get_json(force=True)["boolean"] is True
