"""Readable SPARQL parse errors: pyoxigraph's message, short, with its line and column.

pyoxigraph says where a query stops parsing and lists what its grammar would have accepted
there, character classes included (an undeclared prefix yields some 600 characters of Unicode
ranges). A person needs less: the position, what was found there, and the few words or symbols
that could have followed; for an undeclared prefix, its name and the prefixes that are declared.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from nscn_graph.errors import QuerySyntaxError
from nscn_graph.sparql.lexer import Token, position, tokens

_POSITION = re.compile(r"error at (\d+):(\d+)")
#: The alternatives a message lists after "expected one of" (or "expected").
_EXPECTED = re.compile(r"expected (?:one of )?(.*)", re.DOTALL)
#: An alternative worth saying: a keyword or a quoted symbol (not a character class).
_WORTH_SAYING = re.compile(r'^(?:[A-Za-z_]+|"[^"\\]+")$')
_MOST_EXPECTED = 8


def query_syntax_error(
    exc: SyntaxError, *, query: str | None = None, prefixes: Mapping[str, str] | None = None
) -> QuerySyntaxError:
    """The :class:`~nscn_graph.errors.QuerySyntaxError` (400) for pyoxigraph's parse error
    ``exc`` on ``query``, with ``line`` and ``column``. ``prefixes`` are the predeclared ones."""
    message = str(exc)
    match = _POSITION.search(message)
    if not match:
        return QuerySyntaxError(f"the query does not parse: {_short(message)}")
    line, column = int(match[1]), int(match[2])
    said = message[match.end() :].lstrip(": ")
    if query is not None and "Prefix not found" in said:
        undeclared = _undeclared_prefix(query, prefixes or {})
        if undeclared is not None:
            name, (line, column) = undeclared
            known = ", ".join(f"{p}:" for p in sorted(prefixes or {}))
            hint = f"; the predeclared prefixes are {known}" if known else ""
            return QuerySyntaxError(
                f"the prefix {name}: is not declared (line {line}, column {column}){hint}. "
                f"Declare it with PREFIX {name}: <…>.",
                line=line,
                column=column,
            )
    found = _found(query, line, column) if query is not None else None
    expected = _expected(said)
    parts = [f"the query does not parse (line {line}, column {column})"]
    if found:
        parts.append(f"found {found}")
    if expected:
        parts.append(f"expected {expected}")
    return QuerySyntaxError(
        ": ".join(parts[:1]) + (": " if len(parts) > 1 else "") + "; ".join(parts[1:]),
        line=line,
        column=column,
    )


def _short(message: str) -> str:
    return " ".join(message.split())[:200]


def _expected(said: str) -> str:
    match = _EXPECTED.match(said)
    if not match:
        return _short(said) if len(said) <= 80 else ""
    items = [item.strip() for item in _split(match[1])]
    words = [i for i in items if _WORTH_SAYING.match(i) and i not in ("_", "Prefix")]
    words = list(dict.fromkeys(words))
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    shown = words[:_MOST_EXPECTED]
    more = ", …" if len(words) > len(shown) else ""
    return "one of " + ", ".join(shown) + more


def _split(listing: str) -> list[str]:
    """The comma-separated alternatives of pyoxigraph's list (commas inside quotes or brackets
    are part of an alternative)."""
    items, current, quote, depth = [], [], None, 0
    chars = iter(listing)
    for char in chars:
        if quote:
            current.append(char)
            if char == "\\":
                current.append(next(chars, ""))
            elif char == quote:
                quote = None
        elif char in "\"'":
            quote = char
            current.append(char)
        elif char == "[":
            depth += 1
            current.append(char)
        elif char == "]":
            depth -= 1
            current.append(char)
        elif char == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def _offset(query: str, line: int, column: int) -> int:
    start = 0
    for _ in range(line - 1):
        found = query.find("\n", start)
        if found < 0:
            return len(query)
        start = found + 1
    return min(len(query), start + column - 1)


def _found(query: str, line: int, column: int) -> str | None:
    """What stands at ``line``:``column``: a token quoted, the end of the query, or ``None``
    where the position falls inside a token or white space."""
    offset = _offset(query, line, column)
    if offset >= len(query.rstrip()):
        return "the end of the query"
    for token in tokens(query):
        if token.start == offset:
            text = token.text if len(token.text) <= 30 else token.text[:27] + "…"
            return f"`{text}`"
        if token.start > offset:
            break
    return None


def _undeclared_prefix(query: str, prefixes: Mapping[str, str]) -> tuple[str, tuple] | None:
    """The first prefixed name whose prefix neither the query nor ``prefixes`` declares, and
    its position."""
    declared = set(prefixes)
    previous: Token | None = None
    for token in tokens(query):
        if token.kind == "pname":
            name = token.text.split(":", 1)[0]
            if (
                previous is not None
                and previous.kind == "word"
                and previous.text.upper() == ("PREFIX")
            ):
                declared.add(name)
            elif name not in declared:
                return name, position(query, token.start)
        previous = token
    return None
