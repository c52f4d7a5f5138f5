"""The query guard: what a read-only endpoint refuses before a query reaches the store.

pyoxigraph would evaluate ``SERVICE`` by making HTTP requests itself, and a SPARQL 1.1 Update
sent as a query must be refused as such (not as a syntax error). The guard reads the query's
tokens from :mod:`nscn_graph.sparql.lexer`, so that only bare keywords count: a keyword inside
a string, a comment, an IRI or a prefixed name (``ex:service``) is harmless; a bare ``SERVICE``
or an update keyword (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``, ``CREATE``,
``ADD``, ``MOVE``, ``COPY``, ``WITH``, ``USING``) is refused, whatever its case. None of these
words is a keyword of the SPARQL 1.1 query language, except ``SERVICE``. A query past one of
the lexer's bounds (nesting, operators, branches, tokens) is refused too
(:func:`nscn_graph.sparql.lexer.check_bounds`, 400). A call to a GeoSPARQL function
(``geof:…``, as a prefixed name or a full IRI) that the store does not evaluate is refused with
a 400 naming the function, rather than answered with unbound values: the store's capabilities
list the ones it evaluates (:mod:`nscn_graph.sparql.geo`). The server, every store and the CLI
run this one check.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping, Sequence

from nscn_graph.errors import BadRequest, Forbidden
from nscn_graph.namespaces import PREFIXES
from nscn_graph.sparql.geo import GEOF, short
from nscn_graph.sparql.lexer import Token, check_bounds, position

#: Keywords that only occur in SPARQL 1.1 Update requests.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)


#: The query forms of SPARQL 1.1 Query.
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")


def check(
    query: str,
    *,
    functions: Container[str] | None = None,
    prefixes: Mapping[str, str] | None = None,
) -> str | None:
    """Raise :class:`~nscn_graph.errors.Forbidden` (403) for an update or a federated query,
    :class:`~nscn_graph.errors.QueryTooComplex` (400) for one past the lexer's bounds, and
    :class:`~nscn_graph.errors.BadRequest` (400) for a call to a GeoSPARQL function not in
    ``functions`` (the store's :attr:`~nscn_graph.stores.base.Capabilities.functions`; ``None``
    checks none), prefixed names resolved with the query's own ``PREFIX`` declarations over
    the predeclared ``prefixes``. Returns the query's form (the first bare ``SELECT``,
    ``CONSTRUCT``, ``DESCRIBE`` or ``ASK``), or ``None`` when it has none (the parser will then
    say what is wrong)."""
    found = check_bounds(query)
    ordered = [t.text.upper() for t in found if t.kind == "word"]
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
    if functions is not None:
        _check_functions(query, found, functions, PREFIXES if prefixes is None else prefixes)
    return next((word for word in ordered if word in FORMS), None)


def function_calls(
    tokens: Sequence[Token], prefixes: Mapping[str, str]
) -> Iterator[tuple[str, Token]]:
    """(IRI, token) of each function call in ``tokens``: a prefixed name or an IRI directly
    followed by ``(``. The query's ``PREFIX`` declarations come before the calls they name."""
    declared = dict(prefixes)
    code = [t for t in tokens if t.kind != "comment"]
    for i, token in enumerate(code):
        if token.kind == "word" and token.text.upper() == "PREFIX" and i + 2 < len(code):
            name, iri = code[i + 1], code[i + 2]
            if name.kind == "pname" and name.text.endswith(":") and iri.kind == "iri":
                declared[name.text[:-1]] = iri.text[1:-1]
            continue
        if i + 1 >= len(code) or code[i + 1].text != "(":
            continue
        if token.kind == "iri":
            yield token.text[1:-1], token
        elif token.kind == "pname":
            prefix, _, local = token.text.partition(":")
            if prefix in declared:
                yield declared[prefix] + local, token


def _check_functions(
    query: str, tokens: Sequence[Token], functions: Container[str], prefixes: Mapping[str, str]
) -> None:
    for iri, token in function_calls(tokens, prefixes):
        if iri.startswith(GEOF) and iri not in functions:
            line, column = position(query, token.start)
            listed = functions if isinstance(functions, Iterable) else ()
            evaluated = ", ".join(sorted(short(f) for f in listed)) or "none"
            raise BadRequest(
                f"This store does not evaluate the GeoSPARQL function {short(iri)} <{iri}> "
                f"(line {line}, column {column}). Rewrite the query with the GeoSPARQL functions "
                f"it evaluates: {evaluated}.",
                title="Unsupported function",
                line=line,
                column=column,
            )
