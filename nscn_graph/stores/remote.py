"""Any SPARQL 1.1 store over HTTP (``--store sparql+URL``): Oxigraph server, Virtuoso, Fuseki,
GraphDB, QLever...

Queries follow the SPARQL 1.1 Protocol (POST, form-encoded) and are scoped to our named graph;
``load`` uses the SPARQL 1.1 Graph Store HTTP Protocol (``PUT ?graph=``) or SPARQL 1.1 Update.
A store that is down, slow or answers an error raises
:class:`~nscn_graph.errors.StoreUnavailable` (502/503) or :class:`~nscn_graph.errors.StoreTimeout`
(504), with ``Retry-After`` where waiting helps (RFC 9110).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox

from nscn_graph import __version__
from nscn_graph.errors import InputError, NscnError, StoreTimeout, StoreUnavailable
from nscn_graph.namespaces import PREFIXES, sparql_prologue
from nscn_graph.sparql import guard
from nscn_graph.sparql.dataset import scope_dataset
from nscn_graph.sparql.syntax import query_syntax_error
from nscn_graph.stores.memory import QueryResult

if TYPE_CHECKING:
    from nscn_graph.stores import StoreSpec

KIND = "sparql"
USER_ENV, PASSWORD_ENV = "NSCN_STORE_USER", "NSCN_STORE_PASSWORD"

#: Seconds a client is asked to wait (``Retry-After``) when the store is down or slow.
RETRY_DOWN, RETRY_SLOW = 30, 10

#: Triples per SPARQL ``INSERT DATA`` request when a store has no Graph Store Protocol.
INSERT_BATCH = 10_000
#: Triples per Graph Store Protocol request.
GSP_BATCH = 100_000

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
    connect_timeout: float = 5.0
    kind: str = field(default=KIND, init=False)
    #: queries are answered over HTTP: the query workers must be able to connect
    needs_network: bool = field(default=True, init=False)
    _local: threading.local = field(default_factory=threading.local, init=False, repr=False)

    @property
    def graph(self) -> str:
        assert self.spec.graph
        return self.spec.graph

    @property
    def empty_graph(self) -> str:
        """A graph that holds nothing: what graph IRIs other than ours select."""
        return self.graph + "#nothing"

    # -- HTTP

    def _session(self):
        import requests

        session = getattr(self._local, "session", None)
        if session is None or getattr(self._local, "pid", None) != os.getpid():
            session = requests.Session()
            session.headers["User-Agent"] = f"nscn-graph/{__version__}"
            if self.credentials:
                session.auth = _ChallengeAuth(*self.credentials)
            self._local.session, self._local.pid = session, os.getpid()
        return session

    def _request(self, method: str, url: str, *, what: str, **kw):
        """One request to the store; its failures as :class:`StoreUnavailable`."""
        import requests

        try:
            response = self._session().request(
                method, url, timeout=(self.connect_timeout, self.timeout), **kw
            )
        except requests.ConnectTimeout:
            raise _down(f"the SPARQL store did not accept a connection ({what})") from None
        except requests.Timeout:
            raise StoreTimeout(
                f"the SPARQL store did not answer within {self.timeout:g} s ({what}); "
                "try again later or simplify the query",
                headers={"Retry-After": str(RETRY_SLOW)},
            ) from None
        except requests.ConnectionError:
            raise _down(f"the SPARQL store is not reachable ({what})") from None
        except requests.RequestException as exc:
            raise StoreUnavailable(
                f"the SPARQL store failed ({what}): {type(exc).__name__}"
            ) from None
        if response.status_code >= 300:
            raise _answered_error(response, what)
        return response

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
        # Our data has no named graph, as in the embedded store: GRAPH ?g matches nothing.
        text, dataset = scope_dataset(
            sparql,
            graph=self.graph,
            empty=self.empty_graph,
            default_graph_uris=default_graph_uris,
            named_graph_uris=named_graph_uris,
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

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the store answers a trivial query."""
        self.query("ASK { }")

    # -- loading

    def replace(self, triples: Iterable[ox.Triple]) -> str:
        """Replace the content of our named graph with ``triples``; returns how it was done.

        With a Graph Store Protocol URL: one ``PUT ?graph=IRI`` (atomic in the store). Otherwise
        SPARQL 1.1 Update: ``DROP SILENT GRAPH`` then ``INSERT DATA`` in batches.
        """
        triples = list(triples)
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
                    params={"graph": self.graph},
                    data=body,
                    headers={"Content-Type": "text/turtle; charset=utf-8"},
                )
            return "Graph Store Protocol PUT" + (" and POST" if len(triples) > size else "")
        if not self.spec.update_url:
            raise InputError(
                "this store specification has no update= (or gsp=) URL to load through"
            )
        self.update(f"DROP SILENT GRAPH <{self.graph}>")
        size = len(triples) if has_blank else INSERT_BATCH  # blank nodes: one request
        start = 0
        while start < len(triples):
            chunk = ox.serialize(triples[start : start + size], format=ox.RdfFormat.N_TRIPLES)
            text = f"INSERT DATA {{ GRAPH <{self.graph}> {{\n{chunk.decode('utf-8')}}} }}"
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


def _down(detail: str) -> StoreUnavailable:
    return StoreUnavailable(
        detail + "; try again later", status=503, headers={"Retry-After": str(RETRY_DOWN)}
    )


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
