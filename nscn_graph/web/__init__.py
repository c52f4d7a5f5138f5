"""The nscn-graph web server: a Flask application factory (as Flask's tutorial app ``flaskr``).

Configuration is resolved once, here: the settings table's defaults, then ``NSCN_*`` environment
variables, then the mapping a caller passes. The graph is loaded once and hung on
``app.extensions["nscn"]``; each feature is a blueprint in its own module.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from nscn_graph import paths, settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.resolve(test_config))
    # a missing asset or source stops start-up with what to do, rather than a blank editor later
    paths.require_complete(Path(app.config["ROOT"]), data=app.config["DATA"])
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from . import (
        browse,
        caching,
        completion,
        compression,
        context,
        cors,
        descriptions,
        dumps,
        errors,
        fairuse,
        favicon,
        health,
        linkeddata,
        logs,
        metrics,
        model,
        negotiation,
        pages,
        reconcile,
        releases,
        search,
        signposting,
        sitemap,
        sparql,
        state,
        validation,
        vocab,
    )

    # set by `serve`'s worker on SIGTERM (/health answers "draining"); what to stop as it leaves
    app.extensions["nscn_draining"] = threading.Event()
    app.extensions["nscn_close"] = []
    state.init_app(app)  # the store and what is computed from it, once
    errors.init_app(app)  # one error shape: RFC 9457 problem JSON, or a page for browsers
    # Hooks after a request run in the reverse order of their registration: the metrics count
    # the final answer, compression encodes what caching has validated.
    metrics.init_app(app)  # /metrics, and every answer counted
    negotiation.init_app(app)  # Vary, Link alternates, Content-Location of negotiated answers
    compression.init_app(app)  # br/gzip for text, an ETag per coding (after caching's)
    caching.init_app(app)  # a validator and Cache-Control on every cacheable answer, 304s
    cors.init_app(app)  # CORS on every answer, preflight on every path
    fairuse.init_app(app)  # each client's share of query time: 429 past it
    logs.init_app(app)  # request ids, the query log
    for blueprint in (health.bp, context.bp):
        app.register_blueprint(blueprint)
    # search first: every page's header links it
    features = (
        search,
        sparql,
        dumps,
        descriptions,
        validation,
        linkeddata,
        browse,
        pages,
        vocab,
        model,
        completion,
        reconcile,
        favicon,
    )
    features += (releases, signposting, sitemap)  # the data releases; findable and citable
    for feature in features:
        feature.init_app(app)
    return app
