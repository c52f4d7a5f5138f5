"""``/validate``: POST an RDF document, get its W3C SHACL validation report against the
project's shapes.

The document's format comes from ``Content-Type`` (Turtle, N-Triples, JSON-LD, RDF/XML), or
from the form a browser sends (pasted text or an uploaded file). The report is sent by
``Accept``: Turtle (the SHACL report graph, preferred), JSON (the project's report, as
``nscn-graph validate --format json`` prints it), or a page for browsers.

Errors (RFC 9457): RDF that does not parse is 400 with line and column; an unsupported type is
415 with ``Accept-Post``; a body or a graph over the limits is 413; a validation that overruns
``VALIDATE_TIMEOUT`` is 503 with ``Retry-After``. Validation runs in a child process
(:mod:`nscn_graph.graph.bounded`) with no inference and no ``owl:imports``; nothing in the document
is ever fetched (JSON-LD remote contexts are refused by the parser).
"""

from __future__ import annotations

import re
from pathlib import Path
from threading import BoundedSemaphore

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from nscn_graph import formats, paths
from nscn_graph.errors import (
    BadRequest,
    Busy,
    PayloadTooLarge,
    RdfSyntaxError,
    UnsupportedMediaType,
)
from nscn_graph.graph.bounded import Outcome, validate_triples
from nscn_graph.graph.load import parse_bytes

from .negotiation import negotiate

bp = Blueprint("validation", __name__)

#: Report formats, in the server's order of preference: the SHACL report graph, the project's
#: JSON report, a page.
OFFERS = (formats.TURTLE, formats.JSON, formats.HTML)
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
ACCEPT_POST = ", ".join(m for f in formats.RDF_FORMATS for m in f.media_types)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["nscn_validation"] = BoundedSemaphore(app.config["VALIDATE_CONCURRENCY"])


@bp.get("/validate")
def form():
    """The page with a form to paste or upload data."""
    return render_template("validate.html", formats=formats.RDF_FORMATS, limits=_limits())


@bp.post("/validate")
def validate():
    # a report answers a POST: its other forms have no URL to link to
    chosen = negotiate(OFFERS, href=lambda fmt: None)
    limit = current_app.config["VALIDATE_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the document is larger than the limit of {limit} bytes")
    # A body without a length (chunked) is read up to one byte past the limit, to tell.
    request.max_content_length = limit + 1
    request.max_form_memory_size = limit + 1
    if request.mimetype in FORMS:
        data, fmt, name = _from_form()
    else:
        data, fmt, name = _from_body()
    if len(data) > limit:
        raise PayloadTooLarge(f"the document is larger than the limit of {limit} bytes")
    if not data.strip():
        raise BadRequest("the request has no document: send RDF in the body")
    try:
        triples = parse_bytes(data, fmt, base=current_app.config["BASE"], name=name)
    except RdfSyntaxError as error:
        if "remote context" in error.detail:
            error.detail = "remote JSON-LD contexts are never fetched: embed the context"
        raise
    most = current_app.config["VALIDATE_MAX_TRIPLES"]
    if len(triples) > most:
        raise PayloadTooLarge(
            f"the document holds {len(triples)} triples; /validate checks at most {most}"
        )
    outcome = _run(triples, name)
    return _answer(outcome, chosen, name, fmt)


def _from_body() -> tuple[bytes, formats.Format, str]:
    try:
        fmt = formats.by_name(request.mimetype) if request.mimetype else None
    except KeyError:
        fmt = None
    if fmt is None or fmt not in formats.RDF_FORMATS:
        raise UnsupportedMediaType(
            f"send the document as one of: {ACCEPT_POST}",
            headers={"Accept-Post": ACCEPT_POST},
        )
    return request.get_data(cache=False), fmt, "request body"


def _from_form() -> tuple[bytes, formats.Format, str]:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        data, name = upload.read(), _file_name(upload.filename)
    else:
        data, name = request.form.get("data", "").encode("utf-8"), "pasted data"
    if not data.strip():
        raise BadRequest("paste a document or choose a file to validate")
    chosen = request.form.get("format", "")
    fmt = None
    if chosen and chosen != "auto":
        try:
            fmt = formats.by_name(chosen, formats.RDF_FORMATS)
        except KeyError:
            fmt = None
        if fmt is None:
            raise UnsupportedMediaType(
                "choose Turtle, N-Triples, JSON-LD or RDF/XML",
                headers={"Accept-Post": ACCEPT_POST},
            )
    else:
        fmt = formats.for_path(name) if name != "pasted data" else formats.TURTLE
        fmt = fmt or formats.TURTLE
    return data, fmt, name


def _file_name(filename: str) -> str:
    """An uploaded file's name, safe to show and to pass on: letters, digits, ``._-`` only."""
    name = re.sub(r"[^\w.-]", "_", Path(filename.replace("\\", "/")).name)[:100]
    return name.lstrip("-.") or "upload"


def _run(triples, name: str) -> Outcome:
    gate: BoundedSemaphore = current_app.extensions["nscn_validation"]
    if not gate.acquire(blocking=False):
        raise Busy(
            "the server is validating other documents; try again shortly",
            headers={"Retry-After": "5"},
        )
    try:
        root = Path(current_app.config["ROOT"])
        return validate_triples(
            triples,
            shapes=paths.shapes_file(root),
            name=name,
            timeout=current_app.config["VALIDATE_TIMEOUT"],
        )
    finally:
        gate.release()


def _answer(outcome: Outcome, chosen: formats.Format, name: str, fmt: formats.Format) -> Response:
    if chosen is formats.TURTLE:
        response = Response(outcome.turtle, content_type=formats.TURTLE.content_type)
    elif chosen is formats.JSON:
        response = jsonify(outcome.report)
    else:
        response = Response(
            render_template(
                "validate.html",
                formats=formats.RDF_FORMATS,
                limits=_limits(),
                outcome=outcome,
                name=name,
                format=fmt,
            ),
            mimetype="text/html",
        )
    response.headers["Cache-Control"] = "no-store"
    return response


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "bytes": config["VALIDATE_MAX_BYTES"],
        "triples": config["VALIDATE_MAX_TRIPLES"],
        "seconds": config["VALIDATE_TIMEOUT"],
    }
