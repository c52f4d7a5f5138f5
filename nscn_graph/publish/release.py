"""Data releases: the data's own release number and date, kept in the repository's
``releases/`` folder, separate from the software's version (``pyproject.toml``).

``nscn-graph release`` (:func:`make_release`) freezes the data as it is into a release::

    releases/releases.json                 every release: number, date, notes, counts, checksums
    releases/VERSION/nscn-graph-VERSION.nq  its content, frozen: canonical N-Quads, one line
                                            per statement, sorted (diffs well in git)
    releases/VERSION/changes.rdfp          what changed since the release before, as an RDF
                                            Patch (https://afs.github.io/rdf-patch/): ``D``
                                            lines removed, ``A`` lines added

Each release's dumps are made from its frozen snapshot by the build (sorted statements, the same
serialisers), so rebuilding a release gives the same bytes, checksums and ``ETag``\\ s on any
machine; ``releases.json`` records the checksums each dump had when the release was made, and
the build refuses to publish a dump under a release's name whose bytes differ from them. A
snapshot is statements, not Turtle text, so a release never depends on how the data files were
written at the time. A graph that equals no release is published as :data:`UNRELEASED`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from nscn_graph.errors import InputError, NscnError
from nscn_graph.namespaces import DEFAULT_BASE

INDEX = "releases.json"
CHANGES = "changes.rdfp"
#: The edition of a graph that equals no release (its dumps may change; never ``immutable``).
UNRELEASED = "unreleased"
#: Names the current release in ``/dumps/`` (a redirect, never a file).
LATEST = "latest"
#: RDF Patch (not registered with IANA; the media type its specification uses).
PATCH_MEDIA_TYPE = "application/rdf-patch"
PATCH_SPEC = "https://afs.github.io/rdf-patch/"
VERSION = re.compile(r"(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})")


class ReleaseError(NscnError):
    """A release that cannot be made, or a release folder that does not hold what its index
    says."""


@dataclass(frozen=True)
class Release:
    """One release as ``releases.json`` records it."""

    version: str
    issued: str  #: ISO 8601 date and time, UTC (``2026-12-02T01:40:00Z``)
    notes: str
    statements: int
    added: int
    removed: int
    previous: str | None
    snapshot_sha256: str
    #: name of each dump -> its SHA-256 when the release was made
    dumps: dict[str, str] = field(default_factory=dict)
    folder: Path = Path()

    @property
    def snapshot(self) -> Path:
        return self.folder / self.version / f"nscn-graph-{self.version}.nq"

    @property
    def changes(self) -> Path | None:
        path = self.folder / self.version / CHANGES
        return path if self.previous is not None else None

    @property
    def date(self) -> str:
        return self.issued[:10]

    def record(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "issued": self.issued,
            "notes": self.notes,
            "statements": self.statements,
            "added": self.added,
            "removed": self.removed,
            "previous": self.previous,
            "snapshot_sha256": self.snapshot_sha256,
            "dumps": dict(sorted(self.dumps.items())),
        }


def iri(base: str, version: str) -> str:
    """The release's own IRI (its ``cite-as``): ``{base}dataset/VERSION``."""
    return f"{base}dataset/{version}"


def read(folder: Path) -> list[Release]:
    """The releases recorded in ``folder``, oldest first (none if it has no index)."""
    path = Path(folder) / INDEX
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise ReleaseError(f"cannot read the releases: {exc.strerror}", file=str(path)) from None
    try:
        records = json.loads(text)["releases"]
        return [Release(**record, folder=Path(folder)) for record in records]
    except (ValueError, KeyError, TypeError) as exc:
        raise ReleaseError(f"not a releases index ({exc})", file=str(path)) from None


def index_digest(folder: Path) -> str:
    """A digest of the releases index (part of a build's key: a new release is a new build)."""
    path = Path(folder) / INDEX
    return hashlib.sha256(path.read_bytes() if path.is_file() else b"").hexdigest()


def canonical_lines(quads: Iterable[ox.Quad]) -> list[str]:
    """The statements as canonical N-Quads lines (each ending in `` .``), sorted, each once."""
    dataset = ox.Dataset(quads)
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)  # blank nodes labelled alike
    data = ox.serialize(dataset, format=ox.RdfFormat.N_QUADS) or b""
    return sorted({line for line in data.decode("utf-8").splitlines() if line.strip()})


def snapshot_lines(release: Release) -> list[str]:
    """The frozen statements of ``release``, checked against the checksum the index records."""
    data = release.snapshot.read_bytes()
    if hashlib.sha256(data).hexdigest() != release.snapshot_sha256:
        raise ReleaseError(
            f"release {release.version}'s snapshot does not match its checksum in {INDEX}: "
            "a release never changes; restore the file from git",
            file=str(release.snapshot),
        )
    return data.decode("utf-8").splitlines()


def parse_lines(lines: Iterable[str], *, base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """Quads of canonical N-Quads ``lines``, moved under ``base``."""
    data = ("\n".join(lines) + "\n").encode("utf-8")
    quads = list(ox.parse(data, format=ox.RdfFormat.N_QUADS))
    if base != DEFAULT_BASE:
        from nscn_graph.graph.load import rebase_triple

        quads = [ox.Quad(*rebase_triple(q.triple, base), q.graph_name) for q in quads]
    return quads


def triples_of(quads: Iterable[ox.Quad]) -> list[ox.Triple]:
    """The default graph as queries see it: the union of the statements, sorted, each once."""
    found = {q.triple: None for q in quads}
    return sort_triples(found)


def sort_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """``triples`` in one fixed order, blank nodes labelled canonically, so serialisers write
    the same bytes for the same graph whatever order a store gave them in."""
    from nscn_graph.graph.serialize import canonical

    return canonical(triples)


def release_triples(release: Release, *, base: str = DEFAULT_BASE) -> list[ox.Triple]:
    return triples_of(parse_lines(snapshot_lines(release), base=base))


def dataset_of(
    triples: Sequence[ox.Triple], quads: Iterable[ox.Quad]
) -> list[ox.Triple | ox.Quad]:
    """What the dataset dumps (TriG, N-Quads) hold: the statements of the records in their
    graphs, and a statement of the merged graph that is in no record in the default graph
    (nothing twice)."""
    quads = [q for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)]
    in_graphs = {q.triple for q in quads}
    return [*(t for t in triples if t not in in_graphs), *quads]


def release_dataset(release: Release, *, base: str = DEFAULT_BASE) -> list[ox.Triple | ox.Quad]:
    """A release's statements as the dataset dumps hold them (:func:`dataset_of`)."""
    quads = parse_lines(snapshot_lines(release), base=base)
    return dataset_of(triples_of(quads), quads)


def edition(triples: Sequence[ox.Triple], releases: Sequence[Release], *, base: str) -> str:
    """The release whose content ``triples`` are (the newest such), else :data:`UNRELEASED`."""
    wanted = set(triples)
    for release in reversed(releases):
        if set(release_triples(release, base=base)) == wanted:
            return release.version
    return UNRELEASED


def latest(releases: Sequence[Release]) -> Release | None:
    return releases[-1] if releases else None


# --- what changed: RDF Patch -------------------------------------------------------------


def patch(old: Sequence[str], new: Sequence[str], *, id: str, prev: str | None) -> str:
    """An RDF Patch that turns the statements ``old`` into ``new`` (canonical N-Quads lines):
    a header naming this release and the one before, then one transaction with the deletions
    (``D``) and additions (``A``), each sorted."""
    before, after = set(old), set(new)
    lines = [f"H id <{id}> ."]
    if prev is not None:
        lines.append(f"H prev <{prev}> .")
    lines.append("TX .")
    lines += [f"D {line}" for line in sorted(before - after)]
    lines += [f"A {line}" for line in sorted(after - before)]
    lines.append("TC .")
    return "\n".join(lines) + "\n"


def apply_patch(lines: Iterable[str], text: str) -> list[str]:
    """The statements ``lines`` with the RDF Patch ``text`` applied (as :func:`patch` writes
    them: ``A``/``D`` rows of canonical N-Quads; headers and transaction markers skipped)."""
    statements = set(lines)
    for number, row in enumerate(text.splitlines(), 1):
        op, _, rest = row.partition(" ")
        if op == "A":
            statements.add(rest)
        elif op == "D":
            statements.discard(rest)
        elif op not in ("H", "TX", "TC", "TA", "PA", "PD", "") and not row.startswith("#"):
            raise InputError(f"not an RDF Patch row: {op!r}", line=number)
    return sorted(statements)


def changes_counts(text: str) -> tuple[int, int]:
    """(added, removed) rows of a patch."""
    rows = text.splitlines()
    return sum(r.startswith("A ") for r in rows), sum(r.startswith("D ") for r in rows)


# --- making a release ----------------------------------------------------------------------


def next_version(previous: str | None, *, major: bool = False) -> str:
    """``1.0`` first; then the minor number up (``1.3`` → ``1.4``), or the major one
    (``1.3`` → ``2.0``)."""
    if previous is None:
        return "1.0"
    match = VERSION.fullmatch(previous)
    if match is None:
        raise ReleaseError(f"the last release's number {previous!r} is not MAJOR.MINOR")
    first, second = int(match[1]), int(match[2])
    return f"{first + 1}.0" if major else f"{first}.{second + 1}"


def make_release(
    quads: Iterable[ox.Quad],
    folder: Path,
    *,
    notes: str,
    version: str | None = None,
    major: bool = False,
    issued: datetime | None = None,
    base: str = DEFAULT_BASE,
    dump_checksums=None,
) -> Release:
    """Freeze ``quads`` (the validated data, under the default base) as a new release in
    ``folder``: its snapshot, the patch from the release before, and its line in the index.
    Refused when nothing changed since the last release, when ``version`` is not after it, or
    without ``notes`` (what changed, in words). ``dump_checksums(release)`` gives the
    checksums its dumps have (recorded so that every later build can be checked)."""
    folder = Path(folder)
    releases = read(folder)
    last = latest(releases)
    notes = notes.strip()
    if not notes:
        raise InputError("say what changed in this release: --notes TEXT")
    wanted = version or next_version(last.version if last else None, major=major)
    if VERSION.fullmatch(wanted) is None:
        raise InputError(f"a release number is MAJOR.MINOR (like 1.4), not {wanted!r}")
    if any(r.version == wanted for r in releases):
        raise InputError(f"release {wanted} exists already; releases never change")
    if last is not None and _order(wanted) <= _order(last.version):
        raise InputError(f"release {wanted} would not come after the last release, {last.version}")
    lines = canonical_lines(quads)
    old = snapshot_lines(last) if last else []
    if last is not None and lines == old:
        raise InputError(
            f"the data has not changed since release {last.version}: nothing to release"
        )
    stamp = (issued or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = folder / wanted
    try:
        target.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        raise ReleaseError(
            f"{target} exists but {INDEX} does not list release {wanted}: remove the folder "
            "(left by a release that did not finish) and release again",
            file=str(target),
        ) from None
    snapshot = ("\n".join(lines) + "\n").encode("utf-8")
    added = removed = len(lines)
    if last is not None:
        text = patch(old, lines, id=iri(base, wanted), prev=iri(base, last.version))
        (target / CHANGES).write_text(text, encoding="utf-8")
        added, removed = changes_counts(text)
    else:
        removed = 0
    release = Release(
        version=wanted,
        issued=stamp,
        notes=notes,
        statements=len(lines),
        added=added,
        removed=removed,
        previous=last.version if last else None,
        snapshot_sha256=hashlib.sha256(snapshot).hexdigest(),
        folder=folder,
    )
    release.snapshot.write_bytes(snapshot)
    if dump_checksums is not None:
        release = Release(**{**release.record(), "dumps": dump_checksums(release)}, folder=folder)
    _write_index(folder, [*releases, release])
    return release


def _order(version: str) -> tuple[int, int]:
    match = VERSION.fullmatch(version)
    return (int(match[1]), int(match[2])) if match else (-1, -1)


def _write_index(folder: Path, releases: Sequence[Release]) -> None:
    path = folder / INDEX
    body = {
        "about": "Releases of the nscn-graph data; made by `nscn-graph release`, never edited.",
        "releases": [r.record() for r in releases],
    }
    staged = path.with_suffix(".json.tmp")
    staged.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    staged.replace(path)
