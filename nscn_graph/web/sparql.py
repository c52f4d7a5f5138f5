"""``/sparql``: the read-only SPARQL 1.1 endpoint (W3C SPARQL 1.1 Protocol).

A query is read from the request (:mod:`nscn_graph.web.protocol`), checked by the query guard (no
update, no ``SERVICE``: :mod:`nscn_graph.sparql.guard`), answered in the format the client's
``Accept`` prefers, and evaluated in a query worker process that is stopped past the time limit
(:mod:`nscn_graph.sparql.pool`). A plain GET without a query returns the SPARQL 1.1 Service
Description to machines and the query editor to browsers. Every answer allows cross-origin
use (``Access-Control-Allow-Origin: *``), so that browser clients on other sites can query.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from nscn_graph import formats
from nscn_graph.errors import NotAcceptable
from nscn_graph.sparql import guard
from nscn_graph.sparql.pool import InlineRunner, Job, QueryPool

from . import protocol, service_description
from .links import server_url
from .negotiation import best
from .state import published

bp = Blueprint("sparql", __name__)

EXTENSION = "nscn_sparql"
HTML = "text/html"


def init_app(app: Flask) -> None:
    """A pool of query workers over the published store (started lazily, per process)."""
    app.register_blueprint(bp)
    graph = app.extensions["nscn"]
    config = app.config
    if not graph.store.capabilities.forkable:  # a remote SPARQL store evaluates itself
        app.extensions[EXTENSION] = InlineRunner(
            graph.store, prefixes=graph.prefixes, max_result_bytes=config["SPARQL_MAX_RESULT"]
        )
        return
    app.extensions[EXTENSION] = QueryPool(
        graph.store,
        size=config["SPARQL_QUERY_WORKERS"] or config["THREADS"],
        timeout=config["SPARQL_TIMEOUT"],
        prefixes=graph.prefixes,
        max_result_bytes=config["SPARQL_MAX_RESULT"],
        fast_path=config["SPARQL_FAST_PATH"],
    )


def pool() -> QueryPool | InlineRunner:
    return current_app.extensions[EXTENSION]


_TABLES = {"results": formats.RESULT_FORMATS, "graph": formats.RDF_FORMATS}


@lru_cache(maxsize=1024)
def _wants_page(accept: str) -> bool:
    """Whether the client prefers HTML to every result format (a browser's navigation)."""
    offers = [m for f in formats.RESULT_FORMATS + formats.RDF_FORMATS for m in f.media_types]
    return best(parse_accept_header(accept, MIMEAccept), [*offers, HTML]) == HTML


@lru_cache(maxsize=1024)
def _negotiate(accept: str, name: str) -> formats.Format | None:
    """The format of the ``results`` or ``graph`` table that ``accept`` prefers (ties: the
    table's order). Remembered per value: clients send the same few headers again and again."""
    table = _TABLES[name]
    offers = [(media, fmt) for fmt in table for media in fmt.media_types]
    parsed = parse_accept_header(accept, MIMEAccept)
    chosen = best(parsed, [media for media, _ in offers])
    return next((fmt for media, fmt in offers if media == chosen), None)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    req = request._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    config = app.config
    query = protocol.read(
        req, max_body=config["SPARQL_MAX_BODY"], max_query=config["SPARQL_MAX_QUERY"]
    )
    if query is None:
        return describe_service()
    guard.check(query.query)
    accept = req.headers.get("Accept", "")
    if req.method == "GET" and _wants_page(accept):
        # a browser following a link to a query: the editor, pre-filled, runs it
        response = Response(editor_page(query.query), mimetype=HTML)
        response.vary.add("Accept")
        return response
    results_format = _negotiate(accept, "results")
    graph_format = _negotiate(accept, "graph")
    # Nothing acceptable is answered 406 by the worker, once the query has parsed (a
    # malformed query is a 400 whatever the Accept header).
    answer = app.extensions[EXTENSION].run(
        Job(
            query.query,
            results_format.name if results_format else None,
            graph_format.name if graph_format else None,
            query.default_graph_uris,
            query.named_graph_uris,
        )
    )
    return Response(
        answer.body,
        status=200,
        headers=_ANSWER_HEADERS[answer.format.name],
    )


#: Headers of a successful answer, per format (built once).
_ANSWER_HEADERS = {
    f.name: [("Content-Type", f.content_type), ("Vary", "Accept")]
    for f in formats.RESULT_FORMATS + formats.RDF_FORMATS
}


def describe_service() -> Response:
    """SPARQL 1.1 Service Description (RDF, negotiated), or the query editor for browsers."""
    offers = [m for f in formats.RDF_FORMATS for m in f.media_types] + [HTML]
    chosen = best(request.accept_mimetypes, offers)
    if chosen is None:
        raise NotAcceptable(
            "None of the media types in Accept is offered. Offered: "
            + ", ".join([f.media_type for f in formats.RDF_FORMATS] + [HTML])
        )
    if chosen == HTML:
        response = Response(editor_page(), mimetype=HTML)
    else:
        fmt = formats.by_name(chosen)
        body = service_description.serialize(
            endpoint_url(), fmt, triple_count=published().summary.triples
        )
        response = Response(body, content_type=fmt.content_type)
        response.headers["Link"] = f'<{endpoint_url()}>; rel="alternate"; type="text/html"'
    response.vary.add("Accept")
    return response


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
        examples_json=[{"name": e.name, "query": e.query} for e in editor.EXAMPLES],
    )


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """CORS: any site may query (the data is public and the endpoint read-only)."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code >= 400 or "Link" in headers:
        headers["Access-Control-Expose-Headers"] = "Retry-After, Link"
    if request.method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        headers["Access-Control-Max-Age"] = "86400"
    return response
