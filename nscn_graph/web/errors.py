"""One error handler and one error shape: RFC 9457 problem details for machines, a short page for
browsers. No stack trace and no request text ever reaches a client; a server bug is a 500 with a
generic message and a log line, never disguised as a client error."""

from __future__ import annotations

from flask import Flask, Response, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from nscn_graph import formats
from nscn_graph.errors import NscnError

from .negotiation import error_format

PROBLEM_JSON = formats.PROBLEM.media_type


def problem_response(
    status: int,
    title: str,
    detail: str,
    extra: dict | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra or {})
    if error_format(request.accept_mimetypes) is formats.HTML:
        response = Response(
            render_template("error.html", problem=body), status=status, mimetype="text/html"
        )
    else:
        response = jsonify(body)
        response.status_code = status
        response.mimetype = PROBLEM_JSON
    response.headers.update(headers or {})
    response.vary.add("Accept")
    return response


def handle_nscn_error(error: NscnError) -> Response:
    g.nscn_error = error  # for the metrics and the logs
    body = error.problem()
    extra = {k: v for k, v in body.items() if k not in ("type", "title", "status", "detail")}
    return problem_response(error.status, error.title, error.detail, extra, error.headers)


def handle_http_exception(error: HTTPException) -> Response:
    headers = {}
    if error.code == 405:
        response = error.get_response()
        headers["Allow"] = response.headers.get("Allow", "")
    return problem_response(
        error.code or 500, error.name, error.description or error.name, headers=headers
    )


def handle_unexpected(error: Exception) -> Response:
    from flask import current_app

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(
        500,
        "Internal server error",
        "The server failed to answer this request; the error was logged.",
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(NscnError, handle_nscn_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
