"""Reconciliation benchmark: a batch of 100 queries (``POST /reconcile``, ``queries=``, as
OpenRefine sends it) timed in-process (Flask's test client) and over HTTP (``nscn-graph serve``,
gunicorn, 1 worker), on the bundled data. The batch mixes plain names in folded and native
spellings, names with a type, names with a property constraint, typos and identifiers; the
same batch every run. Prints the median and the slowest of the rounds (target: under 1 s).

    .venv/bin/python bench/reconcile.py --rounds 10
    .venv/bin/python bench/reconcile.py --url http://127.0.0.1:8080   # a running server
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

NSCN = "https://w3id.org/nscn/ontology#"
ID = "https://w3id.org/nscn/id/"


def batch(size: int = 100) -> dict[str, dict]:
    """``size`` queries made from the bundled data's names (read through the search index's
    collector, so the mix follows the data)."""
    from nscn_graph import paths
    from nscn_graph.search import collect
    from nscn_graph.search.folding import fold
    from nscn_graph.stores.memory import EmbeddedStore

    entries = collect(EmbeddedStore.from_files(paths.data_files()))
    named = [e for e in entries if e.labels and e.kind != "population"]
    queries: dict[str, dict] = {}
    for i in range(size):
        entry = named[(i * 7) % len(named)]
        text = entry.labels[i % len(entry.labels)][0]
        query: dict = {"query": fold(text) if i % 2 else text}
        if i % 5 == 1:
            query.update(type=entry.kind, type_strict="should")
        if i % 5 == 2 and entry.kind in ("lab", "case"):
            query["properties"] = [{"pid": NSCN + "city", "v": "Helsinki"}]
        if i % 10 == 3:
            query = {"query": text[:-1] + "x"}  # a typo
        if i % 25 == 4:
            query = {"query": entry.iri}
        queries[f"q{i}"] = query
    return queries


def run(post, queries: dict, rounds: int) -> list[float]:
    body = {"queries": json.dumps(queries)}
    post(body)  # warm: the index, the property list
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        answer = post(body)
        samples.append(time.perf_counter() - started)
        assert set(answer) == set(queries), "every query answered"
    return samples


def report(name: str, samples: list[float]) -> dict:
    row = {
        "where": name,
        "rounds": len(samples),
        "median_s": round(statistics.median(samples), 3),
        "max_s": round(max(samples), 3),
    }
    print(
        f"{name:<12} median {row['median_s']:.3f} s  slowest {row['max_s']:.3f} s  "
        f"({len(samples)} rounds of a 100-query batch)"
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--url", help="a running server instead of the ones started here")
    parser.add_argument("--json", type=Path, help="write the numbers here")
    args = parser.parse_args()
    queries = batch(args.size)
    rows = []
    if args.url:
        session = requests.Session()
        rows.append(
            report(
                "http",
                run(
                    lambda b: session.post(
                        args.url.rstrip("/") + "/reconcile", data=b, timeout=60
                    ).json(),
                    queries,
                    args.rounds,
                ),
            )
        )
    else:
        from nscn_graph.web import create_app

        client = create_app({"TESTING": True}).test_client()
        rows.append(
            report(
                "in-process",
                run(lambda b: client.post("/reconcile", data=b).get_json(), queries, args.rounds),
            )
        )
        from conftest import serving

        with serving("--workers", "1", "--threads", "2") as url:
            session = requests.Session()
            rows.append(
                report(
                    "http",
                    run(
                        lambda b: session.post(url + "/reconcile", data=b, timeout=60).json(),
                        queries,
                        args.rounds,
                    ),
                )
            )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
