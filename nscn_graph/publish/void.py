"""The W3C VoID description of the dataset (https://www.w3.org/TR/void/), with its statistics
computed from the data by SPARQL, never typed in.

Served at ``/.well-known/void`` (VoID §6.2). Class partitions give ``void:entities`` (distinct
instances), property partitions ``void:triples``.

The named graphs, one per source record, are each a ``void:subset`` of the dataset (VoID §3.1):
the subset is the record itself (its IRI is the graph's name), with its ``void:triples`` and
the ``prov:wasDerivedFrom`` / ``dcterms:source`` it says of itself. A subset per record rather
than one class partition over ``prov:Entity``: a harvester learns from the description alone
which graphs there are, how large each is and where each was read, and can fetch one with
``GRAPH <record>``; the class partition of ``nscn:SourceRecord`` counts them as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD

from nscn_graph.graph.provenance import PROV_DERIVED
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES, VOID, rebase
from nscn_graph.publish import annotations, metadata
from nscn_graph.publish.metadata import Queryable

_COUNTS = """
SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
       (COUNT(DISTINCT ?p) AS ?properties)
WHERE { ?s ?p ?o }
"""
_ENTITIES = """
SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?space))
}
"""
_CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c ORDER BY ?c"
_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"
_EXAMPLE = "SELECT ?s WHERE { ?s a ?class FILTER(isIRI(?s)) } ORDER BY ?s LIMIT 1"
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_GRAPH_SOURCES = f"""SELECT ?g ?p ?source WHERE {{
  VALUES ?p {{ <{PROV_DERIVED}> <http://purl.org/dc/terms/source> }}
  ?g ?p ?source FILTER EXISTS {{ GRAPH ?g {{ ?g ?p ?source }} }}
}}"""


@dataclass(frozen=True)
class Statistics:
    """VoID statistics of a graph."""

    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int] = field(default_factory=dict)  #: class IRI -> instances
    properties: dict[str, int] = field(default_factory=dict)  #: property IRI -> triples
    examples: tuple[str, ...] = ()
    vocabularies: tuple[str, ...] = ()
    #: named graph (source record) IRI -> its statements
    graphs: dict[str, int] = field(default_factory=dict)
    #: named graph IRI -> (property IRI, source IRI) it says of itself
    graph_sources: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def uri_space(base: str) -> str:
    """The IRIs of the things the dataset describes (DESIGN.md: ``{base}id/...``)."""
    return base + "id/"


def statistics(
    store: Queryable, *, base: str = DEFAULT_BASE, example_classes: Sequence[str] | None = None
) -> Statistics:
    """Counts of the default graph of ``store``, by SPARQL. The first instance of each of
    ``example_classes`` (default: the kinds the bundled page annotations mark
    ``nscn:example``) is a ``void:exampleResource``."""
    row = next(iter(store.query(_COUNTS)))
    entities = next(
        iter(
            store.query(
                _ENTITIES.replace("?space", _string(uri_space(base))),
            )
        )
    )
    classes = {
        r["c"].value: int(r["n"].value)
        for r in store.query(_CLASSES)
        if isinstance(r["c"], ox.NamedNode)
    }
    properties = {r["p"].value: int(r["n"].value) for r in store.query(_PROPERTIES)}
    if example_classes is None:
        example_classes = [kind.iri for kind in annotations.load(base=base).examples]
    examples = []
    for iri in example_classes:
        query = _EXAMPLE.replace("?class", f"<{iri}>")
        for r in store.query(query):
            examples.append(r["s"].value)
    graphs = {
        r["g"].value: int(r["n"].value)
        for r in store.query(_GRAPHS)
        if isinstance(r["g"], ox.NamedNode)
    }
    graph_sources: dict[str, list[tuple[str, str]]] = {}
    if graphs:
        for r in store.query(_GRAPH_SOURCES):
            if isinstance(r["source"], ox.NamedNode) and r["g"].value in graphs:
                graph_sources.setdefault(r["g"].value, []).append((r["p"].value, r["source"].value))
    return Statistics(
        graphs=graphs,
        graph_sources={g: sorted(found) for g, found in graph_sources.items()},
        triples=int(row["triples"].value),
        entities=int(entities["n"].value),
        distinct_subjects=int(row["subjects"].value),
        distinct_objects=int(row["objects"].value),
        classes=classes,
        properties=properties,
        examples=tuple(examples),
        vocabularies=vocabularies([*classes, *properties], base=base),
    )


def _string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def vocabularies(terms: Sequence[str], *, base: str = DEFAULT_BASE) -> tuple[str, ...]:
    """The vocabularies (``void:vocabulary``) the classes and properties come from: the
    namespace of each term, without a trailing ``#`` (VoID §4.2)."""
    known = sorted(
        rebase(iri, base) for iri in PREFIXES.values() if not iri.startswith(DEFAULT_BASE + "id/")
    )
    found = set()
    for term in terms:
        matches = [ns for ns in known if term.startswith(ns) and len(term) > len(ns)]
        if matches:
            namespace = max(matches, key=len)
        else:
            cut = max(term.rfind("#"), term.rfind("/"))
            namespace = term[: cut + 1]
        found.add(namespace[:-1] if namespace.endswith("#") else namespace)
    return tuple(sorted(found))


def void_graph(
    stats: Statistics,
    dumps: Sequence[metadata.DumpInfo],
    *,
    base: str,
    links: str,
    modified: str,
    version: str,
) -> rdflib.Graph:
    """The VoID description; links to the server are under ``links``."""
    graph = metadata.new_graph()
    ds = metadata.dataset_iri(base)
    graph.add((ds, RDF.type, VOID.Dataset))
    metadata.describe_common(graph, ds, base=base, modified=modified, version=version)
    graph.add((ds, FOAF.homepage, rdflib.URIRef(links)))
    graph.add((ds, VOID.sparqlEndpoint, rdflib.URIRef(links + "sparql")))
    for dump in dumps:
        graph.add((ds, VOID.dataDump, rdflib.URIRef(dump.url(links))))
        feature = metadata.W3C_FORMATS.get(dump.format.name)
        if feature:
            graph.add((ds, VOID.feature, rdflib.URIRef(feature)))
    graph.add((ds, VOID.uriSpace, rdflib.Literal(uri_space(base))))
    for example in stats.examples:
        graph.add((ds, VOID.exampleResource, rdflib.URIRef(example)))
    graph.add((ds, VOID.rootResource, metadata.publisher_iri(base)))
    for vocabulary in stats.vocabularies:
        graph.add((ds, VOID.vocabulary, rdflib.URIRef(vocabulary)))

    def count(subject, predicate, n: int) -> None:
        graph.add((subject, predicate, rdflib.Literal(n, datatype=XSD.integer)))

    count(ds, VOID.triples, stats.triples)
    count(ds, VOID.entities, stats.entities)
    count(ds, VOID.distinctSubjects, stats.distinct_subjects)
    count(ds, VOID.distinctObjects, stats.distinct_objects)
    count(ds, VOID.classes, len(stats.classes))
    count(ds, VOID.properties, len(stats.properties))
    for cls, n in sorted(stats.classes.items()):
        partition = rdflib.BNode()
        graph.add((ds, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], rdflib.URIRef(cls)))
        count(partition, VOID.entities, n)
    for prop, n in sorted(stats.properties.items()):
        partition = rdflib.BNode()
        graph.add((ds, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, rdflib.URIRef(prop)))
        count(partition, VOID.triples, n)

    for iri, n in sorted(stats.graphs.items()):
        subset = rdflib.URIRef(iri)
        graph.add((ds, VOID.subset, subset))
        graph.add((subset, RDF.type, VOID.Dataset))
        count(subset, VOID.triples, n)
        for predicate, source in stats.graph_sources.get(iri, ()):
            graph.add((subset, rdflib.URIRef(predicate), rdflib.URIRef(source)))

    document = rdflib.URIRef(links + ".well-known/void")
    graph.add((document, RDF.type, VOID.DatasetDescription))
    graph.add(
        (
            document,
            DCTERMS.title,
            rdflib.Literal(f"VoID description of the {metadata.TITLE}", lang="en"),
        )
    )
    graph.add((document, FOAF.primaryTopic, ds))
    return graph
