"""``/metrics``: what the server is doing, in the Prometheus text exposition format
(``prometheus_client``).

- ``nscn_http_requests_total{route, method, status, format}``: answers by route (the URL rule,
  ``/doc/<kind>/<slug>``; ``unmatched`` for paths no route has), method, status and the form
  sent (a format name of :mod:`nscn_graph.formats`, ``none`` for no body, else ``other``);
- ``nscn_http_request_duration_seconds{route}``: a histogram of the time to answer;
- ``nscn_sparql_queries_total{outcome}``: queries by outcome (``ok``, ``400``, ``timeout``,
  ``memory``, ``too_large``, ``429``, ``error``);
- ``nscn_query_worker_restarts_total{reason}``: query worker processes replaced (``timeout``,
  ``memory``, ``died``, ``died_idle``, ``recycled``);
- ``nscn_store_errors_total{kind, status}``: answers a store's failure made (its error class);
- ``nscn_build_info{version, data_version, store}``: 1, naming what is served.

Under ``nscn-graph serve`` the counts of every gunicorn worker are added up (the library's
multiprocess mode: the server's start-up makes ``PROMETHEUS_MULTIPROC_DIR`` a fresh folder of
its own and forgets a worker's live gauges when it exits), so any worker's ``/metrics`` tells
the whole server. The answers are for the operator: only clients whose address (see
:func:`nscn_graph.web.fairuse.client_address`) is within ``METRICS_ALLOW`` get them (loopback
by default); a request that says it was forwarded (``X-Forwarded-For``, ``Forwarded``) by a
proxy that is not trusted is refused too, so a proxy on the same machine does not make the
metrics public by accident. Everyone else gets 403.
"""

from __future__ import annotations

import os
import time

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from nscn_graph import __version__, errors, formats

from .fairuse import EXTENSION as FAIRUSE
from .fairuse import _within, client_address, networks

bp = Blueprint("metrics", __name__)

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"
SPARQL_ENDPOINT = "sparql.endpoint"

REQUESTS = Counter(
    "nscn_http_requests",
    "HTTP answers by route, method, status and format",
    ["route", "method", "status", "format"],
)
LATENCY = Histogram(
    "nscn_http_request_duration_seconds",
    "Time to answer a request, by route",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
QUERIES = Counter("nscn_sparql_queries", "SPARQL queries by outcome", ["outcome"])
RESTARTS = Counter(
    "nscn_query_worker_restarts", "Query worker processes replaced, by reason", ["reason"]
)
STORE_ERRORS = Counter(
    "nscn_store_errors", "Answers a store's failure made, by kind", ["kind", "status"]
)
BUILD = Gauge(
    "nscn_build_info",
    "What is served: the software's version, the data's version and the store",
    ["version", "data_version", "store"],
    multiprocess_mode="max",
)

_FORMATS = {
    media: fmt.name
    for fmt in (
        *formats.DOCUMENT_FORMATS,
        *formats.RESULT_FORMATS,
        *formats.RDF_FORMATS,
        formats.JSON,
        formats.PROBLEM,
        formats.HTML,
    )
    for media in fmt.media_types
}


def worker_restarted(reason: str) -> None:
    """Count a query worker replaced (the query pool's observer)."""
    RESTARTS.labels(reason).inc()


def _format(response: Response) -> str:
    mimetype = response.mimetype
    if not mimetype or response.status_code in (204, 304) or request.method == "HEAD":
        return "none"
    return _FORMATS.get(mimetype, "other")


def _outcome(status: int, error: Exception | None) -> str:
    if status < 400:
        return "ok"
    if isinstance(error, errors.TooManyRequests):
        return "429"
    if isinstance(error, errors.QueryOutOfMemory):
        return "memory"
    if isinstance(error, errors.QueryTimeout):
        return "timeout"
    if status in (413, 422):
        return "too_large"
    if 400 <= status < 500:
        return "400"
    return "error"


def _start() -> None:
    g.nscn_started = time.perf_counter()


def record(response: Response) -> Response:
    """Count this request's answer (an after-request hook)."""
    started = g.get("nscn_started")
    route = request.url_rule.rule if request.url_rule is not None else "unmatched"
    request.environ["nscn.route"] = route
    status = response.status_code
    REQUESTS.labels(route, request.method, str(status), _format(response)).inc()
    if started is not None:
        LATENCY.labels(route).observe(time.perf_counter() - started)
    error = g.get("nscn_error")
    asked = g.get("nscn_query") is not None or status >= 400  # not the service description
    if request.endpoint == SPARQL_ENDPOINT and asked:
        g.nscn_outcome = _outcome(status, error)
        QUERIES.labels(g.nscn_outcome).inc()
    if isinstance(error, errors.StoreUnavailable):
        STORE_ERRORS.labels(type(error).__name__, str(error.status)).inc()
    return response


@bp.get("/metrics")
def metrics() -> Response:
    allowed = current_app.extensions["nscn_metrics_allow"]
    trusted = current_app.extensions[FAIRUSE].trusted
    client = client_address()
    forwarded = "HTTP_X_FORWARDED_FOR" in request.environ or "HTTP_FORWARDED" in request.environ
    through_untrusted = forwarded and not _within(request.remote_addr or "", trusted)
    if through_untrusted or not _within(client, allowed):
        raise errors.Forbidden(
            "The metrics are for the server's operator: they are answered only to the "
            "addresses the setting METRICS_ALLOW names."
        )
    if os.environ.get(MULTIPROCESS):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    response = Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.extensions["nscn_metrics_allow"] = networks(app.config["METRICS_ALLOW"], "METRICS_ALLOW")
    graph = app.extensions["nscn"]
    store = str(graph.store.describe()["kind"])  # never the URL (it may hold credentials)
    BUILD.labels(__version__, graph.data_version or "changing", store).set(1)
    app.before_request(_start)
    app.after_request(record)
    app.register_blueprint(bp)
