"""The page annotations (``ontology/nscn-pages.ttl``) as the code reads them, and their fit with
the data: every kind of thing in ``data/`` is annotated, and the annotations stay out of the
published graph."""

from __future__ import annotations

import pytest
import rdflib

from nscn_graph import paths
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES, kind_prefixes
from nscn_graph.publish import annotations
from nscn_graph.publish.documents import KEY

NSCN = DEFAULT_BASE + "ontology#"
PAGES = rdflib.Namespace(NSCN)


@pytest.fixture(scope="module")
def layout():
    return annotations.load()


def test_the_most_specific_class_names_a_thing(layout):
    member = layout.kind_of([NSCN + "City", NSCN + "SmartCity"])
    assert member is not None and member.iri == NSCN + "SmartCity"
    assert layout.kind_of([NSCN + "City"]).plural == "cities"
    assert layout.kind_of(["http://example.org/Unknown"]) is None


def test_each_type_segment_stands_for_one_class(layout):
    slugs = layout.slugs()
    assert slugs["city"] == NSCN + "City"  # not SmartCity, which shares the segment
    assert slugs["lab"] == NSCN + "LivingLab"
    assert slugs["event"] == NSCN + "Event"
    assert layout.kinds[NSCN + "SmartCity"].slug == "city"  # inherited from nscn:City


def test_every_type_segment_in_the_data_is_annotated(bundled, layout):
    """A thing under ``id/{type}/`` whose type the annotations do not know would get no
    prefix, no count and no collection: annotate the new kind in ontology/nscn-pages.ttl."""
    prefix = DEFAULT_BASE + "id/"
    used = set()
    for triple in bundled.triples():
        iri = triple.subject.value
        if iri.startswith(prefix) and KEY.fullmatch(iri[len(prefix) :].split("#")[0]):
            used.add(iri[len(prefix) :].split("/", 1)[0])
    assert used
    assert used <= set(layout.slugs()), sorted(used - set(layout.slugs()))


def test_every_class_with_instances_in_the_data_is_a_kind(bundled, layout):
    typed = {
        t.object.value
        for t in bundled.triples()
        if t.predicate.value == str(rdflib.RDF.type) and t.object.value.startswith(NSCN)
    }
    assert typed <= set(layout.kinds), sorted(typed - set(layout.kinds))


def test_each_type_segment_is_a_predeclared_prefix(layout):
    for slug in layout.slugs():
        assert PREFIXES[slug] == f"{DEFAULT_BASE}id/{slug}/"
    assert set(kind_prefixes()) == set(layout.slugs())


def test_inbound_group_for_a_kind_wins_over_the_one_for_any_kind(layout):
    by_lab = layout.group(NSCN + "city", NSCN + "LivingLab")
    by_case = layout.group(NSCN + "city", NSCN + "Case")
    assert by_lab.heading() == "Living labs in this city"
    assert by_case.heading() == "Cases in this city"
    any_kind = layout.group("http://purl.org/dc/terms/source", NSCN + "Case")
    assert any_kind is not None and any_kind.from_kind is None
    assert layout.group(NSCN + "city", None) is None


def test_identity_links_are_named_after_their_register(layout):
    assert layout.register("http://www.wikidata.org/entity/Q25319") == ("Wikidata", "Q25319")
    assert layout.register("https://sws.geonames.org/2624652/") == ("GeoNames", "2624652")
    assert layout.register("https://example.org/x") is None
    assert sorted(layout.in_section("identity")) == [
        "http://www.w3.org/2002/07/owl#sameAs",
        "http://www.w3.org/2004/02/skos/core#exactMatch",
    ]


def test_properties_without_an_order_come_after_ordered_ones_and_before_the_identifier(layout):
    identifier = layout.order("http://purl.org/dc/terms/identifier")
    assert layout.order(NSCN + "country") < annotations.DEFAULT_ORDER < identifier
    assert layout.order("http://example.org/unannotated") == annotations.DEFAULT_ORDER


def test_rebased_layout_names_the_same_kinds(layout):
    other = annotations.load(base="http://127.0.0.1:8080/")
    assert [k.plural for k in other.counted] == [k.plural for k in layout.counted]
    assert other.slugs()["city"] == "http://127.0.0.1:8080/ontology#City"


def test_annotations_are_not_in_the_published_graph(client):
    """They describe this server's pages, not the world: /sparql does not see them."""
    for term in ("typeSlug", "pluralLabel", "heading", "section"):
        query = f"ASK {{ ?s <{NSCN}{term}> ?o }}"
        response = client.get(
            "/sparql",
            query_string={"query": query},
            headers={"Accept": "application/sparql-results+json"},
        )
        assert response.status_code == 200
        assert response.get_json()["boolean"] is False, term
    ontology = rdflib.Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert not list(ontology.triples((None, PAGES.typeSlug, None)))
    assert (PAGES.City, rdflib.RDFS.label, rdflib.Literal("City", lang="en")) in ontology


def test_annotation_vocabulary_is_declared_with_a_comment():
    graph = rdflib.Graph().parse(annotations.annotations_file(paths.ROOT))
    used = {p for _, p, _ in graph if str(p).startswith(NSCN)}
    used |= {o for _, p, o in graph if p == rdflib.RDF.type and str(o).startswith(NSCN)}
    assert PAGES.typeSlug in used and PAGES.InboundGroup in used
    for term in used:
        assert (term, rdflib.RDFS.comment, None) in graph, term
