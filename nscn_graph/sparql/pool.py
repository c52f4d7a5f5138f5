"""Query worker processes: SPARQL evaluation that can be stopped.

pyoxigraph has no query timeout and no cancellation, and a thread cannot be stopped. So queries
run in a small pool of worker processes, each forked from the web process with its own
copy-on-write view of the in-memory store. The web thread sends ``(query, options)`` over a
pipe and waits at most the time limit for the answer, which the worker has already serialised
(bytes back, nothing else crosses the pipe). A worker that runs past the limit is killed and
replaced; other requests are served by the other workers meanwhile.

A pool belongs to the process that made it: after a fork (gunicorn's workers fork from the
master that built the app) it starts afresh, lazily, with its own workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import signal
import threading
import time
import warnings
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from nscn_graph import errors, formats
from nscn_graph.graph.serialize import serialize
from nscn_graph.sparql.query import is_graph_result
from nscn_graph.stores import Store
from nscn_graph.stores.memory import EmbeddedStore

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """A query and how to answer it. ``results_format``/``graph_format`` are format names (or
    ``None`` when the client accepts none of that kind)."""

    query: str
    results_format: str | None
    graph_format: str | None
    default_graph_uris: tuple[str, ...] = ()
    named_graph_uris: tuple[str, ...] = ()


@dataclass(frozen=True)
class Answer:
    body: bytes
    format: formats.Format


class _LimitedWriter:
    """A binary sink that refuses to grow past ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise _TooLarge
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def getvalue(self) -> bytes:
        return b"".join(self.chunks)


class _TooLarge(Exception):
    pass


_FORMATS = {f.name: f for f in formats.RESULT_FORMATS + formats.RDF_FORMATS}


def evaluate(
    store: Store | ox.Store,
    job: Job,
    *,
    prefixes: dict[str, str],
    max_result_bytes: int | None,
) -> Answer:
    """Run ``job`` on ``store`` and serialise the result (in the worker process).

    ``store`` is any store of :mod:`nscn_graph.stores` (or a bare pyoxigraph store).
    ``max_result_bytes`` bounds the result as it is written; ``None`` writes it in one go,
    for a query whose result is known to fit (the fast path)."""
    if isinstance(store, ox.Store):
        store = EmbeddedStore(store)
    result = store.query(
        job.query,
        default_graph_uris=job.default_graph_uris,
        named_graph_uris=job.named_graph_uris,
        prefixes=prefixes,
    )
    graph = is_graph_result(result)
    name = job.graph_format if graph else job.results_format
    if name is None:
        offered = formats.RDF_FORMATS if graph else formats.RESULT_FORMATS
        kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
        raise errors.NotAcceptable(
            f"None of the media types in Accept can hold {kind} results. Offered: "
            + ", ".join(f.media_type for f in offered)
        )
    fmt = _FORMATS[name]
    if max_result_bytes is None and fmt is not formats.JSONLD:
        if graph:
            used = prefixes if fmt in (formats.TURTLE, formats.RDFXML) else None
            return Answer(ox.serialize(result, format=fmt.oxigraph, prefixes=used), fmt)
        return Answer(result.serialize(format=fmt.oxigraph), fmt)
    sink = _LimitedWriter(max_result_bytes or 1 << 62)
    try:
        if graph and fmt is formats.JSONLD:
            sink.write(serialize(result, fmt, prefixes=prefixes))
        elif graph:
            used = prefixes if fmt in (formats.TURTLE, formats.RDFXML) else None
            ox.serialize(result, sink, format=fmt.oxigraph, prefixes=used)
        else:
            result.serialize(sink, format=fmt.oxigraph)
    except _TooLarge:
        raise errors.ResultTooLarge(
            f"The result is larger than this endpoint's limit of {max_result_bytes} bytes. "
            "Use LIMIT and OFFSET to page through it, or download the dump."
        ) from None
    return Answer(sink.getvalue(), fmt)


def _worker_main(
    conn: multiprocessing.connection.Connection,
    store: Store | ox.Store,
    prefixes: dict[str, str],
    max_result_bytes: int,
    parent: int,
) -> None:
    """The loop of a worker process: receive a job, send back an answer or an error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _close_inherited_files(keep=conn.fileno())
    isolated = _without_network()
    _exit_with_parent(parent)
    conn.send_bytes(pickle.dumps(("hello", isolated)))
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        try:
            started = time.perf_counter()
            answer = evaluate(store, job, prefixes=prefixes, max_result_bytes=max_result_bytes)
            elapsed = time.perf_counter() - started
            message: tuple = ("ok", answer.body, answer.format.name, elapsed)
        except errors.NscnError as exc:
            message = ("error", exc)
        except Exception:  # a bug or a store failure: logged here, a generic 500 there
            log.exception("query worker failed")
            message = ("bug", None)
        try:
            conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            os._exit(0)


def _close_inherited_files(*, keep: int) -> None:
    """Close the sockets the web process had open (its listening socket, other clients'
    connections, other workers' pipes): a connection the web process closes must really close.
    Files stay open: a persistent store's database (RocksDB) keeps descriptors of its own, and
    closing them under it makes a read-only handle opened in this process hang."""
    try:
        descriptors = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:  # no /proc: close everything but the pipe
        os.closerange(3, keep)
        os.closerange(keep + 1, 1 << 20)
        return
    for fd in descriptors:
        if fd < 3 or fd == keep:
            continue
        try:
            if os.readlink(f"/proc/self/fd/{fd}").startswith("socket:"):
                os.close(fd)
        except OSError:  # closed meanwhile (the listing's own descriptor)
            pass


_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def _without_network() -> bool:
    """Defence in depth behind the query guard: move this (single-threaded) worker into a new
    network namespace, which has no interface but a down loopback, so that no query can make
    it connect anywhere. Where the kernel refuses (no user namespaces), the guard alone holds."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


def _exit_with_parent(parent: int) -> None:
    """Leave when the web process is gone, even in the middle of a runaway query."""

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="nscn-parent-watch", daemon=True).start()


class _Worker:
    def __init__(self, process: multiprocessing.process.BaseProcess, conn) -> None:
        self.process = process
        self.conn = conn
        self.owner = os.getpid()
        self.isolated = False

    def stop(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class QueryPool:
    """Up to ``size`` worker processes, started on demand, each able to run one query."""

    def __init__(
        self,
        store: Store | ox.Store,
        *,
        size: int,
        timeout: float,
        prefixes: dict[str, str],
        max_result_bytes: int,
        fast_path: float = 0.0,
    ) -> None:
        self.store = store
        self.size = max(1, size)
        self.timeout = timeout
        self.fast_path = fast_path
        self._proven: dict[tuple, float] = {}
        self.prefixes = dict(prefixes)
        self.max_result_bytes = max_result_bytes
        self._context = multiprocessing.get_context("fork")
        self._reset()

    def _reset(self) -> None:
        self._owner = os.getpid()
        self._lock = threading.Lock()
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: list[_Worker] = []
        self._finalizer = weakref.finalize(self, _stop_all, self._workers)

    def _check_owner(self) -> None:
        if os.getpid() != self._owner:  # forked: the parent's workers are not ours
            self._reset()

    def _spawn(self) -> _Worker:
        mine, theirs = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=_worker_main,
            args=(theirs, self.store, self.prefixes, self.max_result_bytes, os.getpid()),
            name="nscn-query-worker",
            daemon=True,
        )
        with warnings.catch_warnings():
            # Python 3.12+ warns about fork() in a threaded process. The child only reads the
            # store and runs no thread it inherited.
            warnings.simplefilter("ignore", DeprecationWarning)
            process.start()
        theirs.close()
        worker = _Worker(process, mine)
        try:
            if not mine.poll(30):
                raise EOFError
            _, worker.isolated = pickle.loads(mine.recv_bytes())
        except (EOFError, OSError):
            worker.stop()
            raise WorkerBug("a query worker did not start") from None
        if not worker.isolated and not _warned_isolation:
            _warn_isolation()
        return worker

    def _acquire(self) -> _Worker:
        self._check_owner()
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            if len(self._workers) < self.size:
                worker = self._spawn()
                self._workers.append(worker)
                return worker
        try:
            return self._idle.get(timeout=self.timeout)
        except queue.Empty:
            raise errors.QueryTimeout(
                "All query workers are busy; try again in a moment.",
                title="Endpoint busy",
                headers={"Retry-After": str(max(1, round(self.timeout)))},
            ) from None

    def _discard(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)

    def run(self, job: Job) -> Answer:
        """Run ``job`` in a worker; :class:`~nscn_graph.errors.QueryTimeout` past the limit.

        Fast path: a query that has already run to the end in a worker within ``fast_path``
        seconds runs in the calling thread, saving the round trip. The store is read-only, so
        the same query does the same bounded work again; a query that has not proved itself
        (every runaway query) always runs in a worker that can be killed.
        """
        key = (job.query, job.default_graph_uris, job.named_graph_uris)
        key += (job.results_format, job.graph_format)  # the result's size depends on it too
        if key in self._proven:  # its result fitted the limit in the worker: no need to count
            return evaluate(self.store, job, prefixes=self.prefixes, max_result_bytes=None)
        answer, elapsed = self._run_in_worker(job)
        if (
            elapsed <= self.fast_path
            and len(job.query) <= 8192  # keeps what is remembered small
            and "service" not in job.query.lower()
        ):
            if len(self._proven) >= 4096:
                self._proven.clear()
            self._proven[key] = elapsed
        return answer

    def _run_in_worker(self, job: Job) -> tuple[Answer, float]:
        worker = self._acquire()
        started = time.monotonic()
        try:
            worker.conn.send_bytes(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
            ready = worker.conn.poll(self.timeout)
            if ready:
                message = pickle.loads(worker.conn.recv_bytes())
        except (EOFError, OSError):
            self._discard(worker)
            log.error("query worker %s died during a query", worker.process.pid)
            raise errors.QueryTimeout(
                "The query stopped before it finished (it may need more memory than this "
                "endpoint allows). Narrow it, or try again in a moment.",
                title="Query stopped",
                headers={"Retry-After": "1"},
            ) from None
        if not ready:
            self._discard(worker)
            log.warning(
                "query stopped after %.1f s (limit %.1f s)",
                time.monotonic() - started,
                self.timeout,
            )
            raise errors.QueryTimeout(
                f"The query ran longer than this endpoint's limit of {self.timeout:g} seconds "
                "and was stopped. Narrow it (LIMIT, more specific patterns) and try again.",
                headers={"Retry-After": str(max(1, round(self.timeout)))},
            )
        self._idle.put(worker)
        kind = message[0]
        if kind == "ok":
            return Answer(message[1], _FORMATS[message[2]]), message[3]
        if kind == "error":
            raise message[1]
        raise WorkerBug("the query worker failed; see its log")

    def isolated(self) -> bool:
        """Whether every live worker is cut off from the network."""
        return all(w.isolated for w in list(self._workers))

    def pids(self) -> list[int]:
        """Process ids of the live workers (for tests and monitoring)."""
        return [w.process.pid for w in list(self._workers) if w.process.pid is not None]

    def close(self) -> None:
        """Stop the workers (the pool starts new ones if it is used again)."""
        self._finalizer()
        self._reset()


_warned_isolation = False


def _warn_isolation() -> None:
    global _warned_isolation
    _warned_isolation = True
    log.warning(
        "query workers cannot be cut off from the network here (no user namespaces); "
        "the query guard alone keeps SERVICE from connecting"
    )


class WorkerBug(RuntimeError):
    """A failure inside a worker that is not the client's fault (answered as a generic 500)."""


def _stop_all(workers: Sequence[_Worker]) -> None:
    for worker in list(workers):
        if worker.owner == os.getpid():  # only our own children
            worker.stop()
    if isinstance(workers, list):
        workers.clear()


class InlineRunner:
    """Runs each query in the calling thread, for a remote store: the store evaluates it, and
    the store's own time limit (setting ``STORE_TIMEOUT``) bounds the wait (504 past it).
    The pool's workers are cut off from the network, so they cannot reach a remote store."""

    def __init__(self, store: Store, *, prefixes: dict[str, str], max_result_bytes: int) -> None:
        self.store = store
        self.prefixes = dict(prefixes)
        self.max_result_bytes = max_result_bytes

    def run(self, job: Job) -> Answer:
        return evaluate(
            self.store, job, prefixes=self.prefixes, max_result_bytes=self.max_result_bytes
        )

    def close(self) -> None:
        pass
