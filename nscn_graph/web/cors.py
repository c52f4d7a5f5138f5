"""Cross-origin use (the Fetch standard's CORS protocol), app-wide: browser code on any site may
read every answer of this server, since the data is public and the server read-only.

Every answer (errors, redirects, ``304``, dumps and ``HEAD`` included) carries
``Access-Control-Allow-Origin: *`` and ``Access-Control-Expose-Headers`` naming the headers a
script needs beyond the CORS-safelisted ones (``Link``, ``ETag``, ``Location``,
``Content-Location``, ``Retry-After``). A preflight (``OPTIONS`` with
``Access-Control-Request-Method``) is answered ``204`` on every path, before routing, so a
script can learn that a path is unknown from the ``404`` of its real request. No credentials
are ever allowed (a wildcard origin forbids them).
"""

from __future__ import annotations

import re

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException

EXPOSED = "Link, ETag, Location, Content-Location, Retry-After"
#: Methods a preflight is told about when the path has no route (its request will be a 404).
METHODS = ("GET", "HEAD", "POST", "OPTIONS")
#: How long a browser may remember a preflight's answer, in seconds.
MAX_AGE = 86400
_HEADER_NAMES = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*")


def preflight() -> Response | None:
    """The answer to a CORS preflight, for any path; ``None`` for any other request."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    response = current_app.response_class(status=204)
    response.headers["Access-Control-Allow-Methods"] = ", ".join(_methods())
    asked = request.headers.get("Access-Control-Request-Headers", "").strip()
    if asked and _HEADER_NAMES.fullmatch(asked):  # header names only, never other text
        response.headers["Access-Control-Allow-Headers"] = asked
    response.headers["Access-Control-Max-Age"] = str(MAX_AGE)
    return response


def _methods() -> list[str]:
    """The methods this path answers (``OPTIONS`` always), or :data:`METHODS` for no route."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        allowed = adapter.allowed_methods()
    except HTTPException:
        allowed = []
    if not allowed:
        return list(METHODS)
    return sorted({*allowed, "OPTIONS"}, key=lambda m: (METHODS + (m,)).index(m))


def allow(response: Response) -> Response:
    """CORS headers on every answer."""
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Expose-Headers"] = EXPOSED
    return response


def init_app(app: Flask) -> None:
    app.before_request(preflight)
    app.after_request(allow)
