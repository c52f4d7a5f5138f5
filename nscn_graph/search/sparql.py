"""The same search as a SPARQL query, for those who want to go on from a search in the query
editor: every word, in any order, in a label, other name, identifier or description of a
thing, with or without diacritics and in any case (a regular expression per word that accepts
each letter's accented forms), best-known label first. It finds what the index finds, without
its ranking, prefix and typo tolerance."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from nscn_graph.namespaces import DEFAULT_BASE

from .collect import field_names
from .folding import fold


def _letters() -> dict[str, str]:
    """Each ASCII letter with the Latin letters that fold to it (``o``: ``oòóôõöøō…``)."""
    classes: dict[str, set[str]] = {}
    for code in range(0x00C0, 0x0250):
        char = chr(code)
        if not unicodedata.category(char).startswith("L"):
            continue
        folded = fold(char)
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            classes.setdefault(folded, set()).add(char.lower())
    return {k: "".join(sorted(v)) for k, v in classes.items()}


LETTERS = _letters()


def pattern(word: str) -> str:
    """A regular expression (XPath syntax, used with the ``i`` flag) that matches ``word`` with
    any accents: ``tromso`` → ``tr[oòó…]ms[oòó…]``."""
    out = []
    for char in word:
        others = LETTERS.get(char)
        if others:
            out.append(f"[{char}{others}]")
        elif char.isalnum():
            out.append(char)
    return "".join(out)


def sparql_for(
    words: Sequence[str], *, kind: str | None = None, base: str = DEFAULT_BASE, limit: int = 20
) -> str:
    """A SPARQL SELECT of the things whose texts hold every one of ``words``."""
    prefixes, roles = field_names()
    properties = [*roles["label"], *roles["name"], *roles["identifier"], *roles["description"]]
    used = sorted({p.split(":", 1)[0] for p in properties} | {"rdfs"})
    listed = ", ".join(properties)
    scope = f"{base}id/{kind}/" if kind else f"{base}id/"
    lines = [f"PREFIX {p}: <{prefixes[p]}>" for p in used]
    lines.append("SELECT DISTINCT ?thing ?label WHERE {")
    for i, word in enumerate(words):
        lines += [
            f"  ?thing ?p{i} ?text{i} .",
            f"  FILTER(?p{i} IN ({listed}))",
            f'  FILTER(REGEX(STR(?text{i}), "{pattern(word)}", "i"))',
        ]
    lines += [
        f'  FILTER(STRSTARTS(STR(?thing), "{scope}"))',
        '  OPTIONAL { ?thing rdfs:label ?label . FILTER(LANGMATCHES(LANG(?label), "en")) }',
        "}",
        "ORDER BY ?label ?thing",
        f"LIMIT {int(limit)}",
    ]
    return "\n".join(lines) + "\n"
