"""Which engine for the search index: SQLite FTS5 (standard library) or tantivy (PyPI), on the
same generated things, folded the same way, answering the same query mix. Prints build time,
size on disk and query latency (median, p99) of each.

    .venv/bin/python bench/search_data.py --things 100000 --out /tmp/nscn-search-100k.nt
    .venv/bin/pip install tantivy            # only for this comparison
    .venv/bin/python bench/search_engines.py --data /tmp/nscn-search-100k.nt --rounds 3

Both sides run the same ranking (tiers: exact whole name, words in names, prefixes, words
anywhere), the SQLite side as :mod:`nscn_graph.search.index` (contentless FTS5 table, BM25
with column weights, prefix indexes), the tantivy side as ``bench/search_tantivy.py``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from nscn_graph.search.collect import collect
from nscn_graph.search.folding import words
from nscn_graph.search.index import SearchIndex, write_index
from nscn_graph.stores import open_store

QUERIES = (
    "tromso kobenhavn helsingfors aarhus arhus helsinky stavanegr reykjavik trondhei data "
    "smart+city sensor energy+platform open+data water mobility+lab city+lab+aarhus bergen "
    "oulu espoo vantaa tampere"
).split()
PREFIXES = "t tr tro k ko kob h he hel s sm sma smart+c a aa aar e en ene".split()


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_sqlite(entries, folder: Path, rounds: int) -> dict:
    return run("sqlite-fts5", write_index, SearchIndex, entries, folder / "search.sqlite", rounds)


def run_tantivy(entries, folder: Path, rounds: int) -> dict:
    sys.path.insert(0, str(Path(__file__).parent))
    import search_tantivy

    return run(
        "tantivy",
        search_tantivy.write_index,
        search_tantivy.SearchIndex,
        entries,
        folder / "search",
        rounds,
    )


def run(name, write, open_index, entries, path: Path, rounds: int) -> dict:
    started = time.monotonic()
    write(entries, path)
    built = time.monotonic() - started
    index = open_index(path)
    search = timed(lambda q: index.search(words(q.replace("+", " ")), limit=20), QUERIES, rounds)
    suggest = timed(lambda q: index.suggest(words(q.replace("+", " "))), PREFIXES, rounds)
    return {
        "engine": name,
        "build_s": built,
        "MB": size_of(path) / 1e6,
        **search,
        **{"suggest_" + k: v for k, v in suggest.items()},
    }


def timed(call, queries, rounds: int) -> dict:
    for q in queries:
        call(q)  # warm
    samples = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            call(q)
            samples.append(time.perf_counter() - started)
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p99_ms": percentile(samples, 0.99) * 1000,
        "max_ms": max(samples) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, nargs="*", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,tantivy")
    args = parser.parse_args()
    from nscn_graph import paths

    store = open_store("memory", files=args.data or paths.data_files())
    entries = collect(store)
    print(f"{len(entries)} things")
    for engine in args.engines.split(","):
        folder = Path(tempfile.mkdtemp(prefix="nscn-engine-"))
        try:
            result = (run_sqlite if engine == "sqlite" else run_tantivy)(
                entries, folder, args.rounds
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        print(
            "  ".join(
                f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in result.items()
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
