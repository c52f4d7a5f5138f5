"""The persistent on-disk store (``--store oxigraph:DIR``): a pyoxigraph RocksDB store.

``nscn-graph build --store-dir DIR`` (or ``load --store oxigraph:DIR``) bulk-loads the graph,
optimises the database and computes its statistics once; ``serve`` and ``query`` open it
read-only, so start-up takes the same time whatever the size of the graph.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyoxigraph as ox

from nscn_graph import __version__
from nscn_graph.errors import InputError, StoreUnavailable
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish.describe import Summary, summarise
from nscn_graph.sparql.planner import Planner, planner_statistics
from nscn_graph.stores.memory import EmbeddedStore, QueryResult

#: The file beside a persistent store's database with the facts computed when it was written.
STATS_FILE = "nscn-store.json"
DATABASE_DIR = "oxigraph"
KIND = "oxigraph"


class PersistentStore(EmbeddedStore):
    """A pyoxigraph RocksDB store on disk, our graph in its default graph, opened read-only.

    Each process opens its own read-only handle on first use (after gunicorn forks its workers),
    so the database pages are shared through the OS page cache, not copied per worker.
    """

    kind = KIND

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
        self.stats = _read_stats(self.path)
        written_for = self.stats.get("base", DEFAULT_BASE)
        if base is not None and written_for != base:
            raise InputError(
                f"this persistent store was written for the base {written_for}, not {base}; "
                "write it again with that BASE setting",
                file=str(self.path),
            )
        self.planner = Planner.open(self.path, self.stats)

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """As the embedded store; the shapes :mod:`nscn_graph.sparql.planner` knows are answered
        from the statistics and ordered indexes written with the store."""
        if self.planner is not None and not default_graph_uris and not named_graph_uris:
            planned = self.planner.answer(sparql, prefixes)
            if planned is not None:
                return planned
        return super().query(
            sparql,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            prefixes=prefixes,
            base_iri=base_iri,
        )

    def open_in_process(self) -> None:
        """Open this process's read-only handle now (a query worker does, before its memory
        limit is set: the database's threads and buffers are not a query's memory)."""
        self.store  # noqa: B018 - the property opens it

    @property
    def store(self) -> ox.Store:  # type: ignore[override]
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
        return int(triples) if isinstance(triples, int) else len(self.store)

    def summary(self, *, base: str = DEFAULT_BASE) -> Summary | None:
        if "triples" not in self.stats or "classes" not in self.stats:
            return None
        return Summary(triples=int(self.stats["triples"]), classes=dict(self.stats["classes"]))


def _read_stats(path: Path) -> dict:
    try:
        return json.loads((path / STATS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_persistent(triples: Iterable[ox.Triple], path: Path, *, base: str = DEFAULT_BASE) -> dict:
    """Write ``triples`` as a new persistent store at ``path``, replacing any store there.

    The database is bulk-loaded and optimised in a folder beside ``path``, its statistics
    (triple count, instances per class) computed once and written to ``nscn-store.json``, then
    the folder replaces ``path``. Returns the statistics.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(path.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    started = time.monotonic()
    store = ox.Store(str(staging / DATABASE_DIR))
    store.bulk_extend(ox.Quad(*t) for t in triples)
    store.optimize()
    store.flush()
    summary = summarise(EmbeddedStore(store))
    stats = {
        "version": __version__,
        "base": base,
        "triples": summary.triples,
        "classes": summary.classes,
        **planner_statistics(store, staging),
        "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(time.monotonic() - started, 3),
    }
    del store
    (staging / STATS_FILE).write_text(json.dumps(stats, indent=2) + "\n", encoding="utf-8")
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    staging.rename(path)
    shutil.rmtree(old, ignore_errors=True)
    return stats
