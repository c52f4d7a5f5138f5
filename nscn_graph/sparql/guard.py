"""The query guard: what a read-only endpoint refuses before a query reaches the store.

pyoxigraph would evaluate ``SERVICE`` by making HTTP requests itself, and a SPARQL 1.1 Update
sent as a query must be refused as such (not as a syntax error). The guard reads the query's
tokens from :mod:`nscn_graph.sparql.lexer`, so that only bare keywords count: a keyword inside
a string, a comment, an IRI or a prefixed name (``ex:service``) is harmless; a bare ``SERVICE``
or an update keyword (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``,
``ADD``, ``MOVE``, ``COPY``, ``WITH``, ``USING``) is refused, whatever its case. None of these
words is a keyword of the SPARQL 1.1 query language, except ``SERVICE``. A query past one of
the lexer's bounds (nesting, operators, branches, tokens) is refused too
(:func:`nscn_graph.sparql.lexer.check_bounds`, 400). The server, every store and the CLI run
this one check.
"""

from __future__ import annotations

from nscn_graph.errors import Forbidden
from nscn_graph.sparql.lexer import check_bounds

#: Keywords that only occur in SPARQL 1.1 Update requests.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)


#: The query forms of SPARQL 1.1 Query.
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def check(query: str) -> str | None:
    """Raise :class:`~nscn_graph.errors.Forbidden` (403) for an update or a federated query,
    and :class:`~nscn_graph.errors.QueryTooComplex` (400) for one past the lexer's bounds.
    Returns the query's form (the first bare ``SELECT``, ``CONSTRUCT``, ``DESCRIBE`` or
    ``ASK``), or ``None`` when it has none (the parser will then say what is wrong)."""
    ordered = [t.text.upper() for t in check_bounds(query) if t.kind == "word"]
    words = set(ordered)
    update = sorted(words & UPDATE_KEYWORDS)
    if update:
        raise Forbidden(
            "This endpoint is read-only: SPARQL 1.1 Update requests "
            f"({', '.join(update)}) are not accepted. Send a SELECT, ASK, CONSTRUCT or "
            "DESCRIBE query.",
            title="Read-only endpoint",
        )
    if "SERVICE" in words:
        raise Forbidden(
            "Federated queries (SERVICE) are not accepted: this endpoint never connects to "
            "other servers. Query the other endpoint directly instead.",
            title="Federated query refused",
        )
    return next((word for word in ordered if word in FORMS), None)
