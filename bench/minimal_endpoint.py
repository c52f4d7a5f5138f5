"""The floor of our own stack: a minimal Flask + pyoxigraph SPARQL endpoint, no features.

Served by the benchmark under the same WSGI server as nscn-graph (gunicorn, gthread), with the
same data: ``BENCH_DATA=file.nt gunicorn minimal_endpoint:app``.
"""

import os

import pyoxigraph as ox
from flask import Flask, Response, request

store = ox.Store()
store.bulk_load(path=os.environ["BENCH_DATA"], format=ox.RdfFormat.N_TRIPLES)
app = Flask(__name__)


@app.route("/sparql", methods=["GET", "POST"])
def sparql():
    query = request.values.get("query") or request.get_data(as_text=True)
    result = store.query(query)
    if isinstance(result, ox.QueryTriples):
        body = ox.serialize(result, format=ox.RdfFormat.TURTLE)
        return Response(body, content_type="text/turtle")
    body = result.serialize(format=ox.QueryResultsFormat.JSON)
    return Response(body, content_type="application/sparql-results+json")
