"""``/sitemap.xml`` (the Sitemaps protocol 0.9, https://www.sitemaps.org/protocol.html): the page
of every thing in the graph and the collections the server offers, each with ``lastmod`` the
date of the data's release (not the time of the request nor of a file); ``/robots.txt``
(RFC 9309) names it and keeps crawlers out of query answers.

The list of things is read from the store once (the data does not change while a server runs)
and the document is written per request, under the server's URL. A sitemap holds at most
50 000 URLs; the graph is far smaller (past that, a sitemap index would be needed).
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Blueprint, Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from nscn_graph.publish.documents import KEY

from .dumps import dist
from .links import server_url
from .state import published

bp = Blueprint("sitemap", __name__)

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
#: Pages that are not things: the landing page and what it links to.
PAGES = ("", "sparql", "dumps/", "ontology", "shapes", "catalog", ".well-known/void")
#: What crawlers should not fetch: query answers, each URL a new computation.
DISALLOWED = ("/sparql?", "/search?", "/search/suggest")


def init_app(app: Flask) -> None:
    app.extensions["nscn.sitemap"] = None
    app.register_blueprint(bp)


def thing_keys() -> list[str]:
    """``type/slug`` of every thing with a page (aliases and hash IRIs left out), sorted."""
    found = current_app.extensions["nscn.sitemap"]
    if found is None:
        documents = current_app.extensions["nscn.linked"].documents
        prefix = documents.base + "id/"
        rows = published().store.query(
            f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }}'
        )
        keys = set()
        for row in rows:
            iri = row["s"].value
            key = iri[len(prefix) :]
            if KEY.fullmatch(key) and iri not in documents.aliases:
                keys.add(key)
        found = current_app.extensions["nscn.sitemap"] = sorted(keys)
    return found


def collections() -> list[str]:
    """The collection paths the server answers: the other pages, and ``doc/{type}/`` where a
    route serves the things of a type (no longer the document route, which has no such page)."""
    layout = current_app.extensions["nscn.linked"].vocab.layout
    adapter = current_app.url_map.bind("localhost")
    found = list(PAGES)
    for segment in layout.slugs():
        path = f"doc/{segment}/"
        try:
            endpoint, _ = adapter.match("/" + path, method="GET")
        except HTTPException:
            continue
        if endpoint != "linkeddata.document":
            found.append(path)
    return found


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    root = server_url()
    lastmod = dist().manifest["modified"]
    ET.register_namespace("", SITEMAP)
    top = ET.Element(f"{{{SITEMAP}}}urlset")
    for path in [*collections(), *(f"doc/{key}" for key in thing_keys())]:
        url = ET.SubElement(top, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = root + path
        ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = lastmod
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True) + b"\n"
    return Response(body, content_type="application/xml; charset=utf-8")


@bp.get("/robots.txt")
def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in DISALLOWED), "Allow: /", ""]
    lines.append(f"Sitemap: {server_url()}sitemap.xml")
    return Response("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
