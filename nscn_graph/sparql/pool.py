"""Query worker processes: SPARQL evaluation that can be stopped.

pyoxigraph has no query timeout and no cancellation, and a thread cannot be stopped. So every
query, on every store, runs in a small pool of worker processes, each forked from the web
process (with its own copy-on-write view of an in-memory store). The web thread sends the query
over a pipe and waits at most the time limit for the answer, which the worker has already
parsed, evaluated and serialised within the result limit (bytes back, nothing else crosses the
pipe). A worker that runs past the time limit is killed and replaced; other requests are served
by the other workers meanwhile.

Memory is bounded twice: each worker's data (its private writable memory) may grow by at most
the memory limit beyond what it inherited and what its store opened in it (``RLIMIT_DATA``;
the engine aborts when an allocation fails), and the
web thread watches the worker's own memory (``RssAnon``) while it waits, killing it past the
limit. Either way the client is told that the memory limit was reached. A worker that keeps
much memory after a query is recycled, and an idle worker that died is replaced before a
request is sent to it.

A pool belongs to the process that made it: after a fork (gunicorn's workers fork from the
master that built the app) it starts afresh, lazily, with its own workers.
"""

from __future__ import annotations

import faulthandler
import logging
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import resource
import signal
import threading
import time
import warnings
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pyoxigraph as ox

from nscn_graph import errors, formats
from nscn_graph.graph.serialize import serialize
from nscn_graph.processes import status_kb
from nscn_graph.sparql.query import is_graph_result
from nscn_graph.stores import Store
from nscn_graph.stores.memory import EmbeddedStore, give_back_memory

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


#: Seconds between two looks at a running worker's memory.
WATCH_INTERVAL = 0.1
#: A worker that keeps more than this share of the memory limit after a query is recycled.
RECYCLE_SHARE = 0.5
#: After a query that ran longer than this (seconds), a worker holding more than ``TRIM_KB``
#: beyond what it started with hands the memory its query freed back to the OS.
TRIM_AFTER = 0.05
TRIM_KB = 64 * 1024
MB = 1 << 20


def default_memory_limit(processes: int) -> int:
    """Bytes each of ``processes`` query workers may use: half of the machine's memory shared
    among them, between 256 MB and 4 GB."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        physical = 8 << 30
    share = physical // (2 * max(1, processes))
    return max(256 * MB, min(4096 * MB, share))


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
    max_result_bytes: int,
    base_iri: str | None = None,
) -> Answer:
    """Run ``job`` on ``store`` and serialise the result (in the worker process).

    ``store`` is any store of :mod:`nscn_graph.stores` (or a bare pyoxigraph store); relative
    IRIs in the query resolve against ``base_iri``. ``max_result_bytes`` bounds the result as
    it is written."""
    if isinstance(store, ox.Store):
        store = EmbeddedStore(store)
    query_options: dict[str, object] = {"base_iri": base_iri} if base_iri else {}
    result = store.query(
        job.query,
        default_graph_uris=job.default_graph_uris,
        named_graph_uris=job.named_graph_uris,
        prefixes=prefixes,
        **query_options,
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
    sink = _LimitedWriter(max_result_bytes)
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


@dataclass(frozen=True)
class _Setup:
    """What a worker needs besides its pipe (inherited through the fork, never pickled)."""

    store: Store | ox.Store
    prefixes: dict[str, str]
    max_result_bytes: int
    memory_limit: int
    isolate: bool
    base_iri: str | None


def _worker_main(conn: multiprocessing.connection.Connection, setup: _Setup, parent: int) -> None:
    """The loop of a worker process: receive a job, send back an answer or an error."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _close_inherited_files(keep=conn.fileno())
    isolated = _without_network() if setup.isolate else False
    # an allocation past the limit aborts the engine: one line in the log, no backtraces (the
    # web process logs the worker's end and answers the client)
    os.environ["RUST_BACKTRACE"] = "0"
    faulthandler.disable()
    opener = getattr(setup.store, "open_in_process", None)
    if callable(opener):  # files and threads of its own (a persistent store), before the limit
        opener()
    _limit_memory(setup.memory_limit)
    _exit_with_parent(parent)
    started_with = status_kb(None, "RssAnon")
    conn.send_bytes(pickle.dumps(("hello", isolated, _peak_kb())))
    while True:
        try:
            job = pickle.loads(conn.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        leave = False
        began = time.monotonic()
        try:
            answer = evaluate(
                setup.store,
                job,
                prefixes=setup.prefixes,
                max_result_bytes=setup.max_result_bytes,
                base_iri=setup.base_iri,
            )
            message: tuple = ("ok", answer.body, answer.format.name)
        except errors.NscnError as exc:
            message = ("error", exc)
        except MemoryError:  # the data limit, met in Python code
            message, leave = ("memory", None), True
        except Exception:  # a bug or a store failure: logged here, a generic 500 there
            log.exception("query worker failed")
            message = ("bug", None)
        if time.monotonic() - began > TRIM_AFTER:  # only a long query can have taken much
            _give_back(started_with)
        try:  # with its peak memory, so that the web thread reads /proc only when it grew
            conn.send_bytes(pickle.dumps((*message, _peak_kb()), protocol=pickle.HIGHEST_PROTOCOL))
        except (BrokenPipeError, OSError):
            os._exit(0)
        if leave:
            os._exit(0)


def _give_back(started_with: int) -> None:
    """Return to the OS what the last query freed (the allocator keeps it otherwise), when this
    worker holds much more than it started with."""
    if status_kb(None, "RssAnon") - started_with > TRIM_KB:
        give_back_memory()


def _peak_kb() -> int:
    """The most memory (resident set, kB) this process has held: one cheap system call."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _limit_memory(limit: int) -> None:
    """Let this worker's data grow by at most ``limit`` bytes beyond what it holds now (what it
    inherited from the web process stays shared, copy-on-write)."""
    if limit <= 0:
        return
    inherited = status_kb(os.getpid(), "VmData") * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = inherited + limit
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
    except (ValueError, OSError):  # the RSS watch in the web process still holds
        pass


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
        self.baseline = 0  # kB of its own memory when it started
        self.peak = 0  # kB of its peak resident set when it started

    def grown(self) -> int:
        """Bytes of its own memory (``RssAnon``) gained since it started."""
        pid = self.process.pid
        return 0 if pid is None else max(0, status_kb(pid, "RssAnon") - self.baseline) * 1024

    def stop(self, *, wait: float = 0.0) -> None:
        """Stop it: its pipe closed, it leaves by itself within ``wait`` seconds when idle
        (a worker stopped in a query is killed at once)."""
        try:
            self.conn.close()
        except OSError:
            pass
        if wait:
            self.process.join(timeout=wait)
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)


class QueryPool:
    """Up to ``size`` worker processes, started on demand, each able to run one query.

    ``memory_limit`` (bytes, 0: none) bounds each worker's memory; ``network`` lets the workers
    connect (a store behind HTTP needs it; otherwise they are cut off from the network);
    ``base_iri`` is what relative IRIs in queries resolve against."""

    def __init__(
        self,
        store: Store | ox.Store,
        *,
        size: int,
        timeout: float,
        prefixes: dict[str, str],
        max_result_bytes: int,
        memory_limit: int = 0,
        network: bool = False,
        base_iri: str | None = None,
        on_restart: Callable[[str], None] | None = None,
    ) -> None:
        self.store = store
        self.on_restart = on_restart  #: told why, each time a worker is stopped to be replaced
        self.size = max(1, size)
        self.timeout = timeout
        self.prefixes = dict(prefixes)
        self.max_result_bytes = max_result_bytes
        self.memory_limit = memory_limit
        self._setup = _Setup(
            store, self.prefixes, max_result_bytes, memory_limit, not network, base_iri
        )
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
            args=(theirs, self._setup, os.getpid()),
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
            _, worker.isolated, worker.peak = pickle.loads(mine.recv_bytes())
        except (EOFError, OSError):
            worker.stop()
            raise WorkerBug("a query worker did not start") from None
        worker.baseline = status_kb(process.pid, "RssAnon") if process.pid else 0
        if self._setup.isolate and not worker.isolated and not _warned_isolation:
            _warn_isolation()
        return worker

    def _acquire(self) -> _Worker:
        """An idle live worker, a new one, or (all busy) the first to become idle."""
        self._check_owner()
        while True:
            try:
                worker = self._idle.get_nowait()
            except queue.Empty:
                break
            if worker.process.is_alive():
                return worker
            log.warning("query worker %s died while idle; replacing it", worker.process.pid)
            self._discard(worker, "died_idle")
        with self._lock:
            if len(self._workers) < self.size:
                worker = self._spawn()
                self._workers.append(worker)
                return worker
        deadline = time.monotonic() + self.timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                worker = self._idle.get(timeout=left)
            except queue.Empty:
                break
            if worker.process.is_alive():
                return worker
            self._discard(worker, "died_idle")
            with self._lock:
                if len(self._workers) < self.size:
                    worker = self._spawn()
                    self._workers.append(worker)
                    return worker
        raise errors.QueryTimeout(
            "All query workers are busy; try again in a moment.",
            title="Endpoint busy",
            headers={"Retry-After": str(max(1, round(self.timeout)))},
        )

    def _discard(self, worker: _Worker, reason: str) -> None:
        worker.stop()
        if self.on_restart is not None:
            self.on_restart(reason)
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)

    def run(self, job: Job) -> Answer:
        """Run ``job`` in a worker: its answer, or its typed error.

        :class:`~nscn_graph.errors.QueryTimeout` past the time limit,
        :class:`~nscn_graph.errors.QueryOutOfMemory` past the memory limit."""
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        worker = self._acquire()
        try:
            worker.conn.send_bytes(payload)
        except OSError:  # it died between the look and the send: the query never reached it
            self._discard(worker, "died_idle")
            worker = self._acquire()
            try:
                worker.conn.send_bytes(payload)
            except OSError:
                self._discard(worker, "died_idle")
                raise WorkerBug("query workers die as they start; see the log") from None
        message = self._wait(worker)
        kind = message[0]
        if kind == "memory":  # the worker leaves after saying so
            self._discard(worker, "memory")
            raise self._out_of_memory()
        keep = self.memory_limit * RECYCLE_SHARE
        # its peak bounds what it holds now: only a worker whose peak passed the share is looked at
        if (
            self.memory_limit
            and (message[-1] - worker.peak) * 1024 > keep
            and worker.grown() > keep
        ):
            self._discard(worker, "recycled")  # give the memory back: a fresh one when needed
        else:
            self._idle.put(worker)
        if kind == "ok":
            return Answer(message[1], _FORMATS[message[2]])
        if kind == "error":
            raise message[1]
        raise WorkerBug("the query worker failed; see its log")

    def _wait(self, worker: _Worker) -> tuple:
        """The worker's message, watching its time and memory meanwhile."""
        started = time.monotonic()
        deadline = started + self.timeout
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                if worker.conn.poll(min(left, WATCH_INTERVAL)):
                    return pickle.loads(worker.conn.recv_bytes())
                if self.memory_limit and worker.grown() > self.memory_limit:
                    self._discard(worker, "memory")
                    log.warning(
                        "query stopped at the memory limit (%d MB)", self.memory_limit // MB
                    )
                    raise self._out_of_memory()
        except (EOFError, OSError):
            self._discard(worker, "died")
            code = worker.process.exitcode
            log.error("query worker %s died during a query (exit %s)", worker.process.pid, code)
            if code in (
                -signal.SIGABRT,
                -signal.SIGKILL,
            ):  # an allocation failed, or the OOM killer
                raise self._out_of_memory() from None
            raise errors.QueryTimeout(
                "The query engine stopped on this query before it finished. Simplify the query "
                "(fewer nested groups or expressions) and try again.",
                title="Query stopped",
            ) from None
        self._discard(worker, "timeout")
        log.warning(
            "query stopped after %.1f s (limit %.1f s)", time.monotonic() - started, self.timeout
        )
        raise errors.QueryTimeout(
            f"The query ran longer than this endpoint's limit of {self.timeout:g} seconds "
            "and was stopped. Narrow it (LIMIT, more specific patterns) and try again.",
            headers={"Retry-After": str(max(1, round(self.timeout)))},
        )

    def _out_of_memory(self) -> errors.QueryOutOfMemory:
        return errors.QueryOutOfMemory(
            "The query needed more memory than this endpoint allows a query "
            f"({self.memory_limit // MB} MB) and was stopped. Narrow it (LIMIT, more specific "
            "patterns, fewer OPTIONAL groups) and try again."
        )

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
    mine = [w for w in list(workers) if w.owner == os.getpid()]  # only our own children
    for worker in mine:  # an idle worker leaves by itself when its pipe closes
        try:
            worker.conn.close()
        except OSError:
            pass
    for worker in mine:
        worker.stop(wait=1.0)
    if isinstance(workers, list):
        workers.clear()
