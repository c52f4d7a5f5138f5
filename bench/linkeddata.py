"""How fast the linked-data part answers: start-up preparation, then requests per path.

    .venv/bin/python bench/linkeddata.py                 # in-process (Flask test client)
    .venv/bin/python bench/linkeddata.py http://127.0.0.1:8080   # a running server over HTTP

Prints the median and 95th percentile per path, over every thing for /id and /doc. Numbers,
not assertions: the tests never time anything.
"""

from __future__ import annotations

import statistics
import sys
import time

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def main(url: str | None = None) -> None:
    from nscn_graph.web import create_app

    started = time.perf_counter()
    app = create_app({"TESTING": True})
    print(
        f"create_app (load, index {len(app.extensions['nscn.linked'].documents)} documents, "
        f"landing, map): {1000 * (time.perf_counter() - started):.0f} ms"
    )
    keys = [d.key for d in app.extensions["nscn.linked"].documents]
    if url:
        import requests

        session = requests.Session()

        def get(path, accept=None):
            headers = {"Accept": accept} if accept else {}
            return session.get(url + path, headers=headers, allow_redirects=False, timeout=30)
    else:
        client = app.test_client()

        def get(path, accept=None):
            return client.get(path, headers={"Accept": accept} if accept else {})

    cases = [
        ("/id/{key} (303)", [(f"/id/{k}", None) for k in keys], 303),
        ("/doc/{key} Turtle", [(f"/doc/{k}", "text/turtle") for k in keys], 200),
        ("/doc/{key} JSON-LD", [(f"/doc/{k}", "application/ld+json") for k in keys], 200),
        ("/doc/{key} RDF/XML", [(f"/doc/{k}", "application/rdf+xml") for k in keys], 200),
        ("/doc/{key} HTML", [(f"/doc/{k}", BROWSER) for k in keys], 200),
        ("/", [("/", BROWSER)] * 50, 200),
        ("/ontology HTML", [("/ontology", BROWSER)] * 20, 200),
        ("/shapes HTML", [("/shapes", BROWSER)] * 20, 200),
    ]
    for name, requests_, status in cases:
        first = None
        times = []
        for path, accept in requests_ * 2:  # the second round is served from what was kept
            t = time.perf_counter()
            response = get(path, accept)
            elapsed = 1000 * (time.perf_counter() - t)
            first = elapsed if first is None else first
            assert response.status_code == status, (path, response.status_code)
            times.append(elapsed)
        times.sort()
        p95 = times[int(0.95 * (len(times) - 1))]
        print(
            f"{name:22} n={len(times):4}  first {first:7.1f} ms  "
            f"median {statistics.median(times):6.2f} ms  p95 {p95:6.2f} ms"
        )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
