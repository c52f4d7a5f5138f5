"""``nscn-graph build``: validate, then write the dumps and the dataset descriptions, once, with
systematic names.

Dumps are generated from the sources, never edited by hand nor committed (as schema.org and
W3C DCAT publish theirs). Nothing is written when validation fails. Each build is a folder
``builds/KEY`` of the output folder, named by what it was built from (:func:`build_key`), and
holds::

    dumps/nscn-graph-VERSION.ttl       Turtle
    dumps/nscn-graph-VERSION.nt.gz     N-Triples, gzip-compressed
    dumps/nscn-graph-VERSION.jsonld    JSON-LD (compacted against the published context)
    dumps/nscn-graph-VERSION.trig      TriG: each source record's named graph (and, in the
                                       default graph, any statement in none)
    dumps/nscn-graph-VERSION.nq.gz     the same as N-Quads, gzip-compressed
    dumps/SHA256SUMS                   checksums, as ``sha256sum -c`` reads them
    dumps/manifest.json                what was built, from what, when (read by the server)
    void.ttl                           VoID description (statistics computed from the data)
    catalog.ttl                        DCAT-AP 3 catalogue record
    search.sqlite                      the search index (:mod:`nscn_graph.search`)

``dumps``, ``void.ttl`` and ``catalog.ttl`` of the output folder are symbolic links into the
newest build. A server finds its own build by its key and never writes into another one.

Links to the server in ``void.ttl`` and ``catalog.ttl`` are under the manifest's ``links``
(the ``PUBLIC_URL`` setting, or :data:`~nscn_graph.publish.metadata.LINKS_PLACEHOLDER`); the server
moves them to its own URL (:func:`nscn_graph.publish.metadata.relink`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from nscn_graph import __version__, formats, paths
from nscn_graph.errors import ValidationFailed
from nscn_graph.graph.load import load
from nscn_graph.graph.serialize import serialize, stable_json_ld  # noqa: F401 - re-exported
from nscn_graph.graph.validate import Report, validate_loaded
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish import dcat, metadata, release, void
from nscn_graph.stores.memory import EmbeddedStore

#: (format, suffix of the file, gzip it?) for each dump.
DUMPS: tuple[tuple[formats.Format, str, bool], ...] = (
    (formats.TURTLE, "ttl", False),
    (formats.NTRIPLES, "nt.gz", True),
    (formats.JSONLD, "jsonld", False),
    (formats.TRIG, "trig", False),
    (formats.NQUADS, "nq.gz", True),
)
MANIFEST = "manifest.json"
CHECKSUMS = "SHA256SUMS"
VOID_FILE = "void.ttl"
CATALOG_FILE = "catalog.ttl"


class Graph(Protocol):
    """What a build reads: a store of the graph, queried by SPARQL (as
    :class:`~nscn_graph.stores.memory.EmbeddedStore` and the server's store are)."""

    def query(self, sparql: str): ...

    def triples(self) -> Iterable[ox.Triple]: ...

    def quads(self) -> Iterable[ox.Quad]: ...

    def __len__(self) -> int: ...


@dataclass(frozen=True)
class Dump:
    path: Path
    format: formats.Format
    gzipped: bool
    size: int
    sha256: str

    def info(self) -> metadata.DumpInfo:
        return metadata.DumpInfo(self.path.name, self.format, self.gzipped, self.size, self.sha256)


def dump_name(suffix: str, version: str = __version__) -> str:
    return f"nscn-graph-{version}.{suffix}"


def build_key(
    graph: Graph,
    *,
    base: str,
    links: str,
    inputs: Sequence[Path] = (),
    releases: Path | None = None,
) -> str:
    """What a build is made from, as one digest: the software's version, the IRI base, the
    links' placeholder, the graph's content (its store's ``data_version``, else a digest of its
    triples), the data releases' index and the bytes of the other ``inputs`` (ontology,
    shapes)."""
    version = graph.data_version() if hasattr(graph, "data_version") else None
    if version is None:
        from nscn_graph.stores.persistent import content_digest

        version = content_digest(graph.triples())
    index = release.index_digest(_releases(releases))
    digest = hashlib.sha256("\n".join([__version__, base, links, version, index]).encode())
    for path in inputs:
        digest.update(b"\0" + Path(path).name.encode() + b"\0")
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


def source_date(files: Sequence[Path]) -> datetime:
    """When the sources last changed: ``SOURCE_DATE_EPOCH`` (reproducible builds) if set, else
    the newest modification time of the files; whole seconds, UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        stamp = int(epoch)
    else:
        stamp = int(max((p.stat().st_mtime for p in files), default=0))
    return datetime.fromtimestamp(stamp, tz=UTC)


def build(
    files: list[Path],
    out: Path,
    *,
    shapes: Path | None = None,
    links: str | None = None,
    store_dir: Path | None = None,
    base: str = DEFAULT_BASE,
    releases: Path | None = None,
) -> tuple[Report, list[Dump]]:
    """Validate ``files``; if they conform, write the dumps and descriptions of the graph under
    ``base`` to ``out`` and, given ``store_dir``, a persistent on-disk store there
    (:func:`nscn_graph.stores.persistent.write_persistent`)."""
    report = validate_loaded(load(files), shapes=shapes)
    if not report.conforms:
        error = ValidationFailed(f"{len(report.violations)} violation(s): nothing was written")
        error.report = report
        raise error
    graph = EmbeddedStore.from_files(files, base=base)
    dumps = write_dumps(graph, out, files=files, base=base, links=links, releases=releases)
    from nscn_graph.search import ensure_index  # the search index, next to the dumps

    ensure_index(graph, out, base=base)
    if store_dir is not None:
        from nscn_graph.stores.persistent import write_persistent

        write_persistent(graph.dataset(), store_dir, base=base, version=graph.data_version())
    return report, dumps


def write_dumps(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path] = (),
    base: str = DEFAULT_BASE,
    links: str | None = None,
    inputs: Sequence[Path] = (),
    releases: Path | None = None,
) -> list[Dump]:
    """Write every dump, the checksums, the descriptions and the manifest of ``graph`` as one
    build in ``out`` (:func:`ensure_built`, which builds even when a matching build exists)."""
    built = _build_into(
        graph, out, files=files, base=base, links=links, inputs=inputs, releases=releases
    )
    _point_at(out, built.root, replace=True)
    return built.dumps


@dataclass(frozen=True)
class Built:
    """A build on disk: its folder (``out/builds/KEY``) and its manifest."""

    root: Path
    manifest: dict[str, Any]

    @property
    def dumps(self) -> list[Dump]:
        return [
            Dump(
                self.root / "dumps" / d["file"],
                formats.by_name(d["format"]),
                d["gzip"],
                d["bytes"],
                d["sha256"],
            )
            for d in self.manifest["dumps"]
        ]


BUILDS = "builds"


def _links(links: str | None) -> str:
    links = links or metadata.LINKS_PLACEHOLDER
    return links if links.endswith("/") else links + "/"


def ensure_built(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path] = (),
    base: str = DEFAULT_BASE,
    links: str | None = None,
    inputs: Sequence[Path] = (),
    releases: Path | None = None,
) -> Built:
    """The build of ``graph`` in ``out``, keyed by what it is made from
    (:func:`build_key`): found if one exists and is complete, else written once.

    A build is written into a temporary folder of ``out`` and renamed to ``out/builds/KEY``
    (atomic: nobody ever sees half a build, and builds of other data, by other servers sharing
    ``out``, are never overwritten). ``out/dumps``, ``out/void.ttl`` and ``out/catalog.ttl``
    point (symbolic links) at the first build written there; ``nscn-graph build`` moves them to
    its own build, a server never does.

    The work runs in a forked child process where the platform forks, so that the caller (a
    server's master, before it forks its workers) never holds the graph's triples and
    serialisations: the heap a build needs would otherwise stay with it and every worker."""
    return apart(
        _ensure_built,
        graph,
        out,
        files=files,
        base=base,
        links=links,
        inputs=inputs,
        releases=releases,
    )


def _ensure_built(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path],
    base: str,
    links: str | None,
    inputs: Sequence[Path],
    releases: Path | None = None,
) -> Built:
    links = _links(links)
    key = build_key(graph, base=base, links=links, inputs=inputs, releases=releases)
    root = out / BUILDS / key
    manifest = _complete(root)
    if manifest is None:
        built = _build_into(
            graph,
            out,
            files=files,
            base=base,
            links=links,
            inputs=inputs,
            key=key,
            releases=releases,
        )
        _point_at(out, built.root, replace=False)
        return built
    return Built(root, manifest)


def apart(function, *args, **kwargs):
    """``function(*args, **kwargs)`` in a forked child process, its result or exception
    passed back (pickled); in this process where the platform cannot fork."""
    import multiprocessing
    import pickle

    try:
        context = multiprocessing.get_context("fork")
    except ValueError:
        return function(*args, **kwargs)
    reader, writer = context.Pipe(duplex=False)

    def child() -> None:
        reader.close()
        try:
            outcome = ("ok", function(*args, **kwargs))
        except BaseException as error:  # passed back to the caller, whatever it is
            outcome = ("error", _portable(error))
        try:
            writer.send_bytes(pickle.dumps(outcome))
        finally:
            writer.close()
            os._exit(0)

    process = context.Process(target=child, name="nscn-build", daemon=True)
    process.start()
    writer.close()
    try:
        message = pickle.loads(reader.recv_bytes())
    except EOFError:
        message = ("error", RuntimeError(f"the build process died ({process.exitcode})"))
    finally:
        reader.close()
        process.join()
    if message[0] == "error":
        raise message[1]
    return message[1]


def _portable(error: BaseException) -> BaseException:
    """``error`` as it survives pickling: the project's errors keep their status and headers."""
    from nscn_graph.errors import NscnError

    if isinstance(error, NscnError):
        return error
    try:
        import pickle

        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")


def _complete(root: Path) -> dict[str, Any] | None:
    manifest = _read(root / "dumps" / MANIFEST)
    if manifest is None:
        return None
    wanted = [
        *(root / "dumps" / d["file"] for d in manifest.get("dumps", ())),
        *(root / "dumps" / d["file"] for d in manifest.get("files", ())),
        *(root / name for name in manifest.get("descriptions", {}).values()),
    ]
    return manifest if all(path.is_file() for path in wanted) else None


def _build_into(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path],
    base: str,
    links: str | None,
    inputs: Sequence[Path],
    key: str | None = None,
    releases: Path | None = None,
) -> Built:
    if not hasattr(graph, "query"):  # a LoadedGraph: query its pyoxigraph store
        graph = EmbeddedStore(graph.store, base=base)  # type: ignore[attr-defined]
    links = _links(links)
    key = key or build_key(graph, base=base, links=links, inputs=inputs, releases=releases)
    builds = out / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    known = release.read(_releases(releases))
    triples = release.sort_triples(graph.triples())
    edition = release.edition(triples, known, base=base)
    modified = release_date(edition, known) or source_date(files)
    stamp = modified.timestamp()
    iso = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    quads = list(graph.quads())  # the statements of the source records, in their graphs
    dataset = release.dataset_of(triples, quads)
    staging = Path(tempfile.mkdtemp(prefix=".build-", dir=builds))
    try:
        (staging / "dumps").mkdir()
        current = next((r for r in known if r.version == edition), None)
        dumps = _write_edition(staging / "dumps", triples, dataset, edition, current)
        published = _write_releases(staging / "dumps", known, edition, base=base)
        everything = [*dumps, *published.dumps]
        sums = "".join(f"{e['sha256']}  {e['file']}\n" for e in [*everything, *published.files])
        (staging / "dumps" / CHECKSUMS).write_text(sums)
        infos = [_info(e) for e in dumps]
        stats = void.statistics(graph, base=base)
        common = {"base": base, "links": links, "modified": iso, "version": edition}
        void.void_graph(stats, infos, **common).serialize(staging / VOID_FILE, format="turtle")
        catalog = dcat.catalog_graph(graph, infos, **common)
        dcat.add_releases(
            catalog, _described(known, everything, published.files), base=base, links=links
        )
        catalog.serialize(staging / CATALOG_FILE, format="turtle")
        manifest: dict[str, Any] = {
            "version": edition,
            "software": __version__,
            "release": edition,
            "releases": [
                {
                    "version": r.version,
                    "issued": r.issued,
                    "previous": r.previous,
                    "notes": r.notes,
                    "statements": r.statements,
                    "added": r.added,
                    "removed": r.removed,
                }
                for r in known
            ],
            "triples": len(triples),
            "quads": len(quads),
            "base": base,
            "links": links,
            "modified": iso,
            "key": key,
            "checksums": CHECKSUMS,
            "descriptions": {"void": VOID_FILE, "catalog": CATALOG_FILE},
            "dumps": everything,
            "files": published.files,
        }
        (staging / "dumps" / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for path in (staging / "dumps").iterdir():
            os.utime(path, (stamp, stamp))
        root = builds / key
        try:
            os.rename(staging, root)
        except OSError:  # built meanwhile by another process: the same inputs, the same build
            shutil.rmtree(staging, ignore_errors=True)
            if _complete(root) is None:
                shutil.rmtree(root, ignore_errors=True)
                return _build_into(
                    graph,
                    out,
                    files=files,
                    base=base,
                    links=links,
                    inputs=inputs,
                    key=key,
                    releases=releases,
                )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Built(root, _read(root / "dumps" / MANIFEST) or manifest)


# --- data releases (nscn_graph.publish.release): each release's dumps in every build ----------


def _releases(folder: Path | None) -> Path:
    """The releases folder: the one given, else the bundled ``releases/``."""
    return Path(folder) if folder is not None else paths.releases_dir()


def release_date(edition: str, known: Sequence[release.Release]) -> datetime | None:
    """When the data of ``edition`` was released (``None`` for unreleased data)."""
    for item in known:
        if item.version == edition:
            return datetime.fromisoformat(item.issued.replace("Z", "+00:00"))
    return None


def dump_bytes(
    triples: Sequence[ox.Triple],
    dataset: Sequence[ox.Triple | ox.Quad],
    fmt: formats.Format,
    gzipped: bool,
) -> bytes:
    """One dump's bytes: the merged graph ``triples`` in a graph format, the ``dataset`` (the
    records' graphs) in a dataset format; the same statements always give the same bytes."""
    data = serialize(dataset if fmt in formats.DATASET_FORMATS else triples, fmt)
    if fmt is formats.JSONLD:
        data = stable_json_ld(data)
    if gzipped:
        data = gzip.compress(data, mtime=0)
    return data


def release_checksums(item: release.Release, *, base: str = DEFAULT_BASE) -> dict[str, str]:
    """The SHA-256 of each dump of ``item`` as the build makes it (``nscn-graph release``
    records them; every later build checks against them)."""
    triples = release.release_triples(item, base=base)
    dataset = release.release_dataset(item, base=base)
    return {
        dump_name(suffix, item.version): hashlib.sha256(
            dump_bytes(triples, dataset, fmt, gz)
        ).hexdigest()
        for fmt, suffix, gz in DUMPS
    }


def _write_edition(
    folder: Path,
    triples: Sequence[ox.Triple],
    dataset: Sequence[ox.Triple | ox.Quad],
    edition: str,
    recorded: release.Release | None,
) -> list[dict[str, Any]]:
    """The dumps of ``triples`` named by ``edition``; a release's dump whose bytes differ from
    the checksum recorded when it was released is left out (logged): a name never gets other
    bytes."""
    entries = []
    for fmt, suffix, gzipped in DUMPS:
        name = dump_name(suffix, edition)
        data = dump_bytes(triples, dataset, fmt, gzipped)
        sha = hashlib.sha256(data).hexdigest()
        wanted = recorded.dumps.get(name) if recorded is not None else None
        if wanted is not None and wanted != sha:
            import logging

            logging.getLogger(__name__).error(
                "%s would differ from the bytes released (SHA-256 %s); not published", name, wanted
            )
            continue
        (folder / name).write_bytes(data)
        entries.append(
            {
                "file": name,
                "format": fmt.name,
                "media_type": fmt.media_type,
                "gzip": gzipped,
                "bytes": len(data),
                "sha256": sha,
                "release": edition,
            }
        )
    return entries


def _info(entry: dict[str, Any]) -> metadata.DumpInfo:
    return metadata.DumpInfo(
        entry["file"],
        formats.by_name(entry["format"]),
        entry["gzip"],
        entry["bytes"],
        entry["sha256"],
    )


@dataclass
class Published:
    """The files of the releases in a build: dumps (as the manifest lists them) and the other
    files (each release's changes as an RDF Patch)."""

    dumps: list[dict[str, Any]]
    files: list[dict[str, Any]]


def _described(
    known: Sequence[release.Release], dumps: list[dict[str, Any]], files: list[dict[str, Any]]
) -> list[dcat.ReleaseInfo]:
    """Each release with its dumps and its changes, as the catalogue lists them."""
    found = []
    for item in known:
        changes = next((e for e in files if e["release"] == item.version), None)
        found.append(
            dcat.ReleaseInfo(
                item,
                [_info(e) for e in dumps if e["release"] == item.version],
                changes=None
                if changes is None
                else (changes["file"], changes["bytes"], changes["sha256"]),
            )
        )
    return found


def _write_releases(
    folder: Path, known: Sequence[release.Release], edition: str, *, base: str
) -> Published:
    """Every release's dumps, made from its frozen snapshot (the served ``edition``'s are
    :func:`_write_edition`'s, but listed here too), and its changes."""
    published = Published([], [])
    for item in known:
        if item.version != edition:
            triples = release.release_triples(item, base=base)
            dataset = release.release_dataset(item, base=base)
            published.dumps += _write_edition(folder, triples, dataset, item.version, item)
        changes = item.changes
        if changes is not None:
            data = changes.read_bytes()
            name = f"nscn-graph-{item.version}-changes.rdfp"
            (folder / name).write_bytes(data)
            published.files.append(
                {
                    "file": name,
                    "media_type": release.PATCH_MEDIA_TYPE,
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "release": item.version,
                }
            )
    return published


def _point_at(out: Path, root: Path, *, replace: bool) -> None:
    """Make ``out/dumps``, ``out/void.ttl`` and ``out/catalog.ttl`` symbolic links into the
    build ``root`` (each swapped atomically); without ``replace``, only where there is none."""
    for name in ("dumps", VOID_FILE, CATALOG_FILE):
        link = out / name
        if not replace and (link.exists() or link.is_symlink()):
            continue
        target = root.relative_to(out) / name
        if link.is_dir() and not link.is_symlink():  # a build of an older release
            shutil.rmtree(link, ignore_errors=True)
        staged = out / f".{name}.{os.getpid()}.link"
        staged.unlink(missing_ok=True)
        staged.symlink_to(target)
        os.replace(staged, link)


def _read(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the newest build in ``out``, or ``None`` if there is none (or it is
    unreadable)."""
    return _read(out / "dumps" / MANIFEST)
