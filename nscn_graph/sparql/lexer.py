"""The one SPARQL lexer: every place that reads a query's text (the query guard, the scoping of
a query sent to a remote store, the parse-error messages) reads its tokens from here.

Tokens follow the SPARQL 1.1 grammar's terminals (§19.8): comments, string literals, IRIs,
variables, language tags, prefixed names (with their ``\\``-escapes), blank node labels and
bare words are recognised as wholes, so that a keyword or a bracket inside a string, an IRI, a
comment or a name is never taken for one.

:func:`check_bounds` bounds what the query engine would otherwise take on without limit: its
parser and optimiser recurse once per nesting level, per chained operator and per ``UNION`` or
``OPTIONAL`` branch, and a query of a few kilobytes can overflow their stack. The bounds are
counted on the tokens, in one pass without recursion, before anything reaches the engine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from nscn_graph.errors import QueryTooComplex

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_PN_LOCAL_ESC = r"\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)
               |\"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\"|\Z)
               |'(?:[^'\\\n\r]|\\.)*(?:'|$)
               |"(?:[^"\\\n\r]|\\.)*(?:"|$))
    | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|"""
    + _UCHAR
    + r""")*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
    | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%\-]|"""
    + _PN_LOCAL_ESC
    + r"""|\.(?=[\w:%\-\\]))*)
    | (?P<bnode>_:[\w.\-]*)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
    | (?P<word>[^\W\d][\w\-]*)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<datatype>\^\^)
    | (?P<op>\|\||&&|!=|<=|>=|[-+*/|^!=<>])
    | (?P<punct>.)
    """,
    re.VERBOSE | re.UNICODE | re.MULTILINE | re.DOTALL,
)


class Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int


def tokens(query: str) -> Iterator[Token]:
    """The tokens of ``query`` in order, white space left out."""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup
        if kind != "space":
            yield Token(kind, m.group(), m.start(), m.end())  # type: ignore[arg-type]


def position(query: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of character ``offset`` of ``query``."""
    line = query.count("\n", 0, offset) + 1
    return line, offset - (query.rfind("\n", 0, offset) + 1) + 1


@dataclass(frozen=True)
class Bounds:
    """How large a query may be, counted on its tokens."""

    #: tokens in the whole query
    tokens: int = 50_000
    #: nesting of braces, parentheses and brackets (an IRI's own brackets count from where it
    #: stands, so that ``1<(((…)))>0`` counts whether it is read as an IRI or as expressions)
    depth: int = 256
    #: operators (``+ - * / | || && = != < > <= >= ! ^``) in the whole query
    operators: int = 2_000
    #: groups (``{ … }``) in the whole query
    groups: int = 1_000
    #: ``UNION`` branches
    union: int = 256
    #: ``OPTIONAL`` and ``MINUS`` branches
    optional: int = 256


BOUNDS = Bounds()

_BRACKET_IN_IRI = re.compile(r"[{}()\[\]]")
_OPERATOR_IN_IRI = re.compile(r"[-+*/|^!=&]")
#: ``<scheme://…>``: never an expression (``http://`` does not parse as one).
_HIERARCHICAL = re.compile(r"<[A-Za-z][A-Za-z0-9+.\-]*://")


def check_bounds(query: str, bounds: Bounds = BOUNDS) -> list[Token]:
    """The tokens of ``query``; :class:`~nscn_graph.errors.QueryTooComplex` (400, naming the
    limit and where it was passed) if the query passes one of ``bounds``."""
    out: list[Token] = []
    depth = operators = groups = unions = optionals = 0
    frames: list[str] = []  # the open brackets, to tell a signed number in a group
    for token in tokens(query):
        out.append(token)
        kind = token.kind
        if len(out) > bounds.tokens:
            _too_complex(query, token, bounds.tokens, "tokens")
        if kind == "open":
            depth += 1
            frames.append(token.text)
            if token.text == "{":
                groups += 1
                if groups > bounds.groups:
                    _too_complex(query, token, bounds.groups, "groups ({ … })")
            if depth > bounds.depth:
                _too_complex(query, token, bounds.depth, "levels of nested groups and expressions")
        elif kind == "close":
            depth = max(0, depth - 1)
            if frames:
                frames.pop()
        elif kind == "op":
            signed = token.text in "+-" and (not frames or frames[-1] == "{")
            if not signed:  # in a group, +1 and -1 are numbers (VALUES, objects), not sums
                operators += 1
                if operators > bounds.operators:
                    _too_complex(query, token, bounds.operators, "operators")
        elif kind == "word":
            word = token.text.upper()
            if word == "UNION":
                unions += 1
                if unions >= bounds.union:
                    _too_complex(query, token, bounds.union, "UNION branches")
            elif word in ("OPTIONAL", "MINUS"):
                optionals += 1
                if optionals > bounds.optional:
                    _too_complex(query, token, bounds.optional, "OPTIONAL and MINUS groups")
        elif kind == "iri":
            if _BRACKET_IN_IRI.search(token.text):
                if depth + _local_depth(token.text) > bounds.depth:
                    _too_complex(
                        query, token, bounds.depth, "levels of nested groups and expressions"
                    )
            if frames and frames[-1] == "(" and not _HIERARCHICAL.match(token.text):
                # in an expression `1<2+3>0` is a comparison to the engine: count as it does
                operators += len(_OPERATOR_IN_IRI.findall(token.text))
                if operators > bounds.operators:
                    _too_complex(query, token, bounds.operators, "operators")
    return out


def _local_depth(text: str) -> int:
    """The deepest nesting of brackets within ``text``, never below where it starts."""
    depth = deepest = 0
    for char in text:
        if char in "{([":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "})]" and depth:
            depth -= 1
    return deepest


def _too_complex(query: str, token: Token, limit: int, what: str) -> None:
    line, column = position(query, token.start)
    raise QueryTooComplex(
        f"The query has more than {limit} {what}, this endpoint's limit (passed at line {line}, "
        f"column {column}). Simplify it, or split it into several queries.",
        line=line,
        column=column,
    )
