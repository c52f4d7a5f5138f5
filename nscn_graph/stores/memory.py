"""The embedded store (``--store memory``, the default): the graph read from the data files.

Two forms, one behaviour:

- :class:`EmbeddedStore`, the graph in a pyoxigraph in-memory store, for the library (build,
  validation, tests);
- what ``open_store("memory")`` serves: the same graph written once, at start-up, into a
  temporary read-only on-disk store (:func:`nscn_graph.stores.persistent.temporary_store`). A
  forked process that reads an in-memory pyoxigraph store dirties (and so copies) its pages, so
  every query worker ended up with its own copy of the graph; the pages of an on-disk store are
  shared by every process through the OS page cache.

Query errors are raised as :class:`~nscn_graph.errors.QuerySyntaxError` with the parser's line
and column. Graph IRIs given by a client (SPARQL 1.1 Protocol ``default-graph-uri`` and
``named-graph-uri``) only ever select among the graphs the store holds: nothing is fetched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.errors import InputError
from nscn_graph.graph.load import load
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES
from nscn_graph.sparql import geo
from nscn_graph.sparql.syntax import query_syntax_error
from nscn_graph.stores.base import Backend, Capabilities, OpenOptions, QueryResult

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


def _open(spec: MemorySpec, options: OpenOptions):
    from nscn_graph.stores.persistent import temporary_store

    loaded = load(options.files, base=options.base)
    store = temporary_store(
        loaded.dataset(),
        base=options.base,
        version=files_version(options.files, options.base),
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
