"""What every store is: one protocol, and what a store says it can do.

The server and the CLI hold a :class:`Store` and never ask which backend it is: they ask its
:class:`Capabilities` (can it be queried in a forked query worker? can ``load`` write into it?)
and :meth:`Store.describe` it for ``/health``. A backend is one module of this package that
defines a store class and a :class:`Backend` entry (how its specification is written and how it
is opened), listed once in :data:`nscn_graph.stores.BACKENDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import pyoxigraph as ox

if TYPE_CHECKING:
    from nscn_graph.publish.describe import Summary

QueryResult = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples


@dataclass(frozen=True)
class Capabilities:
    """What a store can do (reported by ``/health``)."""

    #: the store is a file or memory of this machine: the query workers that evaluate its
    #: queries are cut off from the network; else (a store behind HTTP) they must reach it.
    local: bool
    #: ``nscn-graph load --store SPEC`` can write the graph into it.
    loadable: bool
    #: its triple count and class partitions were computed when it was written.
    statistics: bool
    #: its content is fixed while the server runs, so :meth:`Store.data_version` names it.
    immutable: bool
    #: it is reached with credentials (``NSCN_STORE_USER`` / ``NSCN_STORE_PASSWORD``).
    credentials: bool
    #: the IRIs of the GeoSPARQL functions (``geof:``) it evaluates; the query guard refuses
    #: a call to any other with a 400 naming it. A fixed set for the engine of this machine;
    #: for a store behind HTTP, asked of the store (``None``: no check).
    functions: Container[str] | None = None

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        functions = self.functions
        found["functions"] = sorted(functions) if isinstance(functions, frozenset) else None
        return found


@runtime_checkable
class Store(Protocol):
    """What the server and the CLI need from a store.

    - ``query`` returns pyoxigraph results (``QuerySolutions``, ``QueryBoolean``, or an
      iterable of ``Triple`` for CONSTRUCT/DESCRIBE); the project's prefixes are predeclared
      unless ``prefixes`` says otherwise; syntax errors are
      :class:`~nscn_graph.errors.QuerySyntaxError` with line and column, an unreachable store
      :class:`~nscn_graph.errors.StoreUnavailable`.
    - ``summary`` gives the triple count and instances per class, keyed by class IRI under the
      default base (:class:`~nscn_graph.publish.describe.Summary`).
    - ``data_version`` names the content (for ``ETag`` and build keys), or is ``None`` when the
      store can change while the server runs (a remote store).
    - ``check`` raises :class:`~nscn_graph.errors.StoreUnavailable` unless the store answers.
    """

    name: str
    capabilities: Capabilities
    base: str

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult | Iterable[ox.Triple]:
        """Evaluate ``sparql`` over our graph; relative IRIs resolve against ``base_iri``."""

    def __len__(self) -> int: ...

    def triples(self) -> Iterable[ox.Triple]:
        """The merged graph (the default graph every query sees)."""
        ...

    def quads(self) -> Iterable[ox.Quad]:
        """The statements of our named graphs (one per source record), with their graph."""
        ...

    def calls(self, what: str = "query") -> AbstractContextManager[None]:
        """Admission of one call to the store made on this process's behalf (by a query
        worker): a remote store bounds them and keeps its circuit breaker here."""
        ...

    def summary(self) -> Summary: ...

    def data_version(self) -> str | None: ...

    def check(self) -> None: ...

    def describe(self) -> dict[str, object]: ...


@dataclass(frozen=True)
class OpenOptions:
    """What opening a store may need: the data files (for a store loaded from them), the IRI
    base, the remote store's time limits and the environment credentials are read from."""

    files: Sequence[Path] = ()
    base: str = ""
    timeout: float = 30.0
    connect_timeout: float = 3.0
    concurrency: int = 4
    environ: Mapping[str, str] | None = None
    #: bytes a store read into memory may take, counted once per process that will read it
    #: (``None``: no bound, it stays in memory)
    memory_budget: int | None = None
    #: how many processes will read the store (each may end up with its own copy of its pages)
    readers: int = 1


class Spec(Protocol):
    """A parsed store specification: ``kind`` names its backend; ``str()`` never shows
    credentials."""

    kind: str


@dataclass(frozen=True)
class Backend:
    """One backend: the prefix of its specifications and how to read, open and load one."""

    kind: str
    #: ``memory`` is matched whole; ``oxigraph:`` and ``sparql+`` are prefixes.
    prefix: str
    #: the lines of ``--help`` that show how its specifications are written
    help: str
    #: what its stores can do (known before one is opened: ``load`` refuses at once)
    capabilities: Capabilities
    #: (text after the prefix, base=...) -> its Spec; InputError if malformed
    parse: Callable[..., Spec]
    #: (spec, OpenOptions) -> Store
    open: Callable[[Spec, OpenOptions], Store]
    #: (spec, statements, OpenOptions) -> what was done; replaces the graphs the store holds
    #: of ours (statements: triples of the merged graph, or quads: the merged graph as the
    #: default graph and the source records' named graphs)
    load: Callable[[Spec, Iterable[ox.Triple | ox.Quad], OpenOptions], str]
