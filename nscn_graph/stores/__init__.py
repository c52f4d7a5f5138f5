"""Stores behind one protocol (:class:`~nscn_graph.stores.base.Store`), chosen by a store
specification (``--store SPEC``).

Each backend is one module with a store class and a :class:`~nscn_graph.stores.base.Backend`
entry, listed once in :data:`BACKENDS`; a new backend is one new module and one line there.
Callers never ask which backend a store is: they ask what it can do
(:class:`~nscn_graph.stores.base.Capabilities`).

``memory`` (:mod:`nscn_graph.stores.memory`)
    the embedded store, read from the data files (the default);
``oxigraph:DIR`` (:mod:`nscn_graph.stores.persistent`)
    a persistent on-disk pyoxigraph (RocksDB) store written by ``nscn-graph build --store-dir
    DIR`` or ``nscn-graph load --store oxigraph:DIR``; opened read-only;
``sparql+http://HOST:PORT/PATH?update=URL&gsp=URL&graph=IRI`` (:mod:`nscn_graph.stores.remote`)
    any SPARQL 1.1 store: ``sparql+`` followed by its query URL (SPARQL 1.1 Protocol), with
    optional ``update`` (SPARQL 1.1 Update URL) and ``gsp`` (SPARQL 1.1 Graph Store HTTP
    Protocol URL) used by ``load``, and ``graph``, the named graph that holds our data (default
    ``{BASE}graph``). Other query parameters stay on the query URL. Credentials are read from
    the environment (``NSCN_STORE_USER``, ``NSCN_STORE_PASSWORD``; HTTP Basic or Digest, as the
    store asks), never from the specification. Queries are scoped to our graph
    (:mod:`nscn_graph.sparql.dataset`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.errors import InputError
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.stores import memory, persistent, remote
from nscn_graph.stores.base import Backend, Capabilities, OpenOptions, QueryResult, Spec, Store
from nscn_graph.stores.persistent import PersistentStore, write_persistent
from nscn_graph.stores.remote import PASSWORD_ENV, USER_ENV, RemoteTriples, SparqlStore

#: Every backend, by the kind its specifications name.
BACKENDS: dict[str, Backend] = {
    b.kind: b
    for b in (
        memory.BACKEND,
        persistent.BACKEND,
        remote.BACKEND,
    )
}

MEMORY, OXIGRAPH, SPARQL = memory.KIND, persistent.KIND, remote.KIND

SPEC_HELP = (
    "store specifications:\n"
    + "".join(f"  {b.help}\n" for b in BACKENDS.values())
    + f"""  credentials: environment variables {USER_ENV} and {PASSWORD_ENV} (never on the
  command line); the store spec can also come from NSCN_STORE."""
)


def backend_of(spec: Spec) -> Backend:
    return BACKENDS[spec.kind]


def parse_spec(text: str, *, base: str = DEFAULT_BASE) -> Spec:
    """The specification written as ``text``; :class:`InputError` if it is not one."""
    text = (text or MEMORY).strip()
    for backend in BACKENDS.values():
        if text == backend.prefix or (
            not backend.prefix.isalnum() and text.startswith(backend.prefix)
        ):
            return backend.parse(text[len(backend.prefix) :], base=base)
    raise InputError(
        f"unknown store specification {text!r}: use "
        + ", ".join(b.help.split()[0] for b in BACKENDS.values())
        + " (see --help)"
    )


def open_store(
    spec: str | Spec,
    *,
    files: Sequence[Path] = (),
    base: str = DEFAULT_BASE,
    timeout: float = 30.0,
    connect_timeout: float = 3.0,
    concurrency: int = 4,
    environ: Mapping[str, str] | None = None,
    memory_budget: int | None = None,
    readers: int = 1,
) -> Store:
    """The store named by ``spec``. ``files`` feed a store read from the data files (kept in
    memory while ``readers`` copies of it fit in ``memory_budget`` bytes, written to a shared
    on-disk store past it); a remote store's credentials come from ``environ`` (default: the
    process environment), read once."""
    if isinstance(spec, str):
        spec = parse_spec(spec, base=base)
    options = OpenOptions(
        files=tuple(files),
        base=base,
        timeout=timeout,
        connect_timeout=connect_timeout,
        concurrency=concurrency,
        environ=environ,
        memory_budget=memory_budget,
        readers=readers,
    )
    return backend_of(spec).open(spec, options)


def load_into(
    spec: str | Spec,
    triples: Iterable[ox.Triple | ox.Quad],
    *,
    base: str = DEFAULT_BASE,
    timeout: float = 300.0,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Replace our graphs in the store named by ``spec`` with ``triples`` (whose IRIs are under
    ``base``): triples of the merged graph, or quads, the merged graph in the default graph and
    the source records in their named graphs (:meth:`LoadedGraph.dataset`); says what was done.
    Loading twice leaves the same graphs, never a duplicate."""
    if isinstance(spec, str):
        spec = parse_spec(spec, base=base)
    options = OpenOptions(base=base, timeout=timeout, concurrency=1, environ=environ)
    return backend_of(spec).load(spec, triples, options)


def capabilities_of(spec: str | Spec, *, base: str = DEFAULT_BASE) -> Capabilities:
    """What the stores of ``spec``'s backend can do, without opening one."""
    if isinstance(spec, str):
        spec = parse_spec(spec, base=base)
    return backend_of(spec).capabilities


__all__ = [
    "BACKENDS",
    "MEMORY",
    "OXIGRAPH",
    "SPARQL",
    "Capabilities",
    "PersistentStore",
    "QueryResult",
    "RemoteTriples",
    "SparqlStore",
    "Store",
    "capabilities_of",
    "load_into",
    "open_store",
    "parse_spec",
    "write_persistent",
]
