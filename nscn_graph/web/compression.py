"""Compression of text answers, app-wide (RFC 9110 §8.4 content codings, §12.5.3
``Accept-Encoding``).

Every answer whose body is text (HTML, RDF, SPARQL results, JSON, problem documents, CSS,
JavaScript, SVG) is sent ``br`` (the ``brotli`` library) or ``gzip``, whichever the client
prefers by its q-values (``br`` on a tie), when it accepts one and the body is at least
:data:`MIN_SIZE` bytes; such answers always say ``Vary: Accept-Encoding``, compressed or not,
so a shared cache keeps one copy per coding. A body made once and sent as a file (the dumps,
the vendored assets) is sent as it lies; so is an answer marked ``no-transform``.

Validators stay right per coding (RFC 9110 §8.8.3: each content coding is a representation of
its own): the ``ETag`` a route or :mod:`nscn_graph.web.caching` gave the identity body is sent
with ``-br`` or ``-gzip`` appended inside the quotes for a compressed one. On the way in, those
suffixes are taken off the tags of ``If-None-Match`` that name the coding the request will get
(each route compares identity tags, as it makes them; a tag of another coding matches
nothing), and a ``304`` is sent with the tag the client had. The output is deterministic (no
time stamp in the gzip header), so one body always gives one compressed body for one tag.
"""

from __future__ import annotations

import gzip
import re

import brotli
from flask import Flask, Response, g, request

#: Bodies smaller than this are sent as they are (compression would save next to nothing).
MIN_SIZE = 1024
#: Bodies past this are compressed faster and less (query results may be tens of megabytes).
LARGE = 1 << 20
CODINGS = ("br", "gzip")
TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/ld+json",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
        "application/xml",
        "application/javascript",
        "application/x-suggestions+json",
        "application/opensearchdescription+xml",
        "application/problem+json",
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "image/svg+xml",
    }
)
_SUFFIXED = re.compile(r'^(W/)?"(.*)-(br|gzip)"$')


def compressible(mimetype: str | None) -> bool:
    if not mimetype:
        return False
    return (
        mimetype.startswith("text/")
        or mimetype in TEXT_TYPES
        or mimetype.endswith(("+json", "+xml"))
    )


def chosen_coding() -> str | None:
    """The coding this request prefers among :data:`CODINGS` (``None``: identity)."""
    accepted = request.accept_encodings
    best, best_q = None, 0.0
    for coding in CODINGS:  # br first: it wins a tie
        quality = accepted.quality(coding)
        if quality > best_q:
            best, best_q = coding, quality
    return best


def encode(data: bytes, coding: str) -> bytes:
    if coding == "br":
        return brotli.compress(data, quality=5 if len(data) < LARGE else 1)
    return gzip.compress(data, compresslevel=6 if len(data) < LARGE else 1, mtime=0)


def tagged(etag: str, coding: str) -> str:
    """``"x"`` -> ``"x-br"``, ``W/"x"`` -> ``W/"x-br"``."""
    weak = etag.startswith("W/")
    value = etag[2:] if weak else etag
    return f'{"W/" if weak else ""}{value[:-1]}-{coding}"'


def _strip_tags() -> None:
    """Take the suffix of the coding this request will get off the tags of
    ``If-None-Match`` (tags of other codings cannot match), remembering which had it."""
    header = request.environ.get("HTTP_IF_NONE_MATCH")
    if not header or ("-br\"" not in header and "-gzip\"" not in header):
        return
    wanted = chosen_coding()
    had: dict[str, str] = {}
    tags = []
    for tag in (t.strip() for t in header.split(",")):
        match = _SUFFIXED.match(tag)
        if match and match.group(3) == wanted:
            weak, value, coding = match.groups()
            tag = f'{weak or ""}"{value}"'
            had[value] = coding
        tags.append(tag)
    request.environ["HTTP_IF_NONE_MATCH"] = ", ".join(tags)
    request.__dict__.pop("if_none_match", None)  # parsed again from the new header
    g.nscn_tag_codings = had


def compress(response: Response) -> Response:
    if response.status_code == 304:
        response.vary.add("Accept-Encoding")
        etag, _ = response.get_etag()
        coding = g.get("nscn_tag_codings", {}).get(etag) if etag else None
        if coding:
            response.headers["ETag"] = tagged(response.headers["ETag"], coding)
        return response
    if not compressible(response.mimetype):
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    if "no-transform" in response.headers.get("Cache-Control", ""):
        return response
    response.vary.add("Accept-Encoding")
    if "Content-Encoding" in response.headers or response.status_code in (204, 206):
        return response
    coding = chosen_coding()
    if coding is None:
        return response
    body = response.get_data()
    if len(body) < MIN_SIZE:
        return response
    response.set_data(encode(body, coding))
    response.headers["Content-Encoding"] = coding
    if "ETag" in response.headers:
        response.headers["ETag"] = tagged(response.headers["ETag"], coding)
    return response


def init_app(app: Flask) -> None:
    app.before_request(_strip_tags)
    app.after_request(compress)
