"""nscn-graph's app under granian (a Rust HTTP server), for comparing WSGI servers only.

The app is built once, before granian forks its workers (as gunicorn's ``preload_app``), so the
graph is shared copy-on-write as under ``nscn-graph serve``:

    BENCH_DATA=graph.nt .venv/bin/python bench/granian_serve.py --port 8081 --workers 2 --threads 4

Needs granian: ``pip install -e ".[bench]"`` (the bench extra).
"""

from __future__ import annotations

import argparse
import gc
import os

from granian import Granian
from granian.constants import Interfaces

from nscn_graph.web import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    overrides = {"DATA": [os.environ["BENCH_DATA"]]} if os.environ.get("BENCH_DATA") else {}
    app = create_app(overrides)
    gc.freeze()
    server = Granian(
        "nscn_graph.web:create_app",
        address="127.0.0.1",
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        log_access=False,
    )
    server.serve(target_loader=lambda *_: app, wrap_loader=False)


if __name__ == "__main__":
    main()
