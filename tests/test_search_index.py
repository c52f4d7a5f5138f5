"""The search wing (nscn_graph.search): folding, the index built from the bundled data, ranking,
type-ahead, corrections, reading a request's text, and the same search as SPARQL."""

from __future__ import annotations

import pytest

from nscn_graph import paths
from nscn_graph.errors import BadRequest
from nscn_graph.search import collect, parse, read_meta, snippet, sparql_for, write_index
from nscn_graph.search.folding import fold, variants, words
from nscn_graph.search.index import SearchIndex
from nscn_graph.stores.memory import EmbeddedStore

CITY = "https://w3id.org/nscn/id/city/"


@pytest.fixture(scope="module")
def store() -> EmbeddedStore:
    return EmbeddedStore.from_files(paths.data_files())


@pytest.fixture(scope="module")
def index(store, tmp_path_factory) -> SearchIndex:
    path = tmp_path_factory.mktemp("search") / "search.sqlite"
    write_index(collect(store), path, source="test")
    return SearchIndex(path)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Tromsø", "tromso"),
        ("København", "kobenhavn"),
        ("Århus", "arhus"),
        ("Reykjavík", "reykjavik"),
        ("Þórshöfn", "thorshofn"),
        ("Bærum", "baerum"),
        ("GÖTEBORG", "goteborg"),
        ("Straße", "strasse"),
    ],
)
def test_folding_drops_case_and_diacritics(text, folded):
    assert fold(text) == folded


def test_old_spellings_are_variants():
    assert variants("Århus") == ["arhus", "aarhus"]
    assert variants("Tromsø") == ["tromso", "tromsoe"]
    assert variants("Aarhus") == ["aarhus"]
    assert words("Tromsø, Norway!") == ["tromso", "norway"]


def test_every_thing_under_id_is_collected_once_without_aliases(store):
    entries = collect(store)
    keys = [e.key for e in entries]
    assert len(keys) == len(set(keys))
    assert "city/copenhagen" in keys and "city/kobenhavn" not in keys  # an alias, not a thing
    copenhagen = next(e for e in entries if e.key == "city/copenhagen")
    assert "city/kobenhavn" in copenhagen.identifiers
    assert ("København", "da") in copenhagen.labels
    aarhus = next(e for e in entries if e.key == "city/aarhus")
    assert ("Århus", "da") in aarhus.names
    assert all("#" not in e.iri for e in entries)


def test_the_index_records_what_it_was_built_from(index):
    meta = read_meta(index.path)
    assert meta["source"] == "test" and meta["things"] == len(index) > 200
    assert "city" in index.kinds and "case" in index.kinds


# Queries -> the thing that must come first (the bundled data: Tromsø, København, Helsingfors
# are labels in Norwegian, Danish and Swedish; Århus is Aarhus's other name, its spelling from
# 1948 to 2010).
@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("tromso", CITY + "tromso"),
        ("Tromsø", CITY + "tromso"),
        ("TROMSO", CITY + "tromso"),
        ("tromsoe", CITY + "tromso"),
        ("kobenhavn", CITY + "copenhagen"),
        ("København", CITY + "copenhagen"),
        ("helsingfors", CITY + "helsinki"),
        ("aarhus", CITY + "aarhus"),
        ("arhus", CITY + "aarhus"),
        ("Århus", CITY + "aarhus"),
        ("reykjavik", CITY + "reykjavik"),
        ("trondhei", CITY + "trondheim"),  # a prefix
        ("lab city aarhus", "https://w3id.org/nscn/id/lab/aarhus-city-lab"),  # any order
        ("aarhus city lab", "https://w3id.org/nscn/id/lab/aarhus-city-lab"),
        ("helsinky", CITY + "helsinki"),  # one letter wrong
        ("stavanegr", CITY + "stavanger"),  # two letters swapped
        ("reykjavk", CITY + "reykjavik"),  # one letter missing
        ("oulluu", None),  # too far from anything
    ],
)
def test_ranking_and_folding(index, query, first):
    results = index.search(words(query))
    if first is None:
        assert results.hits == []
    else:
        assert results.hits and results.hits[0].iri == first


def test_a_label_match_ranks_above_a_description_match(index):
    hits = index.search(["aarhus"], limit=50).hits
    ranks = {h.key: i for i, h in enumerate(hits)}
    # Aarhus City Lab has Aarhus in its label (or slug); other things only in their description

    def named(hit) -> bool:
        return "aarhus" in words(" ".join([hit.key, *(t for t, _ in hit.labels + hit.names)]))

    described = [h for h in hits if not named(h)]
    labelled = [h for h in hits if named(h)]
    assert described and labelled
    assert max(ranks[h.key] for h in labelled) < min(ranks[h.key] for h in described)


def test_an_exact_word_ranks_above_a_prefix(index):
    hits = index.search(["lab"], limit=100).hits
    exact = [i for i, h in enumerate(hits) if "lab" in words(" ".join(t for t, _ in h.labels))]
    prefix_only = [
        i
        for i, h in enumerate(hits)
        if "lab" not in words(" ".join(t for t, _ in h.labels + h.names))
        and any(w.startswith("lab") for w in words(" ".join(t for t, _ in h.labels)))
    ]
    assert exact and prefix_only  # "Lab", and "Labs" / "Laboratory"
    assert max(exact) < min(prefix_only)


def test_scores_fall_with_rank(index):
    scores = [h.score for h in index.search(["smart", "city"], limit=30).hits]
    assert scores == sorted(scores, reverse=True)


def test_a_typo_says_what_was_searched_instead(index):
    results = index.search(["helsinky"])
    assert results.corrected == ["helsinki"]
    assert index.search(["helsinki"]).corrected is None


def test_type_restricts_the_kind(index):
    hits = index.search(["aarhus"], kind="lab").hits
    assert hits and all(h.kind == "lab" for h in hits)


def test_suggest_completes_the_last_word(index):
    hits = index.suggest(words("tro"))
    assert hits[0].iri == CITY + "tromso"
    assert {CITY + "tromso", CITY + "trondheim"} <= {h.iri for h in hits}
    assert len(hits) <= 10
    assert index.suggest(words("kø"))[0].completion("kø", ["en"]) == "København"


def test_operators_are_words_never_syntax(index):
    # FTS5 would read these as syntax; here they are folded to words (or refused by parse)
    for text in ['"tromso', "tromso*", "tromso^", ":tromso", "-tromso", "{tromso}", "(tromso)"]:
        hits = index.search(words(text)).hits
        assert hits[0].iri == CITY + "tromso", text


KINDS = ["city", "lab", "case"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({}, "give some words"),
        ({"q": ""}, "give some words"),
        ({"q": "   "}, "give some words"),
        ({"q": "x" * 10_000}, "at most 200"),
        ({"q": '"'}, "no letters or digits"),
        ({"q": "*"}, "no letters or digits"),
        ({"q": "-:^()"}, "no letters or digits"),
        ({"q": "NEAR"}, "no operators"),
        ({"q": "tromso OR bergen"}, "no operators"),
        ({"q": "NOT tromso"}, "no operators"),
        ({"q": " ".join(f"w{i}" for i in range(20))}, "at most 12"),
        ({"q": "aarhus", "type": "nope"}, "type= is one of: case, city, lab"),
        ({"q": "aarhus", "type": "<script>"}, "no kind of thing called of that name"),
        ({"q": "aarhus", "limit": "0"}, "from 1 to 100"),
        ({"q": "aarhus", "limit": "101"}, "from 1 to 100"),
        ({"q": "aarhus", "limit": "ten"}, "from 1 to 100"),
        ({"q": "aarhus", "limit": "-5"}, "from 1 to 100"),
    ],
    ids=lambda v: str(v)[:40] if isinstance(v, dict) else None,
)
def test_bad_input_is_refused_with_a_message(args, message):
    with pytest.raises(BadRequest) as caught:
        parse(args, KINDS)
    assert message in caught.value.detail
    assert caught.value.status == 400
    assert "<script>" not in caught.value.detail


def test_a_good_request_is_read():
    query = parse({"q": " Tromsø  smart-city ", "type": "city", "limit": "5"}, KINDS)
    assert (query.text, query.words, query.kind, query.limit) == (
        "Tromsø  smart-city",
        ["tromso", "smart", "city"],
        "city",
        5,
    )
    assert query.words == ["tromso", "smart", "city"]
    assert parse({"q": "or nearly"}, KINDS).words == ["or", "nearly"]  # lower case: words


def test_snippet_marks_the_matched_words():
    text = "Danish member city. From 1948 to 2010 the name was written Århus."
    pieces = snippet(text, ["arhus"])
    assert ("Århus", True) in pieces
    assert "".join(t for t, _ in pieces) == text
    long = "word " * 100 + "Tromsø" + " word" * 100
    cut = snippet(long, ["tromso"], width=60)
    assert cut[0] == ("…", False) and cut[-1] == ("…", False) and ("Tromsø", True) in cut


@pytest.mark.parametrize(
    ("query", "kind", "expected"),
    [
        (["tromso"], "city", {CITY + "tromso"}),
        (["kobenhavn"], "city", {CITY + "copenhagen"}),
        (["arhus"], "city", {CITY + "aarhus"}),
        (["helsingfors"], "city", {CITY + "helsinki"}),
    ],
)
def test_the_same_search_as_sparql_finds_the_same_things(store, index, query, kind, expected):
    sparql = sparql_for(query, kind=kind)
    found = {row["thing"].value for row in store.query(sparql)}
    assert found == expected
    assert {h.iri for h in index.search(query, kind=kind).hits} >= expected
