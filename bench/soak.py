"""Soak: a long run of realistic traffic against ``nscn-graph serve`` (not a test).

Clients (``--concurrency``, default 8) send, for ``--minutes`` (or ``--seconds``), a seeded mix
of what a public endpoint sees: pages and documents in every format (HTML, Turtle, JSON-LD,
N-Triples, RDF/XML, by ``Accept`` and by suffix), the landing page, ontology, shapes,
catalogue and VoID; cheap and expensive SPARQL queries, some of which run past the time limit
on purpose (503); dumps, half of them conditional (``If-None-Match`` with the ETag seen before:
304); ``/validate`` with a valid and an invalid document; ``/search`` where it exists; ``/health``.

Every ``--interval`` seconds (default 60) it prints one line per interval: requests, throughput,
p50 and p99 latency, answers by status; and then the memory (RSS and PSS, MB) and open file
descriptors of every process of the server (master, web workers, query workers, validation
children) and the number of zombie processes among them. At the end: totals by status and by
kind of request, the server's own counts from ``/metrics`` (queries by outcome, query worker
restarts, store errors), and the exit status says whether any answer was a 5xx other than the
deliberate 503s (or a connection error). Each client sends from a loopback address of its own
(127.0.0.10, .11, ...), so that fair use counts them as the separate clients they stand for;
``--one-address`` sends everything from 127.0.0.1 (one client: expect 429s).

    .venv/bin/python bench/soak.py --minutes 10                   # starts nscn-graph serve
    .venv/bin/python bench/soak.py --seconds 20 --interval 5      # a sanity run
    .venv/bin/python bench/soak.py --url http://127.0.0.1:8080 --pid MASTER_PID --minutes 10
    .venv/bin/python bench/soak.py --minutes 10 --json /tmp/soak.json -- --store oxigraph:dist/store
    .venv/bin/python bench/soak.py --minutes 10 --no-validate -- --data big.nt   # the store alone

Arguments after ``--`` go to ``nscn-graph serve``. The server is started with
``NSCN_SPARQL_TIMEOUT=--sparql-timeout`` (default 3 s) so that the expensive queries time out
within the run, and the access log off.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]

RDF_ACCEPT = {
    "html": "text/html",
    "turtle": "text/turtle",
    "jsonld": "application/ld+json",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
}
SUFFIXES = ("ttl", "jsonld", "nt", "rdf", "html")
PREFIXES = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "

CHEAP_QUERIES = (
    "ASK { ?s ?p ?o }",
    "SELECT ?p ?o WHERE { <{thing}> ?p ?o }",
    "DESCRIBE <{thing}>",
    PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label } LIMIT 20",
)
EXPENSIVE_QUERIES = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?type (COUNT(?s) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)",
    PREFIXES + "SELECT ?s ?label WHERE { ?s rdfs:label ?label FILTER(CONTAINS(LCASE(?label), "
    '"a")) } ORDER BY ?label LIMIT 100',
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2000",
)
# a cross product of the whole graph with itself, three times: runs past any time limit
TIMEOUT_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
RESULT_ACCEPT = ("application/sparql-results+json", "application/sparql-results+xml", "text/csv")

VALID_TURTLE = """@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:thing rdfs:label "A thing"@en .
"""
INVALID_TURTLE = "@prefix ex: <http://example.org/> . ex:thing ex:broken "


@dataclass
class Target:
    """What the server offers, found once at the start."""

    things: list[str]  # local paths of things' documents, /doc/...
    dumps: list[str]
    etags: dict[str, str] = field(default_factory=dict)
    search: bool = False
    validate: bool = True  # --no-validate: leave /validate out of the mix


def discover(base: str) -> Target:
    session = requests.Session()
    query = "SELECT DISTINCT ?s WHERE { ?s a ?type FILTER(isIRI(?s)) } LIMIT 500"
    answer = session.get(
        base + "/sparql",
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    answer.raise_for_status()
    things = []
    for row in answer.json()["results"]["bindings"]:
        iri = row["s"]["value"]
        match = re.search(r"/id/([a-z0-9-]+/[a-z0-9-]+)$", iri)
        if match:
            things.append(f"/doc/{match[1]}")
    listing = session.get(base + "/dumps/", headers={"Accept": "application/json"}, timeout=60)
    dumps = [urlpath(d["url"]) for d in listing.json()["dumps"]] if listing.ok else []
    search = session.get(base + "/search", params={"q": "oslo"}, timeout=60).status_code != 404
    if not things:
        raise SystemExit("found no things to ask for (no /id/TYPE/SLUG subjects)")
    return Target(things=things, dumps=dumps, search=search)


def urlpath(url: str) -> str:
    return "/" + url.split("://", 1)[-1].split("/", 1)[-1]


def thing_iri(base: str, path: str) -> str:
    return base + path.replace("/doc/", "/id/", 1)


def pick(rng: random.Random, target: Target, base: str) -> tuple[str, str, dict]:
    """One request: (kind, method, requests' keyword arguments with "url")."""
    roll = rng.random()
    thing = rng.choice(target.things)
    if roll < 0.30:
        form = rng.choice(list(RDF_ACCEPT))
        return f"page:{form}", "GET", {"url": base + thing, "headers": {"Accept": RDF_ACCEPT[form]}}
    if roll < 0.40:
        suffix = rng.choice(SUFFIXES)
        return f"page:.{suffix}", "GET", {"url": f"{base}{thing}.{suffix}"}
    if roll < 0.46:
        path = rng.choice(("/", "/ontology", "/shapes", "/catalog", "/.well-known/void"))
        accept = rng.choice(("text/html", "text/turtle"))
        return "description", "GET", {"url": base + path, "headers": {"Accept": accept}}
    if roll < 0.66:
        text = rng.choice(CHEAP_QUERIES).replace("{thing}", thing_iri(base, thing))
        return "query:cheap", "GET", _query(base, text, rng)
    if roll < 0.76:
        return "query:expensive", "GET", _query(base, rng.choice(EXPENSIVE_QUERIES), rng)
    if roll < 0.78:
        return "query:timeout", "GET", _query(base, TIMEOUT_QUERY, rng)
    if roll < 0.88 and target.dumps:
        dump = rng.choice(target.dumps)
        headers = {}
        kind = "dump"
        if dump in target.etags and rng.random() < 0.5:
            headers["If-None-Match"] = target.etags[dump]
            kind = "dump:conditional"
        return kind, "GET", {"url": base + dump, "headers": headers, "stream": True}
    if roll < 0.94 and target.validate:
        valid = rng.random() < 0.5
        return (
            "validate:" + ("valid" if valid else "invalid"),
            "POST",
            {
                "url": base + "/validate",
                "data": (VALID_TURTLE if valid else INVALID_TURTLE).encode(),
                "headers": {"Content-Type": "text/turtle", "Accept": "application/json"},
            },
        )
    if roll < 0.98 and target.search:
        word = rng.choice(("oslo", "tromso", "lab", "mobility", "energy", "kobenhavn"))
        return "search", "GET", {"url": base + "/search", "params": {"q": word}}
    return "health", "GET", {"url": base + "/health"}


def _query(base: str, text: str, rng: random.Random) -> dict:
    accept = "text/turtle" if text.startswith(("DESCRIBE", "CONSTRUCT")) else None
    accept = accept or rng.choice(RESULT_ACCEPT)
    return {"url": base + "/sparql", "params": {"query": text}, "headers": {"Accept": accept}}


class _From(HTTPAdapter):
    """Connections from one local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def session_from(address: str | None) -> requests.Session:
    session = requests.Session()
    if address:
        session.mount("http://", _From(address))
    return session


@dataclass
class Interval:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)


class Load:
    def __init__(
        self, base: str, target: Target, concurrency: int, seed: int, one_address: bool = False
    ) -> None:
        self.base, self.target = base, target
        self.one_address = one_address
        self.concurrency, self.seed = concurrency, seed
        self.lock = threading.Lock()
        self.current = Interval()
        self.kinds: Counter = Counter()
        self.kind_latencies: dict[str, list[float]] = {}
        self.unexpected: Counter = Counter()  # kind and status of 5xx (not 503) and errors
        self.stop = threading.Event()

    def take(self) -> Interval:
        with self.lock:
            interval, self.current = self.current, Interval()
        return interval

    def client(self, number: int) -> None:
        rng = random.Random(self.seed * 1000 + number)
        address = None if self.one_address else f"127.0.0.{10 + number}"
        session = session_from(address)
        while not self.stop.is_set():
            kind, method, kwargs = pick(rng, self.target, self.base)
            started = time.perf_counter()
            try:
                with session.request(method, timeout=120, **kwargs) as answer:
                    for _ in answer.iter_content(1 << 16):
                        pass
                    status = str(answer.status_code)
                    if kind == "dump" and answer.headers.get("ETag"):
                        self.target.etags[urlpath(kwargs["url"])] = answer.headers["ETag"]
            except requests.RequestException as exc:
                status = type(exc).__name__
                session = session_from(address)
            elapsed = time.perf_counter() - started
            with self.lock:
                self.current.latencies.append(elapsed)
                self.current.statuses[status] += 1
                self.kinds[(kind, status)] += 1
                self.kind_latencies.setdefault(kind, []).append(elapsed)
                # deliberate: 503 past a time limit, 429 past a client's fair share
                if not status.isdigit() or (status.startswith("5") and status != "503"):
                    self.unexpected[(kind, status)] += 1


# -- the server's processes -------------------------------------------------------------------


def children() -> dict[int, list[int]]:
    table: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            table.setdefault(ppid, []).append(int(entry))
    return table


def processes(root: int) -> list[tuple[int, str, str]]:
    """(pid, role, state) of ``root`` and its descendants."""
    table = children()
    out = []
    todo = [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        state = stat.rsplit(")", 1)[1].split()[0]
        # below a web worker: its query workers and validation children
        role = ("master", "web worker", "worker child")[min(depth, 2)]
        out.append((pid, role, state))
        todo.extend((child, depth + 1) for child in table.get(pid, ()))
    return sorted(out)


def footprint(pid: int) -> tuple[float, float, int]:
    """RSS MB, PSS MB, open file descriptors."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "Rss":
                rss = int(value.split()[0])
            elif key == "Pss":
                pss = int(value.split()[0])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0.0, 0.0, 0
    return rss / 1024, pss / 1024, fds


def report_processes(root: int | None) -> dict:
    if root is None:
        return {}
    rows = []
    zombies = 0
    for pid, role, state in processes(root):
        if state == "Z":
            zombies += 1
            continue
        rss, pss, fds = footprint(pid)
        rows.append(
            {"pid": pid, "role": role, "rss_mb": round(rss), "pss_mb": round(pss), "fds": fds}
        )
    cells = "; ".join(
        f"{r['role']} {r['pid']}: {r['rss_mb']}/{r['pss_mb']} MB {r['fds']} fd" for r in rows
    )
    total = sum(r["pss_mb"] for r in rows)
    print(f"      processes (RSS/PSS, fds): {cells}; total PSS {total} MB; zombies {zombies}")
    return {"processes": rows, "zombies": zombies, "total_pss_mb": total}


def server_counts(base: str) -> dict[str, float]:
    """The server's own counts of queries, worker restarts and store errors (``/metrics``)."""
    try:
        from prometheus_client.parser import text_string_to_metric_families

        text = requests.get(base + "/metrics", timeout=30).text
    except (ImportError, requests.RequestException):
        return {}
    counts = {}
    wanted = ("nscn_sparql_queries", "nscn_query_worker_restarts", "nscn_store_errors")
    for family in text_string_to_metric_families(text):
        if family.name in wanted:
            for sample in family.samples:
                if sample.name.endswith("_total"):
                    labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                    counts[f"{family.name}{{{labels}}}"] = sample.value
    print("server counts (/metrics): " + ", ".join(f"{k} {v:g}" for k, v in counts.items()))
    return counts


# -- main ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "NSCN_ACCESS_LOG": "off", "NSCN_SPARQL_TIMEOUT": str(args.sparql_timeout)}
    process = subprocess.Popen(
        [str(BIN / "nscn-graph"), "serve", "--port", str(port), *args.serve],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + args.start_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("nscn-graph serve exited at start-up")
        try:
            if requests.get(base + "/health", timeout=5).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("nscn-graph serve did not start")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seconds", type=float, help="run this long instead of --minutes")
    parser.add_argument("--interval", type=float, default=60, help="seconds per report line")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--url", help="soak a running server instead of starting one")
    parser.add_argument("--pid", type=int, help="with --url: its master's pid, for memory")
    parser.add_argument("--sparql-timeout", type=float, default=3.0)
    parser.add_argument("--start-timeout", type=float, default=600)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--no-validate",
        action="store_true",
        help="leave /validate out (with large data each validation reads the whole graph)",
    )
    parser.add_argument(
        "--one-address", action="store_true", help="every client from 127.0.0.1 (one client)"
    )
    parser.add_argument("serve", nargs="*", help="after --: arguments of nscn-graph serve")
    args = parser.parse_args(argv)
    duration = args.seconds if args.seconds is not None else args.minutes * 60

    process = None
    if args.url:
        base, root = args.url.rstrip("/"), args.pid
    else:
        process, base = start_server(args)
        root = process.pid
    report: dict = {"intervals": []}
    try:
        target = discover(base)
        target.validate = not args.no_validate
        print(
            f"soaking {base} for {duration:g} s at concurrency {args.concurrency}: "
            f"{len(target.things)} things, {len(target.dumps)} dumps, "
            f"search {'on' if target.search else 'absent'}"
        )
        report["start"] = report_processes(root)
        load = Load(base, target, args.concurrency, args.seed, args.one_address)
        clients = [
            threading.Thread(target=load.client, args=(n,), daemon=True)
            for n in range(args.concurrency)
        ]
        started = time.monotonic()
        for thread in clients:
            thread.start()
        number = 0
        while (elapsed := time.monotonic() - started) < duration:
            time.sleep(min(args.interval, duration - elapsed))
            number += 1
            interval = load.take()
            spent = min(args.interval, time.monotonic() - started - (number - 1) * args.interval)
            statuses = dict(sorted(interval.statuses.items()))
            count = len(interval.latencies)
            p50, p99 = percentile(interval.latencies, 0.5), percentile(interval.latencies, 0.99)
            print(
                f"  {number:3d} {count:7d} req {count / spent:7.1f} req/s p50 {p50:7.1f} ms "
                f"p99 {p99:8.1f} ms  {statuses}",
                flush=True,
            )
            row = {
                "interval": number,
                "requests": len(interval.latencies),
                "per_s": len(interval.latencies) / spent,
                "p50_ms": percentile(interval.latencies, 0.5),
                "p99_ms": percentile(interval.latencies, 0.99),
                "statuses": statuses,
            }
            row.update(report_processes(root))
            report["intervals"].append(row)
        load.stop.set()
        for thread in clients:
            thread.join(timeout=130)
        report["metrics"] = server_counts(base)
    finally:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    totals = Counter()
    for (_, status), n in load.kinds.items():
        totals[status] += n
    print("\nanswers by status: " + ", ".join(f"{s}: {n}" for s, n in sorted(totals.items())))
    print("by kind of request (p50 / p99 ms, answers by status):")
    for kind in sorted({k for k, _ in load.kinds}):
        cells = {s: n for (k, s), n in sorted(load.kinds.items()) if k == kind}
        times = load.kind_latencies.get(kind, [])
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        print(f"  {kind:20} {p50:8.1f} {p99:8.1f}  {cells}")
    if load.unexpected:
        print("UNEXPECTED (5xx other than 503, or no answer): " + str(dict(load.unexpected)))
    else:
        print("no 5xx except the deliberate 503s, and every request was answered")
    report["by_kind"] = {f"{k} {s}": n for (k, s), n in load.kinds.items()}
    report["unexpected"] = {f"{k} {s}": n for (k, s), n in load.unexpected.items()}
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if load.unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
