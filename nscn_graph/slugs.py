"""Slugs: the last segment of a thing's IRI, lower-case ASCII letters, digits and hyphens
(DESIGN.md, identifiers), and the folding that turns a name as people write it into one.

The folding is the one the slugs are written with: case folded, letters with diacritics
reduced to their base letter (``é`` → ``e``, ``å`` → ``a``, ``ö`` → ``o``, ``ä`` → ``a``), the
Nordic letters that are not letters with a diacritic spelt out (``ø`` → ``o``, ``æ`` → ``ae``,
``þ`` → ``th``, ``ð`` → ``d``), spaces and underscores made hyphens (and trimmed at either
end). ``Tromsø`` folds to ``tromso``, ``København`` to ``kobenhavn``, ``Reykjavík`` to
``reykjavik``. The server uses it to answer lenient paths with a redirect to the canonical
IRI (:mod:`nscn_graph.web.linkeddata`).
"""

from __future__ import annotations

import re
import unicodedata

#: Letters that Unicode does not decompose into a base letter and a diacritic.
LETTERS = str.maketrans(
    {
        "ø": "o",
        "æ": "ae",
        "þ": "th",
        "ð": "d",
        "đ": "d",
        "ł": "l",
        "œ": "oe",
        "ħ": "h",
        "ŧ": "t",
        "ŋ": "n",
        "ı": "i",
    }
)

#: A slug, as minted: lower-case ASCII letters, digits and hyphens, not starting with a hyphen.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]*")


def fold(text: str) -> str:
    """``text`` folded as slugs are: ``"Tromsø"`` → ``"tromso"``. The result is a slug only
    if ``text`` holds nothing else than letters, digits, hyphens, spaces and underscores."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(LETTERS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[ _]+", "-", text.strip(" _"))
