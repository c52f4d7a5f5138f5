"""What the server publishes, prepared once at start-up and hung on ``app.extensions``.

The store is chosen by the ``STORE`` setting (``serve --store SPEC``, see
:mod:`nscn_graph.stores`): the embedded store loaded from the data files, a persistent on-disk
store, or a remote SPARQL 1.1 store. Everything the server answers comes from ``store``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Flask, current_app

from nscn_graph import paths
from nscn_graph.errors import StoreUnavailable
from nscn_graph.namespaces import rebase_prefixes
from nscn_graph.publish.build import fingerprint
from nscn_graph.publish.describe import Summary
from nscn_graph.stores import (
    MEMORY,
    OXIGRAPH,
    Store,
    describe_store,
    open_store,
    parse_spec,
    summary_of,
)


class Published:
    """The store and the facts computed from it once. A remote store that is down at start-up
    does not stop the server: its counts are computed on first use, and until then every
    answer that needs it is a 503 and ``/health`` says so."""

    def __init__(
        self,
        *,
        store: Store,
        base: str,
        prefixes: dict[str, str],
        files: list[Path],
        summary: Summary | None = None,
        data_version: str | None = None,
    ) -> None:
        self.store = store
        self.base = base
        self.prefixes = prefixes
        self.files = files
        self._summary = summary
        #: The identity of the data served, fixed at start-up (``None``: a store whose data can
        #: change under the server); HTTP validators of query answers are derived from it.
        self.data_version = data_version

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = summary_of(self.store, base=self.base)
        return self._summary

    @property
    def store_kind(self) -> str:
        return describe_store(self.store)


def init_app(app: Flask) -> None:
    config = app.config
    root = Path(config["ROOT"])
    files = [Path(p) for p in config["DATA"]] if config["DATA"] else paths.data_files(root)
    base = config["BASE"]
    spec = parse_spec(config["STORE"], base=base)
    store = open_store(
        spec, files=files if spec.kind == MEMORY else (), base=base, timeout=config["STORE_TIMEOUT"]
    )
    graph = Published(
        store=store,
        base=base,
        prefixes=rebase_prefixes(base),
        files=files if spec.kind == MEMORY else [],
        data_version=_data_version(spec.kind, store, files, base),
    )
    try:
        graph.summary  # noqa: B018 - computed once, in the master, before workers fork
    except StoreUnavailable as exc:
        app.logger.warning("store %s unavailable at start-up: %s", spec, exc)
    app.extensions["nscn"] = graph


def _data_version(kind: str, store: Store, files: list[Path], base: str) -> str | None:
    """What identifies the data: the digest of the data files (and release and base) for the
    embedded store, of the build statistics (written with a time stamp) for a persistent
    store, ``None`` for a remote store, whose data others may change."""
    if kind == MEMORY:
        return fingerprint(files, base=base)
    if kind == OXIGRAPH:
        stats = getattr(store, "stats", None)
        if stats:
            return hashlib.sha256(json.dumps(stats, sort_keys=True).encode()).hexdigest()
    return None


def published() -> Published:
    return current_app.extensions["nscn"]
