"""What the server publishes, prepared once at start-up and hung on ``app.extensions``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from nscn_graph import paths
from nscn_graph.describe import Summary, summarise
from nscn_graph.namespaces import rebase_prefixes
from nscn_graph.store import EmbeddedStore


@dataclass
class Published:
    store: EmbeddedStore
    summary: Summary
    base: str
    prefixes: dict[str, str]
    files: list[Path]


def init_app(app: Flask) -> None:
    config = app.config
    root = Path(config["ROOT"])
    files = [Path(p) for p in config["DATA"]] if config["DATA"] else paths.data_files(root)
    base = config["BASE"]
    store = EmbeddedStore.from_files(files, base=base)
    app.extensions["nscn"] = Published(
        store=store,
        summary=summarise(store, base=base),
        base=base,
        prefixes=rebase_prefixes(base),
        files=files,
    )


def published() -> Published:
    return current_app.extensions["nscn"]
