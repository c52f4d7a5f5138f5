"""The embedded store (``--store memory``, the default): the graph read from the data files.

Two layouts, one behaviour, chosen by size when the store is opened:

- :class:`EmbeddedStore`, the graph in a pyoxigraph in-memory store: the fastest to query (scans
  three to four times faster than on disk). But a forked process that reads an in-memory
  pyoxigraph store writes to its pages (the engine's locks live beside the data), and so copies
  them: every process that queries it ends up with its own copy of the graph;
- past the memory budget (``OpenOptions.memory_budget``, the setting ``MEMORY_STORE_BUDGET``,
  counted once per reading process), the same graph written once, at start-up, into a
  temporary read-only on-disk store (:func:`nscn_graph.stores.persistent.temporary_store`)
  whose pages every process shares through the OS page cache: one copy, slower scans.

Query errors are raised as :class:`~nscn_graph.errors.QuerySyntaxError` with the parser's line
and column. Graph IRIs given by a client (SPARQL 1.1 Protocol ``default-graph-uri`` and
``named-graph-uri``) only ever select among the graphs the store holds: nothing is fetched.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.errors import InputError
from nscn_graph.graph.load import load
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES
from nscn_graph.processes import status_kb
from nscn_graph.sparql import geo
from nscn_graph.sparql.syntax import query_syntax_error
from nscn_graph.stores.base import Backend, Capabilities, OpenOptions, QueryResult

log = logging.getLogger(__name__)

KIND = "memory"
CAPABILITIES = Capabilities(
    local=True,
    loadable=False,
    statistics=False,
    immutable=True,
    credentials=False,
    functions=geo.FUNCTIONS,
)

__all__ = ["BACKEND", "EmbeddedStore", "QueryResult", "query_syntax_error"]


class EmbeddedStore:
    """The graph in memory: the merged graph in pyoxigraph's default graph (what a query that
    names no graph sees), each source record as a named graph (``GRAPH ?g { ... }``)."""

    name = KIND
    capabilities = CAPABILITIES

    def __init__(
        self, store: ox.Store | None = None, *, base: str = DEFAULT_BASE, version: str | None = None
    ) -> None:
        self._memory = store if store is not None else ox.Store()
        self.base = base
        self._version = version
        self._summary = None

    @classmethod
    def from_files(cls, paths: Sequence[Path], *, base: str = DEFAULT_BASE) -> EmbeddedStore:
        return cls(load(paths, base=base).store, base=base, version=files_version(paths, base))

    @property
    def store(self) -> ox.Store:
        """The pyoxigraph store queried (a subclass opens its own per process)."""
        return self._memory

    def __len__(self) -> int:
        """The number of triples of the merged graph (the default graph)."""
        rows = self.store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        return int(next(iter(rows))["n"].value)  # type: ignore[index, union-attr]

    def triples(self) -> Iterable[ox.Triple]:
        for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            yield quad.triple

    def quads(self) -> Iterable[ox.Quad]:
        """The statements of the named graphs (the source records), each with its graph."""
        for graph in sorted(self.store.named_graphs(), key=str):
            yield from self.store.quads_for_pattern(None, None, None, graph)

    def dataset(self) -> Iterable[ox.Quad]:
        """The merged graph (default graph), then the named graphs: what a copy is written
        with."""
        yield from self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        yield from self.quads()

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult:
        """Evaluate ``sparql``. The project's prefixes are predeclared; relative IRIs resolve
        against ``base_iri``."""
        options: dict[str, object] = {}
        if default_graph_uris or named_graph_uris:  # the dataset is what they name, no more
            options["default_graph"] = [ox.NamedNode(iri) for iri in default_graph_uris]
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graph_uris]
        if base_iri:
            options["base_iri"] = base_iri
        prefixes = prefixes or PREFIXES
        try:
            return self.store.query(
                sparql, prefixes=prefixes, custom_functions=geo.custom_functions(), **options
            )
        except SyntaxError as exc:
            raise query_syntax_error(exc, query=sparql, prefixes=prefixes) from None

    def summary(self):
        """Counts of the graph, computed once (the graph does not change)."""
        from nscn_graph.publish.describe import summarise

        if self._summary is None:
            self._summary = summarise(self, base=self.base)
        return self._summary

    def data_version(self) -> str | None:
        return self._version

    def check(self) -> None:
        self.store.query("ASK { }")

    def calls(self, what: str = "query") -> AbstractContextManager[None]:
        """Nothing bounds calls to a store of this machine beyond the query workers."""
        return nullcontext()

    def describe(self) -> dict[str, object]:
        return {"kind": self.name, "capabilities": self.capabilities.as_dict()}


def files_version(paths: Sequence[Path], base: str) -> str:
    """A digest of the data files' bytes and the base: what a graph read from them is."""
    digest = hashlib.sha256(base.encode())
    for path in paths:
        digest.update(b"\0" + Path(path).name.encode() + b"\0")
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest.hexdigest()


# --- the backend ---------------------------------------------------------------------------


class MemorySpec:
    kind = KIND

    def __str__(self) -> str:
        return KIND

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MemorySpec)

    def __hash__(self) -> int:
        return hash(KIND)


def _parse(rest: str, *, base: str) -> MemorySpec:
    return MemorySpec()


#: The least memory a statement takes in a pyoxigraph in-memory store (about 380 bytes each
#: at a million triples of generated city data; more with long literals).
BYTES_PER_STATEMENT = 300


def _open(spec: MemorySpec, options: OpenOptions):
    """The graph read from the data files: kept in memory while a copy of it for every process
    that reads it fits in the budget, otherwise written once to a shared on-disk store."""
    from nscn_graph.stores.persistent import temporary_store

    before = status_kb(None, "RssAnon") * 1024
    loaded = load(options.files, base=options.base)
    give_back_memory()
    # what the process grew by (none when it reused freed memory: then a floor per statement)
    grown = status_kb(None, "RssAnon") * 1024 - before
    size = max(grown, len(loaded.store) * BYTES_PER_STATEMENT)
    version = files_version(options.files, options.base)
    budget = options.memory_budget
    if budget is None or (budget > 0 and size * max(1, options.readers) <= budget):
        log.info("embedded store in memory: about %d MB, %d readers", size >> 20, options.readers)
        return EmbeddedStore(loaded.store, base=options.base, version=version)
    log.info(
        "embedded store on disk: about %d MB in memory for each of %d readers %s",
        size >> 20,
        options.readers,
        f"passes the budget of {budget >> 20} MB (MEMORY_STORE_BUDGET)"
        if budget
        else "(MEMORY_STORE_BUDGET is 0: always on disk)",
    )
    store = temporary_store(
        loaded.dataset(),
        base=options.base,
        version=version,
        name=KIND,
        capabilities=CAPABILITIES,
    )
    del loaded
    give_back_memory()
    return store


def give_back_memory() -> None:
    """Return the heap freed after a large start-up step (the parsed graph, a build) to the
    OS (glibc's ``malloc_trim``, after collecting cycles), so that processes forked afterwards
    do not carry it."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _load(spec: MemorySpec, triples: Iterable[ox.Triple | ox.Quad], options: OpenOptions) -> str:
    raise InputError("the embedded store is loaded from the data files; nothing to load into")


BACKEND = Backend(
    kind=KIND,
    prefix=KIND,
    help="memory                         the embedded store, read from the data files (default)",
    capabilities=CAPABILITIES,
    parse=_parse,
    open=_open,
    load=_load,
)
