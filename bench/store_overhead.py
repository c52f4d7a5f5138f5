"""What ``nscn-graph serve --store sparql+…`` costs in front of a real SPARQL store (not a test).

For each store (Oxigraph server, Virtuoso), in one run and over the same data (about 1M triples,
``bench/generate.py``, seeded), the query mix of ``bench/run.py`` is sent at the same
concurrency, in interleaved bursts, to

- ``direct``: the store's own endpoint, with ``default-graph-uri`` naming the graph;
- ``front``: ``nscn-graph serve --store SPEC`` (2 workers x 4 threads, access log off) over it;

and the table gives both throughputs and their ratio (goal: front >= 0.9 x direct, that is our
overhead under 10 %), with the median latency of each query of the mix, sequential.

    make .venv/bin/nscn-graph store-servers
    .venv/bin/python bench/store_overhead.py --triples 1000000 --concurrency 4 --seconds 10 \\
        --rounds 3 --json /tmp/nscn-bench/overhead.json
    .venv/bin/python bench/store_overhead.py --triples 100000 --seconds 2 --rounds 1  # sanity
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests
import requests.auth

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (bench/run.py: the mix, the load helpers, memory of a process tree)

storeservers = run.storeservers


def serve_front(spec: str, env: dict[str, str], work: Path, workers: int, threads: int):
    """``nscn-graph serve --store SPEC``; returns (process, base URL). The first start over new
    data builds the dumps and descriptions into its own DIST, which may take a minute at 1M."""
    port = storeservers.free_port()
    log = (work / "front.log").open("ab")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("nscn-graph")),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--store",
            spec,
        ],
        env={
            **os.environ,
            **env,
            "NSCN_ACCESS_LOG": "off",
            "NSCN_DIST": str(work / "dist"),
            # one client at full speed: fair use still counts it, and never refuses it
            "NSCN_FAIR_USE_QUERY_TIME": "1000000",
            "NSCN_FAIR_USE_CONCURRENCY": "1000",
            # as many calls to the store at once as the direct client makes (by default one
            # thread per worker is kept for other requests, and the client's 4th call is a 503)
            "NSCN_STORE_CONCURRENCY": str(threads),
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"nscn-graph serve exited; see {work / 'front.log'}")
        try:
            if requests.get(url + "/health", timeout=5).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise SystemExit("nscn-graph serve did not start")


def load(store, data: Path, batch: int = 100_000) -> None:
    """The data into the store's graph by the Graph Store Protocol (a PUT, then POSTs of
    ``batch`` lines), with a generous timeout for each request."""
    gsp = store.spec.split("gsp=", 1)[1].split("&", 1)[0]
    auth = requests.auth.HTTPDigestAuth(*store.credentials) if store.credentials else None
    lines: list[bytes] = []
    first = True

    def send() -> None:
        nonlocal first
        response = requests.request(
            "PUT" if first else "POST",
            gsp,
            params={"graph": storeservers.GRAPH},
            data=b"".join(lines),
            headers={"Content-Type": "text/turtle; charset=utf-8"},
            auth=auth,
            timeout=(30, 900),
        )
        response.raise_for_status()
        first = False
        lines.clear()

    with data.open("rb") as triples:
        for line in triples:
            lines.append(line)
            if len(lines) >= batch:
                send()
    if lines or first:
        send()


def start_store(name: str, folder: Path):
    shutil.rmtree(folder, ignore_errors=True)
    if name == "oxigraph":
        return storeservers.start_oxigraph(folder)
    return storeservers.start_virtuoso(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/nscn-bench"))
    parser.add_argument("--stores", default="oxigraph,virtuoso", help="comma-separated subset")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10, help="length of one burst")
    parser.add_argument("--rounds", type=int, default=3, help="bursts per endpoint")
    parser.add_argument("--repeat", type=int, default=5, help="sequential rounds for latencies")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    data = run.ensure_data(args.work, args.triples)
    observations = run.count_observations(data)

    results: dict[str, dict] = {}
    for name in args.stores.split(","):
        work = args.work / f"overhead-{name}-{args.triples}"
        work.mkdir(parents=True, exist_ok=True)
        store = start_store(name, work / "store")
        front = None
        try:
            started = time.monotonic()
            load(store, data)
            loaded = round(time.monotonic() - started, 1)
            front, url = serve_front(store.spec, store.environ(), work, args.workers, args.threads)
            endpoints = {
                "direct": run.Endpoint(
                    store.base_url + ("/query" if name == "oxigraph" else "/sparql"),
                    {"default-graph-uri": storeservers.GRAPH},
                ),
                "front": run.Endpoint(url + "/sparql"),
            }
            for endpoint in endpoints.values():
                endpoint.ask("ASK { ?s ?p ?o }")
            row: dict = {"load_s": loaded, "latency_ms": {}, "req_per_s": {}, "errors": {}}
            for key, endpoint in endpoints.items():
                row["latency_ms"][key] = run.latencies(endpoint, observations, args.repeat)
            done = {key: 0.0 for key in endpoints}
            errors = {key: 0 for key in endpoints}
            for _ in range(args.rounds):  # interleaved, so that both see the same machine
                for key, endpoint in endpoints.items():
                    rate, failed = run.throughput(
                        endpoint, observations, args.concurrency, args.seconds
                    )
                    done[key] += rate
                    errors[key] += failed
            row["req_per_s"] = {k: round(v / args.rounds, 1) for k, v in done.items()}
            row["errors"] = errors
            direct = row["req_per_s"]["direct"]
            row["ratio"] = round(row["req_per_s"]["front"] / direct, 3) if direct else None
            results[name] = row
            print(name, json.dumps(row), flush=True)
        finally:
            if front is not None:
                run.stop(front)
            store.stop()
    print_table(results, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def print_table(results: dict[str, dict], args: argparse.Namespace) -> None:
    print(
        f"\n{args.triples} triples, concurrency {args.concurrency}, {args.rounds} x "
        f"{args.seconds:g} s bursts per endpoint, interleaved"
    )
    print("| store | direct req/s | front req/s | front / direct | errors (direct, front) |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        rates, errors = row["req_per_s"], row["errors"]
        print(
            f"| {name} | {rates['direct']} | {rates['front']} | {row['ratio']} | "
            f"{errors['direct']}, {errors['front']} |"
        )
    for name, row in results.items():
        names = list(row["latency_ms"]["direct"])
        print(f"\n{name}: median ms per query, sequential")
        print("| endpoint | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for key in ("direct", "front"):
            cells = [str(row["latency_ms"][key].get(n)) for n in names]
            print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
