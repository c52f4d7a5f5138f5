"""Browse pages: ``/doc/{type}/`` lists every thing of one kind, sorted by label, with facet
counts, filters as query parameters and pages (:mod:`nscn_graph.publish.collection`).

- ``/id/{type}/`` answers ``303 See Other`` to ``/doc/{type}/`` (the query string kept): the
  collection is a thing, the page a document about it (Cool URIs §4.3);
- ``/doc/{type}/?city=aarhus&theme=mobility&page=2&limit=20&sort=-label`` is negotiated by
  :func:`~nscn_graph.web.negotiation.negotiate` like every document (Turtle, JSON-LD,
  N-Triples, RDF/XML, HTML) plus CSV (RFC 4180) for spreadsheets; ``format=`` (``csv``,
  ``ttl``, ``jsonld``…) names a form so that a plain link downloads it. Every form links the
  first, previous, next and last pages with ``Link`` (RFC 8288) and carries the filters;
- ``/doc/`` lists the kinds that have browse pages, with their counts.

Which kinds there are (``nscn:typeSlug``) and which facets each has (``nscn:facet``) is read
from the page annotations: a new kind gets its browse page without a change here. A bad filter,
page, size or sort is a 400 that says what to fix. Each kind's things are read from the store
once, in a bounded number of queries (:data:`~nscn_graph.publish.collection.MAX_QUERIES`),
whatever the store: at start-up (or on first use, for a remote store that was down), like the
documents and the search index; every page is then worked out from that index.
"""

from __future__ import annotations

from threading import Lock
from urllib.parse import urlencode

import pyoxigraph as ox
from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
)

from nscn_graph import formats
from nscn_graph.errors import NotFound, StoreUnavailable
from nscn_graph.graph.serialize import serialize
from nscn_graph.publish import collection
from nscn_graph.publish.annotations import Kind, Layout
from nscn_graph.publish.documents import RDF_TYPE

from .negotiation import alternates, negotiate
from .state import published
from .thing import languages, local_path

bp = Blueprint("browse", __name__)

#: The forms of a browse page: a document's forms, then CSV.
OFFERS: tuple[formats.Format, ...] = (*formats.DOCUMENT_FORMATS, formats.SPARQL_CSV)
#: The forms of the list of kinds.
INDEX_OFFERS: tuple[formats.Format, ...] = (formats.HTML, formats.JSON)


_PREPARING = Lock()


def init_app(app: Flask) -> None:
    app.extensions["nscn.browse"] = {}
    with app.app_context():
        try:
            for segment in kinds():  # in the master, before workers fork
                index_of(segment)
        except StoreUnavailable as error:  # a remote store that is down: on first use
            app.logger.warning("browse pages not prepared at start-up: %s", error)
    app.register_blueprint(bp)


def index_of(segment: str) -> collection.Index:
    """The index of a kind's things (:func:`nscn_graph.publish.collection.prepare`), read
    from the store once."""
    prepared = current_app.extensions["nscn.browse"]
    found = prepared.get(segment)
    if found is None:
        with _PREPARING:
            found = prepared.get(segment)
            if found is None:
                graph = published()
                found = collection.prepare(
                    graph.store, kinds()[segment], base=graph.base, prefixes=graph.prefixes
                )
                prepared[segment] = found
    return found


def kinds() -> dict[str, Kind]:
    """``{type}`` segment → the kind its browse page lists (from the page annotations)."""
    return current_app.extensions["nscn.linked"].vocab.layout.browsable()


def _kind(segment: str) -> Kind:
    found = kinds().get(segment)
    if found is None:
        raise NotFound(
            "There is no kind of thing with this name; /doc/ lists the kinds: " + ", ".join(kinds())
        )
    return found


def browse_url(kind: Kind, layout: Layout) -> str:
    """The browse page that lists the things of ``kind``: its segment's page, narrowed by the
    facet over ``rdf:type`` when the segment's page lists a wider class (member cities among
    cities)."""
    listed = layout.browsable().get(kind.slug or "")
    if listed is None:
        return "/doc/"
    path = f"/doc/{kind.slug}/"
    if listed.iri == kind.iri:
        return path
    for facet in listed.facets:
        if facet.path == ((RDF_TYPE, False),):
            token = collection.value_token(ox.NamedNode(kind.iri), prefixes=published().prefixes)
            return path + "?" + urlencode({facet.key: token})
    return path


@bp.get("/id/<segment>", strict_slashes=True)
@bp.get("/doc/<segment>", strict_slashes=True)
def without_slash(segment: str) -> Response:
    """A collection written without its slash: 301 to its one canonical IRI (a kind's name
    only; anything else is not found)."""
    _kind(segment)
    target = f"{request.path}/"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    return redirect(target, 301)


@bp.get("/id/<segment>/")
def collection_thing(segment: str) -> Response:
    """The collection of a kind is a thing: 303 to the document that lists it."""
    _kind(segment)
    target = f"/doc/{segment}/"
    if request.query_string:
        target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, 303)
    response.headers["Link"] = f'<{target}>; rel="describedby"'
    return response


@bp.get("/doc/")
def index() -> Response:
    """The kinds that have browse pages, with how many things each holds."""
    chosen = negotiate(INDEX_OFFERS)
    graph = published()
    counts = graph.summary.kinds(kinds().values(), base=graph.base)
    listed = [
        {"kind": segment, "label": label, "count": n, "url": f"/doc/{segment}/"}
        for (label, segment, n) in counts
    ]
    if chosen is formats.HTML:
        return Response(render_template("browse_index.html", kinds=listed), mimetype="text/html")
    return jsonify({"kinds": listed})


@bp.get("/doc/<segment>/")
def browse(segment: str) -> Response:
    """One page of the kind's things, in the form asked for."""
    kind = _kind(segment)
    config = current_app.config
    args = {key: request.args.getlist(key) for key in request.args}
    asked = collection.parse(
        args,
        kind,
        default_limit=config["BROWSE_PAGE_SIZE"],
        max_limit=max(config["BROWSE_MAX_PAGE_SIZE"], config["BROWSE_PAGE_SIZE"]),
    )
    path = f"/doc/{segment}/"
    default_limit = config["BROWSE_PAGE_SIZE"]

    def here(page: int | None = None, **extra: str) -> str:
        query = asked.query_string(page=page, default_limit=default_limit, **extra)
        return path + (f"?{query}" if query else "")

    chosen = negotiate(
        OFFERS,
        path=path,
        parameters=args.get(collection.FORMAT, ()),
        href=lambda fmt: here(format=fmt.extension),
    )
    graph = published()
    page = collection.read(index_of(segment), asked)
    langs = languages(list(request.accept_languages.values()))
    if chosen is formats.HTML:
        body = render_template(
            "browse.html",
            page=page,
            segment=segment,
            langs=langs,
            here=here,
            toggle=lambda key, token: _toggled(path, kind, asked, key, token, default_limit),
            clear=_unfiltered(path, asked, default_limit),
            href=lambda iri: local_path(iri, graph.base),
            link=lambda term: _link(term, graph.base),
            alternates=alternates(),
            neighbours=collection.neighbours(page),
        )
        response = Response(body, mimetype="text/html")
    elif chosen is formats.SPARQL_CSV:
        response = Response(
            collection.csv_text(page, languages=langs).encode("utf-8"),
            content_type="text/csv; charset=utf-8; header=present",
        )
    else:
        view = lambda n: graph.base + here(n).lstrip("/")  # noqa: E731
        data = serialize(collection.triples(page, view=view), chosen, prefixes=graph.prefixes)
        response = Response(data, content_type=chosen.content_type)
    links = [f'<{here(n)}>; rel="{rel}"' for rel, n in collection.neighbours(page)]
    response.headers["Link"] = ", ".join(links)
    response.vary.add("Accept-Language")
    return response


def _link(term, base: str) -> str | None:
    """Where a facet value shown in the table links: a thing's page, or nowhere."""
    if isinstance(term, ox.NamedNode):
        return local_path(term.value, base)
    return None


def _toggled(
    path: str, kind: Kind, asked: collection.Request, key: str, token: str, default_limit: int
) -> str:
    """The first page of this collection with ``key=token`` added, or removed if chosen."""
    chosen = {k: set(values) for k, values in asked.filters}
    values = chosen.setdefault(key, set())
    if token in values:
        values.discard(token)
    else:
        values.add(token)
    filters = tuple((f.key, tuple(sorted(chosen[f.key]))) for f in kind.facets if chosen.get(f.key))
    query = collection.Request(filters, limit=asked.limit, sort=asked.sort).query_string(
        default_limit=default_limit
    )
    return path + (f"?{query}" if query else "")


def _unfiltered(path: str, asked: collection.Request, default_limit: int) -> str:
    """The first page of the whole collection, in the same size and order."""
    query = collection.Request(limit=asked.limit, sort=asked.sort).query_string(
        default_limit=default_limit
    )
    return path + (f"?{query}" if query else "")
