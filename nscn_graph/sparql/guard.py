"""The query guard: what a read-only endpoint refuses before a query reaches the store.

pyoxigraph would evaluate ``SERVICE`` by making HTTP requests itself, and a SPARQL 1.1 Update
sent as a query must be refused as such (not as a syntax error). The guard lexes the query the
way the SPARQL 1.1 grammar does (§19.8): comments, string literals, IRIs, variables, language
tags and prefixed names are recognised and set aside, so that only bare keywords are left.
A keyword inside a string, a comment, an IRI or a prefixed name (``ex:service``) is harmless;
a bare ``SERVICE`` or an update keyword (``INSERT``, ``DELETE``, ``LOAD``, ``CLEAR``, ``DROP``,
``CREATE``, ``ADD``, ``MOVE``, ``COPY``, ``WITH``, ``USING``) is refused, whatever its case.
None of these words is a keyword of the SPARQL 1.1 query language, except ``SERVICE``.
A query nested deeper than :data:`MAX_DEPTH` is refused too: the parser recurses, and a
100,000-deep query would overflow its stack.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nscn_graph.errors import Forbidden, QuerySyntaxError

#: Keywords that only occur in SPARQL 1.1 Update requests.
UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH", "USING"}
)
FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
#: Deepest nesting of braces, parentheses and brackets accepted (the parser recurses).
MAX_DEPTH = 256

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_TOKEN = re.compile(
    r"""
      (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
               |'(?:[^'\\\n\r]|\\.)*(?:'|$)
               |"(?:[^"\\\n\r]|\\.)*(?:"|$))
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|"""
    + _UCHAR
    + r""")*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\\\-]|\.(?=[\w:%\\\-]))*)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<word>[^\W\d][\w\-]*)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    """,
    re.VERBOSE | re.UNICODE | re.MULTILINE,
)


def keywords(query: str) -> list[str]:
    """The bare words of ``query`` (upper-cased), with everything quoted or named set aside."""
    return _scan(query)[0]


def _scan(query: str) -> tuple[list[str], int]:
    """The bare words of ``query`` and the deepest nesting of its brackets."""
    words: list[str] = []
    depth = deepest = 0
    for m in _TOKEN.finditer(query):
        if m["word"]:
            words.append(m["word"].upper())
        elif m["open"]:
            depth += 1
            deepest = max(deepest, depth)
        elif m["close"]:
            depth -= 1
    return words, deepest


def query_form(query: str) -> str | None:
    """``SELECT``, ``CONSTRUCT``, ``DESCRIBE`` or ``ASK``: the first such keyword, or ``None``."""
    for word in keywords(query):
        if word in FORMS:
            return word
    return None


def check(query: str) -> None:
    """Raise :class:`~nscn_graph.errors.Forbidden` for an update or a federated query, and
    :class:`~nscn_graph.errors.QuerySyntaxError` for one nested deeper than :data:`MAX_DEPTH`."""
    harmless = _remembered(query) if len(query) <= _REMEMBER_UP_TO else _harmless(query)
    if not harmless:
        _refuse(query)


_REMEMBER_UP_TO = 8192  #: longer queries are checked each time (the memory stays bounded)


def _harmless(query: str) -> bool:
    """Whether ``query`` is none of the above."""
    words, depth = _scan(query)
    return not (set(words) & UPDATE_KEYWORDS or "SERVICE" in words or depth > MAX_DEPTH)


_remembered = lru_cache(maxsize=4096)(_harmless)


def _refuse(query: str) -> None:
    words = set(keywords(query))
    update = sorted(words & UPDATE_KEYWORDS)
    if update:
        raise Forbidden(
            "This endpoint is read-only: SPARQL 1.1 Update requests "
            f"({', '.join(update)}) are not accepted. Send a SELECT, ASK, CONSTRUCT or "
            "DESCRIBE query.",
            title="Read-only endpoint",
        )
    if "SERVICE" not in words:
        raise QuerySyntaxError(
            f"The query nests groups or expressions more than {MAX_DEPTH} levels deep; "
            "this endpoint does not parse it."
        )
    raise Forbidden(
        "Federated queries (SERVICE) are not accepted: this endpoint never connects to "
        "other servers. Query the other endpoint directly instead.",
        title="Federated query refused",
    )
