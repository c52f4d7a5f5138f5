"""``/health``: liveness and readiness (the graph is loaded and answers a query)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from nscn_graph import __version__

from .state import published

bp = Blueprint("health", __name__)


@bp.get("/health")
def health():
    graph = published()
    ready = bool(graph.store.query("ASK { ?s ?p ?o }"))
    body = {
        "status": "ok" if ready else "unavailable",
        "version": __version__,
        "store": "embedded",
        "triples": graph.summary.triples,
    }
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response
