"""``/sparql``: the read-only SPARQL 1.1 endpoint (W3C SPARQL 1.1 Protocol).

A query is read from the request (:mod:`nscn_graph.web.protocol`), checked by the query guard (no
update, no ``SERVICE``, bounded nesting and size: :mod:`nscn_graph.sparql.guard`), and the form
of its answer negotiated once, before the store is asked (:mod:`nscn_graph.web.negotiation`:
``format=`` / ``output=`` / ``results=`` over ``Accept``, as Fuseki and Virtuoso do). It is
parsed, evaluated and serialised in a query worker process that is stopped past the time and
memory limits (:mod:`nscn_graph.sparql.pool`), whatever the store. Relative IRIs in a query
resolve against the data's base (setting ``BASE``). A plain GET without a query returns the
SPARQL 1.1 Service Description to machines and the query editor to browsers.

GET answers are cacheable (RFC 9111): the data is read-only, so an answer's weak ``ETag`` is
derived from the data's identity (``data_version``), the query, its dataset and the form of the
answer, and ``If-None-Match`` is answered ``304`` without running the query again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import Blueprint, Flask, Response, current_app, g, render_template, request

from nscn_graph import __version__, formats
from nscn_graph.sparql import guard
from nscn_graph.sparql.pool import MB, Job, QueryPool, default_memory_limit

from . import metrics, protocol, service_description
from .fairuse import metered
from .links import server_url
from .negotiation import FORMAT_PARAMETERS, negotiate
from .state import published

bp = Blueprint("sparql", __name__)

EXTENSION = "nscn_sparql"


def init_app(app: Flask) -> None:
    """A pool of query workers over the published store, whatever the store (started lazily,
    per process): every query is parsed, evaluated and serialised where it can be stopped."""
    app.register_blueprint(bp)
    graph = app.extensions["nscn"]
    config = app.config
    size = config["SPARQL_QUERY_WORKERS"] or config["THREADS"]
    limit_mb = config["SPARQL_MEMORY_LIMIT"]
    app.extensions[EXTENSION] = pool = QueryPool(
        graph.store,
        size=size,
        timeout=config["SPARQL_TIMEOUT"],
        prefixes=graph.prefixes,
        max_result_bytes=config["SPARQL_MAX_RESULT"],
        memory_limit=limit_mb * MB if limit_mb else default_memory_limit(size * config["WORKERS"]),
        # a store behind HTTP is reached from the workers; a local store needs no network
        network=not graph.store.capabilities.local,
        base_iri=config["BASE"],
        on_restart=metrics.worker_restarted,
    )
    app.extensions["nscn_close"].append(pool.close)  # a worker that leaves stops its own


def pool() -> QueryPool:
    return current_app.extensions[EXTENSION]


#: How long a shared cache (Varnish, a CDN) or a browser may reuse an answer before it
#: revalidates it with its ``ETag``: the data is read-only between releases.
MAX_AGE = 300
#: A query URL longer than this gets no ``Link`` alternates: each would repeat the whole
#: query, and proxies refuse answers whose headers pass a few kilobytes.
MAX_LINKED_URL = 2048
#: The query forms whose results are graphs (RDF formats); the others are tables.
GRAPH_FORMS = ("CONSTRUCT", "DESCRIBE")


@bp.route("/sparql", methods=["GET", "POST"])
@metered
def endpoint() -> Response:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    query = protocol.read(
        req, max_body=config["SPARQL_MAX_BODY"], max_query=config["SPARQL_MAX_QUERY"]
    )
    if query is None:
        return describe_service()
    g.nscn_query = query.query  # for the metrics and the query log
    published = app.extensions["nscn"]
    form = guard.check(
        query.query, functions=published.store.capabilities.functions, prefixes=published.prefixes
    )
    if form is None:  # no query form: the store's parser says what is wrong (a 400)
        results, graph = formats.RESULT_FORMATS[0], formats.RDF_FORMATS[0]
        fmt = results
    else:
        # negotiated once, before the store is asked; on GET a browser gets the editor
        table = formats.RDF_FORMATS if form in GRAPH_FORMS else formats.RESULT_FORMATS
        offers = (*table, formats.HTML) if req.method != "POST" else table
        fmt = negotiate(offers, parameters=_format_parameters(req), href=_result_links(req))
        if fmt is formats.HTML:
            return Response(editor_page(query.query), mimetype=formats.HTML.media_type)
        results = fmt if table is formats.RESULT_FORMATS else None
        graph = fmt if table is formats.RDF_FORMATS else None
    etag = _etag(query, fmt) if req.method != "POST" else None
    if etag is not None and req.if_none_match.contains_weak(etag):
        return _cacheable(Response(status=304), etag)  # RFC 9110 §13.1.2: not run again
    job = Job(
        query.query,
        results.name if results else None,
        graph.name if graph else None,
        query.default_graph_uris,
        query.named_graph_uris,
    )
    with app.extensions["nscn"].store.calls():  # a remote store's call limit and breaker
        answer = app.extensions[EXTENSION].run(job)
    response = Response(answer.body, status=200, content_type=answer.format.content_type)
    return _cacheable(response, etag) if req.method != "POST" else response


def _format_parameters(req) -> list[str]:
    """The values of ``format=``, ``output=`` and ``results=`` (query string or form)."""
    args = req.args
    form = req.form if req.method == "POST" and req.mimetype == protocol.FORM else None
    values = []
    for name in FORMAT_PARAMETERS:
        values += args.getlist(name)
        if form is not None:
            values += form.getlist(name)
    return [v for v in values if v.strip()]


def _result_links(req) -> Callable[[formats.Format], str | None]:
    """Where a query's answer is in each form: the request's URL, its format parameters
    replaced by ``format=`` naming the form (built from the query string as it came). A POST's
    answer has no URL; a very long URL is not repeated."""
    raw = req.query_string
    if req.method == "POST" or len(raw) > MAX_LINKED_URL:
        return lambda fmt: None
    kept = [
        part
        for part in raw.decode("latin-1").split("&")
        if part and part.split("=", 1)[0] not in FORMAT_PARAMETERS
    ]
    prefix = f"{req.path}?{'&'.join([*kept, 'format='])}"
    return lambda fmt: prefix + fmt.name


def _etag(query: protocol.QueryRequest, fmt: formats.Format) -> str | None:
    """A weak validator of the answer (RFC 9110 §8.8.3), known before the query runs: a
    digest of the data's identity, the query, its dataset and the form of the answer. A store
    whose data can change under the server (a remote one) has no identity: ``None``."""
    version = published().data_version
    if version is None:
        return None
    digest = hashlib.sha256()
    for part in (__version__, version, fmt.name, query.query, *query.default_graph_uris):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(b"\1")
    for part in query.named_graph_uris:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:40]


def _cacheable(response: Response, etag: str | None) -> Response:
    """Caching headers of a GET answer: the validator, and how long it may be reused."""
    if etag is None:  # no identity for the data: any cache must ask again each time
        response.headers["Cache-Control"] = "no-cache"
        if response.status_code == 200:
            response.add_etag()  # still saves the transfer of an unchanged answer
            return response.make_conditional(request)
        return response
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


def describe_service() -> Response:
    """SPARQL 1.1 Service Description (RDF, negotiated), or the query editor for browsers."""
    fmt = negotiate(formats.DOCUMENT_FORMATS)
    if fmt is formats.HTML:
        return Response(editor_page(), mimetype=formats.HTML.media_type)
    body = service_description.serialize(
        endpoint_url(), fmt, triple_count=published().summary.triples
    )
    return Response(body, content_type=fmt.content_type)


def endpoint_url() -> str:
    """The endpoint's absolute URL: the public URL setting, or the URL the request came in on
    (a host name that cannot make an IRI is refused, as for VoID and DCAT)."""
    return server_url() + "sparql"


def editor_page(query: str | None = None) -> str:
    """The query editor; with ``query``, pre-filled with it and running it."""
    from . import editor

    graph = published()
    return render_template(
        "sparql.html",
        endpoint=endpoint_url(),
        query=query,
        prologue=editor.prologue(graph.prefixes),
        examples=editor.EXAMPLES,
        config=editor.config(endpoint_url(), graph.prefixes, query),
    )
