"""Fair use: each client's share of the expensive answers (``/sparql``, ``/validate``,
``/search``), as the Wikidata Query Service shares its query time.

A client is the address the request came from, or, when it came through a trusted reverse
proxy (setting ``TRUSTED_PROXIES``: addresses or networks; none by default, so that nobody can
choose the address they are counted under by sending ``X-Forwarded-For``), the address that
proxy forwarded: the right-most address of ``X-Forwarded-For`` that is not itself a trusted
proxy.

Each client has a budget of time spent answering its requests (``FAIR_USE_QUERY_TIME`` seconds
per ``FAIR_USE_WINDOW`` seconds: a leaky bucket that the time of every answer fills and that
drains at that rate) and a number of such requests it may have in progress at once
(``FAIR_USE_CONCURRENCY``). A script that runs one query after another never meets either: its
queries take at most the time that passes. Past one, the request is answered at once with 429,
a ``Retry-After`` that says when the budget allows the next one, and a problem document that
names the limit; the client's requests in progress go on, and other clients do not notice.

The budgets are **shared by the web workers of one server**: they live in one small SQLite file
(``FAIR_USE_STATE``; by default in a temporary folder of the server's master, made before the
workers fork), so a client has the same budget whatever worker answers it, however many
workers there are. Several servers on one machine share budgets when they name one file;
servers on several machines each count their own (a load balancer in front can share a limit
across them: ``deploy/haproxy.cfg``). Should the file fail, requests are let through (and the
failure logged): fair use never makes the server unavailable.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, current_app, g, request

from nscn_graph import tempfolders
from nscn_graph.errors import InputError, TooManyRequests

try:
    import fcntl
except ImportError:  # not POSIX: SQLite's own locking alone
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

EXTENSION = "nscn_fairuse"
#: The attribute :func:`metered` sets on a view.
MARK = "_nscn_metered"
#: Requests in progress older than this (seconds) are not counted, whatever their process.
STALE = 3600.0

View = TypeVar("View", bound=Callable[..., Any])

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def metered(view: View) -> View:
    """Mark ``view`` as one whose time counts against its client's budget."""
    setattr(view, MARK, True)
    return view


def networks(text: str | None, setting: str) -> tuple[Network, ...]:
    """The networks of a setting: addresses or CIDR networks, separated by commas or spaces."""
    found = []
    for part in (text or "").replace(",", " ").split():
        try:
            found.append(ipaddress.ip_network(part, strict=False))
        except ValueError:
            raise InputError(
                f"{setting}: {part!r} is neither an IP address nor a network (such as 10.0.0.0/8)"
            ) from None
    return tuple(found)


def _within(address: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    return any(ip in net for net in nets)


def client_address(environ: dict | None = None, trusted: tuple[Network, ...] | None = None) -> str:
    """The address this request is counted under (see the module)."""
    environ = request.environ if environ is None else environ
    if trusted is None:
        trusted = current_app.extensions[EXTENSION].trusted
    cached = environ.get("nscn.client")
    if cached:
        return cached
    address = environ.get("REMOTE_ADDR") or "-"
    if trusted and _within(address, trusted):
        forwarded = [a.strip() for a in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        for hop in reversed([a for a in forwarded if a]):
            address = hop
            if not _within(hop, trusted):
                break
    environ["nscn.client"] = address
    return address


class Budgets:
    """The clients' spent time and requests in progress, in one SQLite file shared by the
    processes of a server (a connection per process, taken in turns)."""

    def __init__(
        self,
        path: Path,
        *,
        budget: float,
        window: float,
        concurrency: int,
        trusted: tuple[Network, ...] = (),
    ) -> None:
        self.path = path
        self.budget = budget
        self.window = window
        self.rate = budget / window if window > 0 else math.inf
        self._drain = self.rate if math.isfinite(self.rate) else 1e12  # what SQLite can hold
        self.concurrency = concurrency
        self.trusted = trusted
        self._mine: _Held | None = None  # this process's connection and locks
        self._opening = threading.Lock()
        db = self._connect()
        try:
            db.executescript(
                "PRAGMA journal_mode=WAL;"
                "CREATE TABLE IF NOT EXISTS spent"
                " (client TEXT PRIMARY KEY, level REAL NOT NULL, at REAL NOT NULL);"
                "CREATE TABLE IF NOT EXISTS running (id INTEGER PRIMARY KEY,"
                " client TEXT NOT NULL, pid INTEGER NOT NULL, started REAL NOT NULL);"
                "CREATE INDEX IF NOT EXISTS running_client ON running (client);"
            )
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA synchronous=OFF")  # the budgets need not survive a power cut
        return db

    @contextmanager
    def _turn(self) -> Iterator[sqlite3.Connection]:
        """The state to one thread of one process at a time: a lock among this process's
        threads, then an advisory lock (``flock``) on a file beside the database among the
        processes, which the kernel hands on the moment it is released (SQLite's own wait on a
        locked database sleeps milliseconds between tries, and most requests would wait)."""
        mine = self._mine
        if mine is None or mine.pid != os.getpid():  # the first use in this process
            with self._opening:
                mine = self._mine
                if mine is None or mine.pid != os.getpid():
                    mine = self._mine = _Held(self._connect(), self.path)
        with mine.lock:
            mine.lock_file(True)
            try:
                yield mine.db
            finally:
                mine.lock_file(False)

    def _level(self, row: tuple[float, float] | None, now: float) -> float:
        if row is None:
            return 0.0
        level, at = row
        return max(0.0, level - (now - at) * self.rate)

    def acquire(self, client: str) -> int | None:
        """Count a request of ``client`` in progress (its id), or raise
        :class:`~nscn_graph.errors.TooManyRequests`; ``None`` when it is not counted.

        One statement in the common case: the request is counted only if the client's budget
        and concurrency allow it (what was refused is worked out afterwards, on the rare
        refusal)."""
        now = time.time()
        with self._turn() as db:
            admitted = db.execute(_ADMIT, self._admission(client, now)).fetchall()
            if admitted:
                return admitted[0][0]
            # refused: say why (forgetting the requests of processes that are gone)
            if self.budget > 0:
                found = db.execute(
                    "SELECT level, at FROM spent WHERE client = ?", (client,)
                ).fetchone()
                level = self._level(found, now)
                if level > self.budget:
                    wait = max(1, math.ceil((level - self.budget) / self.rate))
                    raise self._refusal(
                        f"This client has used {level:.1f} s of answering time recently; the "
                        f"fair-use limit is {self.budget:g} s per {self.window:g} s. Try again "
                        f"in {wait} s.",
                        wait,
                        spent=round(level, 3),
                    )
            running = self._forget_dead(db, client, now)
            if self.concurrency > 0 and running >= self.concurrency:
                raise self._refusal(
                    f"This client already has {running} requests in progress; the "
                    f"fair-use limit is {self.concurrency} at once. Wait for an answer "
                    "before sending the next request.",
                    1,
                    running=running,
                )
            cursor = db.execute(
                "INSERT INTO running (client, pid, started) VALUES (?, ?, ?)",
                (client, os.getpid(), now),
            )
            return cursor.lastrowid

    def _admission(self, client: str, now: float) -> tuple:
        budget = self.budget if self.budget > 0 else math.inf
        concurrency = self.concurrency if self.concurrency > 0 else 1 << 62
        return (
            client,
            os.getpid(),
            now,
            now,
            self._drain,
            client,
            budget,
            client,
            now - STALE,
            concurrency,
        )

    def release(self, client: str, ticket: int | None, spent: float) -> None:
        """The request ``ticket`` of ``client`` is answered, after ``spent`` seconds."""
        now = time.time()
        rate = self._drain
        with self._turn() as db:
            if ticket is not None:
                db.execute("DELETE FROM running WHERE id = ?", (ticket,))
            if self.budget > 0:
                db.execute(_FILL, (client, spent, now, now, rate, spent, now))
            if random.random() < 1 / 64:  # forget the clients whose bucket has drained
                db.execute("DELETE FROM spent WHERE level - (? - at) * ? <= 0", (now, rate))

    def _running(self, db: sqlite3.Connection, client: str, now: float) -> int:
        return db.execute(
            "SELECT COUNT(*) FROM running WHERE client = ? AND started > ?",
            (client, now - STALE),
        ).fetchone()[0]

    def _forget_dead(self, db: sqlite3.Connection, client: str, now: float) -> int:
        """Drop the requests in progress of processes that are gone (a killed worker)."""
        query = "SELECT DISTINCT pid FROM running WHERE client = ?"
        pids = [row[0] for row in db.execute(query, (client,))]
        for pid in pids:
            if pid != os.getpid() and not tempfolders._alive(pid):
                db.execute("DELETE FROM running WHERE pid = ?", (pid,))
        db.execute("DELETE FROM running WHERE started <= ?", (now - STALE,))
        return self._running(db, client, now)

    def _refusal(self, detail: str, wait: int, **state: object) -> TooManyRequests:
        error = TooManyRequests(detail, headers={"Retry-After": str(wait)})
        error.limits = {
            "query_time_seconds": self.budget,
            "window_seconds": self.window,
            "concurrent_requests": self.concurrency,
            **state,
        }
        return error


#: Count a request in progress if the client's bucket is not over its budget and it has fewer
#: requests in progress than allowed (parameters: client, pid, now; now, rate, client, budget;
#: client, oldest start counted, concurrency: :meth:`Budgets._admission`).
_ADMIT = (
    "INSERT INTO running (client, pid, started) SELECT ?, ?, ? WHERE"
    " COALESCE((SELECT MAX(0, level - (? - at) * ?) FROM spent WHERE client = ?), 0) <= ?"
    " AND (SELECT COUNT(*) FROM running WHERE client = ? AND started > ?) < ?"
    " RETURNING id"
)
#: Fill a client's bucket with the time of an answer, after draining it to now (client, spent,
#: now; now, rate, spent, now).
_FILL = (
    "INSERT INTO spent (client, level, at) VALUES (?, ?, ?) ON CONFLICT (client) DO UPDATE"
    " SET level = MAX(0, level - (? - at) * ?) + ?, at = ?"
)


class _Held:
    """One process's connection to the state, and its locks."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.pid = os.getpid()
        self.db = db
        self.lock = threading.Lock()
        try:
            self.fd: int | None = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        except OSError:  # SQLite's own locking still holds
            self.fd = None

    def lock_file(self, take: bool) -> None:
        if self.fd is not None and fcntl is not None:
            fcntl.flock(self.fd, fcntl.LOCK_EX if take else fcntl.LOCK_UN)


def _begin() -> None:
    if request.method == "OPTIONS":
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, MARK, False):
        return
    budgets: Budgets = current_app.extensions[EXTENSION]
    client = client_address()
    try:
        ticket = budgets.acquire(client)
    except sqlite3.Error as exc:  # fail open: fair use never takes the server down
        log.warning("fair-use state unavailable (%s); request let through", exc)
        return
    g.nscn_fair_use = (client, ticket, time.perf_counter())


def _end(_error: BaseException | None) -> None:
    held = g.pop("nscn_fair_use", None)
    if held is None:
        return
    client, ticket, started = held
    try:
        current_app.extensions[EXTENSION].release(client, ticket, time.perf_counter() - started)
    except sqlite3.Error as exc:
        log.warning("fair-use state unavailable (%s); request not counted", exc)


def init_app(app: Flask) -> None:
    config = app.config
    path = config["FAIR_USE_STATE"]
    state = Path(path) if path else tempfolders.owned_folder("nscn-fairuse-") / "budgets.sqlite"
    app.extensions[EXTENSION] = Budgets(
        state,
        budget=config["FAIR_USE_QUERY_TIME"],
        window=config["FAIR_USE_WINDOW"],
        concurrency=config["FAIR_USE_CONCURRENCY"],
        trusted=networks(config["TRUSTED_PROXIES"], "TRUSTED_PROXIES"),
    )
    app.before_request(_begin)
    app.teardown_request(_end)
