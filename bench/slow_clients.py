"""Slow clients against a running server (not a test; prints a table).

Holds, on loopback, connections that send their request headers one byte per second
(``--slow-headers``), connections that send nothing (``--silent``) and POSTs whose body comes
one byte per second (``--slow-bodies``), and meanwhile sends ``--probes`` ordinary requests
(an ASK on ``/sparql``, spread over ``--seconds``), each with a client timeout of
``--probe-timeout`` seconds. It prints how many probes were answered correctly, and their
latencies. A server that survives slow clients answers every probe.

    .venv/bin/python bench/slow_clients.py                      # nscn-graph serve (defaults)
    .venv/bin/python bench/slow_clients.py --server granian     # the same app under granian
    .venv/bin/python bench/slow_clients.py --url http://127.0.0.1:8080  # a server already up
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
PROBE = "ASK { ?s ?p ?o }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(server: str, port: int, workers: int, threads: int) -> list[str]:
    """The command line of each server under test, serving nscn-graph's own app."""
    if server == "nscn-graph":
        return [
            str(BIN / "nscn-graph"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
        ]
    if server == "gthread":  # gunicorn's threaded worker, as `serve` ran it before
        return [
            str(BIN / "gunicorn"),
            "-k",
            "gthread",
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "--preload",
            "--no-control-socket",
            "-b",
            f"127.0.0.1:{port}",
            "nscn_graph.web:create_app()",
        ]
    if server == "granian":
        return [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--factory",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--port",
            str(port),
            "--no-access-log",
            "nscn_graph.web:create_app",
        ]
    if server == "waitress":  # one process; its threads
        return [
            str(BIN / "waitress-serve"),
            f"--port={port}",
            "--host=127.0.0.1",
            f"--threads={workers * threads}",
            "--connection-limit=2000",
            "--call",
            "nscn_graph.web:create_app",
        ]
    raise SystemExit(f"unknown server {server}")


def wait_ready(base: str, process: subprocess.Popen | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit("the server exited at start-up")
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server did not start in {timeout} s")


class Attack:
    """The slow connections, driven by one thread: a byte per second on each slow one."""

    def __init__(self, host: str, port: int, slow_headers: int, silent: int, bodies: int):
        self.host, self.port = host, port
        self.counts = (slow_headers, silent, bodies)
        self.stop = threading.Event()
        self.opened = 0
        self.closed_by_server = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self) -> socket.socket | None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=5)
        except OSError:
            return None
        sock.setblocking(False)
        self.opened += 1
        return sock

    def _run(self) -> None:
        slow_headers, silent, bodies = self.counts
        header = (
            b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n" + b"X-Padding: " + b"a" * 10_000
        )
        body_head = (
            b"POST /sparql HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/sparql-query\r\nContent-Length: 10000\r\n\r\n"
        )
        conns: list[tuple[socket.socket, bytes, int]] = []  # socket, what to send, sent
        for _ in range(slow_headers):
            if (sock := self._connect()) is not None:
                conns.append((sock, header, 0))
        for _ in range(bodies):
            if (sock := self._connect()) is not None:
                try:
                    sock.send(body_head)
                except OSError:
                    pass
                conns.append((sock, b"ASK { " + b" " * 9_990, 0))
        quiet = [s for _ in range(silent) if (s := self._connect()) is not None]
        while not self.stop.wait(1.0):
            alive = []
            for sock, data, sent in conns:
                try:
                    sock.send(data[sent : sent + 1])
                    alive.append((sock, data, sent + 1))
                except BlockingIOError:
                    alive.append((sock, data, sent))
                except OSError:
                    self.closed_by_server += 1
                    sock.close()
            conns = alive
        for sock, _, _ in conns:
            sock.close()
        for sock in quiet:
            sock.close()

    def __enter__(self) -> Attack:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def probe(base: str, timeout: float) -> tuple[bool, float, str]:
    url = base + "/sparql?" + urllib.parse.urlencode({"query": PROBE})
    request = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            ok = answer.status == 200 and json.loads(answer.read()).get("boolean") is True
            return ok, time.monotonic() - started, str(answer.status)
    except OSError as exc:
        return False, time.monotonic() - started, type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--server", default="nscn-graph", choices=("nscn-graph", "gthread", "granian", "waitress")
    )
    parser.add_argument("--url", help="probe a server that is already running instead")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--slow-headers", type=int, default=200)
    parser.add_argument("--silent", type=int, default=200)
    parser.add_argument("--slow-bodies", type=int, default=16)
    parser.add_argument("--probes", type=int, default=12)
    parser.add_argument("--seconds", type=float, default=60, help="how long the attack lasts")
    parser.add_argument("--probe-timeout", type=float, default=10)
    args = parser.parse_args(argv)

    process = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "NSCN_ACCESS_LOG": "off"}
        process = subprocess.Popen(
            command(args.server, port, args.workers, args.threads),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        wait_ready(base, process, 120)
        parsed = urllib.parse.urlsplit(base)
        results = []
        with Attack(
            parsed.hostname, parsed.port, args.slow_headers, args.silent, args.slow_bodies
        ) as attack:
            time.sleep(2)  # let the connections open
            interval = args.seconds / max(1, args.probes)
            for _ in range(args.probes):
                started = time.monotonic()
                results.append(probe(base, args.probe_timeout))
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
        answered = sum(ok for ok, _, _ in results)
        times = sorted(t for _, t, _ in results)
        print(
            f"server {args.server}: {attack.opened} slow connections opened "
            f"({args.slow_headers} slow headers, {args.silent} silent, {args.slow_bodies} "
            f"slow bodies), {attack.closed_by_server} closed by the server"
        )
        print(
            f"probes answered correctly: {answered}/{len(results)}; "
            f"latency median {times[len(times) // 2] * 1000:.0f} ms, "
            f"max {times[-1] * 1000:.0f} ms; outcomes: " + ", ".join(o for _, _, o in results)
        )
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    return 0 if answered == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
