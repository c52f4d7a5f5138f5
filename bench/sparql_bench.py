"""Benchmark of the /sparql endpoint against its floor and its neighbours (not a test).

It generates N triples (or takes an N-Triples file), starts on loopback, with the same data:

- ``nscn-graph``: this server (``nscn-graph serve --data FILE``: gunicorn with the
  ``buffered`` worker, which reads whole requests before a thread sees them);
- ``nscn-graph-gthread``: the same with gunicorn's threaded worker (``NSCN_WORKER=gthread``);
- ``nscn-graph-granian``: the same app under granian, built once and forked
  (``bench/granian_serve.py``; skipped unless granian is installed: the ``bench`` extra);
- ``minimal``: a minimal Flask + pyoxigraph endpoint under the same gunicorn settings
  (``bench/minimal_endpoint.py``, no features: the floor of our own stack);
- ``oxigraph``: Oxigraph server (PyPI ``oxigraph``, ``oxigraph serve-read-only``);
- ``rdflib-endpoint``: ``rdflib-endpoint serve FILE``;
- ``ping``: a bare Flask "ping" under the same gunicorn settings (for the cheap queries);

and drives them with the same queries at concurrency 1 and 4, interleaved (rounds of short
bursts, servers in a new random order each time), printing throughput, p50/p99 latency,
errors and peak memory (PSS of the server's process tree), and the ratios. Two workloads:
``mix`` (ten queries: lookup, join, aggregate, OPTIONAL with language filters, property path,
ORDER BY with paging, string filter, CONSTRUCT, DESCRIBE, ASK) and ``cheap`` (ASK and DESCRIBE
of one city). nscn-graph caches no results.

Then, for ``--spelling`` servers, each query of the mix and its spelling variants
(``VARIANTS``: ``COUNT(?s)`` for ``COUNT(*)``, other LIMIT/OFFSET, a FILTER added, ...) one at
a time, and each variant's median latency over its sibling's (target: none above 1.5).

    make bench                                     # 100k triples, 3 rounds of 3 s bursts
    .venv/bin/python bench/sparql_bench.py --triples 100000 --rounds 3 --seconds 3
    .venv/bin/python bench/sparql_bench.py --data my.nt --skip rdflib-endpoint
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
EX = "http://example.org/bench/"
PROLOGUE = (
    f"PREFIX ex: <{EX}> PREFIX city: <{EX}city/> PREFIX country: <{EX}country/> "
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
)
JSON_RESULTS = "application/sparql-results+json"
TURTLE = "text/turtle"

# -- data ------------------------------------------------------------------------------------

TRIPLES_PER_CITY = (
    7 + 1 / 2 + 1 / 3
)  # seven, plus a Finnish label on one in two, a twin on one in three


def generate(path: Path, triples: int, *, seed: int = 7) -> int:
    """Cities in countries, with labels in two languages, population, coordinates, a
    neighbour chain and a part-of hierarchy: about ``triples`` triples, as N-Triples."""
    rng = random.Random(seed)
    cities = max(10, round(triples / TRIPLES_PER_CITY))
    countries = 50
    written = 0
    rdf_type = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    integer = "<http://www.w3.org/2001/XMLSchema#integer>"
    decimal = "<http://www.w3.org/2001/XMLSchema#decimal>"
    with path.open("w", encoding="utf-8") as out:
        for c in range(countries):
            out.write(f"<{EX}country/{c}> {rdf_type} <{EX}Country> .\n")
            out.write(f'<{EX}country/{c}> {label} "Country {c}"@en .\n')
            written += 2
        for i in range(cities):
            s = f"<{EX}city/{i}>"
            lines = [
                f"{s} {rdf_type} <{EX}City> .",
                f'{s} {label} "City {i}"@en .',
                f"{s} <{EX}country> <{EX}country/{i % countries}> .",
                f'{s} <{EX}population> "{rng.randint(1000, 2_000_000)}"^^{integer} .',
                f'{s} <{EX}lat> "{rng.uniform(54, 71):.4f}"^^{decimal} .',
                f"{s} <{EX}next> <{EX}city/{(i + 1) % cities}> .",
                f"{s} <{EX}partOf> <{EX}city/{i // 10}> .",
            ]
            if i % 2 == 0:
                lines.append(f'{s} {label} "Kaupunki {i}"@fi .')
            if i % 3 == 0:
                lines.append(f"{s} <{EX}twin> <{EX}city/{rng.randrange(cities)}> .")
            out.write("\n".join(lines) + "\n")
            written += len(lines)
    return written


# -- queries ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    name: str
    text: str
    accept: str = JSON_RESULTS


MIX = (
    Query("lookup", PROLOGUE + "SELECT ?p ?o WHERE { city:123 ?p ?o }"),
    Query(
        "join",
        PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c ex:country country:7 ; rdfs:label ?l ; "
        "ex:population ?pop FILTER(lang(?l) = 'en') }",
    ),
    Query(
        "aggregate",
        PROLOGUE + "SELECT ?country (COUNT(?c) AS ?n) (AVG(?pop) AS ?avg) WHERE { "
        "VALUES ?country { country:1 country:2 country:3 country:4 country:5 } "
        "?c ex:country ?country ; ex:population ?pop } GROUP BY ?country",
    ),
    Query(
        "optional-lang",
        PROLOGUE + "SELECT ?c ?en ?fi WHERE { ?c ex:country country:3 . "
        "OPTIONAL { ?c rdfs:label ?en FILTER(lang(?en) = 'en') } "
        "OPTIONAL { ?c rdfs:label ?fi FILTER(langMatches(lang(?fi), 'fi')) } }",
    ),
    Query("path", PROLOGUE + "SELECT ?x WHERE { city:5000 ex:next/ex:next/ex:next/ex:partOf ?x }"),
    Query(
        "path-plus",
        PROLOGUE + "SELECT (COUNT(?x) AS ?n) WHERE { city:9876 ex:partOf+ ?x }",
    ),
    Query(
        "order-page",
        PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c ex:country country:11 ; ex:population ?pop ; "
        "rdfs:label ?l } ORDER BY DESC(?pop) ?l LIMIT 20 OFFSET 40",
    ),
    Query(
        "construct",
        PROLOGUE + "CONSTRUCT { ?c rdfs:label ?l ; ex:twin ?t } WHERE { ?c ex:country country:5 ; "
        "rdfs:label ?l OPTIONAL { ?c ex:twin ?t } }",
        TURTLE,
    ),
    Query("describe", PROLOGUE + "DESCRIBE city:321", TURTLE),
    Query("ask", PROLOGUE + "ASK { city:99 ex:country country:49 }"),
)

# Spelling variants: each the same question as its sibling in MIX (or a near one), spelled
# differently. A general engine answers them in about the same time; a server with special
# cases for the mix's exact texts would not. The target: none more than 1.5x slower.
VARIANTS = (
    ("count", Query("count", PROLOGUE + "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")),
    ("count", Query("count~var", PROLOGUE + "SELECT (COUNT(?s) AS ?n) WHERE { ?s ?p ?o }")),
    (
        "lookup",
        Query(
            "lookup~filter",
            PROLOGUE + "SELECT ?p ?o WHERE { city:123 ?p ?o FILTER(?p != ex:nothing) }",
        ),
    ),
    ("lookup", Query("lookup~limit", PROLOGUE + "SELECT ?p ?o WHERE { city:123 ?p ?o } LIMIT 100")),
    (
        "join",
        Query(
            "join~langmatches",
            PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c ex:country "
            "country:7 ; rdfs:label ?l ; ex:population ?pop "
            "FILTER(langMatches(lang(?l), 'en')) }",
        ),
    ),
    (
        "aggregate",
        Query(
            "aggregate~count-star",
            PROLOGUE + "SELECT ?country (COUNT(*) AS ?n) "
            "(AVG(?pop) AS ?avg) WHERE { VALUES ?country { country:1 country:2 "
            "country:3 country:4 country:5 } ?c ex:country ?country ; "
            "ex:population ?pop } GROUP BY ?country",
        ),
    ),
    (
        "path",
        Query(
            "path~limit",
            PROLOGUE + "SELECT ?x WHERE { city:5000 "
            "ex:next/ex:next/ex:next/ex:partOf ?x } LIMIT 10",
        ),
    ),
    (
        "path-plus",
        Query(
            "path-plus~count-star",
            PROLOGUE + "SELECT (COUNT(*) AS ?n) WHERE { city:9876 ex:partOf+ ?x }",
        ),
    ),
    (
        "order-page",
        Query(
            "order-page~first",
            PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c ex:country "
            "country:11 ; ex:population ?pop ; rdfs:label ?l } "
            "ORDER BY DESC(?pop) ?l LIMIT 20",
        ),
    ),
    (
        "order-page",
        Query(
            "order-page~limit100",
            PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c "
            "ex:country country:11 ; ex:population ?pop ; rdfs:label ?l } "
            "ORDER BY DESC(?pop) ?l LIMIT 100 OFFSET 200",
        ),
    ),
    (
        "order-page",
        Query(
            "order-page~filter",
            PROLOGUE + "SELECT ?c ?l ?pop WHERE { ?c "
            "ex:country country:11 ; ex:population ?pop ; rdfs:label ?l "
            "FILTER(?pop > 0) } ORDER BY DESC(?pop) ?l LIMIT 20 OFFSET 40",
        ),
    ),
    (
        "construct",
        Query(
            "construct~filter",
            PROLOGUE + "CONSTRUCT { ?c rdfs:label ?l ; ex:twin ?t }"
            " WHERE { ?c ex:country country:5 ; rdfs:label ?l "
            "OPTIONAL { ?c ex:twin ?t } FILTER(isIRI(?c)) }",
            TURTLE,
        ),
    ),
    (
        "describe",
        Query("describe~where", PROLOGUE + "DESCRIBE ?c WHERE { BIND(city:321 AS ?c) }", TURTLE),
    ),
    (
        "ask",
        Query("ask~filter", PROLOGUE + "ASK { city:99 ex:country ?x FILTER(?x = country:49) }"),
    ),
)

CHEAP = (
    Query("ask", PROLOGUE + "ASK { city:99 ex:country country:49 }"),
    Query("describe", PROLOGUE + "DESCRIBE city:321", TURTLE),
)

# -- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    path: str
    port: int = 0
    process: subprocess.Popen | None = None
    peak_pss_kib: int = 0
    workloads: tuple[str, ...] = ("mix", "cheap")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


def gunicorn(module: str, port: int, args: argparse.Namespace, env: dict) -> subprocess.Popen:
    command = [
        str(BIN / "gunicorn"),
        "--chdir",
        str(HERE),
        "-k",
        "gthread",
        "-w",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--preload",
        "-b",
        f"127.0.0.1:{port}",
        f"{module}:app",
    ]
    return subprocess.Popen(command, env=env, **QUIET)


QUIET = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}


def start(server: Server, data: Path, work: Path, args: argparse.Namespace) -> None:
    server.port = free_port()
    env = {**os.environ, "BENCH_DATA": str(data)}
    if server.name == "nscn-graph-granian":
        server.process = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "granian_serve.py"),
                "--port",
                str(server.port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
            ],
            env=env,
            **QUIET,
        )
    elif server.name.startswith("nscn-graph"):
        env["NSCN_ACCESS_LOG"] = "off"  # the same gunicorn settings as the baselines
        # one client at full speed: fair use still counts it, and never refuses it
        env["NSCN_FAIR_USE_QUERY_TIME"], env["NSCN_FAIR_USE_CONCURRENCY"] = "1000000", "1000"
        if server.name == "nscn-graph-gthread":
            env["NSCN_WORKER"] = "gthread"  # gunicorn's threaded worker instead of `buffered`
        server.process = subprocess.Popen(
            [
                str(BIN / "nscn-graph"),
                "serve",
                "--port",
                str(server.port),
                "--workers",
                str(args.workers),
                "--threads",
                str(args.threads),
                "--data",
                str(data),
            ],
            env=env,
            **QUIET,
        )
    elif server.name == "minimal":
        server.process = gunicorn("minimal_endpoint", server.port, args, env)
    elif server.name == "ping":
        server.process = gunicorn("ping_app", server.port, args, env)
    elif server.name == "oxigraph":
        location = work / "oxigraph"
        subprocess.run(
            [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(data)],
            check=True,
            **{k: v for k, v in QUIET.items() if k != "start_new_session"},
        )
        server.process = subprocess.Popen(
            [
                str(BIN / "oxigraph"),
                "serve-read-only",
                "--location",
                str(location),
                "--bind",
                f"127.0.0.1:{server.port}",
            ],
            env=env,
            **QUIET,
        )
    elif server.name == "rdflib-endpoint":
        server.process = subprocess.Popen(
            [
                str(BIN / "rdflib-endpoint"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(server.port),
                str(data),
            ],
            env=env,
            **QUIET,
        )
    deadline = time.monotonic() + args.start_timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"{server.name} exited at start-up")
        try:
            status, _ = request(server, CHEAP[0], timeout=5)
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{server.name} did not start in {args.start_timeout} s")


def stop(server: Server) -> None:
    if server.process and server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)


# -- memory ----------------------------------------------------------------------------------


def tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, ()))
    return out


def pss_kib(pid: int) -> int:
    total = 0
    for p in tree(pid):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def sample_memory(server: Server) -> None:
    """Sampled right after each burst, not during it: reading a process's smaps takes its
    memory-map lock and would slow the server being timed."""
    if server.process and server.process.poll() is None:
        server.peak_pss_kib = max(server.peak_pss_kib, pss_kib(server.process.pid))


# -- load ------------------------------------------------------------------------------------


def request(server: Server, query: Query, *, timeout: float, conn=None) -> tuple[int, bytes]:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        path = server.path + "?" + urllib.parse.urlencode({"query": query.text})
        conn.request("GET", path, headers={"Accept": query.accept})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        if own:
            conn.close()


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def add(self, other: Stats) -> None:
        self.latencies += other.latencies
        self.errors += other.errors
        self.elapsed += other.elapsed

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def burst(server: Server, queries: tuple[Query, ...], concurrency: int, seconds: float) -> Stats:
    stats = Stats()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def client(offset: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        i = offset
        while time.monotonic() < deadline:
            query = queries[i % len(queries)]
            i += 1
            t0 = time.perf_counter()
            try:
                status, _ = request(server, query, timeout=120, conn=conn)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
            elapsed = time.perf_counter() - t0
            with lock:
                if ok:
                    stats.latencies.append(elapsed)
                else:
                    stats.errors += 1
        conn.close()

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(k * 3,)) for k in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.elapsed = time.monotonic() - started
    return stats


def check_answers(servers: list[Server]) -> None:
    """The servers agree on the SELECT results (row counts) and ASK answers."""
    for query in MIX:
        if query.accept != JSON_RESULTS:
            continue
        seen = {}
        for server in servers:
            if "mix" not in server.workloads:
                continue
            status, body = request(server, query, timeout=120)
            if status != 200:
                seen[server.name] = f"HTTP {status}"
                continue
            data = json.loads(body)
            seen[server.name] = data.get(
                "boolean", len(data.get("results", {}).get("bindings", []))
            )
        if len(set(map(str, seen.values()))) > 1:
            print(f"  ! answers differ for {query.name}: {seen}")


# -- main ------------------------------------------------------------------------------------

ALL = (
    "nscn-graph",
    "nscn-graph-gthread",
    "nscn-graph-granian",
    "minimal",
    "oxigraph",
    "rdflib-endpoint",
    "ping",
)
PATHS = {"oxigraph": "/query", "rdflib-endpoint": "/", "ping": "/sparql"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000, help="triples to generate")
    parser.add_argument("--data", type=Path, help="an N-Triples file to use instead")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one burst")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--skip", nargs="*", default=[], choices=ALL)
    parser.add_argument("--start-timeout", type=float, default=300)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    parser.add_argument(
        "--spelling",
        nargs="*",
        default=["nscn-graph", "minimal"],
        help="servers whose latency per spelling variant is measured (none: skip)",
    )
    parser.add_argument(
        "--spelling-repeat", type=int, default=15, help="sequential runs of each variant"
    )
    args = parser.parse_args(argv)
    if "nscn-graph-granian" not in args.skip and shutil.which("granian", path=str(BIN)) is None:
        print("granian is not installed (pip install -e .[bench]): skipping nscn-graph-granian")
        args.skip.append("nscn-graph-granian")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out

    work = Path(tempfile.mkdtemp(prefix="nscn-bench-"))
    data = args.data
    if data is None:
        data = work / "bench.nt"
        count = generate(data, args.triples)
        print(f"generated {count} triples in {data}")
    servers = [
        Server(
            name,
            PATHS.get(name, "/sparql"),
            workloads=("cheap",) if name == "ping" else ("mix", "cheap"),
        )
        for name in ALL
        if name not in args.skip
    ]
    results: dict[tuple[str, int, str], Stats] = {}
    spelling: dict[str, dict[str, float]] = {}
    try:
        for server in servers:
            t0 = time.monotonic()
            start(server, data, work, args)
            print(f"started {server.name} at {server.url} in {time.monotonic() - t0:.1f} s")
        check_answers(servers)
        rng = random.Random(1)
        for rnd in range(args.rounds):
            for workload, queries in (("mix", MIX), ("cheap", CHEAP)):
                for concurrency in args.concurrency:
                    order = [s for s in servers if workload in s.workloads]
                    rng.shuffle(order)
                    for server in order:
                        stats = burst(server, queries, concurrency, args.seconds)
                        sample_memory(server)
                        results.setdefault((workload, concurrency, server.name), Stats()).add(stats)
            print(f"round {rnd + 1}/{args.rounds} done")
        spelling = {
            s.name: spelling_latencies(s, args.spelling_repeat)
            for s in servers
            if s.name in args.spelling and "mix" in s.workloads
        }
    finally:
        for server in servers:
            stop(server)
        shutil.rmtree(work, ignore_errors=True)
    report(servers, results, args)
    report_spelling(spelling, args)
    return 0


def spelling_latencies(server: Server, repeat: int) -> dict[str, float]:
    """Median latency (ms) of each query of the mix and of each variant, run one at a time,
    interleaved (a round runs every query once)."""
    queries = {q.name: q for q in MIX} | {q.name: q for _, q in VARIANTS}
    times: dict[str, list[float]] = {name: [] for name in queries}
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    for query in queries.values():  # warm-up
        request(server, query, timeout=120, conn=conn)
    for _ in range(repeat):
        for name, query in queries.items():
            started = time.perf_counter()
            status, _ = request(server, query, timeout=120, conn=conn)
            elapsed = time.perf_counter() - started
            if status == 200:
                times[name].append(elapsed * 1000)
    conn.close()
    return {name: sorted(ms)[len(ms) // 2] if ms else float("nan") for name, ms in times.items()}


def report_spelling(spelling: dict[str, dict[str, float]], args: argparse.Namespace) -> None:
    if not spelling:
        return
    names = list(spelling)
    print("\nspelling variants: median ms, one query at a time; ratio = variant / its sibling")
    print(
        f"  {'variant':22} {'sibling':12}" + "".join(f" {n[:16]:>16} {'ratio':>6}" for n in names)
    )
    worst: dict[str, float] = {}
    for sibling, query in VARIANTS:
        if query.name == sibling:
            continue
        cells = ""
        for name in names:
            mine, theirs = spelling[name][query.name], spelling[name][sibling]
            ratio = mine / theirs if theirs else float("nan")
            worst[name] = max(worst.get(name, 0.0), ratio)
            flag = "!" if ratio > 1.5 else " "
            cells += f" {mine:16.2f} {ratio:5.2f}{flag}"
        print(f"  {query.name:22} {sibling:12}" + cells)
    print(
        "  worst ratio: "
        + ", ".join(f"{n} {r:.2f}" for n, r in worst.items())
        + " (target: none above 1.5, marked !)"
    )
    if args.json:
        data = json.loads(args.json.read_text(encoding="utf-8"))
        args.json.write_text(
            json.dumps({"bursts": data, "spelling_ms": spelling}, indent=2), encoding="utf-8"
        )


def report(servers: list[Server], results: dict, args: argparse.Namespace) -> None:
    memory = {s.name: s.peak_pss_kib / 1024 for s in servers}
    rows = []
    for workload, baseline in (("mix", "minimal"), ("cheap", "ping")):
        for concurrency in args.concurrency:
            print(f"\n{workload}, concurrency {concurrency} (ratio: throughput / {baseline})")
            print(
                f"  {'server':16} {'req':>7} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
                f"{'errors':>6} {'peak MB':>8} {'ratio':>7}"
            )
            base = results.get((workload, concurrency, baseline))
            for server in servers:
                stats = results.get((workload, concurrency, server.name))
                if stats is None:
                    continue
                ratio = stats.throughput / base.throughput if base and base.throughput else 0
                print(
                    f"  {server.name:16} {len(stats.latencies):7d} {stats.throughput:9.1f} "
                    f"{stats.percentile(0.5):8.2f} {stats.percentile(0.99):8.2f} "
                    f"{stats.errors:6d} {memory[server.name]:8.0f} {ratio:7.2f}"
                )
                rows.append(
                    {
                        "workload": workload,
                        "concurrency": concurrency,
                        "server": server.name,
                        "requests": len(stats.latencies),
                        "throughput": stats.throughput,
                        "p50_ms": stats.percentile(0.5),
                        "p99_ms": stats.percentile(0.99),
                        "errors": stats.errors,
                        "peak_pss_mb": memory[server.name],
                        "ratio": ratio,
                    }
                )
    print(
        "\npeak memory is the largest PSS of each server's process tree (shared pages counted "
        "once), sampled after each burst; the ratio compares throughput with the minimal "
        "endpoint (mix) or ping (cheap)"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
