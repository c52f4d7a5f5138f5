"""Folding text for matching: case, diacritics and the letters that have no decomposition.

``fold("Tromsø")`` is ``"tromso"``: the text is case-folded, decomposed (NFKD), its combining
marks dropped, and the letters Unicode does not decompose (ø, æ, ð, þ, ß, ł, …) written with
Latin letters. Some letters have a second, older or foreign spelling (å as ``aa`` in Danish and
Norwegian before 1948, ø/ö as ``oe``, ä as ``ae``, ü as ``ue``); :func:`variants` gives both
spellings of a name, so that ``aarhus`` finds Århus and ``tromsoe`` finds Tromsø.
"""

from __future__ import annotations

import re
import unicodedata

#: Letters without a Unicode decomposition, or with a second spelling: (usual, alternative).
LETTERS: dict[str, tuple[str, str]] = {
    "ø": ("o", "oe"),
    "ö": ("o", "oe"),
    "å": ("a", "aa"),
    "ä": ("a", "ae"),
    "ü": ("u", "ue"),
    "æ": ("ae", "ae"),
    "œ": ("oe", "oe"),
    "ß": ("ss", "ss"),
    "ð": ("d", "d"),
    "đ": ("d", "d"),
    "þ": ("th", "th"),
    "ł": ("l", "l"),
    "ı": ("i", "i"),
    "ŋ": ("n", "n"),
}
_USUAL = str.maketrans({k: v[0] for k, v in LETTERS.items()})
_OTHER = str.maketrans({k: v[1] for k, v in LETTERS.items()})
_COMPOSED = re.compile("[" + "".join(LETTERS) + "]")

#: The blocks of combining marks (diacritics) that NFKD splits off letters.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

#: A word: letters and digits of any script (after folding, mostly ASCII).
WORD = re.compile(r"[^\W_]+")


def _strip(text: str, table: dict[int, str]) -> str:
    text = text.casefold()
    if text.isascii():
        return text
    text = text.translate(table)  # before NFKD, which would split å into a + ring
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).translate(table)


def fold(text: str) -> str:
    """``text`` in lower case, without diacritics: ``"København"`` → ``"kobenhavn"``."""
    return _strip(text, _USUAL)


def variants(text: str) -> list[str]:
    """The folded spellings of ``text``: the usual one first, then the alternative one when it
    differs (``"Århus"`` → ``["arhus", "aarhus"]``)."""
    usual = fold(text)
    if not _COMPOSED.search(text.casefold()):
        return [usual]
    other = _strip(text, _OTHER)
    return [usual] if other == usual else [usual, other]


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order (``"Tromsø, Norway"`` → ``["tromso", "norway"]``)."""
    return WORD.findall(fold(text))
