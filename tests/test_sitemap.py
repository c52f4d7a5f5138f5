"""``/sitemap.xml`` and ``/robots.txt`` (``nscn_graph.web.sitemap``): exactly the things of the
graph and the collections, dated by the release; robots names the sitemap."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest

from nscn_graph.publish.build import read_manifest

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
BASE = "https://w3id.org/nscn/"
THING = re.compile(re.escape(BASE) + r"id/([a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*)")


def _urls(client) -> dict[str, str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{NS}urlset"
    return {u.findtext(f"{NS}loc"): u.findtext(f"{NS}lastmod") for u in root.findall(f"{NS}url")}


def test_the_sitemap_lists_exactly_the_things_of_the_graph(client, bundled):
    graph = bundled.to_rdflib()
    aliases = {
        str(row[0]) for row in graph.query(f"SELECT ?a WHERE {{ ?a <{BASE}ontology#aliasOf> ?c }}")
    }
    things = {
        match[1]
        for s in set(graph.subjects())
        if (match := THING.fullmatch(str(s))) and str(s) not in aliases
    }
    assert len(things) > 100
    listed = {
        url.removeprefix("http://localhost/doc/")
        for url in _urls(client)
        if url.startswith("http://localhost/doc/") and not url.endswith("/")
    }
    assert listed == things
    assert "city/kobenhavn" not in listed and "city/copenhagen" in listed  # the alias is not


def test_every_listed_page_answers(client):
    for url in list(_urls(client))[:40]:
        response = client.get(url.replace("http://localhost", ""), headers={"Accept": "text/html"})
        assert response.status_code == 200, url


def test_the_sitemap_lists_the_collections(client):
    urls = _urls(client)
    for path in ("", "sparql", "dumps/", "ontology", "shapes", "catalog"):
        assert f"http://localhost/{path}" in urls


def test_lastmod_is_the_release_date(client, dist):
    modified = read_manifest(dist)["modified"]
    assert set(_urls(client).values()) == {modified}


@pytest.mark.parametrize("base_url", ["http://localhost/", "https://example.org/nscn/"])
def test_robots_names_the_sitemap(client, base_url):
    response = client.get("/robots.txt", base_url=base_url)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert f"Sitemap: {base_url}sitemap.xml" in lines
    assert "User-agent: *" in lines and "Disallow: /sparql?" in lines
    assert response.headers["ETag"] and response.headers["Cache-Control"]
