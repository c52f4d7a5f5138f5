"""``/context.jsonld``: the published JSON-LD context that the JSON-LD dumps and documents use
(JSON-LD 1.1 §3.1: a context may be referenced by IRI; ours is also embedded in each document)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from nscn_graph.graph.serialize import published_context

bp = Blueprint("context", __name__)


@bp.get("/context.jsonld")
def context():
    response = jsonify(published_context())
    response.mimetype = "application/ld+json"
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
