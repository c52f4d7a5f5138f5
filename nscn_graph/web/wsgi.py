"""Running the app under gunicorn, a production WSGI server (``nscn-graph serve``).

The graph is loaded once in the master (``preload_app``) and shared by the forked workers
(copy-on-write, with the start-up objects frozen out of the garbage collector's reach).
"""

from __future__ import annotations

import gc
from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

from nscn_graph import settings

from . import create_app


class _Server(BaseApplication):
    def __init__(self, options: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
        self.options = dict(options)
        self.overrides = dict(overrides)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        app = create_app(self.overrides)
        # What start-up prepared is shared with the forked workers copy-on-write; frozen, the
        # garbage collector never walks (and so never copies) it in a worker.
        gc.freeze()
        return app


def serve(*, host: str, port: int, overrides: Mapping[str, Any] | None = None) -> None:
    config = settings.resolve(overrides)
    options = {
        "bind": f"{host}:{port}",
        "workers": config["WORKERS"],
        "threads": config["THREADS"],
        "worker_class": "gthread",
        "preload_app": True,
        "accesslog": None if config["ACCESS_LOG"] in ("", "off") else config["ACCESS_LOG"],
        "errorlog": "-",
        "timeout": 60,
        # SPARQL queries sent by GET make long request lines: allow gunicorn's largest
        "limit_request_line": 8190,
    }
    _Server(options, {k: v for k, v in (overrides or {}).items() if v is not None}).run()
