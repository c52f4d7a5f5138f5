"""The document of each thing: its own triples, the labels of what it links to, and the links
that point to it (a symmetric concise description)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish.documents import index

ID = DEFAULT_BASE + "id/"
NSCN = DEFAULT_BASE + "ontology#"
RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
IDENTIFIER = ox.NamedNode("http://purl.org/dc/terms/identifier")
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@pytest.fixture(scope="module")
def documents(bundled):
    return index(bundled.triples())


def test_every_identified_thing_has_a_document_under_its_identifier(bundled, documents):
    identified = {
        t.subject.value: t.object.value for t in bundled.triples() if t.predicate == IDENTIFIER
    }
    # source records carry no identifier of their own: their key is their IRI's path
    records = {
        t.subject.value: t.subject.value.removeprefix(ID)
        for t in bundled.triples()
        if t.predicate.value == RDF_TYPE and t.object.value == NSCN + "SourceRecord"
    }
    assert records and not set(records) & set(identified)
    assert {d.iri: d.key for d in documents} == identified | records
    assert len(documents) > 200


def test_the_alias_redirects_and_has_no_document(documents):
    assert documents.aliases == {ID + "city/kobenhavn": ID + "city/copenhagen"}
    assert documents.get(ID + "city/kobenhavn") is None


def test_a_city_document_holds_its_own_triples_with_its_geometry(bundled, documents):
    aarhus = documents.get(ID + "city/aarhus")
    expected = {t for t in bundled.triples() if t.subject.value.split("#")[0] == ID + "city/aarhus"}
    assert set(aarhus.own) == expected
    assert any(t.subject.value == ID + "city/aarhus#geometry" for t in aarhus.own)


def test_a_city_document_lists_its_labs_and_cases(documents):
    aarhus = documents.get(ID + "city/aarhus")
    inbound = {(t.subject.value, t.predicate.value) for t in aarhus.inbound}
    assert (ID + "lab/aarhus-city-lab", NSCN + "city") in inbound
    assert (ID + "lab/aarhus-harbour-square", NSCN + "city") in inbound
    assert any(s.startswith(ID + "case/") for s, _ in inbound)
    assert all(t.object.value == aarhus.iri for t in aarhus.inbound)


def test_linked_and_linking_things_come_with_their_labels_and_types(documents):
    aarhus = documents.get(ID + "city/aarhus")
    context = set(aarhus.context)
    denmark = ox.NamedNode(ID + "country/denmark")
    assert ox.Triple(denmark, RDFS_LABEL, ox.Literal("Denmark", language="en")) in context
    lab = ox.NamedNode(ID + "lab/aarhus-city-lab")
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert ox.Triple(lab, rdf_type, ox.NamedNode(NSCN + "LivingLab")) in context
    assert any(t.subject == lab and t.predicate == RDFS_LABEL for t in context)
    # context is only labels and types, never the neighbours' other facts
    assert {t.predicate.value for t in context} <= {
        RDFS_LABEL.value,
        rdf_type.value,
        "http://www.w3.org/2004/02/skos/core#prefLabel",
    }


def test_triples_have_no_duplicates(documents):
    for document in documents:
        assert len(document.triples) == len(set(document.triples)), document.key


def test_documents_follow_the_base(bundled):
    base = "http://example.org/lod/"
    from nscn_graph.graph.load import rebase_triple

    rebased = index((rebase_triple(t, base) for t in bundled.triples()), base=base)
    assert rebased.get(base + "id/city/aarhus") is not None
    assert rebased.aliases == {base + "id/city/kobenhavn": base + "id/city/copenhagen"}


# --- documents read from a store: a bounded number of queries ------------------------------


class _Counting:
    """A store that counts the queries it is asked."""

    def __init__(self, store) -> None:
        self.store = store
        self.queries = 0

    def query(self, sparql, **kw):
        self.queries += 1
        return self.store.query(sparql, **kw)


@pytest.fixture(scope="module")
def counted(bundled):
    from nscn_graph.publish.documents import StoreDocuments
    from nscn_graph.stores.memory import EmbeddedStore

    store = _Counting(EmbeddedStore(bundled.store))
    return store, StoreDocuments(store)


@pytest.mark.parametrize(
    "key", ["theme/mobility", "city/aarhus", "value/trust", "case/nordic-urban-living-labs"]
)
def test_a_document_is_a_handful_of_queries_however_many_links(counted, documents, key):
    store, read = counted
    expected = documents.get(ID + key)
    links = len(expected.inbound) + len(expected.own)
    store.queries = 0
    document = read.get(ID + key)
    assert set(document.triples) == set(expected.triples)
    names = {t.subject.value for t in document.inbound} | {
        t.object.value for t in document.own if isinstance(t.object, ox.NamedNode)
    }
    for iri in names:  # what a page does for every link: name it, and say what it is
        read.labels.get(iri)
        read.types.get(iri)
    assert store.queries <= 7 < links, (key, store.queries, links)


def test_the_neighbour_cache_is_bounded_by_entries_and_bytes():
    from nscn_graph.publish.documents import BoundedCache

    cache = BoundedCache(max_entries=3, max_bytes=1000)
    for i in range(10):
        cache.put(i, "x" * 10)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(9) == "x" * 10
    cache.put("big", "y" * 5000)  # larger than the whole cache: not kept
    assert cache.get("big") is None
    for i in range(10):
        cache.put(("k", i), "z" * 200)
    assert cache.bytes <= 1000 and len(cache) < 10
