"""A gunicorn worker that reads each request whole before an app thread sees it.

gunicorn's threaded worker hands a connection to a thread as soon as its first byte arrives;
the thread then blocks reading the rest, so a few hundred clients that send their headers (or
their bodies) one byte a second hold every thread, and everybody else waits. This worker keeps
gunicorn's master (the graph loaded once and forked, workers replaced when they die, SIGTERM,
``--workers``) and serves its listening sockets with waitress's HTTP channels: one event loop
per worker reads, parses and buffers every request (bodies past 512 KB spool to a temporary
file), and only a complete request goes to one of the ``--threads`` app threads. Slow and
silent connections cost a socket and a buffer, never a thread, and they have deadlines:

- ``HEADER_TIMEOUT``: a connection must send a complete request head this many seconds after
  it opened (or after its previous answer); an idle kept-alive connection is closed then too;
- ``BODY_TIMEOUT``: the whole body must have arrived this many seconds after the head;

past either the client gets 408 and the connection is closed. A malformed request is answered
here, before the app, with its 4xx as RFC 9457 problem JSON: a bad chunk size or a chunk
longer than its size (400), a body that ends early (400), a chunk or body larger than any the
server accepts (413), a head past the size limit (431).

App threads send their answers themselves; the loop only finishes sending what a slow reader
has not taken yet. An idle connection is closed at the head deadline, never one whose next
request is already waiting on the socket.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import select
import socket
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer, UnixWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher, WSGITask
from waitress.utilities import BadRequest, Error, RequestEntityTooLarge

# Set by nscn_graph.web.wsgi from the settings before gunicorn forks the workers.
OPTIONS: dict[str, Any] = {
    "header_timeout": 10.0,
    "body_timeout": 60.0,
    "max_body": 1 << 30,
    "drain_delay": 0.0,
}

CHECK_EVERY = 0.25  # seconds between two checks of the connections' deadlines

CORS = [
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Expose-Headers", "Link, ETag, Location, Content-Location, Retry-After"),
]


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


def _log_access(task: ErrorTask | WSGITask, environ: dict, started: float) -> None:
    """One JSON line in the access log (``ACCESS_LOG``), if it is on: the time, the request
    id, the client (as fair use counts it), method, route and path (never the query string,
    which may hold a query), status, bytes sent and the time taken."""
    access = task.channel.server.access
    if access is None:
        return
    try:
        status = int(task.status.split()[0])
    except (ValueError, IndexError, AttributeError):
        status = 0
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "request_id": environ.get("nscn.request_id") or uuid.uuid4().hex[:16],
        "client": environ.get("nscn.client") or environ.get("REMOTE_ADDR") or "-",
        "method": environ.get("REQUEST_METHOD") or "-",
        "route": environ.get("nscn.route") or "-",
        "path": environ.get("PATH_INFO") or environ.get("RAW_URI", "-").split("?", 1)[0],
        "status": status,
        "bytes": task.content_bytes_written,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
    }
    access(json.dumps(entry, ensure_ascii=False))


class _ProblemTask(ErrorTask):
    """A request the server refuses before the app (malformed, too large, too slow): its status
    with an RFC 9457 problem document, as the app answers its own errors."""

    def execute(self) -> None:
        started = time.monotonic()
        error = self.request.error
        body = json.dumps(
            {
                "type": "about:blank",
                "title": error.reason,
                "status": error.code,
                "detail": f"{error.body[:1].upper()}{error.body[1:]}.",
            }
        ).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/problem+json"), *CORS])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)
        request = self.request
        environ = {
            "REMOTE_ADDR": self.channel.addr[0] if self.channel.addr else "-",
            "REQUEST_METHOD": getattr(request, "command", None) or "-",
            "RAW_URI": getattr(request, "request_uri", None) or "-",
            "SERVER_PROTOCOL": f"HTTP/{request.version or '1.0'}",
        }
        _log_access(self, environ, started)


class _LoggedTask(WSGITask):
    """The app's answer, written to the access log when it is done; while the server drains,
    its connection is closed after it (a load balancer reconnects elsewhere)."""

    def build_response_header(self):
        if self.channel.server.draining():
            self.set_close_on_finish()
        return super().build_response_header()

    def write(self, data: bytes) -> None:
        """The head goes out with the first part of the body, in one send: a worker that dies
        between them (killed) leaves a connection with no answer at all, which a proxy can
        send again elsewhere, rather than a head without its body, which it cannot."""
        if self.wrote_header or not self.complete:
            return super().write(data)
        channel = self.channel
        held: list[bytes] = []
        channel.write_soon = held.append  # type: ignore[method-assign]  # this write only
        try:
            super().write(data)
        finally:
            del channel.write_soon
        channel.write_soon(b"".join(held))

    def execute(self) -> None:
        started = time.monotonic()
        try:
            super().execute()
        finally:
            if self.environ is not None:
                _log_access(self, self.environ, started)


class _Channel(HTTPChannel):
    task_class = _LoggedTask
    error_task_class = _ProblemTask
    waiting_since = 0.0  # when this connection began waiting for its current request's head
    head_done_at = 0.0  # when that request's head was complete (0: not yet)
    half_closed = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting_since = time.monotonic()

    def received(self, data: bytes) -> bool:
        result = super().received(data)
        request = self.request  # the request being read, if any (None once it is complete)
        if request is None:
            self.head_done_at = 0.0
            return result
        if request.headers_finished and not self.head_done_at:
            self.head_done_at = time.monotonic()
        body = request.body_rcv
        announced = getattr(body, "chunk_remainder", 0)  # of the chunk being read
        if body is not None and len(body) + announced > OPTIONS["max_body"]:
            self.refuse(
                RequestEntityTooLarge(f"the body is larger than {OPTIONS['max_body']} bytes")
            )
        return result

    def writable(self) -> bool:
        # While an app thread answers, it sends what it writes itself (send_bytes=1): the loop
        # need not watch the socket (the socket is always writable, so it would spin), unless
        # the answer has outgrown its buffer and the thread waits for the loop to send some.
        if self.requests and not (self.will_close or self.close_when_flushed):
            return self.total_outbufs_len > self.adj.outbuf_high_watermark
        return super().writable()

    def handle_read(self) -> None:
        super().handle_read()
        if self.half_closed and self.requests:  # see handle_close: the answer is on its way
            self.connected = True

    def handle_close(self) -> None:
        request = self.request
        if request is not None and request.headers_finished and not self.half_closed:
            # The client stopped sending in the middle of a body (it may have only half-closed
            # the connection): answer it, then close.
            self.half_closed = True
            self.refuse(BadRequest("the request body ended before it was complete"))
            if self.requests:
                return
        super().handle_close()

    def service(self) -> None:
        super().service()  # in an app thread, which sends the answer itself
        self.waiting_since = time.monotonic()  # answered: the next request's time starts now

    def overdue(self, now: float) -> str | None:
        """Why this connection's request is late, if it is."""
        if self.requests or self.total_outbufs_len:  # being answered, or its answer being sent
            return None
        if self.head_done_at:
            if now - self.head_done_at > OPTIONS["body_timeout"]:
                return f"the request body did not arrive within {OPTIONS['body_timeout']:g} s"
        elif now - self.waiting_since > OPTIONS["header_timeout"]:
            return f"the request head did not arrive within {OPTIONS['header_timeout']:g} s"
        return None

    def _has_bytes_waiting(self) -> bool:
        try:
            return bool(self.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
        except OSError:  # nothing there (EAGAIN), or the connection is gone
            return False

    def refuse(self, error: Error) -> None:
        """Answer the request being read with ``error`` (and close), or, if nothing of a
        request has arrived, close the connection."""
        with self.requests_lock:
            if self.requests or self.will_close or self.close_when_flushed:
                return
            request = self.request
            if request is None:  # nothing received: close silently, as an idle connection
                if not self._has_bytes_waiting():  # unless a request has just come in
                    self.will_close = True
                return
            request.error = error
            request.completed = True
            self.request = None
            self.requests.append(request)
        self.server.add_task(self)


class _Deadlines:
    """Mixed into waitress's server: the worker's loop checks every connection's deadlines
    (``check``) four times a second, in place of waitress's inactivity timeout."""

    access = None
    draining = staticmethod(lambda: False)

    def maintenance(self, now: float) -> None:
        pass

    def check(self, now: float) -> None:
        for channel in list(self.active_channels.values()):
            if isinstance(channel, _Channel) and (reason := channel.overdue(now)):
                channel.refuse(RequestTimeout(reason))


class _TcpServer(_Deadlines, TcpWSGIServer):
    channel_class = _Channel


class _UnixServer(_Deadlines, UnixWSGIServer):
    channel_class = _Channel


def _connection_limit() -> int:
    """Open connections per worker: as many as its file descriptors allow (raised to the hard
    limit), keeping some for the app (store files, query worker pipes, logs)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 65536
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    except (ValueError, OSError):
        pass
    return max(64, min(soft - 256, 32768))


def _accept_pending(server, most: int = 1024) -> None:
    """Take the connections waiting in the listening socket's queue (up to ``most``)."""
    poller = select.poll()
    poller.register(server.socket.fileno(), select.POLLIN)
    for _ in range(most):
        if not poller.poll(0):
            return
        server.handle_accept()


class BufferedWorker(Worker):
    """gunicorn worker class ``nscn_graph.web.worker.BufferedWorker`` (see the module)."""

    def run(self) -> None:
        options = dict(
            threads=self.cfg.threads,
            connection_limit=_connection_limit(),
            channel_timeout=OPTIONS["header_timeout"],
            asyncore_use_poll=True,  # select() stops at 1024 descriptors
            max_request_header_size=max(65536, self.cfg.limit_request_line * 2),
            max_request_body_size=OPTIONS["max_body"],
            ident="nscn-graph",
            expose_tracebacks=False,
            send_bytes=1,  # the app thread sends its answer itself (see _Channel.writable)
            # the app sees every header, as under gunicorn (which proxy to trust is the app's)
            clear_untrusted_proxy_headers=False,
        )
        socket_map: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(self.cfg.threads)
        servers = []
        adj = Adjustments(**options)
        for listener in self.sockets:
            sock = listener.sock
            cls = _UnixServer if sock.family == socket.AF_UNIX else _TcpServer
            server = cls(
                self.wsgi,
                map=socket_map,
                _sock=sock,
                dispatcher=dispatcher,
                adj=adj,
                bind_socket=False,
                sockinfo=(sock.family, sock.type, sock.proto, sock.getsockname()),
            )
            server.access = self.log.access_log.info if self.log.access_log_enabled else None
            server.draining = self._drain_flag().is_set
            servers.append(server)
        try:
            next_check = 0.0
            stop_at = None
            while self.alive or stop_at is None or time.monotonic() < stop_at:
                if not self.alive and stop_at is None:  # SIGTERM: /health says "draining"
                    self._drain_flag().set()
                    stop_at = time.monotonic() + OPTIONS["drain_delay"]
                self.notify()
                wasyncore.loop(timeout=CHECK_EVERY, map=socket_map, use_poll=True, count=1)
                if (now := time.monotonic()) >= next_check:
                    next_check = now + CHECK_EVERY
                    for server in servers:
                        server.check(now)
                if self.ppid != os.getppid():
                    self.log.info("Parent changed, shutting down: %s", self)
                    break
            self._drain(servers, socket_map)
        finally:
            dispatcher.shutdown(cancel_pending=True, timeout=5)
            wasyncore.close_all(socket_map)
            self._close_app()
        # Leave without the interpreter's finalisation: what is left (the store's threads,
        # extension modules) is not torn down under running threads, which crashed workers on
        # their way out; everything that matters is closed above.
        logging.shutdown()
        os._exit(0)

    def _drain_flag(self) -> threading.Event:
        flag = getattr(self, "_draining", None)
        if flag is None:
            extensions = getattr(self.wsgi, "extensions", {})
            flag = self._draining = extensions.get("nscn_draining") or threading.Event()
        return flag

    def _close_app(self) -> None:
        """Stop what the app started in this worker (its query workers), cleanly."""
        for close in getattr(self.wsgi, "extensions", {}).get("nscn_close", ()):
            try:
                close()
            except Exception:  # noqa: BLE001 - leaving anyway; say what failed
                self.log.exception("closing %r failed", close)

    def _drain(self, servers: list, socket_map: dict) -> None:
        """Close the listening sockets (new connections are refused once every worker has),
        close idle connections, and let the requests in progress finish (up to the drain
        timeout, ``graceful_timeout`` less the delay)."""
        for server in servers:
            _accept_pending(server)  # what the kernel queued is answered, not reset
            server.accepting = False
            socket_map.pop(server._fileno, None)
            try:
                server.socket.close()
            except OSError:
                pass
        deadline = time.monotonic() + max(1.0, self.cfg.graceful_timeout - OPTIONS["drain_delay"])
        while time.monotonic() < deadline:
            busy = False
            for channel in list(socket_map.values()):
                if not isinstance(channel, _Channel):
                    continue
                if channel.requests or channel.total_outbufs_len or channel.request is not None:
                    busy = True
                elif not channel._has_bytes_waiting():  # idle, kept alive: closed now
                    channel.handle_close()
                else:
                    busy = True
            if not busy:
                return
            self.notify()
            wasyncore.loop(timeout=0.2, map=socket_map, use_poll=True, count=1)
