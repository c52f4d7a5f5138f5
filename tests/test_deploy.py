"""Several servers behind HAProxy (``deploy/haproxy.cfg``), over one persistent store folder:
under load at concurrency 8, one server is stopped with SIGTERM, a web worker of another is
killed, a replacement server is started, and no client request fails.

Needs ``haproxy`` (Debian's, ``make deploy-tools``); skipped, saying so, without it.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from conftest import ROOT, free_port
from requests.adapters import HTTPAdapter

pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is not installed"),
]

CONFIG = ROOT / "deploy" / "haproxy.cfg"
CONCURRENCY = 8
PAGES = ("/doc/city/aarhus", "/doc/city/oslo", "/doc/country/norway", "/", "/catalog")
ACCEPTS = ("text/html", "text/turtle", "application/ld+json", "application/n-triples")
QUERIES = (
    "ASK { ?s ?p ?o }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 20",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type",
)


class _From(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Server:
    def __init__(self, port: int, store: Path, dist: Path) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nscn_graph.cli", "serve", "--port", str(port)]
            + ["--store", f"oxigraph:{store}", "--workers", "2", "--threads", "4"],
            cwd=ROOT,
            env={
                **os.environ,
                "NSCN_DIST": str(dist),
                "NSCN_ACCESS_LOG": "off",
                "NSCN_TRUSTED_PROXIES": "127.0.0.1",
                "NSCN_DRAIN_DELAY": "3",
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.process.stderr.read()
            try:
                if requests.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"server on {self.port} did not start")

    def workers(self) -> list[int]:
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    stat = Path(f"/proc/{entry}/stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry))
        return found

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        errors = self.process.stderr.read()
        self.process.stderr.close()
        return errors


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("deploy")
    subprocess.run(
        [sys.executable, "-m", "nscn_graph.cli", "build", "--out", str(folder / "dist")]
        + ["--store-dir", str(folder / "store")],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    return folder / "store", folder / "dist"


def test_no_request_fails_while_servers_stop_lose_workers_and_come_back(store, tmp_path):
    store_dir, dist = store
    ports = [free_port() for _ in range(3)]
    servers = [Server(port, store_dir, dist) for port in ports]
    proxy = None
    stopped: list[Server] = []
    try:
        for server in servers:
            server.wait_healthy()
        listen = free_port()
        proxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(CONFIG)],
            env={
                **os.environ,
                "NSCN_LISTEN": f"127.0.0.1:{listen}",
                **{f"NSCN_WEB{i + 1}": f"127.0.0.1:{p}" for i, p in enumerate(ports)},
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        front = f"http://127.0.0.1:{listen}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(front + "/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proxy.poll() is None and time.monotonic() < deadline, "haproxy did not start"
            time.sleep(0.2)

        load = Load(front)
        load.start()
        time.sleep(3)
        # one server is told to stop, as a service manager does
        first = servers[0]
        first.process.send_signal(signal.SIGTERM)
        stopped.append(first)
        time.sleep(3)
        # a web worker of another dies (the OOM killer, a crash): gunicorn replaces it
        victim, killed_port = servers[1].workers()[0], servers[1].port
        os.kill(victim, signal.SIGKILL)
        assert first.process.wait(timeout=40) == 0
        # a replacement on the first one's address, which HAProxy's checks bring back
        replacement = Server(first.port, store_dir, dist)
        servers[0] = replacement
        replacement.wait_healthy()
        time.sleep(4)
        load.stop()
        answered_by_replacement = requests.get(replacement.url + "/metrics", timeout=10).text
    finally:
        if proxy is not None:
            proxy.terminate()
            proxy.wait(timeout=10)
            proxy.stderr.close()
        logs = {s.port: s.stop() for s in servers + stopped}
    assert load.failures == [], load.failures[:10]
    assert sum(load.statuses.values()) > 200
    assert set(load.statuses) <= {200}, load.statuses
    assert 'route="/doc/<path:name>"' in answered_by_replacement  # it took traffic
    for port, errors in logs.items():
        # only the worker killed on purpose was ended by a signal; none crashed on its way out
        lines = [line for line in errors.splitlines() if "was sent" in line]
        assert len(lines) == (1 if port == killed_port else 0), (port, errors)
        assert all(f"(pid:{victim}) was sent SIGKILL" in line for line in lines), errors
        assert "Traceback" not in errors, (port, errors)


class Load:
    """``CONCURRENCY`` clients (each from a loopback address of its own, so that fair use
    counts each as a client) asking for pages and queries until stopped."""

    def __init__(self, front: str) -> None:
        self.front = front
        self.statuses: Counter = Counter()
        self.failures: list[str] = []
        self.halt = threading.Event()
        self.threads = [
            threading.Thread(target=self.client, args=(n,), daemon=True)
            for n in range(CONCURRENCY)
        ]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout=90)

    def client(self, number: int) -> None:
        rng = random.Random(number)
        session = requests.Session()
        session.mount("http://", _From(f"127.0.0.{20 + number}"))
        while not self.halt.is_set():
            if rng.random() < 0.6:
                path = rng.choice(PAGES)
                kwargs = {"headers": {"Accept": rng.choice(ACCEPTS)}}
            else:
                path = "/sparql"
                kwargs = {
                    "params": {"query": rng.choice(QUERIES)},
                    "headers": {"Accept": "application/sparql-results+json"},
                }
            try:
                answer = session.get(self.front + path, timeout=60, **kwargs)
                self.statuses[answer.status_code] += 1
                if answer.status_code != 200:
                    self.failures.append(f"{path} {answer.status_code} {answer.text[:200]}")
            except requests.RequestException as exc:
                self.failures.append(f"{path} {type(exc).__name__}: {exc}")
