"""The folding of names into slugs (:mod:`nscn_graph.slugs`)."""

from __future__ import annotations

import pytest

from nscn_graph.publish.documents import KEY
from nscn_graph.slugs import SLUG, fold


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Tromsø", "tromso"),
        ("TROMSØ", "tromso"),
        ("København", "kobenhavn"),
        ("Reykjavík", "reykjavik"),
        ("Århus", "arhus"),
        ("Åland", "aland"),
        ("Ærø", "aero"),
        ("Göteborg", "goteborg"),
        ("Jyväskylä", "jyvaskyla"),
        ("Þórshöfn", "thorshofn"),
        ("Garðabær", "gardabaer"),
        ("Linköping", "linkoping"),
        ("Espoo ", "espoo"),
        ("Living Lab_Aarhus", "living-lab-aarhus"),
        ("Tromso\u0308", "tromso"),  # decomposed (NFD) input
    ],
)
def test_fold(text, slug):
    assert fold(text) == slug


def test_folding_a_slug_changes_nothing(bundled):
    keys = {
        t.subject.value.split("/id/", 1)[1]
        for t in bundled.triples()
        if "/id/" in getattr(t.subject, "value", "")
    }
    keys = {k for k in keys if KEY.fullmatch(k)}
    assert len(keys) > 50
    for key in keys:
        assert "/".join(fold(part) for part in key.split("/")) == key


@pytest.mark.parametrize("text", ["<script>", "a/b", "oslo\r\n", "ø" * 3 + "?"])
def test_what_does_not_fold_to_a_slug_is_not_one(text):
    assert not SLUG.fullmatch(fold(text))
