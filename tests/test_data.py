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
SCHEMA = Namespace("https://schema.org/")
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
    # parts of a thing (its geometry, an amount of money) are sourced with the thing
    exempt = {GSP.Geometry, SKOS.ConceptScheme, SCHEMA.MonetaryAmount}
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
        counted = graph.value(figure, NSCN.populationOf)
        assert {NSCN.City, NSCN.CityNetwork} & set(graph.objects(counted, RDF.type)), figure


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


# --- The seed facts around the network and the Roadmap, and how they are modelled ------------


def _sources(graph, thing) -> set[str]:
    return {str(s) for s in graph.objects(thing, DCTERMS.source)}


def test_the_network_population_is_an_approximate_figure(facts, graph):
    fact = facts["network"]["population_covered"]
    network = ID["organisation/nordic-smart-city-network"]
    figure = graph.value(network, NSCN.population)
    assert graph.value(figure, NSCN.populationOf) == network
    assert graph.value(figure, NSCN.populationCount).toPython() == fact["value"]
    assert graph.value(figure, NSCN.approximate).toPython() is True
    assert _sources(graph, figure) == set(fact["source"])


def test_the_grant_went_to_the_fourteen_cities_as_an_amount_of_money(facts, graph):
    grant = ID["grant/nordic-urban-living-labs"]
    members = {ID[f"city/{slug}"] for slug in facts["network"]["founding_members"]}
    assert set(graph.objects(grant, NSCN.recipient)) == members
    amount = graph.value(grant, SCHEMA.amount)
    assert (amount, RDF.type, SCHEMA.MonetaryAmount) in graph
    assert graph.value(amount, SCHEMA.value).toPython() == Decimal(4_000_000)
    assert str(graph.value(amount, SCHEMA.currency)) == "NOK"
    assert graph.value(grant, SCHEMA.currency) is None
    assert _sources(graph, grant) == set(facts["network"]["nordic_innovation_grant"]["source"])


def test_the_open_workshops_before_the_roadmap_without_an_unconfirmed_figure(facts, graph):
    fact = facts["roadmap"]["precursor_workshops"]
    workshops = ID["event/nordic-smart-city-workshops-2020"]
    assert (workshops, RDF.type, NSCN.Event) in graph
    assert graph.value(workshops, SCHEMA.organizer) == ID["organisation/doga"]
    assert graph.value(workshops, NSCN.inputTo) == ID["roadmap/nordic-smart-city-roadmap"]
    assert _sources(graph, workshops) == set(fact["source"])
    assert facts["roadmap"]["workshops_200_plus_participants"]["value"] is None
    assert graph.value(workshops, NSCN.participants) is None


def test_nordic_sustainable_cities_is_a_programme_not_linked_to_the_roadmap(facts, graph):
    fact = facts["roadmap"]["nordic_sustainable_cities"]
    programme = ID["programme/nordic-sustainable-cities"]
    assert (programme, RDF.type, NSCN.Programme) in graph
    assert graph.value(programme, SCHEMA.funder) == ID["organisation/nordic-innovation"]
    assert _sources(graph, programme) == set(fact["source"])
    assert fact["link_to_roadmap"] == "not confirmed"
    assert (None, NSCN.fundedThrough, programme) not in graph


def test_the_norwegian_national_roadmap_is_related(facts, graph):
    fact = facts["roadmap"]["related_national_roadmap"]
    norway = ID["roadmap/smart-sustainable-cities-norway"]
    assert (norway, RDF.type, NSCN.Roadmap) in graph
    assert str(graph.value(norway, DCTERMS.title)) == fact["title"]
    assert graph.value(norway, DCTERMS.relation) == ID["roadmap/nordic-smart-city-roadmap"]
    # the facts give two makers as our ids; the third (a name only) is not linked
    creators = {ID[f"organisation/{by}"] for by in fact["by"] if by.islower()}
    assert len(creators) == 2
    assert set(graph.objects(norway, DCTERMS.creator)) == creators
    assert _sources(graph, norway) == set(fact["source"])


@pytest.mark.parametrize(
    "slug",
    [
        "radical",
        "vicinity",
        "share-north",
        "interreg-score",
        "100-resilient-cities",
        "6aika",
        "nordic-built-cities",
        "smart-tampere",
    ],
)
def test_projects_and_programmes_are_not_organisations(graph, slug):
    thing = ID[f"organisation/{slug}"]
    types = set(graph.objects(thing, RDF.type))
    assert types & {NSCN.Project, NSCN.Programme, NSCN.SmartCityProgramme}, types
    assert not types & {NSCN.Organisation, URIRef("http://www.w3.org/ns/org#Organization")}
    assert graph.value(thing, SCHEMA.foundingDate) is None


def test_themes_are_the_datasets_own_vocabulary(graph):
    for theme in graph.subjects(RDF.type, NSCN.Theme):
        assert _sources(graph, theme) == {"https://w3id.org/nscn/dataset"}, theme
