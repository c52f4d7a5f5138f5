"""Running the app under gunicorn (``nscn-graph serve``).

The graph is loaded once in the master (``preload_app``) and shared by the forked workers
(copy-on-write, with the start-up objects frozen out of the garbage collector's reach). Each
worker reads whole requests in an event loop before its threads see them
(:mod:`nscn_graph.web.worker`), so slow clients hold no thread.
"""

from __future__ import annotations

import gc
import logging
import math
import os
import sys
from collections.abc import Mapping
from typing import Any

from gunicorn.app.base import BaseApplication

from nscn_graph import settings, tempfolders

from . import create_app, worker

log = logging.getLogger("nscn_graph.serve")

WORKER_CLASSES = {"buffered": "nscn_graph.web.worker.BufferedWorker", "gthread": "gthread"}


class _Server(BaseApplication):
    def __init__(self, options: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
        self.options = dict(options)
        self.overrides = dict(overrides)
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # the control socket settings are gunicorn >= 25's
                self.cfg.set(key, value)

    def load(self):
        app = create_app(self.overrides)
        if self.cfg.worker_class_str == "gthread":
            app.wsgi_app = _body_errors_are_the_clients(app.wsgi_app)
        # What start-up prepared is shared with the forked workers copy-on-write; frozen, the
        # garbage collector never walks (and so never copies) it in a worker.
        gc.freeze()
        return app


class _Input:
    """``wsgi.input`` under gunicorn's threaded worker, which decodes a chunked body while the
    app reads it: a malformed or truncated body is the client's error (werkzeug's
    ``ClientDisconnected``, a 400 through the app's error handler), never a 500."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def _call(self, name: str, *args):
        from gunicorn.http.errors import NoMoreData, ParseException
        from werkzeug.exceptions import ClientDisconnected

        try:
            return getattr(self._stream, name)(*args)
        except (ParseException, NoMoreData) as exc:
            raise ClientDisconnected(f"The request body is malformed: {exc}") from None

    def read(self, *args):
        return self._call("read", *args)

    def readline(self, *args):
        return self._call("readline", *args)

    def readlines(self, *args):
        return self._call("readlines", *args)

    def __iter__(self):
        return iter(self.readline, b"")


def _body_errors_are_the_clients(wsgi_app):
    def wrapped(environ, start_response):
        environ["wsgi.input"] = _Input(environ["wsgi.input"])
        return wsgi_app(environ, start_response)

    return wrapped


def _configure_logging() -> None:
    """Warnings and errors of every library, plus this project's own information, on standard
    error. Set before the app is built, so a library that configures the root logger for
    itself when it loads (pyLODE sets DEBUG) finds it configured and prints no debug noise."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter(
            "[%(asctime)s] [%(process)d] [%(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S %z"
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("nscn_graph").setLevel(logging.INFO)
    # "Task queue depth is 1": a request waited for a free thread, which is what the threads
    # are for; not a warning
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)


def options(config: Mapping[str, Any], *, host: str, port: int) -> dict[str, Any]:
    """gunicorn's settings for ``serve`` from the project's settings."""
    if config["WORKER"] not in WORKER_CLASSES:
        from nscn_graph.errors import NscnError

        raise NscnError(
            f"unknown WORKER {config['WORKER']!r}: use one of " + ", ".join(WORKER_CLASSES)
        )
    workers, threads = config["WORKERS"], config["THREADS"]

    def ready(_arbiter) -> None:
        log.info(
            "nscn-graph serving http://%s:%s/ (%d workers x %d threads, store %s)",
            f"[{host}]" if ":" in host else host,
            port,
            workers,
            threads,
            config["STORE"],
        )

    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": WORKER_CLASSES[config["WORKER"]],
        "preload_app": True,
        "accesslog": None if config["ACCESS_LOG"] in ("", "off") else config["ACCESS_LOG"],
        "errorlog": "-",
        # gunicorn's own start-up lines (version, worker pids) are information: `ready` says
        # where the server serves, in one line; warnings and errors are still shown
        "loglevel": "warning",
        "when_ready": ready,
        "child_exit": _forget_worker,
        "timeout": 60,
        # SIGTERM: DRAIN_DELAY of serving with /health "draining", then DRAIN_TIMEOUT for the
        # requests in progress (the worker, nscn_graph.web.worker); then gunicorn kills
        "graceful_timeout": math.ceil(config["DRAIN_DELAY"] + config["DRAIN_TIMEOUT"]) + 1,
        "keepalive": max(1, round(config["HEADER_TIMEOUT"])),
        # SPARQL queries sent by GET make long request lines: allow gunicorn's largest
        "limit_request_line": 8190,
        # gunicorn >= 25 opens a control socket at one path per user unless told otherwise:
        # several servers on one machine would take it from each other
        "control_socket_disable": not config["CONTROL_SOCKET"],
        **({"control_socket": config["CONTROL_SOCKET"]} if config["CONTROL_SOCKET"] else {}),
    }


def _forget_worker(_arbiter, gone) -> None:
    """A web worker has exited: its live gauges no longer count (its counters still do)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(gone.pid)


def _metrics_folder() -> None:
    """The folder where every worker's metrics meet (prometheus_client's multiprocess mode): a
    fresh one of this server's, unless the environment names one. Set before the library is
    first imported, which reads it then."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        folder = tempfolders.owned_folder("nscn-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)


def serve(*, host: str, port: int, overrides: Mapping[str, Any] | None = None) -> None:
    config = settings.resolve(overrides)
    _configure_logging()
    _metrics_folder()
    worker.OPTIONS.update(
        drain_delay=config["DRAIN_DELAY"],
        header_timeout=config["HEADER_TIMEOUT"],
        body_timeout=config["BODY_TIMEOUT"],
        # above the app's own limits, so that the app answers those with its own message
        max_body=2 * max(config["SPARQL_MAX_BODY"], config["VALIDATE_MAX_BYTES"]) + 65536,
    )
    _Server(
        options(config, host=host, port=port),
        {k: v for k, v in (overrides or {}).items() if v is not None},
    ).run()
