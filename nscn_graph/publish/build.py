"""``nscn-graph build``: validate, then write the dumps and the dataset descriptions, once, with
systematic names.

Dumps are generated from the sources, never edited by hand nor committed (as schema.org and
W3C DCAT publish theirs). Nothing is written when validation fails. The output folder holds::

    dumps/nscn-graph-VERSION.ttl       Turtle
    dumps/nscn-graph-VERSION.nt.gz     N-Triples, gzip-compressed
    dumps/nscn-graph-VERSION.jsonld    JSON-LD (compacted against the published context)
    dumps/SHA256SUMS                   checksums, as ``sha256sum -c`` reads them
    dumps/manifest.json                what was built, from what, when (read by the server)
    void.ttl                           VoID description (statistics computed from the data)
    catalog.ttl                        DCAT-AP 3 catalogue record
    search.sqlite                      the search index (:mod:`nscn_graph.search`)

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

from nscn_graph import __version__, formats
from nscn_graph.errors import ValidationFailed
from nscn_graph.graph.load import load
from nscn_graph.graph.serialize import serialize
from nscn_graph.graph.validate import Report, validate_loaded
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish import dcat, metadata, void
from nscn_graph.stores.memory import EmbeddedStore

#: (format, suffix of the file, gzip it?) for each dump.
DUMPS: tuple[tuple[formats.Format, str, bool], ...] = (
    (formats.TURTLE, "ttl", False),
    (formats.NTRIPLES, "nt.gz", True),
    (formats.JSONLD, "jsonld", False),
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


def fingerprint(files: Sequence[Path], *, base: str = DEFAULT_BASE) -> str:
    """A digest of what a build is made from: the release, the IRI base and each file's bytes.
    The server rebuilds at start-up when its sources do not match the built manifest."""
    parts = [__version__, base]
    for path in files:
        parts.append(f"{path.name}:{hashlib.sha256(path.read_bytes()).hexdigest()}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def source_of(graph: Graph, files: Sequence[Path], *, base: str) -> str:
    """The fingerprint of a build of ``graph``: of its files; without files (a store loaded
    elsewhere), the size of the graph stands for its content."""
    return fingerprint(files, base=base) if files else f"{fingerprint([], base=base)}:{len(graph)}"


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
) -> tuple[Report, list[Dump]]:
    """Validate ``files``; if they conform, write the dumps and descriptions to ``out`` and,
    given ``store_dir``, a persistent on-disk store there
    (:func:`nscn_graph.stores.persistent.write_persistent`)."""
    loaded = load(files)
    report = validate_loaded(loaded, shapes=shapes)
    if not report.conforms:
        error = ValidationFailed(f"{len(report.violations)} violation(s): nothing was written")
        error.report = report
        raise error
    graph = EmbeddedStore(loaded.store)
    dumps = write_dumps(graph, out, files=files, links=links)
    from nscn_graph.search import ensure_index  # the search index, next to the dumps

    ensure_index(graph, out, files=files)
    if store_dir is not None:
        from nscn_graph.stores.persistent import write_persistent

        write_persistent(loaded.triples(), store_dir)
    return report, dumps


def write_dumps(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path] = (),
    base: str = DEFAULT_BASE,
    links: str | None = None,
) -> list[Dump]:
    """Write every dump, the checksums and the descriptions of ``graph`` to a temporary folder,
    then move them into ``out``; the manifest is written last."""
    if not hasattr(graph, "query"):  # a LoadedGraph: query its pyoxigraph store
        graph = EmbeddedStore(graph.store)  # type: ignore[attr-defined]
    links = links or metadata.LINKS_PLACEHOLDER
    if not links.endswith("/"):
        links += "/"
    target = out / "dumps"
    target.mkdir(parents=True, exist_ok=True)
    modified = source_date(files)
    stamp = modified.timestamp()
    iso = modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    triples = list(graph.triples())
    staged_dumps = []
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        for fmt, suffix, gzipped in DUMPS:
            data = serialize(triples, fmt)
            if fmt is formats.JSONLD:
                data = stable_json_ld(data)
            if gzipped:
                data = gzip.compress(data, mtime=0)
            staged = Path(tmp) / dump_name(suffix)
            staged.write_bytes(data)
            staged_dumps.append(
                Dump(staged, fmt, gzipped, len(data), hashlib.sha256(data).hexdigest())
            )
        sums = "".join(f"{d.sha256}  {d.path.name}\n" for d in staged_dumps)
        (Path(tmp) / CHECKSUMS).write_text(sums)
        infos = [d.info() for d in staged_dumps]
        stats = void.statistics(graph, base=base)
        common = {"base": base, "links": links, "modified": iso, "version": __version__}
        void.void_graph(stats, infos, **common).serialize(Path(tmp) / VOID_FILE, format="turtle")
        dcat.catalog_graph(graph, infos, **common).serialize(
            Path(tmp) / CATALOG_FILE, format="turtle"
        )
        result = []
        for staged in staged_dumps:
            final = target / staged.path.name
            shutil.move(staged.path, final)
            os.utime(final, (stamp, stamp))
            result.append(Dump(final, staged.format, staged.gzipped, staged.size, staged.sha256))
        shutil.move(Path(tmp) / CHECKSUMS, target / CHECKSUMS)
        os.utime(target / CHECKSUMS, (stamp, stamp))
        for name in (VOID_FILE, CATALOG_FILE):
            shutil.move(Path(tmp) / name, out / name)
    manifest: dict[str, Any] = {
        "version": __version__,
        "triples": len(graph),
        "base": base,
        "links": links,
        "modified": iso,
        "source": source_of(graph, files, base=base),
        "checksums": CHECKSUMS,
        "descriptions": {"void": VOID_FILE, "catalog": CATALOG_FILE},
        "dumps": [
            {
                "file": d.path.name,
                "format": d.format.name,
                "media_type": d.format.media_type,
                "gzip": d.gzipped,
                "bytes": d.size,
                "sha256": d.sha256,
            }
            for d in result
        ],
    }
    staged_manifest = target / f".{MANIFEST}.{os.getpid()}"
    staged_manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    os.replace(staged_manifest, target / MANIFEST)  # readers never see half a manifest
    return result


def stable_json_ld(data: bytes) -> bytes:
    """The same JSON-LD document with its nodes and multi-valued properties in a fixed order, so
    that the same graph always gives the same bytes (and checksum, and ``ETag``). Arrays are
    unordered sets in JSON-LD except under ``@list``, which is left as it is."""

    def key(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    def order(value: Any, *, in_list: bool = False) -> Any:
        if isinstance(value, dict):
            return {k: order(v, in_list=(k == "@list")) for k, v in value.items()}
        if isinstance(value, list):
            items = [order(v) for v in value]
            return items if in_list else sorted(items, key=key)
        return value

    document = order(json.loads(data))
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the build in ``out``, or ``None`` if there is none (or it is unreadable)."""
    try:
        return json.loads((out / "dumps" / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def ensure_built(
    graph: Graph,
    out: Path,
    *,
    files: Sequence[Path],
    base: str = DEFAULT_BASE,
    links: str | None = None,
) -> dict[str, Any]:
    """The manifest of the build in ``out``; if there is none, or it was built from other
    sources (another release, base or data), build ``graph`` there first, once."""
    manifest = read_manifest(out)
    # Without files (a store loaded elsewhere), the size of the graph stands for its content.
    wanted = (
        fingerprint(files, base=base) if files else fingerprint([], base=base) + f":{len(graph)}"
    )
    complete = manifest is not None and all(
        path.is_file()
        for path in [
            *(out / "dumps" / d["file"] for d in manifest.get("dumps", ())),
            *(out / name for name in manifest.get("descriptions", {}).values()),
        ]
    )
    if not complete or manifest is None or manifest.get("source") != wanted:
        out.mkdir(parents=True, exist_ok=True)
        write_dumps(graph, out, files=files, base=base, links=links)
        manifest = read_manifest(out)
        assert manifest is not None
    return manifest
