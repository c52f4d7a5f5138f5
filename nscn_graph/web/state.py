"""What the server publishes, prepared once at start-up and hung on ``app.extensions``.

The store is chosen by the ``STORE`` setting (``serve --store SPEC``, see
:mod:`nscn_graph.stores`); the server only uses the store protocol
(:class:`~nscn_graph.stores.base.Store`), never asks which backend it is.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from nscn_graph import paths
from nscn_graph.errors import StoreUnavailable
from nscn_graph.namespaces import rebase_prefixes
from nscn_graph.publish.describe import Summary
from nscn_graph.stores import Store, open_store

MB = 1 << 20


class Published:
    """The store and the facts computed from it once. A remote store that is down at start-up
    does not stop the server: its counts are computed on first use, and until then every
    answer that needs it is a 503 and ``/health`` says so."""

    def __init__(self, *, store: Store, base: str, prefixes: dict[str, str]) -> None:
        self.store = store
        self.base = base
        self.prefixes = prefixes
        self._summary: Summary | None = None

    @property
    def summary(self) -> Summary:
        if self._summary is None:
            self._summary = self.store.summary()
        return self._summary

    @property
    def data_version(self) -> str | None:
        """A name of the served content (for validators), or ``None`` when the store can
        change while the server runs (:meth:`nscn_graph.stores.base.Store.data_version`)."""
        return self.store.data_version()


def init_app(app: Flask) -> None:
    config = app.config
    root = Path(config["ROOT"])
    files = [Path(p) for p in config["DATA"]] if config["DATA"] else paths.data_files(root)
    concurrency = config["STORE_CONCURRENCY"] or max(1, config["THREADS"] - 1)
    # every process that reads an in-memory graph may end up with its own copy of its pages
    # (reading one writes to it): the master, each web worker and each of its query workers
    workers = config["WORKERS"]
    readers = 1 + workers * (1 + (config["SPARQL_QUERY_WORKERS"] or config["THREADS"]))
    store = open_store(
        config["STORE"],
        files=files,
        base=config["BASE"],
        timeout=config["STORE_TIMEOUT"],
        connect_timeout=config["STORE_CONNECT_TIMEOUT"],
        concurrency=concurrency,
        memory_budget=config["MEMORY_STORE_BUDGET"] * MB,
        readers=readers,
    )
    graph = Published(store=store, base=config["BASE"], prefixes=rebase_prefixes(config["BASE"]))
    try:
        graph.summary  # noqa: B018 - computed once, in the master, before workers fork
    except StoreUnavailable as exc:
        app.logger.warning("store %s unavailable at start-up: %s", config["STORE"], exc)
    app.extensions["nscn"] = graph


def published() -> Published:
    return current_app.extensions["nscn"]
