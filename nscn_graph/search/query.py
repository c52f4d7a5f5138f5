"""A search request's text, read and checked: the words it is searched with, or a
:class:`~nscn_graph.errors.BadRequest` that says what to fix.

The text is folded (:mod:`nscn_graph.search.folding`) and cut into words of letters and digits;
everything else (quotes, ``*``, ``-``, ``:``, ``^``, brackets) separates words, so no character
of a request is ever read as the syntax of the engine's query language. A text with nothing
else, or with an operator written as one (``OR``, ``AND``, ``NOT``, ``NEAR`` in capitals, on
their own), is refused with a message, as search has no operators: every word must match.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from nscn_graph.errors import BadRequest

from .folding import WORD, fold

#: Longest text searched, in characters, and most words in it.
MAX_CHARS = 200
MAX_WORDS = 12
#: Longest word kept (longer words are no names).
MAX_WORD = 64
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
SUGGEST_LIMIT = 10
#: Boolean operators of full-text query languages, written as such (upper case, on their own).
OPERATORS = re.compile(r"(?<![^\W_])(AND|OR|NOT|NEAR)(?![^\W_])")


@dataclass(frozen=True)
class Query:
    text: str  #: what was asked, as it was written (stripped)
    words: list[str]  #: folded, in order, each once
    kind: str | None
    limit: int


def parse(
    args: Mapping[str, str],
    kinds: Sequence[str],
    *,
    default_limit: int = DEFAULT_LIMIT,
) -> Query:
    """The search asked by ``args`` (``q``, ``type``, ``limit``); :class:`BadRequest` if the
    text is missing, too long or has no word, the type is not one of ``kinds``, or the limit is
    not a whole number from 1 to :data:`MAX_LIMIT`."""
    text = (args.get("q") or "").strip()
    if not text:
        raise BadRequest("give some words to search for, e.g. ?q=tromso")
    if len(text) > MAX_CHARS:
        raise BadRequest(f"the search text is {len(text)} characters long; at most {MAX_CHARS}")
    operators = sorted(set(OPERATORS.findall(text)))
    if operators:
        raise BadRequest(
            f"search has no operators ({', '.join(operators)}): every word must match, in any "
            "order; leave them out (e.g. ?q=aarhus city lab)"
        )
    words = list(dict.fromkeys(w for w in WORD.findall(fold(text)) if len(w) <= MAX_WORD))
    if not words:
        raise BadRequest(
            "the search text has no letters or digits; punctuation and operators are not "
            "searched (write the words of a name, e.g. ?q=aarhus city lab)"
        )
    if len(words) > MAX_WORDS:
        raise BadRequest(f"the search text has {len(words)} words; at most {MAX_WORDS}")
    kind = args.get("type")
    if kind is not None and kind not in kinds:
        raise BadRequest(
            f"there is no kind of thing called {_shown(kind)}; type= is one of: "
            + ", ".join(sorted(kinds))
        )
    raw_limit = args.get("limit")
    limit = default_limit
    if raw_limit is not None:
        if not re.fullmatch(r"[0-9]{1,4}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
            raise BadRequest(f"limit= is a whole number from 1 to {MAX_LIMIT}")
        limit = int(raw_limit)
    return Query(text=text, words=words, kind=kind or None, limit=limit)


def _shown(value: str) -> str:
    """A request value as it may appear in a message: short, letters, digits and hyphens."""
    if re.fullmatch(r"[A-Za-z0-9-]{1,40}", value):
        return repr(value)
    return "of that name"


def snippet(text: str, words: Sequence[str], *, width: int = 180) -> list[tuple[str, bool]]:
    """A part of ``text`` around the first word that matches (exactly or as a prefix) one of
    ``words``, as ``(text, matched)`` pieces, with ``…`` where it was cut."""
    if not text:
        return []
    wanted = tuple(words)
    spans = [
        (m.start(), m.end())
        for m in WORD.finditer(text)
        if _fold_word(m.group()).startswith(wanted)
    ]
    start = 0
    if spans and spans[0][0] > width // 3:
        start = text.rfind(" ", 0, spans[0][0] - width // 3) + 1
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    pieces: list[tuple[str, bool]] = [("…", False)] if start > 0 else []
    cursor = start
    for lo, hi in spans:
        if lo < start or hi > end:
            continue
        if lo > cursor:
            pieces.append((text[cursor:lo], False))
        pieces.append((text[lo:hi], True))
        cursor = hi
    if cursor < end:
        pieces.append((text[cursor:end], False))
    if end < len(text):
        pieces.append(("…", False))
    return pieces


@lru_cache(maxsize=100_000)
def _fold_word(word: str) -> str:
    return fold(word)
