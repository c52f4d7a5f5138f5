"""Search over the graph: an index built once from the store, folded matching, ranking,
type-ahead and "did you mean".

- :func:`ensure_index`: the index of a store in a build folder, written there first when it is
  missing or was built from other sources (``nscn-graph build`` writes it next to the dumps;
  a server over a remote store writes it at start-up).
- :class:`SearchIndex` (:mod:`.index`): ``search`` and ``suggest``.
- :func:`parse` (:mod:`.query`): a request's text as words, or :class:`~nscn_graph.errors.
  BadRequest` saying what to fix.
- :func:`sparql_for` (:mod:`.sparql`): the same search as a SPARQL query.

The library never imports the web app; ``nscn_graph.web.search`` serves this over HTTP.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

from nscn_graph.namespaces import DEFAULT_BASE

from .collect import Entry, collect
from .index import FORMAT, INDEX_FILE, Hit, Results, SearchIndex, read_meta, write_index
from .query import Query, parse, snippet
from .sparql import sparql_for


def ensure_index(store, out: Path, *, base: str = DEFAULT_BASE) -> SearchIndex:
    """The search index of ``store`` in the folder ``out`` (``out/search.sqlite``); written
    first if there is none, or it was built from other data (the store's
    :meth:`~nscn_graph.stores.base.Store.data_version` and the base; a store whose data can
    change while the server runs, a remote one, has no version, so its index is built anew at
    each start). A folder that cannot be written falls back to a temporary one."""
    version = store.data_version()
    source = hashlib.sha256(f"{version}\0{base}".encode()).hexdigest() if version else None
    path = Path(out) / INDEX_FILE
    meta = read_meta(path)
    if (
        source is None
        or meta is None
        or meta.get("source") != source
        or meta.get("format") != FORMAT
    ):
        entries = collect(store, base=base)
        try:
            write_index(entries, path, source=source or "")
        except OSError:
            path = Path(tempfile.mkdtemp(prefix="nscn-search-")) / INDEX_FILE
            write_index(entries, path, source=source or "")
    return SearchIndex(path)


__all__ = [
    "FORMAT",
    "INDEX_FILE",
    "Entry",
    "Hit",
    "Query",
    "Results",
    "SearchIndex",
    "collect",
    "ensure_index",
    "parse",
    "read_meta",
    "snippet",
    "sparql_for",
    "write_index",
]
