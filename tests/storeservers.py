"""Real triple stores on free loopback ports, for the tests and the benchmark: Oxigraph server
(the ``oxigraph`` command of the PyPI package ``oxigraph``) and Virtuoso Open Source 7 (the Debian
package ``virtuoso-opensource``, configured in a temporary folder). Each is stopped by
:meth:`Running.stop`; nothing is left listening."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from conftest import free_port

GRAPH = "https://w3id.org/nscn/graph"
VIRTUOSO_USER = VIRTUOSO_PASSWORD = "dba"  # a fresh Virtuoso database's administrator


@dataclass
class Running:
    name: str
    process: subprocess.Popen
    base_url: str
    spec: str  # the --store specification that reads and loads it
    update_url: str
    log: Path
    credentials: tuple[str, str] | None = None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def environ(self) -> dict[str, str]:
        if not self.credentials:
            return {}
        return {"NSCN_STORE_USER": self.credentials[0], "NSCN_STORE_PASSWORD": self.credentials[1]}

    def update(self, sparql_update: str) -> None:
        """A SPARQL update written straight into the store, not through nscn-graph."""
        auth = requests.auth.HTTPDigestAuth(*self.credentials) if self.credentials else None
        response = requests.post(
            self.update_url,
            data=sparql_update.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update"},
            auth=auth,
            timeout=30,
        )
        response.raise_for_status()


def _spawn(command: list[str], log: Path, *, cwd: Path | None = None) -> subprocess.Popen:
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)


def _wait(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            text = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the store did not start: {text}")
        time.sleep(0.2)


def oxigraph_command() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def start_oxigraph(folder: Path, *, location: Path | None = None) -> Running:
    """``oxigraph serve`` on a free port, its data in ``location`` (default: in ``folder``)."""
    command = oxigraph_command()
    if command is None:
        raise FileNotFoundError("the oxigraph command (pip install oxigraph) is not installed")
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "oxigraph.log"
    process = _spawn(
        [
            command,
            "serve",
            "--location",
            str(location or folder / "db"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        log,
    )
    base = f"http://127.0.0.1:{port}"
    _wait(base + "/query?query=ASK%7B%7D", process, log)
    spec = f"sparql+{base}/query?update={base}/update&gsp={base}/store&graph={GRAPH}"
    return Running("oxigraph", process, base, spec, base + "/update", log)


def virtuoso_command() -> str | None:
    return shutil.which("virtuoso-t")


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {d}
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
ThreadsPerQuery = 4
MaxQueryMem = 1G
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {d}
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 20
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0
[SPARQL]
ResultSetMaxRows = 100000000
MaxSortedTopRows = 100000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime = 60
"""


def start_virtuoso(folder: Path, *, buffers: int = 170_000, fresh: bool = True) -> Running:
    """``virtuoso-t -f`` with a fresh database in ``folder`` on two free ports (``fresh=False``:
    the database and ports already in ``folder``). ``buffers`` are 8 KiB pages of cache
    (170 000 is about 1.3 GiB, the setting the Virtuoso documentation gives for 2 GB)."""
    command = virtuoso_command()
    if command is None:
        raise FileNotFoundError("virtuoso-t (Debian package virtuoso-opensource) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    ini = folder / "virtuoso.ini"
    if fresh or not ini.exists():
        sql_port, http_port = free_port(), free_port()
        ini.write_text(
            VIRTUOSO_INI.format(
                d=folder,
                sql_port=sql_port,
                http_port=http_port,
                buffers=buffers,
                dirty=buffers * 3 // 4,
            )
        )
    else:
        ports = re.findall(r"ServerPort = 127\.0\.0\.1:(\d+)", ini.read_text())
        http_port = int(ports[1])
    log = folder / "virtuoso.out"
    process = _spawn([command, "-f", "-c", str(ini)], log, cwd=folder)
    base = f"http://127.0.0.1:{http_port}"
    _wait(base + "/sparql?query=ASK%7B%7D", process, log, seconds=90)
    spec = f"sparql+{base}/sparql?gsp={base}/sparql-graph-crud-auth&graph={GRAPH}"
    return Running(
        "virtuoso",
        process,
        base,
        spec,
        base + "/sparql-auth",
        log,
        credentials=(VIRTUOSO_USER, VIRTUOSO_PASSWORD),
    )


class FreezableStore:
    """A SPARQL 1.1 Protocol endpoint on a loopback port, answering from a pyoxigraph store
    that holds ``triples`` in the named graph ``graph``, which can be frozen: while frozen it
    accepts connections and reads requests but never answers (as a store whose process hangs).
    ``arrived`` counts the requests that reached it while frozen."""

    def __init__(self, triples, *, graph: str = GRAPH) -> None:
        import http.server
        import threading
        from urllib.parse import parse_qs

        import pyoxigraph as ox

        store = ox.Store()
        store.bulk_extend(ox.Quad(*t, ox.NamedNode(graph)) for t in triples)
        self.frozen = threading.Event()
        self._thaw = threading.Event()
        self.arrived = 0
        self.answered = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if owner.frozen.is_set():
                    owner.arrived += 1
                    owner._thaw.wait(120)
                    self.close_connection = True
                    return
                form = parse_qs(body.decode("utf-8"))
                options = {}
                if form.get("default-graph-uri"):
                    options["default_graph"] = [ox.NamedNode(i) for i in form["default-graph-uri"]]
                options["named_graphs"] = [ox.NamedNode(i) for i in form.get("named-graph-uri", [])]
                result = store.query(form["query"][0], **options)
                if isinstance(result, ox.QueryTriples):
                    data = ox.serialize(result, format=ox.RdfFormat.N_TRIPLES)
                    media = "application/n-triples"
                else:
                    data = result.serialize(format=ox.QueryResultsFormat.JSON)
                    media = "application/sparql-results+json"
                owner.answered += 1
                self.send_response(200)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client that gave up on a frozen answer

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/query"
        self.spec = f"sparql+{self.url}?graph={graph}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def freeze(self) -> None:
        self._thaw.clear()
        self.frozen.set()

    def thaw(self) -> None:
        self.frozen.clear()
        self._thaw.set()

    def stop(self) -> None:
        self.thaw()
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def started(name: str, folder: Path) -> Iterator[Running]:
    """The store ``name`` (``oxigraph`` or ``virtuoso``) running from ``folder`` while the
    block runs, stopped after it; a missing server program skips the tests that need it, and
    says so loudly (for fixtures)."""
    import pytest

    starters = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
    try:
        running = starters[name](folder)
    except FileNotFoundError as exc:
        message = (
            f"!!! {name.upper()} STORE TESTS SKIPPED: {exc} "
            "(make test installs it as root: make store-servers) !!!"
        )
        print("\n" + message, file=sys.stderr)
        pytest.skip(message)
    try:
        yield running
    finally:
        running.stop()
