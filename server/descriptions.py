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
from flask import Blueprint, Flask, Response, current_app, request

from nscn_graph import formats
from nscn_graph.build import CATALOG_FILE, VOID_FILE
from nscn_graph.dataset import relink
from nscn_graph.errors import NotAcceptable
from nscn_graph.load import parse_file
from nscn_graph.namespaces import PREFIXES, SPDX, VCARD
from nscn_graph.serialize import serialize

from .dumps import Dist
from .links import server_url
from .negotiation import best

bp = Blueprint("descriptions", __name__)

#: Prefixes of the descriptions' serialisations.
DESCRIPTION_PREFIXES = {
    **{p: PREFIXES[p] for p in ("rdf", "rdfs", "xsd", "dcterms", "dcat", "void", "foaf", "skos")},
    "spdx": str(SPDX),
    "vcard": str(VCARD),
}
OFFERS = tuple(f.media_type for f in formats.RDF_FORMATS)
#: Distinct server URLs whose rewritten descriptions are kept (requests name the host).
CACHE_SIZE = 16


class Descriptions:
    """The built descriptions, and their serialisations per server URL and format."""

    def __init__(self, void: list[ox.Triple], catalog: list[ox.Triple], links: str) -> None:
        self.sources = {"void": void, "catalog": catalog, "dataset": [*void, *catalog]}
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
            relink(self.sources[kind], self.links, url), fmt, prefixes=DESCRIPTION_PREFIXES
        )
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > CACHE_SIZE * 3 * len(formats.RDF_FORMATS):
                self._cache.popitem(last=False)
        return data


def init_app(app: Flask) -> None:
    app.extensions["nscn_descriptions"] = Descriptions.from_dist(app.extensions["nscn_dist"])


def negotiate() -> formats.Format:
    chosen = best(request.accept_mimetypes, OFFERS)
    if chosen is None:
        raise NotAcceptable(
            "this resource is available as " + ", ".join(OFFERS),
            headers={"Vary": "Accept"},
        )
    return formats.by_name(chosen)


def describe(kind: str) -> Callable[[], Response]:
    def view() -> Response:
        fmt = negotiate()
        data = current_app.extensions["nscn_descriptions"].document(kind, server_url(), fmt)
        response = Response(data, content_type=fmt.content_type)
        response.vary.add("Accept")
        response.headers["Cache-Control"] = "public, max-age=3600"
        response.add_etag()
        return response.make_conditional(request)

    view.__name__ = kind
    view.__doc__ = f"The {kind} description, negotiated among the RDF formats."
    return view


bp.add_url_rule("/.well-known/void", "void", describe("void"))
bp.add_url_rule("/catalog", "catalog", describe("catalog"))
bp.add_url_rule("/dataset", "dataset", describe("dataset"))
