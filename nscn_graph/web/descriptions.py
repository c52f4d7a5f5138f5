"""The dataset's descriptions for harvesters: ``/.well-known/void`` (W3C VoID §6.2),
``/catalog`` (DCAT-AP 3) and ``/dataset`` (both, describing ``{base}dataset``).

They are read from the build (``void.ttl``, ``catalog.ttl``), never recomputed per request.
Their links to the server are moved under the ``PUBLIC_URL`` setting, or the URL the request
came in on when it is unset; the result is cached per URL. RDF is chosen by content
negotiation (RFC 9110 §12.5.1, Turtle preferred), with ``Vary: Accept``, an ``ETag`` and
conditional requests.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from threading import Lock

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, request

from nscn_graph import formats
from nscn_graph.graph.load import parse_file
from nscn_graph.graph.serialize import serialize
from nscn_graph.namespaces import PREFIXES, SPDX, VCARD
from nscn_graph.publish import metadata
from nscn_graph.publish.build import CATALOG_FILE, VOID_FILE
from nscn_graph.publish.metadata import relink

from .dumps import Dist, dist
from .links import server_url
from .negotiation import alternates, negotiate

bp = Blueprint("descriptions", __name__)

#: Prefixes of the descriptions' serialisations.
DESCRIPTION_PREFIXES = {
    **{p: PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "dcterms", "dcat", "void", "foaf", "skos")},
    "spdx": str(SPDX),
    "vcard": str(VCARD),
}
#: RDF first (Turtle wins ties and ``*/*``); a page for browsers, which ask for HTML.
OFFERS = formats.DOCUMENT_FORMATS
TITLES = {
    "void": "VoID description of the dataset",
    "catalog": "DCAT-AP 3 catalogue",
    "dataset": "The dataset: VoID and DCAT-AP",
}
PATHS = {"void": "/.well-known/void", "catalog": "/catalog", "dataset": "/dataset"}
#: Distinct server URLs whose rewritten descriptions are kept (requests name the host).
CACHE_SIZE = 16


class Descriptions:
    """The built descriptions, and their serialisations per server URL and format."""

    def __init__(self, void: list[ox.Triple], catalog: list[ox.Triple], links: str) -> None:
        both = list(dict.fromkeys([*void, *catalog]))  # the triples they share, once
        self.sources = {"void": void, "catalog": catalog, "dataset": both}
        self.links = links
        self._cache: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._lock = Lock()

    @classmethod
    def from_dist(cls, dist: Dist) -> Descriptions:
        names = dist.manifest.get("descriptions", {"void": VOID_FILE, "catalog": CATALOG_FILE})
        void = parse_file(dist.root / names["void"])
        catalog = parse_file(dist.root / names["catalog"])
        return cls(void, catalog, dist.manifest["links"])

    def document(self, kind: str, url: str, fmt: formats.Format) -> bytes:
        key = (kind, url, fmt.name)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = serialize(
            relink(self.sources[kind], self.links, url),
            fmt,
            prefixes=DESCRIPTION_PREFIXES,
            stable=True,
        )
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > CACHE_SIZE * 3 * len(formats.RDF_FORMATS):
                self._cache.popitem(last=False)
        return data


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    built = app.extensions["nscn_dist"]
    app.extensions["nscn_descriptions"] = Descriptions.from_dist(built) if built else None


def descriptions() -> Descriptions:
    """The built descriptions (read now if the build was not ready at start-up)."""
    current = current_app.extensions["nscn_descriptions"]
    if current is None:
        current = Descriptions.from_dist(dist())
        current_app.extensions["nscn_descriptions"] = current
    return current


def page(kind: str, url: str) -> Response:
    """A page for people: what the description says, and how to get it as RDF."""
    built = dist()
    summary = current_app.extensions["nscn"].summary
    html = render_template(
        "description.html",
        kind=kind,
        title=TITLES[kind],
        path=PATHS[kind],
        url=url,
        metadata=metadata,
        summary=summary,
        manifest=built.manifest,
        dumps=built.dumps(),
        offers=[fmt.media_type for fmt, _ in alternates()],
    )
    return Response(html, mimetype="text/html")


def describe(kind: str) -> Callable[[], Response]:
    def view() -> Response:
        fmt = negotiate(OFFERS, path=PATHS[kind])
        url = server_url()
        if fmt is formats.HTML:
            response = page(kind, url)
        else:
            data = descriptions().document(kind, url, fmt)
            response = Response(data, content_type=fmt.content_type)
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.last_modified = dist().modified
        response.add_etag()
        return response.make_conditional(request)

    view.__name__ = kind
    view.__doc__ = f"The {kind} description: RDF by negotiation, or a page for browsers."
    return view


bp.add_url_rule("/.well-known/void", "void", describe("void"))
bp.add_url_rule("/catalog", "catalog", describe("catalog"))
bp.add_url_rule("/dataset", "dataset", describe("dataset"))
