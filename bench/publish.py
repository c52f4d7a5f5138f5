"""Benchmark of the publishing side: ``nscn-graph build``, and a real server (gunicorn) answering
dumps (full and conditional), the descriptions and ``/validate``.

    .venv/bin/python bench/publish.py [--requests 200] [--port 8765]

Prints timings; asserts nothing (numbers depend on the machine).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def report(label: str, times: list[float], concurrency: int = 1) -> None:
    total = sum(times)
    print(
        f"{label:<44} n={len(times):<4} median={statistics.median(times) * 1000:8.2f} ms  "
        f"p95={sorted(times)[int(len(times) * 0.95) - 1] * 1000:8.2f} ms  "
        f"~{len(times) / total * concurrency:8.1f} req/s"
    )


def main() -> int:
    options = argparse.ArgumentParser()
    options.add_argument("--requests", type=int, default=200)
    options.add_argument("--port", type=int, default=8765)
    args = options.parse_args()
    cli = [sys.executable, "-m", "nscn_graph.cli"]

    with tempfile.TemporaryDirectory() as tmp:
        dist = Path(tmp) / "dist"
        start = time.perf_counter()
        subprocess.run([*cli, "build", "--out", str(dist)], check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        print(f"nscn-graph build (validate + 3 dumps + VoID + DCAT): {elapsed:.2f} s")

        env = {"NSCN_DIST": str(dist), "PATH": "/usr/bin:/bin"}
        server = subprocess.Popen(
            [*cli, "serve", "--port", str(args.port), "--workers", "2", "--threads", "4"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{args.port}"
        try:
            for _ in range(100):
                try:
                    if requests.get(base + "/health", timeout=1).ok:
                        break
                except requests.ConnectionError:
                    time.sleep(0.2)
            session = requests.Session()
            name = session.get(base + "/dumps/", timeout=5).json()["dumps"][0]["file"]
            url = f"{base}/dumps/{name}"
            etag = session.head(url, timeout=5).headers["ETag"]
            n = args.requests
            report("GET /dumps/<ttl> (full body)", timed(lambda: session.get(url).content, n))
            report(
                "GET /dumps/<ttl> If-None-Match (304)",
                timed(lambda: session.get(url, headers={"If-None-Match": etag}), n),
            )
            report("HEAD /dumps/<ttl>", timed(lambda: session.head(url), n))
            report(
                "GET /.well-known/void (Turtle)",
                timed(lambda: session.get(base + "/.well-known/void"), n),
            )
            report(
                "GET /catalog (JSON-LD)",
                timed(
                    lambda: session.get(
                        base + "/catalog", headers={"Accept": "application/ld+json"}
                    ),
                    n,
                ),
            )
            document = (ROOT / "tests" / "shapes" / "S05-invalid-01.ttl").read_bytes()
            report(
                "POST /validate (small document)",
                timed(
                    lambda: session.post(
                        base + "/validate",
                        data=document,
                        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
                    ),
                    max(10, n // 10),
                ),
            )
            whole = (dist / "dumps" / name).read_bytes()
            report(
                f"POST /validate (whole dump, {len(whole)} bytes)",
                timed(
                    lambda: session.post(
                        base + "/validate",
                        data=whole,
                        headers={"Content-Type": "text/turtle", "Accept": "application/json"},
                    ),
                    5,
                ),
            )

            def fetch(_):
                start = time.perf_counter()
                assert requests.get(url, timeout=10).content
                return time.perf_counter() - start

            with ThreadPoolExecutor(8) as pool:
                start = time.perf_counter()
                times = list(pool.map(fetch, range(n)))
                wall = time.perf_counter() - start
            print(
                f"{'GET /dumps/<ttl>, 8 clients at once':<44} n={n:<4} "
                f"median={statistics.median(times) * 1000:8.2f} ms  ~{n / wall:8.1f} req/s"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
