"""Store kinds behind one interface, chosen by a store specification (``--store SPEC``).

Every store answers the same three calls as :class:`~nscn_graph.stores.memory.EmbeddedStore`:

- ``query(sparql, *, default_graph_uris=(), named_graph_uris=(), prefixes=None, base_iri=None)``
  returns pyoxigraph results: ``QuerySolutions``, ``QueryBoolean``, or ``QueryTriples`` (a
  remote store returns :class:`RemoteTriples`, an iterable of ``Triple``); relative IRIs in
  the query resolve against ``base_iri``;
- ``len(store)``: the number of triples of our graph;
- ``triples()``: the triples of our graph.

Specifications (:func:`parse_spec`):

``memory``
    the embedded in-memory store, loaded from the data files (the default);
``oxigraph:DIR``
    a persistent on-disk pyoxigraph (RocksDB) store written by ``nscn-graph build --store-dir
    DIR`` or ``nscn-graph load --store oxigraph:DIR``; opened read-only when serving or querying,
    so it starts in constant time and its pages are shared by the workers through the OS cache;
``sparql+http://HOST:PORT/PATH?update=URL&gsp=URL&graph=IRI``
    any SPARQL 1.1 store: ``sparql+`` followed by its query URL (SPARQL 1.1 Protocol), with
    optional ``update`` (SPARQL 1.1 Update URL) and ``gsp`` (SPARQL 1.1 Graph Store HTTP
    Protocol URL) used by ``load``, and ``graph``, the named graph that holds our data (default
    ``{BASE}graph``). Other query parameters stay on the query URL. Credentials are read from
    the environment (``NSCN_STORE_USER``, ``NSCN_STORE_PASSWORD``; HTTP Basic or Digest, as the
    store asks), never from the specification.

Queries to a remote store are scoped to our graph (:mod:`nscn_graph.sparql.dataset`), so a store
whose
default graph is the union of everything it holds answers with our data only. The store kinds
live in :mod:`nscn_graph.stores.persistent` and
:mod:`nscn_graph.stores.remote`.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from nscn_graph.errors import InputError
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish.describe import Summary, summarise
from nscn_graph.stores.memory import EmbeddedStore, QueryResult
from nscn_graph.stores.persistent import PersistentStore, write_persistent
from nscn_graph.stores.remote import PASSWORD_ENV, USER_ENV, RemoteTriples, SparqlStore

MEMORY = "memory"
OXIGRAPH = "oxigraph"
SPARQL = "sparql"

SPEC_HELP = """store specifications:
  memory                         the embedded in-memory store (default)
  oxigraph:DIR                   a persistent on-disk store, written by
                                 `nscn-graph build --store-dir DIR`
  sparql+URL[?update=URL&gsp=URL&graph=IRI]
                                 any SPARQL 1.1 store by its query URL, e.g. Oxigraph server:
    sparql+http://127.0.0.1:7878/query?update=http://127.0.0.1:7878/update&gsp=http://127.0.0.1:7878/store&graph=https://w3id.org/nscn/graph
                                 or Virtuoso:
    sparql+http://127.0.0.1:8890/sparql?update=http://127.0.0.1:8890/sparql-auth&gsp=http://127.0.0.1:8890/sparql-graph-crud-auth&graph=https://w3id.org/nscn/graph
  credentials: environment variables NSCN_STORE_USER and NSCN_STORE_PASSWORD (never on the
  command line); the store spec can also come from NSCN_STORE."""


@runtime_checkable
class Store(Protocol):
    """What the server and the CLI need from a store (a ``kind`` attribute is optional)."""

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult | RemoteTriples: ...

    def __len__(self) -> int: ...

    def triples(self) -> Iterable[ox.Triple]: ...


# --- specifications ------------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """A parsed store specification (see the module docstring)."""

    kind: str
    path: Path | None = None
    query_url: str | None = None
    update_url: str | None = None
    gsp_url: str | None = None
    graph: str | None = None

    def __str__(self) -> str:
        if self.kind == MEMORY:
            return MEMORY
        if self.kind == OXIGRAPH:
            return f"{OXIGRAPH}:{self.path}"
        return f"{SPARQL}+{self.query_url}"


def parse_spec(text: str, *, base: str = DEFAULT_BASE) -> StoreSpec:
    """The :class:`StoreSpec` written as ``text``; :class:`InputError` if it is not one."""
    text = (text or MEMORY).strip()
    if text == MEMORY:
        return StoreSpec(MEMORY)
    if text.startswith(OXIGRAPH + ":") and not text.startswith(OXIGRAPH + "+"):
        path = text[len(OXIGRAPH) + 1 :]
        if not path:
            raise InputError("oxigraph: needs a folder, e.g. oxigraph:dist/store")
        return StoreSpec(OXIGRAPH, path=Path(path))
    if text.startswith(SPARQL + "+"):
        url = text[len(SPARQL) + 1 :]
        parts = urlsplit(url)
        _check_url(url, "query")
        options = {"update": None, "gsp": None, "graph": None}
        kept = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in options:
                options[key] = value
            else:
                kept.append((key, value))
        for key in ("update", "gsp"):
            if options[key]:
                _check_url(options[key], key)
        graph = options["graph"] or base + "graph"
        if not urlsplit(graph).scheme:
            raise InputError(f"graph= must be an absolute IRI, not {graph!r}")
        query_url = urlunsplit(parts._replace(query=urlencode(kept)))
        return StoreSpec(
            SPARQL,
            query_url=query_url,
            update_url=options["update"] or None,
            gsp_url=options["gsp"] or None,
            graph=graph,
        )
    raise InputError(
        f"unknown store specification {text!r}: use memory, oxigraph:DIR or "
        "sparql+http://HOST:PORT/PATH (see --help)"
    )


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the {what} URL must be an http(s) URL, not {url!r}")
    if parts.username or parts.password:
        raise InputError(
            f"put no credentials in the {what} URL: set {USER_ENV} and {PASSWORD_ENV} instead"
        )


def open_store(
    spec: str | StoreSpec,
    *,
    files: Sequence[Path] = (),
    base: str = DEFAULT_BASE,
    timeout: float = 30.0,
    environ: Mapping[str, str] | None = None,
) -> Store:
    """The store named by ``spec``. ``files`` feed the embedded store; credentials for a remote
    store come from ``environ`` (default: the process environment), read once, here."""
    if not isinstance(spec, StoreSpec):
        spec = parse_spec(spec, base=base)
    if spec.kind == MEMORY:
        return EmbeddedStore.from_files(files, base=base)
    if spec.kind == OXIGRAPH:
        assert spec.path is not None
        return PersistentStore(spec.path, base=base)
    environ = os.environ if environ is None else environ
    user, password = environ.get(USER_ENV), environ.get(PASSWORD_ENV)
    credentials = (user, password or "") if user else None
    return SparqlStore(spec, credentials=credentials, timeout=timeout)


def load_into(
    spec: str | StoreSpec,
    triples: Iterable[ox.Triple],
    *,
    base: str = DEFAULT_BASE,
    timeout: float = 300.0,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Replace our graph in the store named by ``spec`` with ``triples``; says what was done.
    Loading twice leaves the same graph, never a duplicate."""
    if not isinstance(spec, StoreSpec):
        spec = parse_spec(spec, base=base)
    if spec.kind == MEMORY:
        raise InputError("the embedded store is loaded from the data files; nothing to load into")
    if spec.kind == OXIGRAPH:
        assert spec.path is not None
        stats = write_persistent(triples, spec.path, base=base)
        return f"wrote {stats['triples']} triples to the persistent store {spec.path}"
    store = open_store(spec, base=base, timeout=timeout, environ=environ)
    assert isinstance(store, SparqlStore)
    triples = list(triples)
    how = store.replace(triples)
    return f"loaded {len(triples)} triples into <{store.graph}> of {spec} ({how})"


def describe_store(store: object) -> str:
    """A short name of the store kind, for ``/health`` and logs (never with credentials)."""
    return getattr(store, "kind", "embedded")


def summary_of(store: object, *, base: str = DEFAULT_BASE) -> Summary:
    """The counts shown on pages and in VoID: precomputed by a persistent store, else queried."""
    precomputed = getattr(store, "summary", None)
    if callable(precomputed):
        found = precomputed(base=base)
        if found is not None:
            return found
    return summarise(store, base=base)  # type: ignore[arg-type]


__all__ = [
    "MEMORY",
    "OXIGRAPH",
    "SPARQL",
    "PersistentStore",
    "RemoteTriples",
    "SparqlStore",
    "Store",
    "StoreSpec",
    "load_into",
    "open_store",
    "parse_spec",
    "summary_of",
    "write_persistent",
]
