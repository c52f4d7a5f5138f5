"""``/id/…`` and ``/doc/…``: things and the documents about them (Cool URIs for the Semantic Web,
W3C Interest Group Note 2008, §4.3 "303 URIs forwarding to one generic document").

- ``/id/{type}/{slug}`` answers ``303 See Other`` to ``/doc/{type}/{slug}``; an alias
  (``nscn:aliasOf``) answers ``301`` to its canonical IRI; anything else is 404.
- ``/doc/{type}/{slug}`` negotiates (RFC 9110 §12.5.1, ``Vary: Accept``) between Turtle,
  JSON-LD, N-Triples, RDF/XML, TriG, N-Quads and HTML; ``/doc/{type}/{slug}.ttl`` (``.jsonld
  .nt .rdf .trig .nq .html``) is that one form whatever the ``Accept``. TriG and N-Quads carry
  the named graphs (source records) of the thing's statements; the others the merged graph.
  Every answer links its other forms with ``Link: <…>; rel="alternate"; type="…"``.

Documents are read from the store when asked, by a fixed handful of queries
(:class:`nscn_graph.publish.documents.StoreDocuments`); their RDF bytes are serialised on first
request and kept in a cache bounded by entries and bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

from flask import Blueprint, Flask, Response, current_app, g, redirect, render_template, request
from markupsafe import Markup

from nscn_graph import formats, paths
from nscn_graph.errors import NotFound, StoreUnavailable
from nscn_graph.graph.serialize import serialize
from nscn_graph.publish.documents import (
    KEY,
    BoundedCache,
    Document,
    Documents,
    StoreDocuments,
)
from nscn_graph.slugs import fold

from .negotiation import alternates, negotiate
from .state import published
from .thing import Vocabulary, build_page, languages, local_path

bp = Blueprint("linkeddata", __name__)

_DOC = re.compile(r"(?P<key>[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*)(?:\.(?P<ext>[a-z]+))?")


@dataclass
class Linked:
    """The documents and the vocabulary labels, hung on ``app.extensions["nscn.linked"]``.

    The documents are indexed from the store once, at start-up; a remote store that is down
    then does not stop the server: they are indexed on the first request that needs them
    (until then, that request is a 503 that says why)."""

    load: Callable[[], Documents]
    vocab: Vocabulary
    prefixes: dict[str, str]
    _documents: Documents | None = None
    #: serialised documents, bounded by entries and bytes
    _bytes: BoundedCache = field(
        default_factory=lambda: BoundedCache(max_entries=2048, max_bytes=64_000_000)
    )
    _lock: Lock = field(default_factory=Lock)

    @property
    def documents(self) -> Documents:
        if self._documents is None:
            with self._lock:
                if self._documents is None:
                    self._documents = self.load()
        return self._documents

    def rdf(self, document: Document, fmt: formats.Format) -> bytes:
        """The document in ``fmt`` (serialised once, then kept while there is room)."""
        key = (document.iri, fmt.name)
        data = self._bytes.get(key)
        if data is None:
            statements = document.quads if fmt in formats.DATASET_FORMATS else document.triples
            data = serialize(statements, fmt, prefixes=self.prefixes, stable=True)
            self._bytes.put(key, data)
        return data

    def json_ld_script(self, document: Document) -> Markup:
        """The JSON-LD form, safe inside ``<script type="application/ld+json">``."""
        text = json.dumps(json.loads(self.rdf(document, formats.JSONLD)), ensure_ascii=False)
        for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
            text = text.replace(char, escaped)
        return Markup(text)


def init_app(app: Flask) -> None:
    graph = app.extensions["nscn"]
    root = Path(app.config["ROOT"])
    app.extensions["nscn.linked"] = state = Linked(
        load=_indexer(graph),
        vocab=Vocabulary.load(paths.ontology_file(root), base=graph.base, prefixes=graph.prefixes),
        prefixes=graph.prefixes,
    )
    try:
        state.documents  # noqa: B018 - indexed once, in the master, before workers fork
    except StoreUnavailable as error:
        app.logger.warning("documents not indexed at start-up: %s", error)
    app.register_blueprint(bp)


def _indexer(graph) -> Callable[[], Documents]:
    """Each document read from the store when asked, by a few queries, whatever the store."""
    return lambda: StoreDocuments(graph.store, base=graph.base)


def linked() -> Linked:
    return current_app.extensions["nscn.linked"]


def _unknown(iri: str | None = None) -> NotFound:
    return NotFound(
        "Nothing in the graph has this identifier. The start page lists the cities; "
        "/sparql answers questions about everything else.",
        iri=iri,
    )


@bp.get("/id/<path:key>")
def thing(key: str) -> Response:
    """The thing itself is not a document: 303 to the document about it (Cool URIs §4.3)."""
    documents = linked().documents
    if not KEY.fullmatch(key) or not _known(documents, key):
        canonical = _lenient(documents, key)
        if canonical is None:
            raise _unknown() if not KEY.fullmatch(key) else _unknown(documents.thing_iri(key))
        return redirect(local_path(documents.thing_iri(canonical), documents.base), 301)
    iri = documents.thing_iri(key)
    if iri in documents.aliases:
        return redirect(local_path(documents.aliases[iri], documents.base), 301)
    if iri not in documents.documents:
        raise _unknown(iri)
    target = local_path(documents.doc_iri(key), documents.base)
    response = redirect(target, 303)
    response.headers["Link"] = f'<{target}>; rel="describedby"'
    return response


@bp.get("/doc/<path:name>")
def document(name: str) -> Response:
    """The document about a thing, in the form the client prefers or the suffix names."""
    state = linked()
    documents = state.documents
    match = _DOC.fullmatch(name)
    if match is None or not _known(documents, match["key"]):
        lenient = _lenient_document(documents, name)
        if lenient is not None:
            return redirect(local_path(documents.doc_iri(lenient), documents.base), 301)
        if match is None:
            raise _unknown()
    key, extension = match["key"], match["ext"]
    iri = documents.thing_iri(key)
    if iri in documents.aliases:
        target = documents.key_of(documents.aliases[iri])
        suffix = f".{extension}" if extension else ""
        return redirect(local_path(documents.doc_iri(f"{target}{suffix}"), documents.base), 301)
    found = documents.get(iri)
    if found is None:
        raise _unknown(iri)
    g.nscn_document = found  # what the Signposting links name (nscn_graph.web.signposting)
    path = local_path(documents.doc_iri(key), documents.base)
    fmt = negotiate(formats.THING_FORMATS, path=path, suffixes=True, extension=extension)
    if fmt is formats.HTML:
        response = Response(_page(found), mimetype="text/html")
        response.vary.add("Accept-Language")
    else:
        response = Response(state.rdf(found, fmt), content_type=fmt.content_type)
    return response  # its validator and 304s: nscn_graph.web.caching


def _known(documents: Documents, key: str) -> bool:
    """A thing with a document, or an alias of one."""
    iri = documents.thing_iri(key)
    return iri in documents.documents or iri in documents.aliases


def _canonical(documents: Documents, key: str) -> str | None:
    """The canonical ``type/slug`` of a path written leniently (DESIGN.md, "Lenient paths, one
    canonical IRI"): another case, a trailing slash, a native spelling that folds to a slug
    (``city/Tromsø`` → ``city/tromso``), an alias (``city/kobenhavn`` → ``city/copenhagen``).
    Only a key the graph knows is ever returned, so a redirect built from it is a path on this
    server (never an open redirect); anything else is ``None`` (404)."""
    folded = "/".join(fold(part) for part in key.rstrip("/").split("/"))
    if not KEY.fullmatch(folded) or not _known(documents, folded):
        return None
    iri = documents.thing_iri(folded)
    if iri in documents.aliases:
        return documents.key_of(documents.aliases[iri])
    return folded


def _lenient(documents: Documents, key: str) -> str | None:
    """The key to redirect ``/id/KEY`` to, if it is not canonical (:func:`_canonical`)."""
    canonical = _canonical(documents, key)
    return canonical if canonical != key else None


def _lenient_document(documents: Documents, name: str) -> str | None:
    """The ``type/slug`` or ``type/slug.ext`` to redirect ``/doc/NAME`` to, if it is not
    canonical (as :func:`_canonical`; the suffix case-folded, and only a document form's)."""
    trimmed = name.rstrip("/")
    stem, dot, extension = trimmed.rpartition(".")
    if not dot or "/" in extension:
        stem, extension = trimmed, ""
    extension = extension.casefold()
    if extension and extension not in {f.extension for f in formats.THING_FORMATS}:
        return None
    canonical = _canonical(documents, stem)
    if canonical is None:
        return None
    target = f"{canonical}.{extension}" if extension else canonical
    return target if target != name else None


def _page(document: Document) -> str:
    state = linked()
    langs = languages(list(request.accept_languages.values()))
    document.context  # noqa: B018 - its neighbours' labels and types, read in one go
    page = build_page(document, state.documents, state.vocab, langs)
    return render_template(
        "thing.html",
        page=page,
        document=document,
        alternates=alternates(),
        json_ld=state.json_ld_script(document),
        map_svg=_place_map(page),
        summary=published().summary,
    )


def _place_map(page) -> Markup | None:
    from .geomap import place_map

    return place_map(page)
