"""Request ids and the query log.

Every answer carries ``X-Request-Id``: the id a trusted proxy (``TRUSTED_PROXIES``) sent, when
it is a short token, else one made here. The access log (``ACCESS_LOG``, written by ``serve``'s
worker, :mod:`nscn_graph.web.worker`) names it, with the client, the route, the status, the
bytes sent and the time, one JSON object a line.

The query log (``QUERY_LOG``: ``-`` for standard output, or a file; off by default) has one JSON
line per SPARQL query: the time, the request id, the client, a hash of the query text (SHA-256,
the first 16 hex digits: the same query has the same hash everywhere), its duration, outcome
(as the metrics count them) and status, and, when ``QUERY_LOG_TEXT`` is on, the text itself:
what the SPARQL community asks of public endpoints for the study of real queries, without
keeping what users asked unless the operator chooses to.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, request

from .fairuse import EXTENSION as FAIRUSE
from .fairuse import _within, client_address

HEADER = "X-Request-Id"
_TOKEN = re.compile(r"[A-Za-z0-9._:-]{1,64}")
QUERIES = logging.getLogger("nscn_graph.queries")


def request_id() -> str:
    """This request's id (made once)."""
    environ = request.environ
    found = environ.get("nscn.request_id")
    if found:
        return found
    sent = request.headers.get(HEADER, "")
    trusted = current_app.extensions[FAIRUSE].trusted
    if sent and _TOKEN.fullmatch(sent) and _within(request.remote_addr or "", trusted):
        found = sent
    else:
        found = uuid.uuid4().hex[:16]
    environ["nscn.request_id"] = found
    return found


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _begin() -> None:
    request_id()
    client_address()


def _mark(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    return response


def _log_query(_error: BaseException | None) -> None:
    text = g.get("nscn_query")
    if text is None or not QUERIES.handlers:
        return
    started = g.get("nscn_started")
    entry = {
        "time": now_text(),
        "request_id": request.environ.get("nscn.request_id"),
        "client": request.environ.get("nscn.client"),
        "hash": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
        "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        "outcome": g.get("nscn_outcome"),
        "status": g.get("nscn_status"),
    }
    if current_app.config["QUERY_LOG_TEXT"]:
        entry["query"] = text
    QUERIES.info(json.dumps(entry, ensure_ascii=False))


def _status(response: Response) -> Response:
    g.nscn_status = response.status_code
    return response


def configure_query_log(where: str) -> None:
    """Send the query log to ``where`` (``-``: standard output, ``off``: nowhere, else a file;
    once per process)."""
    QUERIES.handlers[:] = []
    QUERIES.propagate = False
    if where in ("", "off"):
        return
    handler = logging.StreamHandler(sys.stdout) if where == "-" else logging.FileHandler(where)
    handler.setFormatter(logging.Formatter("%(message)s"))
    QUERIES.addHandler(handler)
    QUERIES.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    configure_query_log(app.config["QUERY_LOG"])
    app.before_request(_begin)
    app.after_request(_status)
    app.after_request(_mark)
    app.teardown_request(_log_query)
