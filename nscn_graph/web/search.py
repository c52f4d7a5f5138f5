"""``/search``, ``/search/suggest`` and ``/opensearch.xml``: finding things without SPARQL.

The index (:mod:`nscn_graph.search`) is read from the build in ``DIST`` (``nscn-graph build``
writes it next to the dumps), or written there once at start-up when it is missing or was built
from other sources (a persistent or remote store). A remote store that is down at start-up does
not stop the server: the index is built on the first search, and until then a search is a 503.

- ``/search?q=TEXT[&type=KIND][&limit=N]``: a results page for browsers, JSON for machines
  (``application/json``: ``{"query", "results": [{"id", "label", "type", "kind", "score",
  "url", "snippet"}], "sparql"}``, plus ``did_you_mean`` when a typo was corrected), labels in
  the asker's language (``Accept-Language``);
- ``/search/suggest?q=PREFIX``: OpenSearch suggestions (``application/x-suggestions+json``):
  ``[PREFIX, [labels], [kinds], [IRIs]]``;
- ``/opensearch.xml``: the OpenSearch 1.1 description of both, linked from every page.
"""

from __future__ import annotations

import json
from pathlib import Path
from threading import Lock
from urllib.parse import quote, urlencode

from flask import Blueprint, Flask, current_app, jsonify, render_template, request

from nscn_graph import formats
from nscn_graph.errors import StoreUnavailable
from nscn_graph.search import SearchIndex, ensure_index, parse, snippet, sparql_for
from nscn_graph.search.query import SUGGEST_LIMIT

from .fairuse import metered
from .linkeddata import linked
from .links import server_url
from .negotiation import negotiate
from .state import Published, published
from .thing import languages

bp = Blueprint("search", __name__)

#: The forms of a search answer, machines first (``*/*`` and no ``Accept`` get JSON).
OFFERS = (formats.JSON, formats.HTML)
SUGGESTIONS = "application/x-suggestions+json"
OPENSEARCH = "application/opensearchdescription+xml"
#: Answers come from an index that changes only with a new build: cache them for a while.
MAX_AGE = 300

_PREPARING = Lock()


def init_app(app: Flask) -> None:
    app.extensions["nscn.search"] = None
    try:
        prepare(app)
    except StoreUnavailable as error:
        app.logger.warning("search index not built at start-up: %s", error)
    app.register_blueprint(bp)


def prepare(app: Flask) -> SearchIndex:
    """The index of the published store (built once if the build has none of it)."""
    current = app.extensions["nscn.search"]
    if current is None:
        with _PREPARING:
            current = app.extensions["nscn.search"]
            if current is None:
                graph: Published = app.extensions["nscn"]
                current = ensure_index(
                    graph.store,
                    Path(app.config["DIST"]).absolute(),
                    base=graph.base,
                )
                app.extensions["nscn.search"] = current
    return current


def index() -> SearchIndex:
    return prepare(current_app)  # type: ignore[arg-type]


def _cacheable(response):
    response.vary.add("Accept")
    response.vary.add("Accept-Language")
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/search")
@metered
def search():
    """Things matching the words of ``q``, best first."""
    chosen = negotiate(OFFERS, href=lambda fmt: request.full_path.rstrip("?"))
    found = index()
    query = parse(request.args, list(found.kinds))
    results = found.search(query.words, kind=query.kind, limit=query.limit)
    words = results.corrected or query.words
    langs = languages(request.accept_languages.values())
    base = published().base
    root = server_url()
    vocab = linked().vocab
    sparql = sparql_for(words, kind=query.kind, base=base, limit=query.limit)
    sparql_url = f"{root}sparql?query={quote(sparql)}"
    items = []
    for hit in results.hits:
        pieces = snippet(hit.description(langs), words)
        items.append(
            {
                "id": hit.iri,
                "label": hit.label(langs),
                "type": hit.type,
                "kind": hit.kind,
                "score": hit.score,
                "url": f"{root}doc/{hit.key}",
                "snippet": "".join(text for text, _ in pieces),
                "_pieces": pieces,
                "_kind_label": vocab.label(hit.type) if hit.type else hit.kind,
                "_href": f"/doc/{hit.key}",
            }
        )
    corrected = " ".join(results.corrected) if results.corrected else None
    if chosen is formats.HTML:
        response = current_app.make_response(
            render_template(
                "search.html",
                query=query,
                search_text=query.text,
                results=items,
                corrected=corrected,
                corrected_url="/search?" + urlencode(_args(corrected, query.kind)),
                sparql_url=sparql_url,
                kinds=sorted(found.kinds),
            )
        )
    else:
        body: dict[str, object] = {
            "query": query.text,
            "results": [{k: v for k, v in i.items() if not k.startswith("_")} for i in items],
        }
        if corrected:
            body["did_you_mean"] = corrected
        body["sparql"] = sparql_url
        response = jsonify(body)
    return _cacheable(response)


def _args(text: str | None, kind: str | None) -> dict[str, str]:
    args = {"q": text or ""}
    if kind:
        args["type"] = kind
    return args


@bp.get("/search/suggest")
@metered
def suggest():
    """Type-ahead for a half-typed ``q``, in the OpenSearch suggestions format."""
    found = index()
    query = parse(request.args, list(found.kinds), default_limit=SUGGEST_LIMIT)
    hits = found.suggest(query.words, limit=query.limit, kind=query.kind)
    langs = languages(request.accept_languages.values())
    vocab = linked().vocab
    body = [
        query.text,
        [hit.completion(query.text, langs) for hit in hits],
        [vocab.label(hit.type) if hit.type else hit.kind for hit in hits],
        [hit.iri for hit in hits],
    ]
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype=SUGGESTIONS
    )
    return _cacheable(response)


@bp.get("/opensearch.xml")
def opensearch():
    """The OpenSearch 1.1 description: browsers offer the site as a search engine."""
    response = current_app.response_class(
        render_template("opensearch.xml", root=server_url()), mimetype=OPENSEARCH
    )
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.add_etag()
    return response.make_conditional(request)
