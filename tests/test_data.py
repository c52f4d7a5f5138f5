"""The bundled data against the sourced reference facts (tests/reference/nscn-facts.yaml):
what is high or medium confidence is in the graph, what is low or unverified is not, and every
described thing carries its source."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from decimal import Decimal

import pyoxigraph as ox
import pytest
import yaml
from conftest import REFERENCE
from rdflib import OWL, RDF, RDFS, Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS

from nscn_graph import paths
from nscn_graph.graph.load import to_rdflib

ID = Namespace("https://w3id.org/nscn/id/")
NSCN = Namespace("https://w3id.org/nscn/ontology#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
WIKIDATA = "http://www.wikidata.org/entity/"
GEONAMES = "https://sws.geonames.org/{}/"


def _ascii(text: str) -> str:
    folded = str(text).translate(str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae"}))
    return unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()


def _certain(confidence) -> bool:
    """Identity links need high confidence: a wrong one merges two different things."""
    return str(confidence or "").lower().startswith("high")


def _trusted(confidence) -> bool:
    """High or medium confidence: goes into the graph. Low / unverified / not found: never."""
    text = str(confidence or "").lower()
    return text.startswith(("high", "medium"))


@pytest.fixture(scope="module")
def facts():
    return yaml.safe_load((REFERENCE / "nscn-facts.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def graph(bundled):
    return bundled.to_rdflib()


def test_the_fourteen_founding_members(facts, graph):
    members = {ID[f"city/{slug}"] for slug in facts["network"]["founding_members"]}
    assert len(members) == 14
    assert set(graph.subjects(RDF.type, NSCN.SmartCity)) == members
    network = ID["organisation/nordic-smart-city-network"]
    assert set(graph.objects(network, URIRef("http://www.w3.org/ns/org#hasMember"))) == members


@pytest.mark.parametrize("index", range(14))
def test_city_identity_and_location(facts, graph, index):
    fact = facts["cities"][index]
    city = ID[f"city/{fact['id']}"]
    assert graph.value(city, GEO.lat).toPython() == Decimal(str(fact["lat"]))
    assert graph.value(city, GEO.long).toPython() == Decimal(str(fact["lon"]))
    wkt = str(graph.value(graph.value(city, GSP.hasGeometry), GSP.asWKT))
    point = [Decimal(x) for x in wkt[wkt.index("(") + 1 : wkt.index(")")].split()]
    assert point == [Decimal(str(fact["lon"])), Decimal(str(fact["lat"]))]  # WKT: long lat
    labels = {_ascii(label) for label in graph.objects(city, RDFS.label) if label.language == "en"}
    assert _ascii(fact["name_en"]) in labels  # the YAML spells some names without diacritics
    same = {str(o) for o in graph.objects(city, SKOS.exactMatch)}
    assert not set(graph.objects(city, OWL.sameAs)), "identity links are skos:exactMatch"
    wikidata = WIKIDATA + fact["wikidata"] if fact.get("wikidata") else None
    if wikidata and _certain(fact.get("wikidata_confidence")):
        assert wikidata in same
    elif wikidata:
        assert wikidata not in same, f"Wikidata id {wikidata} below high confidence loaded"
    geonames = GEONAMES.format(fact["geonames"]) if fact.get("geonames") else None
    if geonames and _certain(fact.get("geonames_confidence")):
        assert geonames in same
    elif geonames:
        assert geonames not in same, f"GeoNames id {geonames} below high confidence loaded"
    assert same <= {wikidata, geonames}, f"identity link not in the reference facts: {same}"


@pytest.mark.parametrize("index", range(5))
def test_country_identity(facts, graph, index):
    fact = facts["countries"][index]
    country = ID[f"country/{fact['id']}"]
    assert set(graph.objects(country, SKOS.exactMatch)) == {URIRef(WIKIDATA + fact["wikidata"])}
    assert _certain(fact["wikidata_confidence"])


def test_organisations_carry_no_identity_link_the_facts_lack(facts, graph):
    assert facts["organisations_wikidata"] is None  # none was found for any organisation
    for org in graph.subjects(RDF.type, NSCN.Organisation):
        assert not set(graph.objects(org, SKOS.exactMatch)) | set(graph.objects(org, OWL.sameAs))


def test_every_lab_with_its_city(facts, graph):
    for fact in facts["labs"]:
        lab = ID[f"lab/{fact['id']}"]
        if _trusted(fact.get("confidence")):
            assert (lab, RDF.type, NSCN.LivingLab) in graph, fact["id"]
            assert graph.value(lab, NSCN.city) == ID[f"city/{fact['city']}"], fact["id"]
        else:
            assert (lab, None, None) not in graph, fact["id"]


def test_every_trusted_case_and_no_other(facts, graph):
    for fact in facts["cases"]:
        case = ID[f"case/{fact['id']}"]
        if _trusted(fact.get("confidence")):
            assert (case, RDF.type, NSCN.Case) in graph, fact["id"]
            cities = set(graph.objects(case, NSCN.city))
            assert cities, fact["id"]
        else:
            assert (case, None, None) not in graph, f"low-confidence case {fact['id']} loaded"


def test_every_described_thing_has_an_iri_source(graph):
    exempt = {GSP.Geometry, SKOS.ConceptScheme}
    typed = {
        s
        for s, o in graph.subject_objects(RDF.type)
        if o not in exempt and not (set(graph.objects(s, RDF.type)) & exempt)
    }
    assert len(typed) > 200
    for thing in typed:
        sources = list(graph.objects(thing, DCTERMS.source))
        assert sources, f"{thing} has no dcterms:source"
        assert all(isinstance(s, URIRef) for s in sources), thing


def test_roadmap_values_and_working_group(facts, graph):
    roadmap = ID["roadmap/nordic-smart-city-roadmap"]
    values = set(graph.objects(roadmap, NSCN.value))
    assert len(values) == 6
    labels = {str(graph.value(v, SKOS.prefLabel)) for v in values}
    assert {"Trust", "Equality", "Sustainable living"} <= {label.capitalize() for label in labels}
    group = {ID[f"organisation/{slug}"] for slug in facts["roadmap"]["working_group"]}
    assert set(graph.objects(roadmap, NSCN.workingGroupMember)) == group


def test_kobenhavn_is_an_alias_of_copenhagen(graph):
    assert graph.value(ID["city/kobenhavn"], NSCN.aliasOf) == ID["city/copenhagen"]
    assert (ID["city/kobenhavn"], RDF.type, None) not in graph


def test_populations_are_sourced_and_not_negative(graph):
    figures = list(graph.subjects(RDF.type, NSCN.PopulationFigure))
    assert figures
    for figure in figures:
        assert graph.value(figure, NSCN.populationCount).toPython() >= 0
        assert graph.value(figure, DCTERMS.source) is not None
        assert (graph.value(figure, NSCN.populationOf), RDF.type, NSCN.City) in graph


# --- Provenance: one named graph per source record (data/*.trig) -------------------------

RECORD = ID["record/"]
PROV = Namespace("http://www.w3.org/ns/prov#")


@pytest.fixture(scope="module")
def record_graphs():
    """The data files as a TriG parser reads them, graph by graph (not through our loader)."""
    files = sorted((paths.ROOT / "data").glob("*.trig"))
    assert files
    store = ox.Store()  # holds terms as our loader does (canonical literals: 60.393)
    for path in files:
        store.bulk_extend(ox.parse(path=str(path), format=ox.RdfFormat.TRIG))
    quads = defaultdict(set)
    for quad in store:
        name = quad.graph_name
        key = to_rdflib(name) if isinstance(name, ox.NamedNode) else None
        triple = (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
        quads[key].add(triple)
    return quads


def test_every_statement_about_a_thing_is_in_a_source_record_graph(record_graphs):
    for name, triples in record_graphs.items():
        about_things = [t for t in triples if str(t[0]).startswith(str(ID))]
        if not str(name).startswith(str(RECORD)):
            assert not about_things, f"outside any source record: {about_things[:3]}"


def test_every_record_graph_describes_its_source_inside_itself(record_graphs):
    for name, triples in record_graphs.items():
        if not str(name).startswith(str(RECORD)):
            continue
        graph = Graph()
        for triple in triples:
            graph.add(triple)
        assert (name, RDF.type, NSCN.SourceRecord) in graph, name
        assert graph.value(name, RDFS.label) is not None, name
        derived = set(graph.objects(name, PROV.wasDerivedFrom))
        assert len(derived) == 1, name
        assert set(graph.objects(name, DCTERMS.source)) == derived, name


def test_a_cited_source_holds_the_citation_in_its_own_graph(record_graphs):
    """`thing dcterms:source X` sits in X's record, so every cited page is a record."""
    derived = {
        o: name
        for name, triples in record_graphs.items()
        for s, p, o in triples
        if p == PROV.wasDerivedFrom and s == name
    }
    for name, triples in record_graphs.items():
        for s, p, o in triples:
            if p == DCTERMS.source and str(s).startswith(str(ID)) and s != name:
                assert derived.get(o) == name, f"{s} cites {o} in {name}"


def test_the_union_of_the_record_graphs_is_the_bundled_graph(record_graphs, graph):
    union = Graph()
    for triples in record_graphs.values():
        for triple in triples:
            union.add(triple)
    records = {s for s in union.subjects() if str(s).startswith(str(RECORD))}
    bundled = Graph()
    for triple in graph:
        bundled.add(triple)
    for triple in list(union):
        if triple[0] in records:
            union.remove(triple)
            bundled.remove(triple)
    assert set(union) == set(bundled)  # no blank nodes: equal sets are isomorphic graphs
