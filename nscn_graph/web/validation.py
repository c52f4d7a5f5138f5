"""``/validate``: POST an RDF document, get its W3C SHACL validation report against the
project's shapes.

By default the document is validated together with the published data (the data files the
server publishes; their triples about the subjects the document describes are replaced by the
document's), as ``nscn-graph validate FILE`` does with the rest of ``data/``: links to countries
or organisations described in other files resolve. ``?alone=true`` (the form's "alone" box)
validates the document on its own, as ``nscn-graph validate --alone FILE``.

The document's format comes from ``Content-Type`` (Turtle, N-Triples, JSON-LD, RDF/XML, or TriG
and N-Quads, whose named graphs are the source records of its statements, as in ``data/``), or
from the form a browser sends (pasted text or an uploaded file, by its name). The report is sent by
``Accept``: Turtle (the SHACL report graph, preferred), JSON (the project's report, as
``nscn-graph validate --format json`` prints it), or a page for browsers.

Errors (RFC 9457): RDF that does not parse is 400 with line and column; an unsupported type is
415 with ``Accept-Post``; a body or a graph over the limits is 413; a validation that overruns
``VALIDATE_TIMEOUT`` is 503 with ``Retry-After``. Parsing and validation both run in a child
process (:mod:`nscn_graph.graph.bounded`), under that time limit and behind the concurrency gate
(``VALIDATE_CONCURRENCY``), with no inference and no ``owl:imports``; nothing in the document is
ever fetched (JSON-LD remote contexts are refused by the parser). A browser that posted the
form gets the form back, with the text it pasted, on the report page and on an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from threading import BoundedSemaphore

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from nscn_graph import formats, paths
from nscn_graph.errors import (
    BadRequest,
    Busy,
    NscnError,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from nscn_graph.graph.bounded import Outcome, validate_document
from nscn_graph.sparql.pool import MB, default_memory_limit

from .fairuse import metered
from .negotiation import negotiate

bp = Blueprint("validation", __name__)

#: Report formats, in the server's order of preference: the SHACL report graph, the project's
#: JSON report, a page.
OFFERS = (formats.TURTLE, formats.JSON, formats.HTML)
FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
#: The document formats taken: the graph formats and the dataset formats (named graphs).
POSTED = formats.READABLE_FORMATS
ACCEPT_POST = ", ".join(m for f in POSTED for m in f.media_types)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.extensions["nscn_validation"] = BoundedSemaphore(app.config["VALIDATE_CONCURRENCY"])


@dataclass
class Posted:
    """What was posted: the document, its format and name, and how to validate it."""

    data: bytes = b""
    fmt: formats.Format = formats.TURTLE
    name: str = "request body"
    alone: bool = False
    form: bool = False  #: posted with the page's form (a browser)
    pasted: str = ""  #: the text pasted into the form, given back with the report or error


@bp.get("/validate")
def form():
    """The page with a form to paste or upload data."""
    return render_template("validate.html", formats=POSTED, limits=_limits(), posted=Posted())


@bp.post("/validate")
@metered
def validate():
    # a report answers a POST: its other forms have no URL to link to
    chosen = negotiate(OFFERS, href=lambda fmt: None)
    limit = current_app.config["VALIDATE_MAX_BYTES"]
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the document is larger than the limit of {limit} bytes")
    # A body without a length (chunked) is read up to one byte past the limit, to tell.
    request.max_content_length = limit + 1
    request.max_form_memory_size = limit + 1
    posted = Posted(form=request.mimetype in FORMS)
    try:
        posted = _from_form(posted) if posted.form else _from_body()
        if len(posted.data) > limit:
            raise PayloadTooLarge(f"the document is larger than the limit of {limit} bytes")
        if not posted.data.strip():
            raise BadRequest("the request has no document: send RDF in the body")
        outcome = _run(posted)
    except NscnError as error:
        if chosen is formats.HTML and posted.form:
            return _form_error(error, posted)
        raise
    return _answer(outcome, chosen, posted)


def _alone(value: str | None) -> bool:
    """``alone`` as a query parameter or form field: true/1/yes/on (or present and empty)."""
    if value is None:
        return False
    flag = value.strip().lower()
    if flag in ("", "1", "true", "yes", "on"):
        return True
    if flag in ("0", "false", "no", "off"):
        return False
    raise BadRequest("alone= takes true or false")


def _from_body() -> Posted:
    alone = _alone(request.args.get("alone"))
    try:
        fmt = formats.by_name(request.mimetype) if request.mimetype else None
    except KeyError:
        fmt = None
    if fmt is None or fmt not in POSTED:
        raise UnsupportedMediaType(
            f"send the document as one of: {ACCEPT_POST}",
            headers={"Accept-Post": ACCEPT_POST},
        )
    return Posted(request.get_data(cache=False), fmt, "request body", alone)


def _from_form(posted: Posted) -> Posted:
    """The form's document, filled into ``posted`` as it is read (so that an error page still
    has the pasted text)."""
    posted.pasted = pasted = request.form.get("data", "")
    posted.alone = _alone(request.form.get("alone", request.args.get("alone")))
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        posted.data, posted.name = upload.read(), _file_name(upload.filename)
    else:
        posted.data, posted.name = pasted.encode("utf-8"), "pasted data"
    if not posted.data.strip():
        raise BadRequest("paste a document or choose a file to validate")
    chosen = request.form.get("format", "")
    fmt = None
    if chosen and chosen != "auto":
        try:
            fmt = formats.by_name(chosen, POSTED)
        except KeyError:
            fmt = None
        if fmt is None:
            raise UnsupportedMediaType(
                "choose Turtle, N-Triples, JSON-LD, RDF/XML, TriG or N-Quads",
                headers={"Accept-Post": ACCEPT_POST},
            )
    else:
        fmt = formats.for_path(posted.name) if posted.name != "pasted data" else formats.TURTLE
        fmt = fmt or formats.TURTLE
    posted.fmt = fmt
    return posted


def _file_name(filename: str) -> str:
    """An uploaded file's name, safe to show and to pass on: letters, digits, ``._-`` only."""
    name = re.sub(r"[^\w.-]", "_", Path(filename.replace("\\", "/")).name)[:100]
    return name.lstrip("-.") or "upload"


def _run(posted: Posted) -> Outcome:
    """Parse and validate in the bounded child process, behind the concurrency gate."""
    gate: BoundedSemaphore = current_app.extensions["nscn_validation"]
    if not gate.acquire(blocking=False):
        raise Busy(
            "the server is validating other documents; try again shortly",
            headers={"Retry-After": "5"},
        )
    try:
        config = current_app.config
        return validate_document(
            posted.data,
            fmt=posted.fmt,
            shapes=paths.shapes_file(Path(config["ROOT"])),
            name=posted.name,
            timeout=config["VALIDATE_TIMEOUT"],
            base=config["BASE"],
            max_triples=config["VALIDATE_MAX_TRIPLES"],
            context=() if posted.alone else _published_files(),
            memory_limit=_memory_limit(config),
        )
    finally:
        gate.release()


def _memory_limit(config) -> int:
    """Bytes a validation process may use: ``VALIDATE_MEMORY_LIMIT``, or as much as a query
    worker (half the machine's memory shared among every one that may run at once)."""
    if config["VALIDATE_MEMORY_LIMIT"]:
        return config["VALIDATE_MEMORY_LIMIT"] * MB
    return default_memory_limit(config["VALIDATE_CONCURRENCY"] * config["WORKERS"])


def _published_files() -> list[tuple[str, Path]]:
    """The data files the server publishes, each with the name a report shows: relative to the
    project's folder when inside it (``data/cities.ttl``), else the file's name; never a full
    path of the server's."""
    config = current_app.config
    root = Path(config["ROOT"]).resolve()
    files = [Path(p) for p in config["DATA"]] if config["DATA"] else paths.data_files(root)
    shown = []
    for path in files:
        full = path.resolve()
        name = str(full.relative_to(root)) if full.is_relative_to(root) else full.name
        shown.append((name, full))
    return shown


def _answer(outcome: Outcome, chosen: formats.Format, posted: Posted) -> Response:
    if chosen is formats.TURTLE:
        response = Response(outcome.turtle, content_type=formats.TURTLE.content_type)
    elif chosen is formats.JSON:
        response = jsonify(outcome.report)
    else:
        response = Response(_page(posted, outcome=outcome), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def _form_error(error: NscnError, posted: Posted) -> Response:
    """The form again for a browser, the error above it and the pasted text still in it."""
    response = Response(_page(posted, error=error), status=error.status, mimetype="text/html")
    response.headers.update(error.headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(posted: Posted, **shown) -> str:
    return render_template(
        "validate.html",
        formats=POSTED,
        limits=_limits(),
        posted=posted,
        name=posted.name,
        format=posted.fmt,
        **shown,
    )


def _limits() -> dict[str, int]:
    config = current_app.config
    return {
        "bytes": config["VALIDATE_MAX_BYTES"],
        "triples": config["VALIDATE_MAX_TRIPLES"],
        "seconds": config["VALIDATE_TIMEOUT"],
    }
