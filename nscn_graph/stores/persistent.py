"""The persistent on-disk store (``--store oxigraph:DIR``): a pyoxigraph RocksDB store.

``nscn-graph build --store-dir DIR`` (or ``load --store oxigraph:DIR``) bulk-loads the graph,
optimises the database and computes the facts about its data once (triple count, instances per
class, a digest of its content, the IRI base); ``serve`` and ``query`` open it read-only, so
start-up takes the same time whatever the size of the graph, and every process (web workers,
query workers) reads the same pages through the OS page cache.

The embedded store is served the same way from a temporary folder (:func:`temporary_store`).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from nscn_graph import __version__
from nscn_graph.errors import InputError, StoreUnavailable
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.sparql import geo
from nscn_graph.stores.base import Backend, Capabilities, OpenOptions
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.tempfolders import owned_folder

#: The file beside a persistent store's database with the facts computed when it was written.
STATS_FILE = "nscn-store.json"
DATABASE_DIR = "oxigraph"
KIND = "oxigraph"
CAPABILITIES = Capabilities(
    local=True,
    loadable=True,
    statistics=True,
    immutable=True,
    credentials=False,
    functions=geo.FUNCTIONS,
)
#: Where the embedded store's temporary databases live (one per server process tree).
TEMPORARY_PREFIX = "nscn-store-"


class PersistentStore(EmbeddedStore):
    """A pyoxigraph RocksDB store on disk, our graph in its default graph, opened read-only.

    Each process opens its own read-only handle on first use (after gunicorn forks its workers,
    and in each query worker), so the database pages are shared through the OS page cache, not
    copied per process.
    """

    name = KIND
    capabilities = CAPABILITIES

    def __init__(self, path: Path, *, base: str | None = None) -> None:
        self.path = Path(path)
        database = self.path / DATABASE_DIR
        if not database.is_dir():
            raise InputError(
                "no persistent store here; write one with `nscn-graph build --store-dir "
                f"{self.path}` or `nscn-graph load --store oxigraph:{self.path}`",
                file=str(self.path),
            )
        self._handles: dict[int, ox.Store] = {}
        self._lock = threading.Lock()
        _OPEN.add(self)
        self.stats = _read_stats(self.path)
        written_for = self.stats.get("base", DEFAULT_BASE)
        if base is not None and written_for != base:
            raise InputError(
                f"this persistent store was written for the base {written_for}, not {base}; "
                "write it again with that BASE setting",
                file=str(self.path),
            )
        super().__init__(None, base=written_for, version=self.stats.get("version_of_data"))

    def open_in_process(self) -> None:
        """Open this process's read-only handle now (a query worker does, before its memory
        limit is set: the database's threads and buffers are not a query's memory)."""
        self.store  # noqa: B018 - the property opens it

    @property
    def store(self) -> ox.Store:
        pid = os.getpid()
        handle = self._handles.get(pid)
        if handle is None:
            with self._lock:
                handle = self._handles.get(pid)
                if handle is None:
                    try:
                        handle = ox.Store.read_only(str(self.path / DATABASE_DIR))
                    except OSError as exc:
                        raise StoreUnavailable(
                            f"the persistent store cannot be opened: {exc}", status=503
                        ) from None
                    self._handles = {pid: handle}
        return handle

    def __len__(self) -> int:
        triples = self.stats.get("triples")
        return int(triples) if isinstance(triples, int) else super().__len__()

    def summary(self):
        """The counts computed when the store was written (or, for a store written by an
        older release, computed now, once)."""
        from nscn_graph.publish.describe import Summary

        if self._summary is None and "triples" in self.stats and "classes" in self.stats:
            classes = {str(k): int(v) for k, v in self.stats["classes"].items()}
            self._summary = Summary(triples=int(self.stats["triples"]), classes=classes)
        return super().summary()

    def data_version(self) -> str | None:
        if self._version is None:  # an older store: name it by its counts
            self._version = hashlib.sha256(
                json.dumps([self.base, len(self), self.summary().classes], sort_keys=True).encode()
            ).hexdigest()
        return self._version


#: Every persistent store of this process, so that a forked child can let go of their handles.
_OPEN: weakref.WeakSet[PersistentStore] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    """A forked child (a WSGI worker, a query worker) inherits RocksDB's state but not its
    background threads. So the parent's handles are never closed here (kept alive; the child
    opens its own on first use), and the process skips C++ static destructors when it exits:
    RocksDB's joins the threads it had in the parent and would wait for ever (the process hung
    at exit). Python's own finalisation still runs in full before."""
    for store in list(_OPEN):
        for handle in store._handles.values():
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(handle))
        store._handles = {}
        store._lock = threading.Lock()
    _exit_without_static_destructors()


def _exit_without_static_destructors() -> None:
    """Make ``exit(status)`` end in ``_exit(status)`` before the C++ static destructors run
    (glibc's ``on_exit`` handlers run in reverse order of registration, and gets the status)."""
    try:
        libc = ctypes.CDLL(None)
        libc.on_exit(ctypes.cast(libc._exit, ctypes.c_void_p), None)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


os.register_at_fork(after_in_child=_after_fork_in_child)


def _read_stats(path: Path) -> dict:
    try:
        return json.loads((path / STATS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_persistent(
    triples: Iterable[ox.Triple | ox.Quad],
    path: Path,
    *,
    base: str = DEFAULT_BASE,
    version: str | None = None,
) -> dict:
    """Write ``triples`` (whose IRIs are under ``base``) as a new persistent store at ``path``,
    replacing any store there. Triples go into the default graph; quads (the source records'
    graphs, and the merged graph as the default graph: :meth:`LoadedGraph.dataset`) where they
    say.

    The database is bulk-loaded and optimised in a folder beside ``path``, the facts about its
    data (triple count, instances per class, a digest of its content unless ``version`` names
    it) computed once and written to ``nscn-store.json``, then the folder replaces ``path``.
    Returns those facts.
    """
    from nscn_graph.publish.describe import summarise

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        started = time.monotonic()
        store = ox.Store(str(staging / DATABASE_DIR))
        store.bulk_extend(as_quad(t) for t in triples)
        store.optimize()
        store.flush()
        written = EmbeddedStore(store, base=base)
        summary = summarise(written, base=base)
        stats = {
            "release": __version__,
            "base": base,
            "triples": summary.triples,
            "classes": summary.classes,
            "graphs": sum(1 for _ in store.named_graphs()),
            "version_of_data": version or content_digest(written.dataset()),
            "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "seconds": round(time.monotonic() - started, 3),
        }
        del store, written
        (staging / STATS_FILE).write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
        old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
        if path.exists():
            os.rename(path, old / "store")
        os.rename(staging, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return stats


def as_quad(statement: ox.Triple | ox.Quad) -> ox.Quad:
    """A triple as a quad of the default graph; a quad as it is."""
    return statement if isinstance(statement, ox.Quad) else ox.Quad(*statement)


def content_digest(triples: Iterable[ox.Triple | ox.Quad]) -> str:
    """A digest of a graph's (or dataset's) content: of its N-Triples (N-Quads) lines, sorted
    (any order of the same statements gives the same digest; blank node labels are the
    store's)."""
    lines = sorted(str(t) for t in triples)
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


# --- the embedded store, served from a temporary folder -----------------------------------


def temporary_store(
    triples: Iterable[ox.Triple | ox.Quad],
    *,
    base: str,
    version: str,
    name: str,
    capabilities: Capabilities,
) -> PersistentStore:
    """``triples`` written into a new read-only on-disk store in the temporary folder, removed
    when the process that wrote it exits (never by the processes forked from it)."""
    folder = owned_folder(TEMPORARY_PREFIX)
    write_persistent(triples, folder / "store", base=base, version=version)
    store = PersistentStore(folder / "store", base=base)
    store.name = name
    store.capabilities = capabilities
    return store


# --- the backend ---------------------------------------------------------------------------


class PersistentSpec:
    kind = KIND

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def __str__(self) -> str:
        return f"{KIND}:{self.path}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PersistentSpec) and other.path == self.path

    def __hash__(self) -> int:
        return hash((KIND, self.path))


def _parse(rest: str, *, base: str) -> PersistentSpec:
    if not rest:
        raise InputError("oxigraph: needs a folder, e.g. oxigraph:dist/store")
    return PersistentSpec(Path(rest))


def _open(spec: PersistentSpec, options: OpenOptions) -> PersistentStore:
    return PersistentStore(spec.path, base=options.base)


def _load(
    spec: PersistentSpec, triples: Iterable[ox.Triple | ox.Quad], options: OpenOptions
) -> str:
    stats = write_persistent(triples, spec.path, base=options.base)
    graphs = f" in {stats['graphs']} source records" if stats.get("graphs") else ""
    return f"wrote {stats['triples']} triples{graphs} to the persistent store {spec.path}"


BACKEND = Backend(
    kind=KIND,
    prefix=KIND + ":",
    help="oxigraph:DIR                   a persistent on-disk store, written by\n"
    "                                 `nscn-graph build --store-dir DIR`",
    capabilities=CAPABILITIES,
    parse=_parse,
    open=_open,
    load=_load,
)
