"""``/health``: liveness and readiness (the store answers a trivial query); 503 "draining"
once the server was told to stop (SIGTERM), so that a load balancer sends elsewhere.

It reports the store as the store describes itself (its kind and what it can do) and never
waits on it longer than the store's connect timeout. A store that is down, slow or answers an
error makes ``/health`` a 503 that says so (with ``Retry-After``), never a 500.
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable

from .state import published

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    if current_app.extensions["nscn_draining"].is_set():
        # told to stop: a load balancer stops sending here, the requests in progress finish
        response = jsonify({"status": "draining", "version": __version__})
        response.status_code = 503
        response.headers.update({"Cache-Control": "no-store", "Retry-After": "5"})
        return response
    graph = published()
    described = graph.store.describe()
    body: dict[str, object] = {"version": __version__, "store": described["kind"]}
    body.update({k: v for k, v in described.items() if k != "kind"})
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    try:
        graph.store.check()
        summary = graph.summary
        body["triples"] = summary.triples
        ready = summary.triples > 0
        if not ready:
            body["detail"] = "the store holds no triples of the graph"
    except StoreUnavailable as exc:
        ready = False
        body["detail"] = exc.detail
        body["store_status"] = exc.status
        headers.update(exc.headers)
    body = {"status": "ok" if ready else "unavailable", **body}
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers.update(headers)
    return response
