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

import tempfile
from collections.abc import Sequence
from pathlib import Path

from nscn_graph.namespaces import DEFAULT_BASE

from .collect import Entry, collect
from .index import FORMAT, INDEX_FILE, Hit, Results, SearchIndex, read_meta, write_index
from .query import Query, parse, snippet
from .sparql import sparql_for


def ensure_index(
    store, out: Path, *, files: Sequence[Path] = (), base: str = DEFAULT_BASE
) -> SearchIndex:
    """The search index of ``store`` in the folder ``out`` (``out/search.sqlite``); written
    first if there is none, or it was built from other sources (the fingerprint of
    :func:`nscn_graph.publish.build.source_of`). A folder that cannot be written falls back to
    a temporary one."""
    from nscn_graph.publish.build import source_of

    source = source_of(store, files, base=base)
    path = Path(out) / INDEX_FILE
    meta = read_meta(path)
    if meta is None or meta.get("source") != source or meta.get("format") != FORMAT:
        entries = collect(store, base=base)
        try:
            write_index(entries, path, source=source)
        except OSError:
            path = Path(tempfile.mkdtemp(prefix="nscn-search-")) / INDEX_FILE
            write_index(entries, path, source=source)
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
