"""What every page shares: the site's navigation (``templates/_nav.html``) and the icon
(``/favicon.ico``, :mod:`nscn_graph.web.favicon`)."""

from __future__ import annotations

import re
import struct

import pytest
import requests

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
NAVIGATION = [
    ("/", "Home"),
    ("/doc/", "Browse"),
    ("/sparql", "Query"),
    ("/dumps/", "Data"),
    ("/validate", "Validate"),
]

#: One page of every kind the server renders, with the navigation entry that is current there.
PAGES = {
    "/": "Home",
    "/doc/city/aarhus": "Browse",
    "/doc/country/finland": "Browse",
    "/doc/lab/aarhus-city-lab": "Browse",
    "/doc/case/nordic-urban-living-labs": "Browse",
    "/doc/theme/mobility": "Browse",
    "/doc/organisation/nordic-smart-city-network": "Browse",
    "/ontology": None,
    "/shapes": None,
    "/sparql": "Query",
    "/dumps/": "Data",
    "/validate": "Validate",
    "/catalog": None,
    "/dataset": None,
    "/.well-known/void": None,
    "/doc/city/no-such-city": "Browse",  # the error page
    "/doc/": "Browse",
    "/model": None,
    "/doc/case/": "Browse",
    "/doc/case/?theme=mobility": "Browse",
}


def _navigation(body: str) -> tuple[list[tuple[str, str]], list[str]]:
    nav = re.search(r'<nav class="site" aria-label="Site">(.*?)</nav>', body, re.S)
    assert nav, "no site navigation"
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1))
    current = re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', nav.group(1))
    return links, current


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_has_the_site_navigation(client, path):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    links, current = _navigation(body)
    assert links == NAVIGATION
    assert current == ([PAGES[path]] if PAGES[path] else [])
    assert body.count('<nav class="site"') == 1
    assert '<link rel="icon" href="/favicon.ico"' in body or path == "/ontology"


def test_the_navigation_leads_somewhere(client):
    for href, _label in NAVIGATION:
        response = client.get(href.partition("#")[0], headers={"Accept": BROWSER})
        assert response.status_code == 200, href
    kinds = client.get("/doc/", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert 'href="/doc/case/"' in kinds  # "Browse" lists the browse page of each kind


def test_the_validation_report_page_has_the_navigation(client):
    response = client.post(
        "/validate",
        data={"data": "<http://a/s> <http://a/p> <http://a/o> ."},
        headers={"Accept": BROWSER},
    )
    links, current = _navigation(response.get_data(as_text=True))
    assert links == NAVIGATION and current == ["Validate"]


def _is_icon(data: bytes) -> bool:
    """An ICO file: reserved 0, type 1, at least one image, whose bytes lie inside the file."""
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    if (reserved, kind) != (0, 1) or count < 1:
        return False
    size, offset = struct.unpack("<II", data[14:22])
    return offset + size <= len(data) and data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert _is_icon(response.data)
    assert response.cache_control.max_age >= 86400 and response.cache_control.public
    etag = response.headers["ETag"]
    again = client.get("/favicon.ico", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.http
def test_favicon_over_http(live_server):
    response = requests.get(live_server + "/favicon.ico", timeout=10)
    assert response.status_code == 200 and _is_icon(response.content)
    assert "max-age" in response.headers["Cache-Control"]
    assert response.headers["ETag"]
