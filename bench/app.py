"""The app the benchmark serves: nscn-graph's own ``create_app()``; if this checkout has no
``/sparql`` endpoint yet, a minimal SPARQL 1.1 Protocol GET endpoint (JSON results, N-Triples
graphs) is added over the same store, for measuring only.

    gunicorn -k gthread -w 2 --threads 4 --preload 'bench.app:create()'
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from nscn_graph.web import create_app

bp = Blueprint("bench_sparql", __name__)


@bp.get("/sparql")
def sparql():
    import pyoxigraph as ox

    # imported here: publish.describe and stores import each other, and web.state imported
    # first (before the app is built) meets the cycle half way
    from nscn_graph.web.state import published

    result = published().store.query(request.args["query"], prefixes=published().prefixes)
    if isinstance(result, ox.QuerySolutions | ox.QueryBoolean):
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, mimetype="application/sparql-results+json")
    body = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
    return Response(body, mimetype="application/n-triples")


def create():
    app = create_app()
    if not any(rule.rule == "/sparql" for rule in app.url_map.iter_rules()):
        app.register_blueprint(bp)
    import gc

    gc.freeze()  # as server/wsgi.py does before gunicorn forks the workers
    return app
