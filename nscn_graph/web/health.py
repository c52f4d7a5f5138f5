"""``/health``: liveness and readiness (the store is reachable and answers a query).

A store that is down, slow or answers an error makes ``/health`` a 503 that says so (with the
store kind and ``Retry-After``), never a 500.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable

from .state import published

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    graph = published()
    body: dict[str, object] = {"version": __version__, "store": graph.store_kind}
    headers: dict[str, str] = {"Cache-Control": "no-store"}
    try:
        ready = bool(graph.store.query("ASK { ?s ?p ?o }"))
        body["triples"] = graph.summary.triples
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
