"""Settings, declared once as data: name, default, help. They feed the CLI's ``--help``, the
README's table and the app factory, which resolves them once: defaults, then the environment
(``NSCN_<NAME>``), then the mapping a caller (a test, the CLI) passes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.paths import ROOT


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str
    kind: type = str


SETTINGS: tuple[Setting, ...] = (
    Setting("BASE", DEFAULT_BASE, "IRI base of everything the graph mints"),
    Setting(
        "PUBLIC_URL",
        None,
        "public URL of the server for absolute links (default: the URL each request came in on)",
    ),
    Setting("ROOT", str(ROOT), "folder holding ontology/, data/ and shapes/"),
    Setting(
        "DATA",
        None,
        "RDF files to serve instead of the bundled data (list, or "
        "paths separated by the OS path separator in the environment)",
        list,
    ),
    Setting("DIST", "dist", "folder where `nscn-graph build` writes dumps and descriptions"),
    Setting("WORKERS", 2, "WSGI worker processes for `serve`", int),
    Setting("THREADS", 4, "threads per WSGI worker for `serve`", int),
    Setting(
        "ACCESS_LOG",
        "-",
        "where `serve` writes its access log (`-`: standard output, `off`: none, or a file)",
    ),
    Setting(
        "STORE",
        "memory",
        "the store to serve and query: memory, oxigraph:DIR or sparql+URL (`--store SPEC`; "
        "credentials for a remote store in NSCN_STORE_USER and NSCN_STORE_PASSWORD)",
    ),
    Setting(
        "STORE_TIMEOUT",
        30.0,
        "seconds to wait for a remote SPARQL store's answer before a 504",
        float,
    ),
    Setting(
        "STORE_CONNECT_TIMEOUT",
        3.0,
        "seconds to wait for a remote SPARQL store to accept a connection (and to answer "
        "`ASK {}` when it is checked) before it counts as down",
        float,
    ),
    Setting(
        "STORE_CONCURRENCY",
        0,
        "calls to a remote SPARQL store at once per WSGI worker, past which a request needing "
        "it is a 503 at once (0: THREADS - 1, so one thread stays free for other requests)",
        int,
    ),
    Setting("VALIDATE_MAX_BYTES", 5_000_000, "largest document `/validate` accepts (bytes)", int),
    Setting("VALIDATE_MAX_TRIPLES", 100_000, "most triples `/validate` checks in a document", int),
    Setting("VALIDATE_TIMEOUT", 30.0, "seconds a `/validate` validation may run", float),
    Setting("VALIDATE_CONCURRENCY", 2, "validations a worker process runs at once", int),
    Setting("SPARQL_TIMEOUT", 10.0, "seconds a SPARQL query may run before it is stopped", float),
    Setting(
        "SPARQL_QUERY_WORKERS",
        0,
        "query worker processes per WSGI worker (0: as many as THREADS)",
        int,
    ),
    Setting(
        "SPARQL_FAST_PATH",
        0.05,
        "a query that once ran in a worker within this many seconds runs in the web thread "
        "from then on (0: always in a worker)",
        float,
    ),
    Setting("SPARQL_MAX_BODY", 1_048_576, "largest /sparql request body, in bytes", int),
    Setting("SPARQL_MAX_QUERY", 100_000, "longest SPARQL query, in characters", int),
    Setting("SPARQL_MAX_RESULT", 50_000_000, "largest serialised SPARQL result, in bytes", int),
)


def resolve(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then ``NSCN_*`` environment variables, then ``overrides``."""
    environ = os.environ if environ is None else environ
    config: dict[str, Any] = {s.name: s.default for s in SETTINGS}
    for setting in SETTINGS:
        raw = environ.get(f"NSCN_{setting.name}")
        if raw is None or raw == "":
            continue
        if setting.kind is list:
            config[setting.name] = raw.split(os.pathsep)
        else:
            config[setting.name] = setting.kind(raw)
    config.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return config
