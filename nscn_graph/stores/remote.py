"""Any SPARQL 1.1 store over HTTP (``--store sparql+URL``): Oxigraph server, Virtuoso, Fuseki,
GraphDB, QLever...

Queries follow the SPARQL 1.1 Protocol (POST, form-encoded) and are scoped to our graphs
(:mod:`nscn_graph.sparql.dataset`): the merged graph, a named graph ``graph=`` (default
``{BASE}graph``), is their default graph; our source records, named graphs of their own IRIs
under the prefix ``graphs=`` (default ``{BASE}id/``) that ``load`` owns, are their named graphs.
``load`` writes them with the SPARQL 1.1 Graph Store HTTP Protocol (``PUT ?graph=``) or SPARQL
1.1 Update, lists the records it wrote in the graph ``{graph}#graphs``, and drops the graphs
under its prefix that it did not write again: other data in the store is never touched.
A store that is down, slow or answers an error raises
:class:`~nscn_graph.errors.StoreUnavailable` (502/503) or :class:`~nscn_graph.errors.StoreTimeout`
(504), with ``Retry-After`` where waiting helps (RFC 9110).

A store that hangs must not hold every thread of the server (requests that do not need it, such
as dumps and descriptions, would wait behind those that do), so calls to the store are bounded:

- at most ``concurrency`` calls at once per process (a semaphore); past it, 503 at once;
- a short connect timeout, separate from the read timeout;
- a circuit breaker (:class:`Breaker`): when a call fails to connect or times out, a trivial
  query with the connect timeout tells a slow query from a store that is down or frozen; while
  the store is known to be down every call is a 503 with ``Retry-After`` at once, and after the
  cool-down one call (half-open) probes it again.
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pyoxigraph as ox

from nscn_graph import __version__
from nscn_graph.errors import (
    InputError,
    NscnError,
    QueryTimeout,
    StoreTimeout,
    StoreUnavailable,
)
from nscn_graph.namespaces import PREFIXES, sparql_prologue
from nscn_graph.sparql import guard
from nscn_graph.sparql.dataset import names_graphs, scope_dataset
from nscn_graph.sparql.syntax import query_syntax_error
from nscn_graph.stores.base import Backend, Capabilities, OpenOptions, QueryResult

KIND = "sparql"
USER_ENV, PASSWORD_ENV = "NSCN_STORE_USER", "NSCN_STORE_PASSWORD"
CAPABILITIES = Capabilities(
    local=False, loadable=True, statistics=False, immutable=False, credentials=True
)

#: Seconds a client is asked to wait (``Retry-After``) when the store is down or slow.
RETRY_DOWN, RETRY_SLOW = 30, 10
#: Seconds the breaker stays open before it lets one call probe the store again.
COOL_DOWN = 5.0

#: Triples per SPARQL ``INSERT DATA`` request when a store has no Graph Store Protocol.
INSERT_BATCH = 10_000
#: Triples per Graph Store Protocol request.
GSP_BATCH = 100_000

HAS_PART = "http://purl.org/dc/terms/hasPart"

#: Virtuoso echoes every dataset IRI of a request as a response header of its own
#: (``X-SPARQL-named-graph: ...``), one per named graph, and Python's HTTP client refuses a
#: response with more than 100 headers (``http.client._MAXHEADERS``): with a named graph per
#: source record, a query that can see them would fail. The bound is raised to leave room for
#: the records (a bound still: it protects against a server that never ends its headers).
MAX_RESPONSE_HEADERS = 10_000
if http.client._MAXHEADERS < MAX_RESPONSE_HEADERS:  # the only knob there is
    http.client._MAXHEADERS = MAX_RESPONSE_HEADERS

_EMPTY = ox.Store()  # parses queries (and tells their form) exactly as the embedded store does

_RESULT_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
_ACCEPT_RESULTS = "application/sparql-results+json, application/sparql-results+xml;q=0.9"
_ACCEPT_GRAPH = "application/n-triples, text/plain;q=0.9, text/turtle;q=0.8"


# --- the specification ---------------------------------------------------------------------


@dataclass(frozen=True)
class StoreSpec:
    """``sparql+URL[?update=URL&gsp=URL&graph=IRI&graphs=PREFIX]`` (see
    :mod:`nscn_graph.stores`)."""

    query_url: str
    update_url: str | None = None
    gsp_url: str | None = None
    graph: str | None = None
    #: the prefix of the IRIs of our named graphs (the source records), which ``load`` owns
    graphs: str | None = None
    kind: str = field(default=KIND, init=False)

    def __str__(self) -> str:
        return f"{KIND}+{self.query_url}"


def parse_spec(url: str, *, base: str) -> StoreSpec:
    parts = urlsplit(url)
    _check_url(url, "query")
    options: dict[str, str | None] = {"update": None, "gsp": None, "graph": None, "graphs": None}
    kept = []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in options:
            options[key] = value
        else:
            kept.append((key, value))
    for key in ("update", "gsp"):
        if options[key]:
            _check_url(options[key] or "", key)
    graph = options["graph"] or base + "graph"
    if not urlsplit(graph).scheme:
        raise InputError(f"graph= must be an absolute IRI, not {graph!r}")
    graphs = options["graphs"] or base + "id/"
    if not urlsplit(graphs).scheme or graph.startswith(graphs):
        raise InputError(
            f"graphs= must be an absolute IRI prefix that the graph= IRI does not start with, "
            f"not {graphs!r}"
        )
    return StoreSpec(
        query_url=urlunsplit(parts._replace(query=urlencode(kept))),
        update_url=options["update"] or None,
        gsp_url=options["gsp"] or None,
        graph=graph,
        graphs=graphs,
    )


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"the {what} URL must be an http(s) URL, not {url!r}")
    if parts.username or parts.password:
        raise InputError(
            f"put no credentials in the {what} URL: set {USER_ENV} and {PASSWORD_ENV} instead"
        )


# --- bounding the calls --------------------------------------------------------------------


class Breaker:
    """A circuit breaker: closed (calls go through), open (the store is known to be down: every
    call fails at once until ``cool_down`` has passed), half-open (one call probes the store;
    the others still fail at once)."""

    def __init__(self, cool_down: float = COOL_DOWN) -> None:
        self.cool_down = cool_down
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._probing = False
        self.reason = ""

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._probing else "open"

    def admit(self) -> bool:
        """Whether a call may go to the store now; ``True`` for the one probing call of a
        half-open breaker, which must end with :meth:`succeeded` or :meth:`failed`."""
        with self._lock:
            if self._opened_at is None:
                return True
            if self._probing or time.monotonic() - self._opened_at < self.cool_down:
                return False
            self._probing = True
            return True

    def retry_after(self) -> int:
        if self._opened_at is None:
            return 1
        left = self.cool_down - (time.monotonic() - self._opened_at)
        return max(1, round(left + 0.5))

    def succeeded(self) -> None:
        with self._lock:
            self._opened_at, self._probing, self.reason = None, False, ""

    def failed(self, reason: str) -> None:
        with self._lock:
            self._opened_at, self._probing, self.reason = time.monotonic(), False, reason


class RemoteTriples:
    """The triples a remote store answered to a CONSTRUCT or DESCRIBE query."""

    def __init__(self, triples: list[ox.Triple]) -> None:
        self._triples = triples

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)


@dataclass
class SparqlStore:
    """A SPARQL 1.1 store over HTTP (SPARQL 1.1 Protocol, Update, Graph Store HTTP Protocol).

    Our data lives in the named graph ``spec.graph``. Each query is first parsed locally, by
    the same parser as the embedded store (so syntax errors say the same, with line and column,
    and no update ever reaches the store through ``query``), then sent with the project's
    prefixes and our graph as its only default graph and no named graph.
    """

    spec: StoreSpec
    credentials: tuple[str, str] | None = None
    timeout: float = 30.0
    connect_timeout: float = 3.0
    #: calls to the store at once, per process (past it: 503 at once)
    concurrency: int = 4
    base: str = ""
    name: str = field(default=KIND, init=False)
    capabilities: Capabilities = field(default=CAPABILITIES, init=False)
    breaker: Breaker = field(default_factory=Breaker, init=False, repr=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)
    _slots: threading.BoundedSemaphore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._slots = threading.BoundedSemaphore(max(1, self.concurrency))
        self.capabilities = replace(CAPABILITIES, functions=StoreFunctions(self))

    def open_in_process(self) -> None:
        """In a new query worker (forked while web threads hold calls and locks): start
        afresh. The web process admitted the call the worker is sent (:meth:`calls`), and the
        worker's sessions are its own."""
        self._slots = threading.BoundedSemaphore(max(1, self.concurrency))
        self.breaker = Breaker(self.breaker.cool_down)
        self._local = threading.local()

    @property
    def graph(self) -> str:
        assert self.spec.graph
        return self.spec.graph

    @property
    def empty_graph(self) -> str:
        """A graph that holds nothing: what graph IRIs other than ours select."""
        return self.graph + "#nothing"

    @property
    def listing_graph(self) -> str:
        """The graph in which ``load`` lists the named graphs it wrote (our source records)."""
        return self.graph + "#graphs"

    @property
    def graphs_prefix(self) -> str:
        return self.spec.graphs or self.base + "id/"

    def named_graphs(self) -> list[str]:
        """Our named graphs, as ``load`` listed them (one call to the store)."""
        sparql = f"SELECT ?g FROM <{self.listing_graph}> WHERE {{ <{self.graph}> <{HAS_PART}> ?g }}"
        response = self._request(
            "POST",
            self.spec.query_url,
            what="query",
            data=[("query", sparql)],
            headers={"Accept": _ACCEPT_RESULTS},
        )
        rows = self._results(response)
        prefix = self.graphs_prefix
        return sorted(
            row["g"].value
            for row in rows  # type: ignore[union-attr]
            if isinstance(row["g"], ox.NamedNode) and row["g"].value.startswith(prefix)
        )

    def _results(self, response) -> QueryResult:
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        fmt = _RESULT_TYPES.get(media_type)
        if fmt is None:
            raise _unreadable(f"results as {media_type or 'no media type'}")
        try:
            return ox.parse_query_results(response.content, format=fmt)
        except SyntaxError as exc:
            raise _unreadable(f"results that do not parse ({exc})") from None

    # -- HTTP

    def _session(self):
        import requests

        session = getattr(self._local, "session", None)
        if session is None or getattr(self._local, "pid", None) != os.getpid():
            session = requests.Session()
            # the store is the URL configured, reached directly: no proxy or .netrc from the
            # environment (reading them costs a pass over the environment on every call)
            session.trust_env = False
            session.headers["User-Agent"] = f"nscn-graph/{__version__}"
            if self.credentials:
                session.auth = _ChallengeAuth(*self.credentials)
            self._local.session, self._local.pid = session, os.getpid()
        return session

    def _request(
        self, method: str, url: str, *, what: str, read_timeout: float | None = None, **kw
    ):
        """One request to the store, bounded (see the module docstring); its failures as
        :class:`StoreUnavailable`."""
        with self.calls(what):
            return self._send(method, url, what=what, read_timeout=read_timeout, **kw)

    @contextmanager
    def calls(self, what: str = "query") -> Iterator[None]:
        """One call to the store, made in this process or by a query worker on its behalf: at
        most ``concurrency`` at once per process (past it, 503 at once), through the circuit
        breaker, whose state its outcome sets (a timeout is judged by a trivial probe: a slow
        query leaves the breaker closed, a frozen store opens it)."""
        if not self._slots.acquire(blocking=False):
            raise StoreUnavailable(
                f"the SPARQL store is busy: {self.concurrency} calls to it are under way "
                "from this server process; try again in a moment",
                status=503,
                title="Store busy",
                headers={"Retry-After": "1"},
            )
        try:
            if not self.breaker.admit():
                raise _down(
                    f"the SPARQL store is down ({self.breaker.reason or what})",
                    retry=self.breaker.retry_after(),
                )
            try:
                yield
            except _Unreachable as error:
                self.breaker.failed(error.why)
                raise error.error from None
            except _Slow as slow:
                self._judge_slowness()
                raise slow.error from None
            except (StoreTimeout, QueryTimeout):  # from a query worker, past its time limit
                self._judge_slowness()
                raise
            except BaseException:
                self.breaker.succeeded()  # it answered, if badly
                raise
            self.breaker.succeeded()
        finally:
            self._slots.release()

    def _judge_slowness(self) -> None:
        if self._answers_quickly():  # a slow query, not a frozen store
            self.breaker.succeeded()
        else:
            self.breaker.failed("it accepts connections but does not answer")

    def _answers_quickly(self) -> bool:
        """Whether the store answers a trivial query within the connect timeout."""
        try:
            self._send(
                "POST",
                self.spec.query_url,
                what="probe",
                read_timeout=self.connect_timeout,
                data=[("query", "ASK {}")],
                headers={"Accept": _ACCEPT_RESULTS},
            )
        except (_Unreachable, _Slow, StoreUnavailable):
            return False
        return True

    def _send(self, method: str, url: str, *, what: str, read_timeout: float | None, **kw):
        import requests

        read = self.timeout if read_timeout is None else read_timeout
        try:
            response = self._session().request(
                method, url, timeout=(self.connect_timeout, read), **kw
            )
        except requests.ConnectTimeout:
            raise _Unreachable(
                "it did not accept a connection",
                _down(f"the SPARQL store did not accept a connection ({what})"),
            ) from None
        except requests.Timeout:
            raise _Slow(
                StoreTimeout(
                    f"the SPARQL store did not answer within {read:g} s ({what}); "
                    "try again later or simplify the query",
                    headers={"Retry-After": str(RETRY_SLOW)},
                )
            ) from None
        except requests.ConnectionError:
            raise _Unreachable(
                "it is not reachable", _down(f"the SPARQL store is not reachable ({what})")
            ) from None
        except requests.RequestException as exc:
            raise StoreUnavailable(
                f"the SPARQL store failed ({what}): {type(exc).__name__}"
            ) from None
        if response.status_code >= 300:
            raise _answered_error(response, what)
        return response

    def evaluates(self, function: str) -> bool | None:
        """Whether the store evaluates the extension function ``function`` (an IRI): it
        answers a call without arguments, or refuses it; ``None`` when it does not say."""
        import requests

        query, what = f"SELECT (<{function}>() AS ?r) {{}}", "function probe"
        try:
            with self.calls(what):  # the breaker learns from the probe as from any call
                try:
                    response = self._session().post(
                        self.spec.query_url or "",
                        data=[("query", query)],
                        headers={"Accept": _ACCEPT_RESULTS},
                        timeout=(self.connect_timeout, self.timeout),
                    )
                except requests.Timeout as exc:
                    if isinstance(exc, requests.ConnectTimeout):
                        raise _Unreachable("it did not accept a connection", _down(what)) from None
                    raise _Slow(StoreTimeout(what)) from None
                except requests.ConnectionError:
                    raise _Unreachable("it is not reachable", _down(what)) from None
        except (requests.RequestException, StoreUnavailable):  # StoreTimeout among them
            return None
        if response.status_code < 300:
            return True
        if response.status_code in (400, 500, 501):  # an error answer to this query
            return False
        return None  # refused access, busy, down: it did not say

    # -- the store interface

    def query(
        self,
        sparql: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        prefixes: dict[str, str] | None = None,
        base_iri: str | None = None,
    ) -> QueryResult | RemoteTriples:
        prefixes = prefixes or PREFIXES
        guard.check(sparql)  # the store would fetch SERVICE, or run an update: refused
        form = query_form(sparql, prefixes=prefixes, base_iri=base_iri)
        # Our named graphs (the source records) are read only for a query that can see them.
        needed = names_graphs(
            sparql, default_graph_uris=default_graph_uris, named_graph_uris=named_graph_uris
        )
        text, dataset = scope_dataset(
            sparql,
            graph=self.graph,
            empty=self.empty_graph,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
            ours=self.named_graphs() if needed else (),
            prefixes=prefixes,
        )
        base = f"BASE <{base_iri}>\n" if base_iri else ""
        params = [("query", base + sparql_prologue(prefixes) + text), *dataset]
        graph = form == "graph"
        response = self._request(
            "POST",
            self.spec.query_url or "",
            what="query",
            data=params,
            headers={"Accept": _ACCEPT_GRAPH if graph else _ACCEPT_RESULTS},
        )
        media_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            if graph:
                fmt = _GRAPH_TYPES.get(media_type)
                if fmt is None:
                    raise _unreadable(f"a graph as {media_type or 'no media type'}")
                quads = ox.parse(response.content, format=fmt, without_named_graphs=True)
                return RemoteTriples([q.triple for q in quads])
            fmt = _RESULT_TYPES.get(media_type)
            if fmt is None:
                raise _unreadable(f"results as {media_type or 'no media type'}")
            result = ox.parse_query_results(response.content, format=fmt)
        except SyntaxError as exc:
            raise _unreadable(f"results that do not parse ({exc})") from None
        if isinstance(result, ox.QueryBoolean) != (form == "ask"):
            raise _unreadable("results of the wrong kind")
        return result

    def __len__(self) -> int:
        rows = list(self.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))  # type: ignore[arg-type]
        return int(rows[0]["n"].value) if rows else 0

    def triples(self) -> Iterable[ox.Triple]:
        return self.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")  # type: ignore[return-value]

    def quads(self) -> Iterable[ox.Quad]:
        rows = self.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g")
        return [ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows]  # type: ignore[union-attr]

    def summary(self):
        """Counts of the graph, queried now (the store can change under the server)."""
        from nscn_graph.publish.describe import summarise

        return summarise(self, base=self.base)

    def data_version(self) -> str | None:
        return None  # the store's content can change while the server runs

    def check(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers a trivial query within
        the connect timeout (``/health``'s readiness)."""
        self._request(
            "POST",
            self.spec.query_url,
            what="health check",
            read_timeout=self.connect_timeout,
            data=[("query", "ASK {}")],
            headers={"Accept": _ACCEPT_RESULTS},
        )

    def describe(self) -> dict[str, object]:
        return {
            "kind": self.name,
            "capabilities": self.capabilities.as_dict(),
            "breaker": self.breaker.state,
        }

    # -- loading

    def replace(self, triples: Iterable[ox.Triple | ox.Quad]) -> str:
        """Replace our graphs with ``triples``: triples and default-graph quads are the merged
        graph, written to ``graph=``; the other quads go to their named graphs, which must be
        under the prefix ``graphs=``. Then the list of the named graphs is written, and the
        graphs under the prefix that were not written again are dropped. Returns how it was
        done."""
        merged: list[ox.Triple] = []
        named: dict[str, list[ox.Triple]] = {}
        for statement in triples:
            if isinstance(statement, ox.Triple):
                merged.append(statement)
            elif isinstance(statement.graph_name, ox.DefaultGraph):
                merged.append(statement.triple)
            else:
                named.setdefault(statement.graph_name.value, []).append(statement.triple)
        prefix = self.graphs_prefix
        outside = sorted(g for g in named if not g.startswith(prefix))
        if outside:
            raise InputError(
                f"the named graph <{outside[0]}> is not under <{prefix}>, the prefix of the "
                "graphs that load owns in this store (graphs= in the store specification)"
            )
        before = set(self._graphs_under(prefix))
        how = self._replace_graph(self.graph, merged)
        for iri, statements in sorted(named.items()):
            self._replace_graph(iri, statements)
        listing = [
            ox.Triple(ox.NamedNode(self.graph), ox.NamedNode(HAS_PART), ox.NamedNode(iri))
            for iri in sorted(named)
        ]
        self._replace_graph(self.listing_graph, listing)
        for iri in sorted(before - set(named)):
            self._drop(iri)
        return how + (f", {len(named)} named graphs" if named else "")

    def _graphs_under(self, prefix: str) -> list[str]:
        """The graphs of the store whose IRIs start with ``prefix`` (what ``load`` owns)."""
        sparql = (
            "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } "
            f"FILTER(STRSTARTS(STR(?g), {_string(prefix)})) }}"
        )
        response = self._request(
            "POST",
            self.spec.query_url,
            what="load",
            data=[("query", sparql)],
            headers={"Accept": _ACCEPT_RESULTS},
        )
        rows = self._results(response)
        return [r["g"].value for r in rows if isinstance(r["g"], ox.NamedNode)]  # type: ignore[union-attr]

    def _drop(self, iri: str) -> None:
        if self.spec.gsp_url:
            try:
                self._request("DELETE", self.spec.gsp_url, what="load", params={"graph": iri})
            except StoreUnavailable as exc:
                if "answered HTTP 404" not in exc.detail:
                    raise
            return
        self.update(f"DROP SILENT GRAPH <{iri}>")

    def _replace_graph(self, graph: str, triples: list[ox.Triple]) -> str:
        """Replace the content of the named graph ``graph`` with ``triples``; returns how.

        With a Graph Store Protocol URL: one ``PUT ?graph=IRI`` (atomic in the store). Otherwise
        SPARQL 1.1 Update: ``DROP SILENT GRAPH`` then ``INSERT DATA`` in batches.
        """
        has_blank = any(isinstance(t, ox.BlankNode) for tr in triples for t in tr)
        if self.spec.gsp_url:
            # PUT replaces the graph; a large graph follows in POSTs (which add), because
            # stores limit the size of a request body (Oxigraph server, Virtuoso).
            size = len(triples) if has_blank else GSP_BATCH  # blank nodes: one request
            for start in range(0, max(len(triples), 1), max(size, 1)):
                body = ox.serialize(triples[start : start + size], format=ox.RdfFormat.N_TRIPLES)
                self._request(
                    "PUT" if start == 0 else "POST",
                    self.spec.gsp_url,
                    what="load",
                    params={"graph": graph},
                    data=body,
                    headers={"Content-Type": "text/turtle; charset=utf-8"},
                )
            return "Graph Store Protocol PUT" + (" and POST" if len(triples) > size else "")
        if not self.spec.update_url:
            raise InputError(
                "this store specification has no update= (or gsp=) URL to load through"
            )
        self.update(f"DROP SILENT GRAPH <{graph}>")
        size = len(triples) if has_blank else INSERT_BATCH  # blank nodes: one request
        start = 0
        while start < len(triples):
            chunk = ox.serialize(triples[start : start + size], format=ox.RdfFormat.N_TRIPLES)
            text = f"INSERT DATA {{ GRAPH <{graph}> {{\n{chunk.decode('utf-8')}}} }}"
            try:
                self.update(text)
            except StoreUnavailable as exc:
                # A store that limits the size of a request (Virtuoso: 10 000 lines of SQL)
                # answers 400 or 413: send smaller batches.
                too_big = any(f"answered HTTP {n} " in exc.detail for n in (400, 413))
                if not too_big or size <= 100 or has_blank:
                    raise
                size //= 4
                continue
            start += size
        return "SPARQL Update"

    def update(self, sparql_update: str) -> None:
        """Send one SPARQL 1.1 Update request (used by ``load``, never by the server)."""
        if not self.spec.update_url:
            raise InputError("this store specification has no update= URL")
        self._request(
            "POST",
            self.spec.update_url,
            what="update",
            data=sparql_update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )


def query_form(
    sparql: str, *, prefixes: dict[str, str] | None = None, base_iri: str | None = None
) -> str:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT/DESCRIBE); :class:`QuerySyntaxError` with
    line and column if ``sparql`` does not parse as a SPARQL 1.1 query."""
    prefixes = prefixes or PREFIXES
    try:
        result = _EMPTY.query(sparql, prefixes=prefixes, base_iri=base_iri)
    except SyntaxError as exc:
        raise query_syntax_error(exc, query=sparql, prefixes=prefixes) from None
    if isinstance(result, ox.QueryBoolean):
        return "ask"
    return "graph" if isinstance(result, ox.QueryTriples) else "select"


class StoreFunctions:
    """The GeoSPARQL functions a store behind HTTP evaluates, asked of it as the query guard
    meets them: a call without arguments (``SELECT (<IRI>() AS ?r) {}``) that the store
    answers evaluates (at worst unbound); one it refuses with an error answer does not
    (Virtuoso 7: "Undefined procedure", Oxigraph server: "not supported"). What the store
    said is kept for this process; a store that does not answer is asked again next time,
    and the query goes to it meanwhile (it says what fails)."""

    #: IRIs kept at most (the guard asks only of geof: IRIs that queries call)
    KEEP = 1024

    def __init__(self, store: SparqlStore) -> None:
        self._store = store
        self._known: dict[str, bool] = {}

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str):
            return False
        known = self._known.get(iri)
        if known is None:
            known = self._store.evaluates(iri)
            if known is not None and len(self._known) < self.KEEP:
                self._known[iri] = known
        return known is not False

    def __iter__(self) -> Iterator[str]:
        """The standard's functions that the store evaluates."""
        from nscn_graph.sparql.geo import standard_functions

        return (iri for iri in standard_functions() if iri in self)


class _Unreachable(Exception):
    def __init__(self, why: str, error: StoreUnavailable) -> None:
        self.why, self.error = why, error


class _Slow(Exception):
    def __init__(self, error: StoreTimeout) -> None:
        self.error = error


def _down(detail: str, *, retry: int = RETRY_DOWN) -> StoreUnavailable:
    return StoreUnavailable(
        detail + "; try again later", status=503, headers={"Retry-After": str(retry)}
    )


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unreadable(what: str) -> StoreUnavailable:
    return StoreUnavailable(f"the SPARQL store answered {what}", status=502)


def _answered_error(response, what: str) -> NscnError:
    """A store's error answer: 503/504 passed on with ``Retry-After``, anything else 502."""
    status = response.status_code
    message = " ".join(response.text[:300].split()) if response.text else ""
    said = f": {message}" if message else ""
    if status == 503:
        retry = response.headers.get("Retry-After", str(RETRY_DOWN))
        return StoreUnavailable(
            f"the SPARQL store is unavailable ({what}){said}",
            status=503,
            headers={"Retry-After": retry if retry.isdigit() else str(RETRY_DOWN)},
        )
    if status == 504:
        return StoreTimeout(
            f"the SPARQL store timed out ({what}){said}",
            headers={"Retry-After": str(RETRY_SLOW)},
        )
    if status in (401, 403):
        return StoreUnavailable(
            f"the SPARQL store refused access ({what}, HTTP {status}); check "
            f"{USER_ENV} and {PASSWORD_ENV}",
            status=502,
        )
    return StoreUnavailable(f"the SPARQL store answered HTTP {status} ({what}){said}", status=502)


def _challenge_auth_class():
    from requests.auth import HTTPBasicAuth, HTTPDigestAuth

    class ChallengeAuth(HTTPDigestAuth):
        """HTTP Digest or Basic authentication, whichever the store's challenge asks for
        (Virtuoso asks for Digest, most others for Basic); credentials are sent only then."""

        def handle_401(self, r, **kwargs):
            challenge = r.headers.get("www-authenticate", "").lower()
            if "digest" in challenge or "basic" not in challenge:
                return super().handle_401(r, **kwargs)
            if getattr(self._thread_local, "basic_sent", False):
                return r
            self._thread_local.basic_sent = True
            r.content  # noqa: B018 - consume the body so that the connection is reusable
            r.close()
            prep = r.request.copy()
            HTTPBasicAuth(self.username, self.password)(prep)
            again = r.connection.send(prep, **kwargs)
            again.history.append(r)
            again.request = prep
            return again

        def __call__(self, r):
            self.init_per_thread_state()
            self._thread_local.basic_sent = False
            return super().__call__(r)

    return ChallengeAuth


def _ChallengeAuth(user: str, password: str):  # noqa: N802 - a class factory
    return _challenge_auth_class()(user, password)


# --- the backend ---------------------------------------------------------------------------


def _open(spec: StoreSpec, options: OpenOptions) -> SparqlStore:
    environ = os.environ if options.environ is None else options.environ
    user, password = environ.get(USER_ENV), environ.get(PASSWORD_ENV)
    return SparqlStore(
        spec,
        credentials=(user, password or "") if user else None,
        timeout=options.timeout,
        connect_timeout=options.connect_timeout,
        concurrency=options.concurrency,
        base=options.base,
    )


def _load(spec: StoreSpec, triples: Iterable[ox.Triple | ox.Quad], options: OpenOptions) -> str:
    store = _open(spec, options)
    triples = list(triples)
    merged = sum(
        1 for t in triples if isinstance(t, ox.Triple) or isinstance(t.graph_name, ox.DefaultGraph)
    )
    how = store.replace(triples)
    return f"loaded {merged} triples into <{store.graph}> of {spec} ({how})"


BACKEND = Backend(
    kind=KIND,
    prefix=KIND + "+",
    help="""sparql+URL[?update=URL&gsp=URL&graph=IRI&graphs=PREFIX]
                                 any SPARQL 1.1 store by its query URL, e.g. Oxigraph server:
    sparql+http://127.0.0.1:7878/query?update=http://127.0.0.1:7878/update&gsp=http://127.0.0.1:7878/store&graph=https://w3id.org/nscn/graph
                                 or Virtuoso:
    sparql+http://127.0.0.1:8890/sparql?update=http://127.0.0.1:8890/sparql-auth&gsp=http://127.0.0.1:8890/sparql-graph-crud-auth&graph=https://w3id.org/nscn/graph""",
    capabilities=CAPABILITIES,
    parse=parse_spec,
    open=_open,
    load=_load,
)
