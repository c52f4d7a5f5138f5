"""The data model as the data shows it: the kinds of thing with their counts, the properties
with their domains, ranges and counts, and which kinds link to which by which property (as
Trifid's SPEX and VoID's partitions show a dataset).

:func:`read` asks the store (its public ``query`` call, so every store answers the same) two
grouped queries over the kinds that have browse pages (the page annotations' ``nscn:typeSlug``
classes, :meth:`~nscn_graph.publish.annotations.Layout.browsable`): the links between things of
two kinds, and the properties each kind's things use. Domains and ranges come from the ontology.
:func:`triples` is the model as RDF: VoID class partitions (``void:entities``) with their
property partitions (``void:triples``), and each observed link as a deactivated SHACL shape
(``sh:targetClass``, ``sh:path``, ``sh:class``: a description, never checked).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE

from .annotations import Kind, Layout
from .documents import RDF_TYPE, RDFS_LABEL

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"


@dataclass(frozen=True)
class Link:
    source: str  #: class IRI
    property: str
    target: str  #: class IRI
    count: int  #: triples


@dataclass
class Property:
    iri: str
    label: str
    count: int  #: triples whose subject is a thing of a shown kind
    domains: list[str] = field(default_factory=list)  #: from the ontology
    ranges: list[str] = field(default_factory=list)
    used_by: dict[str, int] = field(default_factory=dict)  #: class IRI -> triples


@dataclass
class DataModel:
    kinds: list[tuple[str, Kind, int]]  #: (type segment, kind, instances)
    links: list[Link]
    properties: list[Property]
    base: str = DEFAULT_BASE

    def kind(self, iri: str) -> Kind | None:
        return next((k for _, k, _ in self.kinds if k.iri == iri), None)


def read(
    store,
    layout: Layout,
    *,
    ontology: Iterable[ox.Triple] = (),
    counts: dict[str, int] | None = None,
    base: str = DEFAULT_BASE,
) -> DataModel:
    """The model of the graph in ``store``: ``counts`` are instances per class IRI (the
    store's summary), ``ontology`` the triples that give domains and ranges."""
    counts = counts or {}
    shown = [
        (segment, kind, counts.get(kind.iri, 0)) for segment, kind in layout.browsable().items()
    ]
    shown = [item for item in shown if item[2]]
    classes = " ".join(f"<{kind.iri}>" for _, kind, _ in shown)
    links: list[Link] = []
    properties: dict[str, Property] = {}
    if classes:
        for row in store.query(
            f"SELECT ?c ?p ?d (COUNT(*) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} "
            f"VALUES ?d {{ {classes} }} ?s a ?c . ?s ?p ?o . ?o a ?d }} GROUP BY ?c ?p ?d"
        ):
            links.append(Link(row["c"].value, row["p"].value, row["d"].value, int(row["n"].value)))
        for row in store.query(
            f"SELECT ?c ?p (COUNT(*) AS ?n) WHERE {{ VALUES ?c {{ {classes} }} "
            "?s a ?c . ?s ?p ?o } GROUP BY ?c ?p"
        ):
            iri = row["p"].value
            prop = properties.get(iri)
            if prop is None:
                prop = properties[iri] = Property(iri, layout.labels.get(iri, _local(iri)), 0)
            n = int(row["n"].value)
            prop.count += n
            prop.used_by[row["c"].value] = n
    for triple in ontology:
        subject, predicate, obj = triple
        prop = properties.get(subject.value)
        if prop is None or not isinstance(obj, ox.NamedNode):
            continue
        if predicate.value == RDFS + "domain":
            prop.domains.append(obj.value)
        elif predicate.value == RDFS + "range":
            prop.ranges.append(obj.value)
    links.sort(key=lambda link: (layout.class_rank(link.source), link.property, link.target))
    ordered = sorted(properties.values(), key=lambda p: (p.label.casefold(), p.iri))
    return DataModel(shown, links, ordered, base)


def triples(model: DataModel, *, iri: str) -> list[ox.Triple]:
    """The model as RDF, about the document ``iri``."""
    me = ox.NamedNode(iri)
    found = [
        ox.Triple(me, ox.NamedNode(RDF_TYPE), ox.NamedNode(VOID + "Dataset")),
        ox.Triple(me, ox.NamedNode(RDFS_LABEL), ox.Literal("Data model", language="en")),
    ]

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    for _, kind, n in model.kinds:
        part = ox.BlankNode()
        found += [
            ox.Triple(me, ox.NamedNode(VOID + "classPartition"), part),
            ox.Triple(part, ox.NamedNode(VOID + "class"), ox.NamedNode(kind.iri)),
            ox.Triple(part, ox.NamedNode(VOID + "entities"), integer(n)),
        ]
        for prop in model.properties:
            used = prop.used_by.get(kind.iri)
            if used:
                inner = ox.BlankNode()
                found += [
                    ox.Triple(part, ox.NamedNode(VOID + "propertyPartition"), inner),
                    ox.Triple(inner, ox.NamedNode(VOID + "property"), ox.NamedNode(prop.iri)),
                    ox.Triple(inner, ox.NamedNode(VOID + "triples"), integer(used)),
                ]
    for link in model.links:
        shape, path = ox.BlankNode(), ox.BlankNode()
        found += [
            ox.Triple(me, ox.NamedNode(RDFS + "member"), shape),
            ox.Triple(shape, ox.NamedNode(RDF_TYPE), ox.NamedNode(SH + "NodeShape")),
            ox.Triple(shape, ox.NamedNode(SH + "deactivated"), _true()),
            ox.Triple(shape, ox.NamedNode(SH + "targetClass"), ox.NamedNode(link.source)),
            ox.Triple(shape, ox.NamedNode(SH + "property"), path),
            ox.Triple(path, ox.NamedNode(SH + "path"), ox.NamedNode(link.property)),
            ox.Triple(path, ox.NamedNode(SH + "class"), ox.NamedNode(link.target)),
            ox.Triple(path, ox.NamedNode(VOID + "triples"), integer(link.count)),
        ]
    return found


def _true() -> ox.Literal:
    return ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
