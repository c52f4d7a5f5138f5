"""``nscn-graph build``: validate, then write the dumps, once, with systematic names.

Dumps are generated from the sources, never edited by hand nor committed (as schema.org and
W3C DCAT publish theirs). Nothing is written when validation fails.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import __version__, formats
from .errors import ValidationFailed
from .load import LoadedGraph, load
from .serialize import serialize
from .validate import Report, validate_loaded

#: (format, suffix of the file, gzip it?) for each dump.
DUMPS: tuple[tuple[formats.Format, str, bool], ...] = (
    (formats.TURTLE, "ttl", False),
    (formats.NTRIPLES, "nt.gz", True),
    (formats.JSONLD, "jsonld", False),
)


@dataclass(frozen=True)
class Dump:
    path: Path
    format: formats.Format
    gzipped: bool
    size: int
    sha256: str


def dump_name(suffix: str, version: str = __version__) -> str:
    return f"nscn-graph-{version}.{suffix}"


def build(
    files: list[Path], out: Path, *, shapes: Path | None = None, store_dir: Path | None = None
) -> tuple[Report, list[Dump]]:
    """Validate ``files``; if they conform, write the dumps to ``out/dumps`` and, given
    ``store_dir``, a persistent on-disk store there (:func:`nscn_graph.stores.write_persistent`).
    """
    loaded = load(files)
    report = validate_loaded(loaded, shapes=shapes)
    if not report.conforms:
        error = ValidationFailed(f"{len(report.violations)} violation(s): nothing was written")
        error.report = report
        raise error
    dumps = write_dumps(loaded, out)
    if store_dir is not None:
        from .stores import write_persistent

        write_persistent(loaded.triples(), store_dir)
    return report, dumps


def write_dumps(loaded: LoadedGraph, out: Path) -> list[Dump]:
    """Write every dump to a temporary folder, then move them into ``out/dumps``."""
    target = out / "dumps"
    target.mkdir(parents=True, exist_ok=True)
    dumps = []
    with tempfile.TemporaryDirectory(dir=out) as tmp:
        for fmt, suffix, gzipped in DUMPS:
            data = serialize(loaded.triples(), fmt)
            if gzipped:
                data = gzip.compress(data, mtime=0)
            staged = Path(tmp) / dump_name(suffix)
            staged.write_bytes(data)
            dumps.append((staged, fmt, gzipped, len(data), hashlib.sha256(data).hexdigest()))
        result = []
        for staged, fmt, gzipped, size, digest in dumps:
            final = target / staged.name
            shutil.move(staged, final)
            result.append(Dump(final, fmt, gzipped, size, digest))
    manifest = {
        "version": __version__,
        "triples": len(loaded),
        "dumps": [
            {
                "file": d.path.name,
                "media_type": d.format.media_type,
                "gzip": d.gzipped,
                "bytes": d.size,
                "sha256": d.sha256,
            }
            for d in result
        ],
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return result
