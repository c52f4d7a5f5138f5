"""``/dumps/``: the files ``nscn-graph build`` wrote, served as they are (never rebuilt per
request), with RFC 9110 validators and conditional requests: ``ETag`` (the file's SHA-256),
``Last-Modified`` (when the sources last changed), ``Content-Length``, ``Content-Disposition``,
``HEAD``, and ``304 Not Modified`` without a body for ``If-None-Match`` / ``If-Modified-Since``.

Only the names listed in the build's manifest are served: a request path never reaches the
filesystem. The gzipped N-Triples dump is a gzip file (``Content-Type: application/gzip``, no
``Content-Encoding``), as its DCAT distribution says (``dcat:compressFormat``).

When the app starts and ``DIST`` holds no build of the graph it serves (none yet, or one made
from other data), the dumps and descriptions are built there once.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, send_file

from nscn_graph import formats
from nscn_graph.errors import NotFound, NscnError
from nscn_graph.publish import metadata
from nscn_graph.publish.build import CHECKSUMS, MANIFEST, ensure_built

from .links import server_url
from .negotiation import negotiate
from .state import Published

bp = Blueprint("dumps", __name__)

GZIP = "application/gzip"
#: Dumps can be cached for an hour, then revalidated with their ETag.
MAX_AGE = 3600
#: The list of dumps: JSON for programs (and ``*/*``), a page for browsers.
LISTING_FORMATS = (formats.JSON, formats.HTML)


@dataclass(frozen=True)
class File:
    name: str
    path: Path
    content_type: str
    size: int
    sha256: str
    attachment: bool
    format: str | None = None


@dataclass
class Dist:
    """The build the server publishes: its folder, manifest and servable files."""

    root: Path
    manifest: dict[str, Any]
    modified: datetime
    files: dict[str, File] = field(default_factory=dict)

    @classmethod
    def from_manifest(cls, root: Path, manifest: dict[str, Any]) -> Dist:
        dist = cls(root, manifest, datetime.fromisoformat(manifest["modified"]))
        for entry in manifest["dumps"]:
            fmt = formats.by_name(entry["format"])
            dist.add(
                entry["file"],
                GZIP if entry["gzip"] else fmt.content_type,
                attachment=True,
                sha256=entry["sha256"],
                format=fmt.name,
            )
        dist.add(CHECKSUMS, "text/plain; charset=utf-8")
        dist.add(MANIFEST, "application/json")
        return dist

    def add(
        self,
        name: str,
        content_type: str,
        *,
        attachment: bool = False,
        sha256: str | None = None,
        format: str | None = None,
    ) -> None:
        path = self.root / "dumps" / name
        data = path.read_bytes() if sha256 is None else None
        self.files[name] = File(
            name=name,
            path=path,
            content_type=content_type,
            size=path.stat().st_size,
            sha256=sha256 or hashlib.sha256(data or b"").hexdigest(),
            attachment=attachment,
            format=format,
        )

    def dumps(self) -> list[File]:
        return [f for f in self.files.values() if f.attachment]


def init_app(app: Flask) -> None:
    """Find (or make, once) the build of the published graph in ``DIST``. A store that cannot
    be read at start-up (a remote store that is down) does not stop the server: the build is
    tried again on the first request that needs it."""
    app.register_blueprint(bp)
    app.extensions["nscn_dist"] = None
    try:
        app.extensions["nscn_dist"] = prepare(app)
    except NscnError as error:
        app.logger.warning("dumps not built at start-up: %s", error)


def prepare(app: Flask) -> Dist:
    graph: Published = app.extensions["nscn"]
    root = Path(app.config["DIST"]).absolute()
    options = {"files": graph.files, "base": graph.base, "links": app.config["PUBLIC_URL"]}
    try:
        manifest = ensure_built(graph.store, root, **options)
    except OSError as error:  # a read-only DIST without a build of this data
        fallback = Path(tempfile.mkdtemp(prefix="nscn-dist-"))
        app.logger.warning("cannot build in %s (%s); building in %s", root, error, fallback)
        root = fallback
        manifest = ensure_built(graph.store, root, **options)
    return Dist.from_manifest(root, manifest)


_PREPARING = Lock()


def dist() -> Dist:
    """The build being served (made now if the store could not be read at start-up)."""
    current = current_app.extensions["nscn_dist"]
    if current is None:
        with _PREPARING:
            current = current_app.extensions["nscn_dist"]
            if current is None:
                current = prepare(current_app)  # type: ignore[arg-type]
                current_app.extensions["nscn_dist"] = current
    return current


@bp.get("/dumps/<name>")
def dump(name: str):
    """One file of the build (GET and HEAD; conditional and range requests, RFC 9110)."""
    file = dist().files.get(name)
    if file is None:
        raise NotFound("there is no dump of this name; see /dumps/ for the list")
    _ignore_unservable_range()
    response = send_file(
        file.path,
        mimetype=file.content_type.split(";")[0],
        as_attachment=file.attachment,
        download_name=file.name,
        conditional=True,
        etag=file.sha256,
        last_modified=dist().modified,
        max_age=MAX_AGE,
    )
    response.headers["Content-Type"] = file.content_type
    return response


def _ignore_unservable_range() -> None:
    """RFC 9110 §14.2: a Range in a unit the server does not know MUST be ignored (and one that
    is malformed, or asks for several parts, MAY be): the whole file is sent, as werkzeug
    would otherwise answer 416. A well-formed byte range past the end stays 416."""
    if "HTTP_RANGE" not in request.environ:
        return
    wanted = request.range
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        del request.environ["HTTP_RANGE"]
        request.__dict__.pop("range", None)  # werkzeug caches the parsed header


@bp.get("/dumps/")
def index():
    """The list of dumps: JSON for programs, a page for browsers."""
    current = dist()
    root = server_url()
    listing = {
        "version": current.manifest["version"],
        "triples": current.manifest["triples"],
        "modified": current.manifest["modified"],
        "licence": metadata.LICENCE,
        "checksums": f"{root}dumps/{CHECKSUMS}",
        "dumps": [
            {
                "file": f.name,
                "url": f"{root}dumps/{f.name}",
                "format": f.format,
                "content_type": f.content_type,
                "bytes": f.size,
                "sha256": f.sha256,
            }
            for f in current.dumps()
        ],
    }
    if negotiate(LISTING_FORMATS) is formats.HTML:
        return current_app.make_response(render_template("dumps.html", listing=listing))
    return jsonify(listing)
