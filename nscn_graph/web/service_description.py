"""The SPARQL 1.1 Service Description of ``/sparql`` (W3C SPARQL 1.1 Service Description).

What the endpoint is (``sd:endpoint``), the language it speaks (SPARQL 1.1 Query only: no
``sd:SPARQL11Update``, no ``sd:BasicFederatedQuery``), the result formats it writes (W3C format
IRIs), and its default dataset (the published graph in the default graph, with its size).
"""

from __future__ import annotations

from functools import lru_cache

import pyoxigraph as ox

from nscn_graph import formats
from nscn_graph.graph.serialize import serialize as serialize_triples
from nscn_graph.namespaces import PREFIXES

SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS_NS = "http://www.w3.org/ns/formats/"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS = "http://purl.org/dc/terms/"
VOID = "http://rdfs.org/ns/void#"

#: W3C format IRIs (https://www.w3.org/ns/formats/) of the formats in the tables.
FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "json-ld": "JSON-LD",
    "n-triples": "N-Triples",
    "rdf-xml": "RDF_XML",
}


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def triples(endpoint: str, *, triple_count: int) -> list[ox.Triple]:
    service = ox.BlankNode("service")
    dataset = ox.BlankNode("dataset")
    graph = ox.BlankNode("defaultGraph")
    out = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, _sd("feature"), _sd("EmptyGraphs")),
        ox.Triple(
            service,
            _sd("defaultEntailmentRegime"),
            ox.NamedNode("http://www.w3.org/ns/entailment/Simple"),
        ),
        ox.Triple(
            service,
            ox.NamedNode(DCTERMS + "title"),
            ox.Literal("Nordic Smart City Network knowledge graph: SPARQL endpoint", language="en"),
        ),
        ox.Triple(
            service,
            ox.NamedNode(DCTERMS + "description"),
            ox.Literal(
                "Read-only SPARQL 1.1 query endpoint. Updates and federated queries (SERVICE) "
                "are refused; queries are stopped past a time limit.",
                language="en",
            ),
        ),
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), graph),
        ox.Triple(graph, RDF_TYPE, _sd("Graph")),
        ox.Triple(
            graph,
            ox.NamedNode(VOID + "triples"),
            ox.Literal(
                str(triple_count), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
            ),
        ),
    ]
    for fmt in formats.RESULT_FORMATS + formats.RDF_FORMATS:
        out.append(
            ox.Triple(
                service, _sd("resultFormat"), ox.NamedNode(FORMATS_NS + FORMAT_IRIS[fmt.name])
            )
        )
    return out


@lru_cache(maxsize=32)
def _serialize(endpoint: str, fmt_name: str, triple_count: int) -> bytes:
    prefixes = {"sd": SD, "formats": FORMATS_NS, "dcterms": DCTERMS, "void": VOID}
    prefixes.update({k: v for k, v in PREFIXES.items() if k in ("rdf", "xsd")})
    return serialize_triples(
        triples(endpoint, triple_count=triple_count), formats.by_name(fmt_name), prefixes=prefixes
    )


def serialize(endpoint: str, fmt: formats.Format, *, triple_count: int) -> bytes:
    """The description of the endpoint at ``endpoint`` in ``fmt``."""
    return _serialize(endpoint, fmt.name, triple_count)
