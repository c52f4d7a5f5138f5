"""Search benchmark: index build time and size, and the latency (median, p99) of ``/search``
and ``/search/suggest`` over HTTP, on the bundled data and on a generated graph of N things
(``bench/search_data.py``), served as ``nscn-graph serve --data FILE`` (gunicorn, 1 worker).
Requests are sequential, from one client, over keep-alive; the same query mix every run.

    .venv/bin/python bench/search.py --things 100000 --rounds 5

Short by design (the machine is shared): a few hundred requests per data set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).parent))

from search_data import write  # noqa: E402
from search_engines import PREFIXES, QUERIES, percentile  # noqa: E402

from nscn_graph import paths  # noqa: E402
from nscn_graph.search import INDEX_FILE, collect, ensure_index  # noqa: E402
from nscn_graph.stores.memory import EmbeddedStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def measure(session: requests.Session, url: str, texts: list[str], rounds: int) -> dict:
    samples = []
    for text in texts:  # warm
        session.get(url, params={"q": text}, headers={"Accept": "application/json"})
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            response = session.get(url, params={"q": text}, headers={"Accept": "application/json"})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (text, response.status_code, response.text)
    return {
        "requests": len(samples),
        "p50_ms": round(statistics.median(samples) * 1000, 2),
        "p99_ms": round(percentile(samples, 0.99) * 1000, 2),
    }


def bench(name: str, files: list[Path], dist: Path, rounds: int) -> dict:
    store = EmbeddedStore.from_files(files)
    started = time.monotonic()
    entries = collect(store)
    collected = time.monotonic() - started
    ensure_index(store, dist, files=files)  # what `nscn-graph build` and the server do
    built = time.monotonic() - started
    size = (dist / INDEX_FILE).stat().st_size
    del store
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
        texts = [q.replace("+", " ") for q in QUERIES]
        prefixes = [p.replace("+", " ") for p in PREFIXES]
        return {
            "data": name,
            "things": len(entries),
            "collect_s": round(collected, 2),
            "index_build_s": round(built, 2),
            "index_MB": round(size / 1e6, 1),
            "search": measure(session, base + "/search", texts, rounds),
            "suggest": measure(session, base + "/search/suggest", prefixes, rounds),
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--things", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="nscn-search-bench-") as tmp:
        folder = Path(tmp)
        sets = [("bundled", paths.data_files())]
        if args.things:
            generated = write(args.things, folder / f"things-{args.things}.nt")
            sets.append((f"generated {args.things}", [generated]))
        for name, files in sets:
            dist = folder / name.replace(" ", "-")
            dist.mkdir()
            result = bench(name, files, dist, args.rounds)
            print(json.dumps(result), flush=True)
            results.append(result)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
