"""Tests of the SHACL shapes in shapes/nscn-shapes.ttl.

Modelled on OGC GeoSPARQL 1.1's shape tests: each node shape ``Sxx`` has example data in
``tests/shapes/``: ``Sxx-valid.ttl`` must conform, and every ``Sxx-invalid-NN.ttl`` must not
conform and must be reported by exactly the shapes its ``# expect: nscnsh:...`` header lines
name (compared as the set of ``sh:sourceShape`` IRIs in the validation report).

A shape with ``sh:deactivated true`` states a rule the bundled data does not meet yet; the
examples are checked with every shape switched on, so such a shape is tested like any other.

The tests use rdflib and pySHACL only (not the nscn_graph package), with no inference, so the
shapes are checked the way an independent SHACL Core engine would read them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pyshacl import validate
from rdflib import OWL, RDF, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import BNode, Node

ROOT = Path(__file__).parents[1]
SHAPES_FILE = ROOT / "shapes" / "nscn-shapes.ttl"
EXAMPLES_DIR = ROOT / "tests" / "shapes"

SH = Namespace("http://www.w3.org/ns/shacl#")
NSCNSH = Namespace("https://w3id.org/nscn/shapes#")
SHAPES_GRAPH_IRI = URIRef("https://w3id.org/nscn/shapes")

VALID_EXAMPLES = sorted(EXAMPLES_DIR.glob("S*-valid.ttl"))
INVALID_EXAMPLES = sorted(EXAMPLES_DIR.glob("S*-invalid-*.ttl"))

EXPECT_LINE = re.compile(r"^#\s*expect:\s*nscnsh:(\S+)\s*$")
SHAPE_NUMBER = re.compile(r"^(S\d\d)-")

# Every term of the SHACL vocabulary that SHACL Core defines (W3C Recommendation, sections
# 2-4 and the validation report of section 3.6). Anything else from the sh: namespace
# (sh:sparql, sh:SPARQLConstraint, sh:rule, sh:target, sh:js...) belongs to SHACL-SPARQL or
# SHACL Advanced Features and is refused.
SHACL_CORE_TERMS = set(
    """
    Shape NodeShape PropertyShape targetClass targetNode targetObjectsOf targetSubjectsOf
    deactivated message severity Violation Warning Info property path name description order
    group defaultValue PropertyGroup
    alternativePath inversePath zeroOrMorePath oneOrMorePath zeroOrOnePath
    class datatype nodeKind IRI BlankNode Literal BlankNodeOrIRI BlankNodeOrLiteral IRIOrLiteral
    minCount maxCount minExclusive minInclusive maxExclusive maxInclusive
    minLength maxLength pattern flags languageIn uniqueLang
    equals disjoint lessThan lessThanOrEquals
    not and or xone node qualifiedValueShape qualifiedMinCount qualifiedMaxCount
    qualifiedValueShapesDisjoint closed ignoredProperties hasValue in
    """.split()
)

CORE_ONLY_FORBIDDEN_TEXT = (
    "sh:sparql",
    "sh:SPARQLConstraint",
    "sh:SPARQLTarget",
    "sh:rule",
    "sh:SPARQLRule",
    "sh:TripleRule",
    "sh:js",
    "sh:target ",
    "sh:select",
    "sh:ask",
    "sh:prefixes",
)


@pytest.fixture(scope="module")
def shapes_graph() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


@pytest.fixture(scope="module")
def active_shapes(shapes_graph: Graph) -> Graph:
    """The shapes with every ``sh:deactivated`` switched off: the rules as they are meant."""
    return activated(shapes_graph)


def activated(shapes: Graph) -> Graph:
    active = Graph()
    for triple in shapes:
        if triple[1] != SH.deactivated:
            active.add(triple)
    return active


def deactivated_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.subjects(SH.deactivated, Literal(True)))


def expected_shapes(path: Path) -> set[URIRef]:
    """The shape IRIs named by ``# expect: nscnsh:Name`` lines in an example file."""
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        match = EXPECT_LINE.match(line.strip())
        if match:
            names.add(NSCNSH[match.group(1)])
    return names


def run_validation(path: Path, shapes: Graph) -> tuple[bool, Graph, str]:
    data = Graph().parse(path, format="turtle")
    conforms, report_graph, report_text = validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=False,
        allow_warnings=False,
    )
    return bool(conforms), report_graph, report_text


def source_shapes(report: Graph) -> set[Node]:
    return set(report.objects(None, SH.sourceShape))


def node_shapes(shapes: Graph) -> set[Node]:
    return set(shapes.subjects(RDF.type, SH.NodeShape))


def property_shapes(shapes: Graph) -> set[Node]:
    """Every shape with an sh:path (property shapes), wherever it is declared."""
    return set(shapes.subjects(SH.path, None))


def local_name(iri: Node) -> str:
    return str(iri).removeprefix(str(NSCNSH))


# -------------------------------------------------------------------------------- examples


def test_examples_exist() -> None:
    assert VALID_EXAMPLES, f"no Sxx-valid.ttl files in {EXAMPLES_DIR}"
    assert INVALID_EXAMPLES, f"no Sxx-invalid-NN.ttl files in {EXAMPLES_DIR}"


@pytest.mark.parametrize("path", VALID_EXAMPLES, ids=lambda p: p.name)
def test_valid_example_conforms(path: Path, active_shapes: Graph) -> None:
    assert not expected_shapes(path), f"{path.name} is a valid example but has # expect: lines"
    conforms, _, report_text = run_validation(path, active_shapes)
    assert conforms, f"{path.name} should conform:\n{report_text}"


@pytest.mark.parametrize("path", INVALID_EXAMPLES, ids=lambda p: p.name)
def test_invalid_example_fails_on_expected_shapes(path: Path, active_shapes: Graph) -> None:
    expected = expected_shapes(path)
    assert expected, f"{path.name} declares no '# expect: nscnsh:...' line"
    conforms, report, report_text = run_validation(path, active_shapes)
    assert not conforms, f"{path.name} should not conform"
    assert source_shapes(report) == expected, report_text


def test_every_node_shape_has_valid_and_invalid_examples(shapes_graph: Graph) -> None:
    missing = []
    for shape in sorted(node_shapes(shapes_graph), key=str):
        match = SHAPE_NUMBER.match(local_name(shape))
        assert match, f"{shape} is not named nscnsh:Sxx-..."
        number = match.group(1)
        for name in (f"{number}-valid.ttl", f"{number}-invalid-01.ttl"):
            if not (EXAMPLES_DIR / name).is_file():
                missing.append(name)
    assert not missing, f"missing example files: {missing}"


def test_every_example_belongs_to_a_node_shape(shapes_graph: Graph) -> None:
    numbers = {SHAPE_NUMBER.match(local_name(s)).group(1) for s in node_shapes(shapes_graph)}
    orphans = [p.name for p in VALID_EXAMPLES + INVALID_EXAMPLES if p.name[:3] not in numbers]
    assert not orphans


def test_expected_shapes_exist_and_match_the_file_number(shapes_graph: Graph) -> None:
    declared = node_shapes(shapes_graph) | property_shapes(shapes_graph)
    for path in INVALID_EXAMPLES:
        for shape in expected_shapes(path):
            assert shape in declared, f"{path.name} expects {shape}, which is not a shape"
            assert local_name(shape).startswith(path.name[:4]), (
                f"{path.name} expects {shape} of another node shape"
            )


def test_every_property_shape_has_an_invalid_example(shapes_graph: Graph) -> None:
    exercised = set().union(*(expected_shapes(p) for p in INVALID_EXAMPLES))
    untested = sorted(str(s) for s in property_shapes(shapes_graph) - exercised)
    assert not untested, f"property shapes without an invalid example: {untested}"


# -------------------------------------------------------------------------- shapes graph


def test_shapes_graph_is_self_describing(shapes_graph: Graph) -> None:
    g, s = shapes_graph, SHAPES_GRAPH_IRI
    assert (s, RDF.type, OWL.Ontology) in g
    title = g.value(s, DCTERMS.title)
    assert isinstance(title, Literal) and title.language == "en" and str(title)
    assert isinstance(g.value(s, DCTERMS.description), Literal)
    assert (s, DCTERMS.license, URIRef("https://creativecommons.org/licenses/by/4.0/")) in g
    assert (s, OWL.versionIRI, URIRef("https://w3id.org/nscn/shapes/0.2.0")) in g
    assert g.value(s, OWL.versionInfo) == Literal("0.2.0")


def test_node_shapes_have_iri_target_and_message(shapes_graph: Graph) -> None:
    g = shapes_graph
    targets = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)
    shapes = node_shapes(g)
    assert shapes
    for shape in shapes:
        assert isinstance(shape, URIRef) and str(shape).startswith(str(NSCNSH)), shape
        assert any(g.value(shape, t) is not None for t in targets), f"{shape} has no target"
        messages = list(g.objects(shape, SH.message))
        assert any(isinstance(m, Literal) and m.language == "en" for m in messages), shape


def test_property_shapes_have_iri_message_and_severity(shapes_graph: Graph) -> None:
    g = shapes_graph
    shapes = property_shapes(g)
    assert shapes
    for shape in shapes:
        assert not isinstance(shape, BNode), (
            f"a property shape on path {g.value(shape, SH.path)} is a blank node"
        )
        name = local_name(shape)
        assert str(shape).startswith(str(NSCNSH)) and SHAPE_NUMBER.match(name), shape
        messages = [m for m in g.objects(shape, SH.message) if isinstance(m, Literal)]
        assert any(m.language == "en" and len(str(m)) > 20 for m in messages), (
            f"{name} needs an actionable sh:message in English"
        )
        assert g.value(shape, SH.severity) == SH.Violation, f"{name} needs sh:severity sh:Violation"


def test_property_shapes_hang_off_their_node_shape(shapes_graph: Graph) -> None:
    g = shapes_graph
    for prop in property_shapes(g):
        parents = set(g.subjects(SH.property, prop))
        assert parents, f"{prop} is not the sh:property of any node shape"
        for parent in parents:
            assert local_name(parent)[:3] == local_name(prop)[:3], (
                f"{prop} hangs off {parent}, another shape number"
            )


def test_only_shacl_core(shapes_graph: Graph) -> None:
    used = {
        term
        for triple in shapes_graph
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(str(SH))
    }
    not_core = sorted(str(t) for t in used if str(t).removeprefix(str(SH)) not in SHACL_CORE_TERMS)
    assert not not_core, f"terms outside SHACL Core: {not_core}"
    lines = SHAPES_FILE.read_text(encoding="utf-8").splitlines()
    text = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    found = [word for word in CORE_ONLY_FORBIDDEN_TEXT if word in text]
    assert not found, f"SHACL-SPARQL / SHACL-AF constructs in the shapes file: {found}"


def test_deactivated_shapes_say_what_they_wait_for(shapes_graph: Graph) -> None:
    for shape in deactivated_shapes(shapes_graph):
        notes = [n for n in shapes_graph.objects(shape, SKOS.note) if isinstance(n, Literal)]
        assert any(n.language == "en" and "Deactivated" in n for n in notes), shape


def test_a_deactivated_shape_reports_nothing_until_switched_on(shapes_graph: Graph) -> None:
    # The example for the pending rule on member cities' population: the shapes as shipped
    # accept it, switched on they refuse it.
    path = EXAMPLES_DIR / "S01-invalid-07.ttl"
    assert NSCNSH["S01-smartcity-population"] in deactivated_shapes(shapes_graph)
    assert run_validation(path, shapes_graph)[0]
    assert not run_validation(path, activated(shapes_graph))[0]


# ------------------------------------------------------------------------ bundled data


def _validate_data(data: Graph, shapes: Graph) -> tuple[bool, str]:
    conforms, _, text = validate(
        data, shacl_graph=shapes, inference="none", advanced=False, allow_warnings=False
    )
    return bool(conforms), text


def test_bundled_data_conforms_to_the_shapes_as_shipped(bundled, shapes_graph: Graph) -> None:
    conforms, text = _validate_data(bundled.to_rdflib(), shapes_graph)
    assert conforms, text


#: Each deactivated shape and what the bundled data lacks for it. A test below is a strict
#: expected failure per shape: the day the data meets the rule, it fails, telling whoever sees
#: it to remove that shape's `sh:deactivated true` and its entry here.
PENDING = {
    "S01-smartcity-population": "Reykjavik has no population figure (the reference facts "
    "have only a low-confidence one)",
}


def test_every_deactivated_shape_is_pending(shapes_graph: Graph) -> None:
    assert {local_name(s) for s in deactivated_shapes(shapes_graph)} == set(PENDING)


def _one_switched_on(shapes: Graph, name: str) -> Graph:
    """The shapes as shipped, with only ``name`` switched on as well."""
    shapes = activated(shapes) + Graph()
    for other in set(PENDING) - {name}:
        shapes.add((NSCNSH[other], SH.deactivated, Literal(True)))
    return shapes


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=r)) for n, r in PENDING.items()],
)
def test_bundled_data_meets_the_pending_rule(bundled, shapes_graph: Graph, name: str) -> None:
    conforms, text = _validate_data(bundled.to_rdflib(), _one_switched_on(shapes_graph, name))
    assert conforms, text
