"""``nscn-graph serve`` over real HTTP with clients that misbehave: slow and silent
connections, slow bodies, request deadlines, malformed chunked bodies (nscn_graph.web.worker).

Everything is on loopback; each test holds a bounded number of connections for a bounded time.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import ROOT, free_port, serving

pytestmark = pytest.mark.http

ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
PROBE_TIMEOUT = 30  # generous: the probe must be answered, not answered fast


def _address(url: str) -> tuple[str, int]:
    parts = urllib.parse.urlsplit(url)
    return parts.hostname, parts.port


def _probe(url: str) -> None:
    answer = requests.get(
        url + ASK, headers={"Accept": "application/sparql-results+json"}, timeout=PROBE_TIMEOUT
    )
    assert answer.status_code == 200
    assert answer.json()["boolean"] is True


class SlowClients:
    """``slow_heads`` connections sending a request head one byte a second, ``silent`` ones
    sending nothing, ``slow_bodies`` POSTs whose body comes one byte a second."""

    def __init__(self, url: str, *, slow_heads: int, silent: int, slow_bodies: int) -> None:
        self.address = _address(url)
        head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 1000
        body = (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\n"
        )
        self.dripping: list[tuple[socket.socket, bytes]] = []
        self.silent: list[socket.socket] = []
        for _ in range(slow_heads):
            self.dripping.append((self._connect(), head))
        for _ in range(slow_bodies):
            sock = self._connect()
            sock.sendall(body)
            self.dripping.append((sock, b" " * 1000))
        for _ in range(silent):
            self.silent.append(self._connect())
        self.sent = 0
        self.failed_sends = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._drip, daemon=True)

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(self.address, timeout=10)
        sock.setblocking(False)
        return sock

    def _drip(self) -> None:
        while not self._stop.wait(1.0):
            self.sent += 1
            for sock, data in self.dripping:
                try:
                    sock.send(data[self.sent - 1 : self.sent])
                except OSError:
                    self.failed_sends += 1

    def __enter__(self) -> SlowClients:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        for sock, _ in self.dripping:
            sock.close()
        for sock in self.silent:
            sock.close()


@pytest.fixture(scope="module")
def patient_server() -> Iterator[str]:
    """Two workers x four threads, as by default, with deadlines longer than the test so that
    every slow connection stays open throughout."""
    env = {"NSCN_HEADER_TIMEOUT": "300", "NSCN_BODY_TIMEOUT": "300", "NSCN_ACCESS_LOG": "off"}
    with serving("--workers", "2", "--threads", "4", env=env) as url:
        yield url


def test_probes_are_answered_while_slow_clients_hold_connections(patient_server):
    # 200 slow heads, 50 silent connections and 16 slow bodies: many more than the 8 threads
    with SlowClients(patient_server, slow_heads=200, silent=50, slow_bodies=16) as clients:
        for _ in range(6):
            _probe(patient_server)
            time.sleep(1)
        assert clients.sent >= 3  # the slow clients were sending meanwhile
        assert clients.failed_sends == 0  # and the server held every connection
    _probe(patient_server)


@pytest.fixture(scope="module")
def strict_server() -> Iterator[str]:
    env = {"NSCN_HEADER_TIMEOUT": "1", "NSCN_BODY_TIMEOUT": "1", "NSCN_ACCESS_LOG": "off"}
    with serving("--workers", "1", "--threads", "2", env=env) as url:
        yield url


def _answer(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one answer on ``sock`` (read until the server closes)."""
    sock.settimeout(PROBE_TIMEOUT)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ", id="head-unfinished"),
        pytest.param(
            b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 100\r\n\r\nASK {",
            id="body-unfinished",
        ),
    ],
)
def test_a_request_that_does_not_arrive_in_time_is_408(strict_server, sent):
    with socket.create_connection(_address(strict_server)) as sock:
        sock.sendall(sent)
        status, headers, body = _answer(sock)
    assert status == 408
    assert headers["content-type"] == "application/problem+json"
    assert headers["access-control-allow-origin"] == "*"
    assert "did not arrive within 1 s" in json.loads(body)["detail"]
    _probe(strict_server)


def test_a_kept_alive_connection_in_use_outlives_the_head_deadline(strict_server):
    # requests one after another on one connection, each 0.6 s after the previous answer, for
    # longer than HEADER_TIMEOUT (1 s): the deadline counts from the end of the previous
    # answer, so the connection stays open
    request = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
    with socket.create_connection(_address(strict_server)) as sock, sock.makefile("rb") as reader:
        sock.settimeout(PROBE_TIMEOUT)
        for _ in range(5):
            sock.sendall(request)
            status = reader.readline()
            assert status.startswith(b"HTTP/1.1 200"), status
            length = 0
            while (line := reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            reader.read(length)
            time.sleep(0.6)


def test_a_silent_connection_is_closed(strict_server):
    with socket.create_connection(_address(strict_server)) as sock:
        sock.settimeout(PROBE_TIMEOUT)
        assert sock.recv(100) == b""  # closed by the server, with nothing to answer


@pytest.fixture(scope="module", params=["buffered", "gthread"])
def any_worker(request) -> Iterator[str]:
    """The default worker, and gunicorn's threaded one (``WORKER=gthread``)."""
    env = {"NSCN_WORKER": request.param, "NSCN_ACCESS_LOG": "off"}
    with serving("--workers", "1", "--threads", "2", env=env) as url:
        yield url


def _chunked(path: str, body: bytes) -> bytes:
    media = "application/sparql-query" if path == "/sparql" else "text/turtle"
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {media}\r\n"
        "Accept: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    ).encode() + body


MALFORMED = [
    pytest.param(b"zz\r\nASK {}\r\n0\r\n\r\n", id="bad-size"),
    pytest.param(b"3\r\nASK {}\r\n0\r\n\r\n", id="chunk-longer-than-its-size"),
    pytest.param(b"-5\r\nASK {\r\n0\r\n\r\n", id="negative-size"),
    pytest.param(b"5\r\nASK {", id="truncated"),
]


@pytest.mark.parametrize("path", ["/sparql", "/validate"])
@pytest.mark.parametrize("body", MALFORMED)
def test_a_malformed_chunked_body_is_a_4xx(any_worker, path, body):
    with socket.create_connection(_address(any_worker)) as sock:
        sock.sendall(_chunked(path, body))
        sock.shutdown(socket.SHUT_WR)  # nothing more comes
        status, headers, answer = _answer(sock)
    assert 400 <= status < 500
    assert headers["content-type"].startswith("application/problem+json")
    assert json.loads(answer)["status"] == status
    _probe(any_worker)


def test_a_chunk_larger_than_any_body_is_413_at_once(strict_server):
    with socket.create_connection(_address(strict_server)) as sock:
        sock.sendall(_chunked("/sparql", b"ffffffffffff\r\nASK"))
        status, _, answer = _answer(sock)
    assert status == 413
    assert "larger than" in json.loads(answer)["detail"]


@pytest.mark.parametrize("path", ["/sparql", "/validate"])
def test_a_wellformed_chunked_body_reaches_the_app(any_worker, path):
    with socket.create_connection(_address(any_worker)) as sock:
        sock.sendall(_chunked(path, b"4\r\nASK \r\n2\r\n{}\r\n0\r\n\r\n"))
        sock.shutdown(socket.SHUT_WR)
        status, _, answer = _answer(sock)
    if path == "/sparql":
        assert status == 200
        assert json.loads(answer)["boolean"] is True
    else:  # "ASK {}" is no Turtle: the app's own 400, with the parser's message
        assert status == 400
        assert json.loads(answer)["status"] == 400


# -- SIGTERM: draining ------------------------------------------------------------------------

SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def _start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "nscn_graph.cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env={**os.environ, "NSCN_ACCESS_LOG": "off", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("server did not start: " + process.communicate()[1])


def _refused(url: str) -> bool:
    """Whether a connection is refused (reset: this probe met the moment the socket closed)."""
    try:
        socket.create_connection(_address(url), timeout=2).close()
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    return False


def test_sigterm_drains_the_requests_in_progress_and_refuses_new_ones():
    """SIGTERM: ``/health`` says "draining" (503) for DRAIN_DELAY, the request in progress gets
    its whole answer, new connections are then refused, and the server leaves cleanly (exit 0,
    no worker killed by a signal, its query workers gone)."""
    process, url = _start(
        {"NSCN_DRAIN_DELAY": "1", "NSCN_SPARQL_TIMEOUT": "6", "NSCN_WORKERS": "2"}
    )
    try:
        answers: list[requests.Response] = []
        slow = threading.Thread(
            target=lambda: answers.append(
                requests.get(
                    url + "/sparql",
                    params={"query": SLOW_QUERY},
                    headers={"Accept": "application/sparql-results+json"},
                    timeout=60,
                )
            )
        )
        slow.start()
        time.sleep(0.5)  # let it reach the server (it is accepted during the delay anyway)
        children = _descendants(process.pid)
        process.send_signal(signal.SIGTERM)
        health = None
        while health is None or health.status_code == 200:
            health = requests.get(url + "/health", timeout=10)
        assert health.status_code == 503
        assert health.json()["status"] == "draining"
        assert health.headers["Connection"].lower() == "close"
        refused = False
        while slow.is_alive() and not refused:
            refused = _refused(url)
        assert refused, "new connections were still accepted while a request was in progress"
        slow.join(timeout=60)
        assert answers and answers[0].status_code == 503  # its own answer: the time limit
        assert answers[0].json()["title"] == "Query timed out"
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    errors = process.stderr.read()
    process.stderr.close()
    assert "was sent" not in errors and "Traceback" not in errors, errors
    assert not [pid for pid in children if _alive(pid)]


def _descendants(root: int) -> list[int]:
    table: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            table.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in table.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _answer_by_length(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """The answer on ``sock``, read as far as its ``Content-Length`` (the server then closes
    over the bytes it did not read, which may reset the connection after the answer)."""
    sock.settimeout(PROBE_TIMEOUT)
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    while len(body) < int(headers["content-length"]):
        body += sock.recv(65536)
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    "head",
    [
        b"GET /sparql?query=" + b"a" * 66_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 66_000 + b"\r\n\r\n",
    ],
    ids=["request-line", "header"],
)
def test_a_head_past_the_size_limit_is_a_problem_with_cors(strict_server, head):
    """The server's own answer to a request line or header too large (before the app): 431,
    RFC 9457 problem JSON, CORS, as the app's own errors."""
    with socket.create_connection(_address(strict_server)) as sock:
        try:
            sock.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before all of it was sent
        status, headers, body = _answer_by_length(sock)
    assert status == 431
    assert headers["content-type"] == "application/problem+json"
    assert headers["access-control-allow-origin"] == "*"
    problem = json.loads(body)
    assert problem["status"] == 431 and "header" in problem["detail"].lower()
