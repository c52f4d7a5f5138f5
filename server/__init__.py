"""The nscn-graph web server: a Flask application factory (as Flask's tutorial app ``flaskr``).

Configuration is resolved once, here: the settings table's defaults, then ``NSCN_*`` environment
variables, then the mapping a caller passes. The graph is loaded once and hung on
``app.extensions["nscn"]``; each feature is a blueprint in its own module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from nscn_graph import settings


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(settings.resolve(test_config))
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from . import context, errors, health, linkeddata, pages, state, vocab

    state.init_app(app)
    errors.init_app(app)

    from . import descriptions, dumps, validation  # publishing: dumps, VoID, DCAT-AP, /validate

    dumps.init_app(app)
    descriptions.init_app(app)
    validation.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(context.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(descriptions.bp)
    app.register_blueprint(validation.bp)
    linkeddata.init_app(app)
    pages.init_app(app)
    vocab.init_app(app)
    return app
