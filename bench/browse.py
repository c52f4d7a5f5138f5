"""Browse pages (``/doc/{type}/``) over a kind with N things: the first page, a filtered page and
a deep page, in HTML and CSV, over HTTP against ``nscn-graph serve --data FILE`` (gunicorn, one
worker, two threads), sequential requests with keep-alive. The kind's index is read from the
store once, at start-up (``index_s``: that reading, in-process); each request then works out
its page, filters and facet counts from it and renders it (the server keeps no answers).

The graph is the bundled data plus N generated cases (``id/case/gNNNNN``, seeded), each in one
or two of the member cities, on one to three of the bundled themes, most with a start date, so
that every facet of cases (city, country through the city, theme, year) has work to do.

    .venv/bin/python bench/browse.py --things 10000 --rounds 20
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

from nscn_graph import paths
from nscn_graph.graph.load import load

ROOT = paths.ROOT
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
NSCN = "https://w3id.org/nscn/ontology#"
START = "https://schema.org/startDate"
XSD = "http://www.w3.org/2001/XMLSchema#"
BASE = "https://w3id.org/nscn/id/"
WORDS = (
    "smart mobility energy data platform lab pilot harbour street bicycle climate water "
    "waste heat light school health citizen open urban digital twin sensor"
).split()

PAGES = {
    "first page (HTML)": ("/doc/case/", "text/html"),
    "first page (CSV)": ("/doc/case/?format=csv", "text/csv"),
    "filtered page (HTML)": ("/doc/case/?city=aarhus&theme=mobility", "text/html"),
    "deep page (HTML)": ("/doc/case/?page=150", "text/html"),
}


def write(n: int, out: Path, seed: int = 1) -> Path:
    rng = random.Random(seed)
    bundled = list(load(paths.data_files()).triples())

    def of(cls: str) -> list[str]:
        return sorted(
            {
                t.subject.value
                for t in bundled
                if t.predicate.value == RDF_TYPE and t.object.value == NSCN + cls
            }
        )

    cities, themes = of("SmartCity"), of("Theme")
    nn, lit = ox.NamedNode, ox.Literal

    def generated():
        yield from bundled
        for i in range(n):
            case = nn(f"{BASE}case/g{i:05d}")
            yield ox.Triple(case, nn(RDF_TYPE), nn(NSCN + "Case"))
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 4))).capitalize()
            yield ox.Triple(case, nn(RDFS_LABEL), lit(f"{title} {i}", language="en"))
            for city in rng.sample(cities, rng.randint(1, 2)):
                yield ox.Triple(case, nn(NSCN + "city"), nn(city))
            for theme in rng.sample(themes, rng.randint(1, 3)):
                yield ox.Triple(case, nn(NSCN + "theme"), nn(theme))
            if rng.random() < 0.8:
                year = nn(XSD + "gYear")
                yield ox.Triple(case, nn(START), lit(str(rng.randint(2012, 2025)), datatype=year))

    with out.open("wb") as file:
        ox.serialize(generated(), file, format=ox.RdfFormat.N_TRIPLES)
    return out


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(session: requests.Session, url: str, accept: str, rounds: int) -> dict:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        response = session.get(url, headers={"Accept": accept}, timeout=60)
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 1),
        "first_ms": None,
        "bytes": len(response.content),
    }


def bench(files: list[Path], dist: Path, rounds: int) -> dict:
    port = free_port()
    env = {**os.environ, "NSCN_DIST": str(dist), "NSCN_ACCESS_LOG": "off"}
    command = [sys.executable, "-m", "nscn_graph.cli", "serve", "--port", str(port)]
    command += ["--workers", "1", "--threads", "2", "--data", *map(str, files)]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600
        while True:
            try:
                if requests.get(base + "/health", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.5)
        session = requests.Session()
        results = {}
        for name, (path, accept) in PAGES.items():
            started = time.perf_counter()
            session.get(base + path, headers={"Accept": accept}, timeout=60).raise_for_status()
            first = round((time.perf_counter() - started) * 1000, 1)
            results[name] = measure(session, base + path, accept, rounds)
            results[name]["first_ms"] = first
        total = session.get(base + "/doc/case/?format=ttl", timeout=60).text
        results["cases"] = int(re.search(r"totalItems>?\s+(\d+)", total).group(1))
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def index_time(data: Path) -> float:
    """Seconds to read the cases' browse index from the embedded store (done once, at
    start-up), in-process."""
    from nscn_graph.publish import collection
    from nscn_graph.publish.annotations import load as load_layout
    from nscn_graph.stores.memory import EmbeddedStore

    store = EmbeddedStore.from_files([data])
    kind = load_layout().browsable()["case"]
    started = time.perf_counter()
    collection.prepare(store, kind)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--things", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="nscn-browse-bench-") as tmp:
        folder = Path(tmp)
        data = write(args.things, folder / f"cases-{args.things}.nt")
        dist = folder / "dist"
        dist.mkdir()
        result = {"things": args.things, "index_s": index_time(data)}
        result.update(bench([data], dist, args.rounds))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
