"""Running a SPARQL query and writing its results in a chosen format.

SELECT and ASK results go to the SPARQL result formats (JSON, XML, CSV, TSV) or to a text table
for people; CONSTRUCT and DESCRIBE results go to the RDF formats.
"""

from __future__ import annotations

import pyoxigraph as ox

from nscn_graph import formats
from nscn_graph.errors import BadRequest
from nscn_graph.graph.serialize import serialize
from nscn_graph.stores.memory import QueryResult

#: ``--format`` names the CLI accepts.
TABLE = "table"
FORMAT_NAMES = (TABLE, *(f.name for f in formats.RESULT_FORMATS + formats.RDF_FORMATS))


def is_graph_result(result: QueryResult) -> bool:
    """CONSTRUCT/DESCRIBE results: ``QueryTriples``, or the iterable of triples a remote store
    answers (:class:`nscn_graph.stores.RemoteTriples`)."""
    return not isinstance(result, ox.QuerySolutions | ox.QueryBoolean)


def write_result(result: QueryResult, fmt_name: str = TABLE) -> bytes:
    """``result`` in the format called ``fmt_name`` (``table`` for people)."""
    graph = is_graph_result(result)
    if fmt_name == TABLE:
        if graph:
            return serialize(result, formats.TURTLE)
        return table(result).encode("utf-8")
    fmt = formats.by_name(fmt_name)
    if graph != (fmt in formats.RDF_FORMATS):
        kind = "CONSTRUCT/DESCRIBE" if graph else "SELECT/ASK"
        offered = formats.RDF_FORMATS if graph else formats.RESULT_FORMATS
        raise BadRequest(
            f"{fmt.label} cannot hold {kind} results; use one of: "
            + ", ".join(f.name for f in offered)
        )
    if graph:
        return serialize(result, fmt)
    return result.serialize(format=fmt.oxigraph)


def table(result: ox.QuerySolutions | ox.QueryBoolean) -> str:
    """A plain-text table of SELECT results (or ``true``/``false`` for ASK)."""
    if isinstance(result, ox.QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
    names = [v.value for v in result.variables]
    rows = [[_cell(solution[name]) for name in names] for solution in result]
    widths = [max([len(n), *(len(r[i]) for r in rows)]) for i, n in enumerate(names)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)), line]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def _cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.Literal):
        return f"{term.value}@{term.language}" if term.language else term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    return str(term)
