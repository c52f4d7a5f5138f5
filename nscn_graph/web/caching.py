"""HTTP caching, app-wide (RFC 9111, RFC 9110 §8.8 validators and §13 conditional requests).

Every successful ``GET``/``HEAD`` answer gets a validator and a ``Cache-Control``: a route may
set its own and answer conditional requests itself (the dumps, the descriptions and ``/sparql``
do: an answer that has an ``ETag`` is left as it is); otherwise the answer's ``ETag`` is the
digest of its body, its ``Cache-Control`` is :data:`DEFAULT`, and ``If-None-Match`` /
``If-Modified-Since`` get ``304 Not Modified``. An answer marked ``no-store`` (``/health``,
validation reports) is left alone, and so is a file sent as it lies on disk (it has its own).
Nothing is kept in the server: caches outside it (a browser, Varnish, a CDN) do the keeping.
"""

from __future__ import annotations

from flask import Flask, Response, request

#: How long an answer may be reused before it is revalidated: the data changes only with a
#: release (and a restart), so a few minutes of reuse is safe.
DEFAULT = "public, max-age=300"


def validate(response: Response) -> Response:
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    control = response.headers.get("Cache-Control", "")
    if "no-store" in control or "ETag" in response.headers:
        return response
    response.add_etag()
    if not control:
        response.headers["Cache-Control"] = DEFAULT
    return response.make_conditional(request)


def init_app(app: Flask) -> None:
    app.after_request(validate)
