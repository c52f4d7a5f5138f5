"""``/sparql``: the read-only SPARQL 1.1 endpoint (W3C SPARQL 1.1 Protocol).

A query is read from the request (:mod:`server.protocol`), checked by the query guard (no
update, no ``SERVICE``: :mod:`nscn_graph.guard`), answered in the format the client's ``Accept``
prefers, and evaluated in a query worker process that is stopped past the time limit
(:mod:`nscn_graph.pool`). A plain GET without a query returns the SPARQL 1.1 Service
Description to machines and the query editor to browsers. Every answer allows cross-origin
use (``Access-Control-Allow-Origin: *``), so that browser clients on other sites can query.
"""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, Flask, Response, current_app, render_template, request
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from nscn_graph import formats, guard
from nscn_graph.errors import NotAcceptable
from nscn_graph.pool import Job, QueryPool

from . import protocol, service_description
from .negotiation import best
from .state import published

bp = Blueprint("sparql", __name__)

EXTENSION = "nscn_sparql"
HTML = "text/html"


def init_app(app: Flask) -> None:
    """A pool of query workers over the published store (started lazily, per process)."""
    graph = app.extensions["nscn"]
    config = app.config
    app.extensions[EXTENSION] = QueryPool(
        graph.store.store,
        size=config["SPARQL_QUERY_WORKERS"] or config["THREADS"],
        timeout=config["SPARQL_TIMEOUT"],
        prefixes=graph.prefixes,
        max_result_bytes=config["SPARQL_MAX_RESULT"],
        fast_path=config["SPARQL_FAST_PATH"],
    )


def pool() -> QueryPool:
    return current_app.extensions[EXTENSION]


def negotiate(table: tuple[formats.Format, ...]) -> formats.Format | None:
    """The format of ``table`` the client's ``Accept`` prefers (ties: the table's order)."""
    name = "results" if table is formats.RESULT_FORMATS else "graph"
    return _negotiate(request.headers.get("Accept", ""), name)


_TABLES = {"results": formats.RESULT_FORMATS, "graph": formats.RDF_FORMATS}


@lru_cache(maxsize=1024)
def _negotiate(accept: str, name: str) -> formats.Format | None:
    """Remembered per ``Accept`` value: clients send the same few headers again and again."""
    table = _TABLES[name]
    offers = [(media, fmt) for fmt in table for media in fmt.media_types]
    parsed = parse_accept_header(accept, MIMEAccept)
    chosen = best(parsed, [media for media, _ in offers])
    return next((fmt for media, fmt in offers if media == chosen), None)


@bp.route("/sparql", methods=["GET", "POST"])
def endpoint() -> Response:
    config = current_app.config
    query = protocol.read(
        request, max_body=config["SPARQL_MAX_BODY"], max_query=config["SPARQL_MAX_QUERY"]
    )
    if query is None:
        return describe_service()
    guard.check(query.query)
    results_format = negotiate(formats.RESULT_FORMATS)
    graph_format = negotiate(formats.RDF_FORMATS)
    # Nothing acceptable is answered 406 by the worker, once the query has parsed (a
    # malformed query is a 400 whatever the Accept header).
    answer = pool().run(
        Job(
            query.query,
            results_format.name if results_format else None,
            graph_format.name if graph_format else None,
            query.default_graph_uris,
            query.named_graph_uris,
        )
    )
    response = Response(answer.body, status=200, content_type=answer.format.content_type)
    response.vary.add("Accept")
    return response


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
    """The endpoint's absolute URL: the public URL setting, or the URL the request came in on."""
    public = current_app.config.get("PUBLIC_URL")
    root = public.rstrip("/") + "/" if public else request.url_root
    return root + "sparql"


def editor_page() -> str:
    from . import editor

    graph = published()
    return render_template(
        "sparql.html",
        endpoint=endpoint_url(),
        prologue=editor.prologue(graph.prefixes),
        examples=editor.EXAMPLES,
        examples_json=[{"name": e.name, "query": e.query} for e in editor.EXAMPLES],
    )


@bp.after_request
def allow_cross_origin(response: Response) -> Response:
    """CORS: any site may query (the data is public and the endpoint read-only)."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type"
        response.headers["Access-Control-Max-Age"] = "86400"
    else:
        response.headers["Access-Control-Expose-Headers"] = "Retry-After, Link, Vary"
    return response
