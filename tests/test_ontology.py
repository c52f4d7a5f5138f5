"""The ontology (ontology/nscn.ttl): it describes itself, every term is documented and has
its standard parents, it agrees with the shapes on datatypes, domains and ranges, and it stays
consistent with the bundled data under an OWL 2 RL reasoner (owlrl).

Why owlrl and not HermiT: owlrl is pure Python on rdflib (already a dependency of pySHACL),
so the test runs wherever the suite runs. HermiT is not packaged in Debian and would need a
Java runtime plus a wrapper (owlready2 bundles a HermiT jar), and it reasons over OWL 2 DL,
which the data is not (schema.org terms are used without declarations). The OWL 2 RL rules
cover what can go wrong here: members of disjoint classes, owl:Nothing, clashes through
functional and inverse-functional properties (which end as disjointness errors or as
owl:sameAs between two of our own things).
"""

from __future__ import annotations

import owlrl
import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, FOAF, PROV, SKOS
from rdflib.term import BNode, Node

from nscn_graph import paths

NSCN = Namespace("https://w3id.org/nscn/ontology#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SH = Namespace("http://www.w3.org/ns/shacl#")
ID = Namespace("https://w3id.org/nscn/id/")
ONTOLOGY = URIRef("https://w3id.org/nscn/ontology")
#: where owlrl writes the inconsistencies it finds (owlrl.Namespaces.ERRNS)
ERRNS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")

#: Axioms of the reused vocabularies that matter for consistency, as those vocabularies state
#: them (PROV-O 2013-04-30; FOAF 0.99), so the reasoner sees them without the network.
REUSED_AXIOMS = """
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
prov:Activity owl:disjointWith prov:Entity .
foaf:Person owl:disjointWith foaf:Organization , foaf:Project .
foaf:homepage a owl:InverseFunctionalProperty .
"""

#: The standard parents the ontology promises (subclass / sub-property, asserted directly).
CLASS_PARENTS = {
    "Project": {SCHEMA.Project, FOAF.Project, PROV.Activity},
    "Programme": {NSCN.Project},
    "Case": {NSCN.Project, SCHEMA.Project, PROV.Activity},
    "SmartCityProgramme": {NSCN.Programme},
    "SourceRecord": {PROV.Entity},
    "Organisation": {ORG.Organization, SCHEMA.Organization, FOAF.Organization},
    "Event": {SCHEMA.Event},
    "Grant": {SCHEMA.MonetaryGrant},
    "Theme": {SKOS.Concept},
}
PROPERTY_PARENTS = {
    "funder": SCHEMA.funder,
    "fundedItem": SCHEMA.fundedItem,
    "attendee": SCHEMA.attendee,
    "eventPlace": SCHEMA.location,
    "basedIn": SCHEMA.location,
    "city": SCHEMA.location,
    "supportedBy": SCHEMA.sponsor,
    "theme": DCTERMS.subject,
    "workingGroupMember": DCTERMS.contributor,
    "partner": DCTERMS.contributor,
    "country": DCTERMS.spatial,
    "referenceDate": DCTERMS.date,
    "facilitator": SCHEMA.contributor,
    "inputTo": PROV.influenced,
    "fundedThrough": DCTERMS.relation,
}
#: Properties for which no standard vocabulary has a fitting parent (each was looked for).
NO_STANDARD_PARENT = {
    "aliasOf",  # a local redirect, not an identity claim (owl:sameAs would merge the two)
    "capital",  # schema.org, DCTERMS, ORG have none; Wikidata P36 is not an RDFS vocabulary
    "population",  # schema.org has no population property of a place
    "populationOf",
    "workingGroupOf",  # the inverse of dcterms:contributor, which has no named inverse
    "recipient",  # schema:recipient belongs to messages and actions, not to grants
    "participants",  # schema.org has attendee capacities only (Wikidata P1132 in rdfs:seeAlso)
    "populationCovered",
    "municipality",
    "populationCount",
    "areaType",
    "approximate",
    "periodNote",  # skos:note is an annotation property: a parent would break OWL 2 DL
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(paths.ontology_file(), format="turtle")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(paths.shapes_file(), format="turtle")


def terms(ontology: Graph, kind: URIRef) -> set[URIRef]:
    return {s for s in ontology.subjects(RDF.type, kind) if str(s).startswith(str(NSCN))}


def members(graph: Graph, node: Node | None) -> set[Node]:
    """A named class or datatype as a set of one; an owl:unionOf as the set of its members."""
    if node is None:
        return set()
    union = graph.value(node, OWL.unionOf)
    if union is not None:
        return set(Collection(graph, union))
    return {node}


def superclasses(ontology: Graph, cls: Node) -> set[Node]:
    return set(ontology.transitive_objects(cls, RDFS.subClassOf))


def closure(*graphs: Graph) -> Graph:
    merged = Graph()
    for graph in graphs:
        merged += graph
    merged.parse(data=REUSED_AXIOMS, format="turtle")
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(merged)
    return merged


def inconsistencies(inferred: Graph) -> list[str]:
    """owlrl's error messages, the members of owl:Nothing, and owl:sameAs between two
    different things of our own (what a functional or inverse-functional clash ends as)."""
    found = sorted(str(m) for m in inferred.objects(None, ERRNS.error))
    found += [f"{s} is a member of owl:Nothing" for s in inferred.subjects(RDF.type, OWL.Nothing)]
    found += [
        f"{a} owl:sameAs {b}"
        for a, b in inferred.subject_objects(OWL.sameAs)
        if a != b and all(str(x).startswith(str(ID)) for x in (a, b))
    ]
    return found


# ----------------------------------------------------------------------- self-description


def test_the_ontology_describes_itself(ontology: Graph) -> None:
    g = ontology
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in g
    title = g.value(ONTOLOGY, DCTERMS.title)
    assert isinstance(title, Literal) and title.language == "en"
    assert (ONTOLOGY, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (ONTOLOGY, OWL.versionIRI, URIRef("https://w3id.org/nscn/ontology/0.2.0")) in g
    assert g.value(ONTOLOGY, OWL.versionInfo) == Literal("0.2.0")
    assert (ONTOLOGY, OWL.priorVersion, URIRef("https://w3id.org/nscn/ontology/0.1.0")) in g


def test_the_identity_link_choice_is_documented(ontology: Graph) -> None:
    notes = [str(n) for n in ontology.objects(ONTOLOGY, SKOS.note)]
    identity = [n for n in notes if "skos:exactMatch" in n and "owl:sameAs" in n]
    assert identity and "preferred" in identity[0]


def test_every_term_is_typed_labelled_commented_and_defined_here(ontology: Graph) -> None:
    subjects = {s for s in ontology.subjects() if str(s).startswith(str(NSCN))}
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for term in subjects:
        assert any((term, RDF.type, k) in ontology for k in kinds), term
        for prop in (RDFS.label, RDFS.comment):
            values = list(ontology.objects(term, prop))
            assert any(isinstance(v, Literal) and v.language == "en" for v in values), (term, prop)
        assert (term, RDFS.isDefinedBy, ONTOLOGY) in ontology, term


# --------------------------------------------------------------------------- hierarchy


@pytest.mark.parametrize("name", sorted(CLASS_PARENTS))
def test_class_has_its_standard_parents(ontology: Graph, name: str) -> None:
    assert CLASS_PARENTS[name] <= set(ontology.objects(NSCN[name], RDFS.subClassOf))


@pytest.mark.parametrize("name", sorted(PROPERTY_PARENTS))
def test_property_has_its_standard_parent(ontology: Graph, name: str) -> None:
    assert (NSCN[name], RDFS.subPropertyOf, PROPERTY_PARENTS[name]) in ontology


def test_every_property_has_a_parent_or_is_known_to_have_none(ontology: Graph) -> None:
    properties = terms(ontology, OWL.ObjectProperty) | terms(ontology, OWL.DatatypeProperty)
    orphans = {
        str(p).removeprefix(str(NSCN))
        for p in properties
        if ontology.value(p, RDFS.subPropertyOf) is None
    }
    assert orphans == NO_STANDARD_PARENT


def test_top_classes_are_disjoint(ontology: Graph) -> None:
    lists = [
        set(Collection(ontology, ontology.value(node, OWL.members)))
        for node in ontology.subjects(RDF.type, OWL.AllDisjointClasses)
    ]
    assert any({NSCN.Project, NSCN.Organisation, NSCN.City, NSCN.SourceRecord} <= m for m in lists)


# ------------------------------------------------------------------ agreement with shapes


def _property_shapes(shapes: Graph, predicate: URIRef):
    for shape in set(shapes.subjects(SH.path, predicate)):
        if isinstance(shapes.value(shape, SH.path), URIRef):
            yield shape


def _alternatives(shapes: Graph, shape: Node, key: URIRef) -> set[Node]:
    """Values of ``key`` on the shape itself or on the members of its sh:or list."""
    found = set(shapes.objects(shape, key))
    for alternatives in shapes.objects(shape, SH["or"]):
        for member in Collection(shapes, alternatives):
            found |= set(shapes.objects(member, key))
    return found


def test_shapes_and_ontology_state_the_same_datatypes(ontology: Graph, shapes: Graph) -> None:
    checked = 0
    for prop in terms(ontology, OWL.DatatypeProperty):
        declared = members(ontology, ontology.value(prop, RDFS.range))
        for shape in _property_shapes(shapes, prop):
            stated = _alternatives(shapes, shape, SH.datatype)
            if stated:
                checked += 1
                assert stated == declared, (prop, shape, stated, declared)
    assert checked >= 12


def test_shapes_link_only_to_classes_the_range_allows(ontology: Graph, shapes: Graph) -> None:
    checked = 0
    for prop in terms(ontology, OWL.ObjectProperty):
        allowed = members(ontology, ontology.value(prop, RDFS.range))
        if not allowed:
            continue
        for shape in _property_shapes(shapes, prop):
            for cls in _alternatives(shapes, shape, SH["class"]):
                checked += 1
                assert superclasses(ontology, cls) & allowed, (prop, shape, cls, allowed)
    assert checked >= 25


def test_shapes_put_properties_only_on_classes_the_domain_allows(
    ontology: Graph, shapes: Graph
) -> None:
    checked = 0
    for prop in terms(ontology, OWL.ObjectProperty) | terms(ontology, OWL.DatatypeProperty):
        domain = members(ontology, ontology.value(prop, RDFS.domain))
        if not domain:
            continue
        for shape in _property_shapes(shapes, prop):
            for node_shape in shapes.subjects(SH.property, shape):
                for target in shapes.objects(node_shape, SH.targetClass):
                    checked += 1
                    assert superclasses(ontology, target) & domain, (prop, node_shape, target)
    assert checked >= 20


def test_integer_counts_are_xsd_integer_as_pyoxigraph_stores_them(ontology: Graph) -> None:
    for name in ("populationCount", "populationCovered"):
        assert ontology.value(NSCN[name], RDFS.range) == XSD.integer


# --------------------------------------------------------------------------- reasoning


@pytest.fixture(scope="module")
def inferred(ontology: Graph, bundled) -> Graph:
    return closure(ontology, bundled.to_rdflib())


def test_ontology_and_data_are_consistent_under_owl_2_rl(inferred: Graph) -> None:
    assert inconsistencies(inferred) == []


def test_the_closure_draws_the_inferences_the_ontology_means(inferred: Graph) -> None:
    # a case is a project and a PROV activity, a member city a schema:City, and a lab's
    # nscn:city a schema:location
    case = ID["case/nordic-urban-living-labs"]
    assert (case, RDF.type, NSCN.Project) in inferred
    assert (case, RDF.type, PROV.Activity) in inferred
    assert (ID["city/aarhus"], RDF.type, SCHEMA.City) in inferred
    assert (ID["lab/aarhus-city-lab"], SCHEMA.location, ID["city/aarhus"]) in inferred


PREFIXES = """
@prefix nscn: <https://w3id.org/nscn/ontology#> .
@prefix city: <https://w3id.org/nscn/id/city/> .
@prefix case: <https://w3id.org/nscn/id/case/> .
@prefix organisation: <https://w3id.org/nscn/id/organisation/> .
@prefix programme: <https://w3id.org/nscn/id/programme/> .
@prefix population: <https://w3id.org/nscn/id/population/> .
@prefix record: <https://w3id.org/nscn/id/record/> .
@prefix roadmap: <https://w3id.org/nscn/id/roadmap/> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
"""

CLASHES = {
    "a project still typed as an organisation": """
        organisation:radical a nscn:Project , nscn:Organisation .""",
    "a city as funder (nscn:funder's range is Organisation)": """
        case:x a nscn:Case ; nscn:funder city:aarhus .
        city:aarhus a nscn:City .""",
    "a programme as funder instead of nscn:fundedThrough": """
        roadmap:r a nscn:Roadmap ; nscn:funder programme:p .
        programme:p a nscn:Programme .""",
    "a source record that is also an activity": """
        record:x a nscn:SourceRecord , prov:Activity .""",
    "one figure counting two cities (nscn:populationOf is functional)": """
        population:x nscn:populationOf city:aarhus , city:oslo .""",
    "two things with one homepage (foaf:homepage is inverse-functional)": """
        organisation:a a nscn:Organisation ; foaf:homepage <https://example.org/> .
        organisation:b a nscn:Organisation ; foaf:homepage <https://example.org/> .""",
}


@pytest.mark.parametrize("clash", sorted(CLASHES))
def test_the_reasoner_test_catches(ontology: Graph, clash: str) -> None:
    data = Graph().parse(data=PREFIXES + CLASHES[clash], format="turtle")
    assert inconsistencies(closure(ontology, data))


def test_a_source_record_is_a_prov_entity(ontology: Graph) -> None:
    data = Graph().parse(data=PREFIXES + "record:x a nscn:SourceRecord .", format="turtle")
    assert (ID["record/x"], RDF.type, PROV.Entity) in closure(ontology, data)


# ------------------------------------------------------- the data uses the new classes

#: Project-like things that were typed as organisations (issue 15 names them).
PROJECT_LIKE = ["radical", "vicinity", "100-resilient-cities", "6aika", "smart-tampere"]
PROJECT_CLASSES = {NSCN.Project, NSCN.Programme, NSCN.SmartCityProgramme, NSCN.Case}


@pytest.mark.parametrize("slug", PROJECT_LIKE)
def test_project_like_things_are_projects_not_organisations(bundled, slug: str) -> None:
    graph = bundled.to_rdflib()
    thing = ID[f"organisation/{slug}"]
    types = set(graph.objects(thing, RDF.type))
    assert types & PROJECT_CLASSES and NSCN.Organisation not in types


def test_the_networks_population_is_marked_approximate(bundled) -> None:
    graph = bundled.to_rdflib()
    network = ID["organisation/nordic-smart-city-network"]
    figures = list(graph.objects(network, NSCN.population))
    assert any(graph.value(f, NSCN.approximate) == Literal(True) for f in figures)


def test_no_blank_node_ranges_hide_a_missing_class(ontology: Graph) -> None:
    # every class named in a union range or domain is declared in the ontology or is a
    # class of a reused vocabulary
    for prop in terms(ontology, OWL.ObjectProperty):
        for key in (RDFS.domain, RDFS.range):
            node = ontology.value(prop, key)
            if isinstance(node, BNode):
                for cls in members(ontology, node):
                    local = str(cls).startswith(str(NSCN))
                    assert not local or (cls, RDF.type, OWL.Class) in ontology, (prop, cls)
