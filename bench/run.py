"""Benchmark of the store configurations at ~1M triples: load time, start time, memory, and the
throughput of a query mix at a given concurrency, over HTTP (SPARQL 1.1 Protocol GET).

    make .venv/bin/nscn-graph store-servers
    .venv/bin/python bench/run.py --triples 1000000 --concurrency 4 --duration 20

Configurations (each served by `nscn-graph serve`, 2 workers x 4 threads, access log off, except
the last, which is Virtuoso's own endpoint with the same data, for reference):

- embedded:        --data graph.nt (in-memory pyoxigraph store, parsed at start-up)
- persistent:      --store oxigraph:DIR (written beforehand with write_persistent, as
                   `nscn-graph build --store-dir` does)
- oxigraph-server: --store sparql+http://.../query (Oxigraph server, loaded by Graph Store PUT)
- virtuoso:        Virtuoso Open Source 7 (Debian), queried directly, loaded by Graph Store PUT

Memory is the proportional set size (PSS: shared pages divided among the processes sharing them)
and the resident set size (RSS) summed over every process of the configuration, after the run.
Nothing is cached between requests by nscn-graph; each configuration sees the same seeded
sequence of queries. Results go to stdout as a table and to --json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import storeservers  # noqa: E402
from generate import triples as generate  # noqa: E402

from nscn_graph.stores import load_into, write_persistent  # noqa: E402

GRAPH = storeservers.GRAPH
PROLOGUE = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX sosa: <http://www.w3.org/ns/sosa/>
PREFIX nscn: <https://w3id.org/nscn/ontology#>
PREFIX city: <https://w3id.org/nscn/id/city/>
"""
ID = "https://w3id.org/nscn/id/"
CITIES = ["aarhus", "bergen", "oslo", "helsinki", "tampere", "stockholm", "reykjavik"]


def mix(rng: random.Random, observations: int) -> list[tuple[str, str]]:
    """One round of the mix: (name, query), parameters drawn from ``rng``."""
    obs = f"<{ID}observation/o{rng.randrange(observations):07d}>"
    sensor = f"<{ID}sensor/s{rng.randrange(2000):05d}>"
    city = rng.choice(CITIES)
    return [
        ("count", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        ("class-counts", "SELECT ?class (COUNT(?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class"),
        (
            "order-by-paging",
            "SELECT ?obs ?t WHERE { ?obs sosa:resultTime ?t } ORDER BY DESC(?t) ?obs "
            f"LIMIT 20 OFFSET {rng.randrange(50) * 20}",
        ),
        ("lookup", f"SELECT ?p ?o WHERE {{ {obs} ?p ?o }}"),
        (
            "sensor-observations",
            f"SELECT ?obs ?v WHERE {{ ?obs sosa:madeBySensor {sensor} ; "
            "sosa:hasSimpleResult ?v } LIMIT 50",
        ),
        ("describe-city", f"CONSTRUCT {{ city:{city} ?p ?o }} WHERE {{ city:{city} ?p ?o }}"),
        (
            "cities",
            "SELECT ?city ?label WHERE { ?city a nscn:SmartCity ; rdfs:label ?label "
            'FILTER(lang(?label) = "en") } ORDER BY ?label',
        ),
        ("ask", f"ASK {{ {obs} a sosa:Observation }}"),
    ]


class Endpoint:
    def __init__(self, url: str, params: dict[str, str] | None = None) -> None:
        self.url, self.params = url, params or {}
        self.local = threading.local()

    def ask(self, query: str) -> None:
        session = getattr(self.local, "session", None) or requests.Session()
        self.local.session = session
        accept = (
            "application/n-triples" if "CONSTRUCT" in query else ("application/sparql-results+json")
        )
        response = session.get(
            self.url,
            params={"query": PROLOGUE + query, **self.params},
            headers={"Accept": accept},
            timeout=120,
        )
        response.raise_for_status()
        response.content  # noqa: B018


def latencies(endpoint: Endpoint, observations: int, repeat: int) -> dict[str, float]:
    rng = random.Random(7)
    times: dict[str, list[float]] = {}
    for _ in range(repeat):
        for name, query in mix(rng, observations):
            started = time.perf_counter()
            endpoint.ask(query)
            times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    return {name: round(statistics.median(ms), 2) for name, ms in times.items()}


def throughput(endpoint: Endpoint, observations: int, concurrency: int, duration: float):
    done, errors = [0], [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        while time.monotonic() < stop:
            for _, query in mix(rng, observations):
                try:
                    endpoint.ask(query)
                    with lock:
                        done[0] += 1
                except requests.RequestException:
                    with lock:
                        errors[0] += 1
                if time.monotonic() >= stop:
                    break

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return round(done[0] / (time.monotonic() - started), 1), errors[0]


def tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                todo += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
    return pids


def memory(pids: list[int]) -> dict[str, float]:
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                key, _, value = line.partition(":")
                if key == "Pss":
                    pss += int(value.split()[0])
                elif key == "Rss":
                    rss += int(value.split()[0])
        except OSError:
            pass
    return {"pss_mb": round(pss / 1024), "rss_mb": round(rss / 1024)}


def serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str, float]:
    """Start the server twice: the first start builds the dumps and descriptions into its own
    DIST (once per data, as a deployment does with `nscn-graph build`), the second, measured,
    finds them built."""
    process, _, first = _serve(env, workers)
    stop(process)
    print(f"  first start (building DIST): {first} s", flush=True)
    return _serve(env, workers)


def _serve(env: dict[str, str], workers: int) -> tuple[subprocess.Popen, str, float]:
    port = storeservers.free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("nscn-graph")),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            "4",
        ],
        cwd=ROOT,
        env={**os.environ, "NSCN_ACCESS_LOG": "off", **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if requests.get(url + "/health", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            pass
        if process.poll() is not None:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    return process, url, round(time.monotonic() - started, 2)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def ensure_data(work: Path, count: int) -> Path:
    """The generated graph of ``count`` triples as N-Triples in ``work`` (made once)."""
    data = work / f"graph-{count}.nt"
    if not data.exists():
        import pyoxigraph as ox

        with data.open("wb") as out:
            ox.serialize(generate(count), out, format=ox.RdfFormat.N_TRIPLES)
    return data


def count_observations(data: Path) -> int:
    return sum(1 for line in data.open("rb") if b"/observation/o" in line[:60]) // 7


def read_triples(data: Path):
    import pyoxigraph as ox

    return (q.triple for q in ox.parse(path=str(data), format=ox.RdfFormat.N_TRIPLES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nscn-bench"))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--repeat", type=int, default=5, help="sequential rounds for latencies")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--configs",
        default="embedded,persistent,oxigraph-server,virtuoso",
        help="comma-separated subset",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = ensure_data(args.work, args.triples)
    observations = count_observations(data)

    def triples():
        return read_triples(data)

    results = {}
    for config in args.configs.split(","):
        os.environ["NSCN_DIST"] = str(args.work / f"dist-{config}")
        row: dict[str, object] = {}
        extra: list[storeservers.Running] = []
        process = None
        try:
            if config == "embedded":
                row["load_s"] = None  # parsed at start-up: part of the start time
                process, url, row["start_s"] = serve({"NSCN_DATA": str(data)}, args.workers)
                endpoint, roots = Endpoint(url + "/sparql"), [process.pid]
            elif config == "persistent":
                folder = args.work / "persistent"
                t = time.monotonic()
                write_persistent(triples(), folder)
                row["load_s"] = round(time.monotonic() - t, 1)
                process, url, row["start_s"] = serve(
                    {"NSCN_STORE": f"oxigraph:{folder}"}, args.workers
                )
                endpoint, roots = Endpoint(url + "/sparql"), [process.pid]
            elif config == "oxigraph-server":
                import shutil

                shutil.rmtree(args.work / "oxigraph", ignore_errors=True)
                oxs = storeservers.start_oxigraph(args.work / "oxigraph")
                extra.append(oxs)
                t = time.monotonic()
                load_into(oxs.spec, triples(), timeout=600)
                row["load_s"] = round(time.monotonic() - t, 1)
                process, url, row["start_s"] = serve({"NSCN_STORE": oxs.spec}, args.workers)
                endpoint = Endpoint(url + "/sparql")
                roots = [process.pid, oxs.process.pid]
            elif config == "virtuoso":
                import shutil

                shutil.rmtree(args.work / "virtuoso", ignore_errors=True)
                virt = storeservers.start_virtuoso(args.work / "virtuoso")
                extra.append(virt)
                t = time.monotonic()
                load_into(virt.spec, triples(), timeout=600, environ=virt.environ())
                row["load_s"] = round(time.monotonic() - t, 1)
                virt.stop()
                t = time.monotonic()
                virt = storeservers.start_virtuoso(args.work / "virtuoso", fresh=False)
                extra.append(virt)
                row["start_s"] = round(time.monotonic() - t, 2)
                endpoint = Endpoint(virt.base_url + "/sparql", {"default-graph-uri": GRAPH})
                roots = [virt.process.pid]
            else:
                raise SystemExit(f"unknown configuration {config}")
            endpoint.ask("ASK { ?s ?p ?o }")
            row["latency_ms"] = latencies(endpoint, observations, args.repeat)
            row["req_per_s"], row["errors"] = throughput(
                endpoint, observations, args.concurrency, args.duration
            )
            row.update(memory([pid for root in roots for pid in tree(root)]))
        finally:
            if process is not None:
                stop(process)
            for running in extra:
                running.stop()
        results[config] = row
        print(config, json.dumps(row), flush=True)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def print_table(results: dict[str, dict]) -> None:
    names = list(next(iter(results.values()))["latency_ms"]) if results else []
    head = ["config", "load s", "start s", "PSS MB", "RSS MB", "req/s", *names]
    print("\n| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for config, row in results.items():
        cells = [
            config,
            row.get("load_s"),
            row.get("start_s"),
            row.get("pss_mb"),
            row.get("rss_mb"),
            row.get("req_per_s"),
        ]
        cells += [row["latency_ms"].get(n) for n in names]
        print("| " + " | ".join("-" if c is None else str(c) for c in cells) + " |")
    print("(latencies: median ms per query, sequential)")


if __name__ == "__main__":
    main()
