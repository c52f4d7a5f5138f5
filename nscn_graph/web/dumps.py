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
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Any

from flask import (
    Blueprint,
    Flask,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
)

from nscn_graph import formats, paths
from nscn_graph.errors import NotFound, NscnError
from nscn_graph.publish import metadata, release
from nscn_graph.publish.build import CHECKSUMS, MANIFEST, Built, ensure_built
from nscn_graph.stores.memory import give_back_memory
from nscn_graph.tempfolders import owned_folder

from .links import server_url
from .negotiation import negotiate
from .state import Published

bp = Blueprint("dumps", __name__)

GZIP = "application/gzip"
#: Files that may change (unreleased dumps, checksums, the manifest) are reused for five
#: minutes, then revalidated with their ETag.
MAX_AGE = 300
#: A release's files never change (RFC 8246).
IMMUTABLE = "public, max-age=31536000, immutable"
#: The list of dumps: JSON for programs (and ``*/*``), a page for browsers.
LISTING_FORMATS = (formats.JSON, formats.HTML)
#: Where a server whose ``DIST`` is not writable builds instead (removed when it exits).
FALLBACK_PREFIX = "nscn-dist-"


@dataclass(frozen=True)
class File:
    name: str
    path: Path
    content_type: str
    size: int
    sha256: str
    attachment: bool
    format: str | None = None
    #: the data release it belongs to (``None``: not a release's file, it may change)
    release: str | None = None
    #: (device, inode, size, modification time) when the file was verified
    identity: tuple[int, int, int, int] = (0, 0, 0, 0)

    def unchanged(self, stat: os.stat_result) -> bool:
        return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns) == self.identity


@dataclass
class Dist:
    """The build the server publishes: its folder, manifest and servable files, each verified
    (size and SHA-256 against the manifest) when the server took the build."""

    root: Path
    manifest: dict[str, Any]
    modified: datetime
    files: dict[str, File] = field(default_factory=dict)

    @classmethod
    def from_build(cls, built: Built) -> Dist:
        """The verified build; :class:`NotFound` naming the file that does not match."""
        manifest = built.manifest
        dist = cls(built.root, manifest, datetime.fromisoformat(manifest["modified"]))
        for entry in manifest["dumps"]:
            fmt = formats.by_name(entry["format"])
            dist.add(
                entry["file"],
                GZIP if entry["gzip"] else fmt.content_type,
                attachment=True,
                sha256=entry["sha256"],
                format=fmt.name,
                release=_released(entry.get("release")),
            )
        for entry in manifest.get("files", ()):
            dist.add(
                entry["file"],
                entry["media_type"],
                attachment=True,
                sha256=entry["sha256"],
                release=_released(entry.get("release")),
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
        release: str | None = None,
    ) -> None:
        path = self.root / "dumps" / name
        digest = hashlib.sha256()
        with path.open("rb") as file:
            stat = os.fstat(file.fileno())
            for chunk in iter(lambda: file.read(1 << 20), b""):
                digest.update(chunk)
        if sha256 is not None and digest.hexdigest() != sha256:
            raise BuildMismatch(f"{name} of the build {self.root.name} does not match its manifest")
        self.files[name] = File(
            name=name,
            path=path,
            content_type=content_type,
            size=stat.st_size,
            sha256=digest.hexdigest(),
            attachment=attachment,
            format=format,
            release=release,
            identity=(stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns),
        )

    def dumps(self) -> list[File]:
        """The dumps of the data served (the current edition, released or not)."""
        edition = self.manifest.get("release")
        return [f for f in self.files.values() if f.format and self._edition(f) == edition]

    def downloads(self) -> list[File]:
        """Every file to download: the dumps of every release and their changes."""
        return [f for f in self.files.values() if f.attachment]

    def _edition(self, file: File) -> str | None:
        return file.release or release.UNRELEASED

    @property
    def current_release(self) -> str | None:
        """The newest release (what ``latest`` names), if there is one."""
        known = self.manifest.get("releases") or []
        return known[-1]["version"] if known else None

    def latest(self, name: str) -> File | None:
        """The current release's file that ``nscn-graph-latest.SUFFIX`` stands for."""
        prefix = f"nscn-graph-{release.LATEST}"
        current = self.current_release
        if current is None or not name.startswith(prefix):
            return None
        return self.files.get(f"nscn-graph-{current}" + name[len(prefix) :])


def _released(edition: str | None) -> str | None:
    return None if edition in (None, release.UNRELEASED) else edition


class BuildMismatch(NscnError):
    """A build whose files are not what its manifest says (changed on disk)."""


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
    """The build of the served graph: found in ``DIST`` by its key (or written there once),
    then verified. An unwritable ``DIST`` falls back to a temporary folder of this process."""
    graph: Published = app.extensions["nscn"]
    root = Path(app.config["ROOT"])
    options = {
        "base": graph.base,
        "links": app.config["PUBLIC_URL"],
        "files": _data_files(app),
        "inputs": (paths.ontology_file(root), paths.shapes_file(root)),
        "releases": releases_folder(app),
    }
    out = Path(app.config["DIST"]).absolute()
    try:
        built = ensure_built(graph.store, out, **options)
    except OSError as error:  # a read-only DIST without a build of this data
        fallback = owned_folder(FALLBACK_PREFIX)
        app.logger.warning("cannot build in %s (%s); building in %s", out, error, fallback)
        built = ensure_built(graph.store, fallback, **options)
    finally:
        give_back_memory()
    try:
        return Dist.from_build(built)
    except (BuildMismatch, OSError) as error:  # changed under us: build it again, once
        app.logger.warning("the build %s does not verify (%s); building again", built.root, error)
        import shutil

        shutil.rmtree(built.root, ignore_errors=True)
        return Dist.from_build(ensure_built(graph.store, built.root.parent.parent, **options))


def releases_folder(app: Flask) -> Path:
    """The data's releases (setting ``RELEASES``, else ``releases/`` in ``ROOT``)."""
    configured = app.config.get("RELEASES")
    return Path(configured) if configured else paths.releases_dir(Path(app.config["ROOT"]))


def _data_files(app: Flask) -> list[Path]:
    """The files whose modification time dates the build (``Last-Modified``)."""
    config = app.config
    return (
        [Path(p) for p in config["DATA"]]
        if config["DATA"]
        else paths.data_files(Path(config["ROOT"]))
    )


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


def _gone() -> NotFound:
    return NotFound(
        "this file of the build changed or vanished on the server; see /dumps/ for the list"
    )


@bp.get("/dumps/<name>")
def dump(name: str):
    """One file of the build (GET and HEAD; conditional and range requests, RFC 9110). Only
    the verified file is served: one that changed or vanished since is a 404, never another
    body under this one's checksum."""
    current = dist()
    file = current.files.get(name)
    if file is None:
        latest = current.latest(name)
        if latest is not None:  # the current release's file of that form (RFC 9110 §15.4.3)
            response = redirect(f"/dumps/{latest.name}", 302)
            response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
            return response
        raise NotFound("there is no dump of this name; see /dumps/ for the list")
    try:
        stat = os.stat(file.path)
    except OSError:
        current_app.logger.error("dump %s vanished from %s", name, file.path.parent)
        raise _gone() from None
    if not file.unchanged(stat):
        current_app.logger.error("dump %s changed under the server in %s", name, file.path.parent)
        raise _gone()
    _normalise_range(file.size)
    response = send_file(
        file.path,
        mimetype=file.content_type.split(";")[0],
        as_attachment=file.attachment,
        download_name=file.name,
        conditional=True,
        etag=file.sha256,
        last_modified=current.modified,
        max_age=MAX_AGE,
    )
    response.headers["Content-Type"] = file.content_type
    if file.release is not None:
        response.headers["Cache-Control"] = IMMUTABLE
    return response


def _normalise_range(size: int) -> None:
    """RFC 9110 §14.2: a Range in a unit the server does not know MUST be ignored (and one that
    is malformed, or asks for several parts, MAY be): the whole file is sent, as werkzeug
    would otherwise answer 416. §14.1.2: a suffix range longer than the file selects the whole
    file (206). A well-formed byte range that starts past the end stays 416."""
    if "HTTP_RANGE" not in request.environ:
        return
    wanted = request.range
    if wanted is None or wanted.units != "bytes" or len(wanted.ranges) != 1:
        del request.environ["HTTP_RANGE"]
        request.__dict__.pop("range", None)  # werkzeug caches the parsed header
        return
    start, end = wanted.ranges[0]
    if start < 0 and end is None and -start > size and size > 0:
        request.environ["HTTP_RANGE"] = "bytes=0-"
        request.__dict__.pop("range", None)


@bp.get("/dumps/")
def index():
    """The list of dumps: JSON for programs, a page for browsers."""
    current = dist()
    root = server_url()
    def entry(f: File) -> dict[str, Any]:
        return {
            "file": f.name,
            "url": f"{root}dumps/{f.name}",
            "format": f.format,
            "content_type": f.content_type,
            "bytes": f.size,
            "sha256": f.sha256,
        }

    releases = []
    for known in reversed(current.manifest.get("releases") or []):
        files = [f for f in current.downloads() if f.release == known["version"]]
        releases.append({**known, "files": [entry(f) for f in files]})
    latest = current.current_release
    listing = {
        "version": current.manifest["version"],
        "release": current.manifest.get("release"),
        "triples": current.manifest["triples"],
        "modified": current.manifest["modified"],
        "licence": metadata.LICENCE,
        "checksums": f"{root}dumps/{CHECKSUMS}",
        "dumps": [entry(f) for f in current.dumps()],
        "latest": {
            f.name.replace(f"-{latest}", f"-{release.LATEST}", 1): f"{root}dumps/{f.name}"
            for f in current.downloads()
            if latest is not None and f.release == latest and f.format
        },
        "releases": releases,
        "feed": f"{root}releases.atom",
    }
    if negotiate(LISTING_FORMATS) is formats.HTML:
        return current_app.make_response(render_template("dumps.html", listing=listing))
    return jsonify(listing)
