"""What the VoID and DCAT-AP descriptions of the dataset share: its identity, licence, agents,
the dumps they list, and the links that point at the server.

Identifiers (the dataset, the catalogue, the agents) live under the IRI base (``BASE``). Links
to what a server offers (``/sparql``, ``/dumps/...``, the landing page) depend on where the
server is reachable, which is only known when it runs: ``nscn-graph build`` writes the
descriptions with links under :data:`LINKS_PLACEHOLDER` (or the ``PUBLIC_URL`` setting), and
the server rewrites them with :func:`relink` to its public URL or the URL a request came in on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import pyoxigraph as ox
import rdflib
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from nscn_graph import formats
from nscn_graph.namespaces import DCAT, SPDX, VCARD

#: Links in descriptions written without a public URL (RFC 2606 reserves ``.invalid``).
LINKS_PLACEHOLDER = "https://nscn-graph.invalid/"

TITLE = "Nordic Smart City Network knowledge graph"
DESCRIPTION = (
    "Linked open data about the Nordic Smart City Network: its member cities in the five "
    "Nordic countries, their living labs and smart-city cases, the organisations behind them, "
    "population figures, and the values and action areas of the Nordic Smart City Roadmap. "
    "Every fact carries the source it was read on (dcterms:source)."
)
KEYWORDS = (
    "smart city",
    "Nordic countries",
    "living lab",
    "urban innovation",
    "municipalities",
    "linked open data",
)

#: The dataset's licence: Creative Commons Attribution 4.0 International.
LICENCE = "https://creativecommons.org/licenses/by/4.0/"
LICENCE_LABEL = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENCE_TYPE = "http://purl.org/adms/licencetype/Attribution"

#: The agent that maintains the graph (also the ontology's ``dcterms:creator``).
CREATOR_NAME = "nscn-graph developers"
#: The network itself publishes the data about itself; its IRI is in the data.
PUBLISHER_PATH = "id/organisation/nordic-smart-city-network"
PUBLISHER_NAME = "Nordic Smart City Network"

EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"

#: EU Vocabularies file types, per dump format.
FILE_TYPES = {
    formats.TURTLE.name: EU + "file-type/RDF_TURTLE",
    formats.NTRIPLES.name: EU + "file-type/RDF_N_TRIPLES",
    formats.JSONLD.name: EU + "file-type/JSON_LD",
    formats.RDFXML.name: EU + "file-type/RDF_XML",
    formats.TRIG.name: EU + "file-type/RDF_TRIG",
    formats.NQUADS.name: EU + "file-type/RDF_N_QUADS",
}
#: The W3C specification each dump format conforms to.
STANDARDS = {
    formats.TURTLE.name: "http://www.w3.org/TR/turtle/",
    formats.NTRIPLES.name: "http://www.w3.org/TR/n-triples/",
    formats.JSONLD.name: "http://www.w3.org/TR/json-ld11/",
    formats.RDFXML.name: "http://www.w3.org/TR/rdf-syntax-grammar/",
    formats.TRIG.name: "http://www.w3.org/TR/trig/",
    formats.NQUADS.name: "http://www.w3.org/TR/n-quads/",
}
#: W3C format IRIs (``void:feature``).
W3C_FORMATS = {
    formats.TURTLE.name: "http://www.w3.org/ns/formats/Turtle",
    formats.NTRIPLES.name: "http://www.w3.org/ns/formats/N-Triples",
    formats.JSONLD.name: "http://www.w3.org/ns/formats/JSON-LD",
    formats.RDFXML.name: "http://www.w3.org/ns/formats/RDF_XML",
    formats.TRIG.name: "http://www.w3.org/ns/formats/TriG",
    formats.NQUADS.name: "http://www.w3.org/ns/formats/N-Quads",
}
GZIP = IANA + "application/gzip"


class Queryable(Protocol):
    """A store that answers SPARQL SELECT queries with pyoxigraph solutions."""

    def query(self, sparql: str): ...


@dataclass(frozen=True)
class DumpInfo:
    """One dump as the descriptions list it."""

    file: str
    format: formats.Format
    gzipped: bool
    size: int
    sha256: str

    @property
    def label(self) -> str:
        return f"{self.format.label}{' (gzip)' if self.gzipped else ''}"

    def url(self, links: str) -> str:
        return f"{links}dumps/{self.file}"


def dataset_iri(base: str) -> rdflib.URIRef:
    return rdflib.URIRef(base + "dataset")


def catalog_iri(base: str) -> rdflib.URIRef:
    return rdflib.URIRef(base + "catalog")


def publisher_iri(base: str) -> rdflib.URIRef:
    return rdflib.URIRef(base + PUBLISHER_PATH)


def creator_iri(base: str) -> rdflib.URIRef:
    return rdflib.URIRef(base + "catalog#maintainers")


def new_graph() -> rdflib.Graph:
    graph = rdflib.Graph(bind_namespaces="none")
    for prefix, ns in {
        "rdf": RDF,
        "rdfs": RDFS,
        "xsd": XSD,
        "dcterms": DCTERMS,
        "dcat": DCAT,
        "foaf": FOAF,
        "skos": SKOS,
        "spdx": SPDX,
        "vcard": VCARD,
        "void": rdflib.Namespace("http://rdfs.org/ns/void#"),
    }.items():
        graph.bind(prefix, ns)
    return graph


def describe_common(
    graph: rdflib.Graph, subject: rdflib.URIRef, *, base: str, modified: str, version: str
) -> None:
    """Title, description, licence, publisher, creator, dates and version of ``subject``, and
    the typed nodes they point to (DCAT-AP checks ranges by ``rdf:type``)."""
    en = "en"
    graph.add((subject, DCTERMS.title, rdflib.Literal(TITLE, lang=en)))
    graph.add((subject, DCTERMS.description, rdflib.Literal(DESCRIPTION, lang=en)))
    graph.add((subject, DCTERMS.modified, rdflib.Literal(modified, datatype=XSD.dateTime)))
    graph.add((subject, DCTERMS.license, rdflib.URIRef(LICENCE)))
    graph.add((subject, DCTERMS.publisher, publisher_iri(base)))
    graph.add((subject, DCTERMS.creator, creator_iri(base)))
    graph.add((subject, DCAT.version, rdflib.Literal(version)))
    describe_licence(graph)
    describe_agents(graph, base=base)


def describe_licence(graph: rdflib.Graph) -> None:
    licence = rdflib.URIRef(LICENCE)
    graph.add((licence, RDF.type, DCTERMS.LicenseDocument))
    graph.add((licence, RDFS.label, rdflib.Literal(LICENCE_LABEL, lang="en")))
    graph.add((licence, DCTERMS.type, rdflib.URIRef(LICENCE_TYPE)))
    concept(graph, rdflib.URIRef(LICENCE_TYPE), "Attribution")


def describe_agents(graph: rdflib.Graph, *, base: str) -> None:
    publisher = publisher_iri(base)
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, RDF.type, FOAF.Organization))
    graph.add((publisher, FOAF.name, rdflib.Literal(PUBLISHER_NAME, lang="en")))
    creator = creator_iri(base)
    graph.add((creator, RDF.type, FOAF.Agent))
    graph.add((creator, RDF.type, FOAF.Organization))
    graph.add((creator, FOAF.name, rdflib.Literal(CREATOR_NAME, lang="en")))


def concept(graph: rdflib.Graph, iri: rdflib.URIRef, label: str) -> rdflib.URIRef:
    graph.add((iri, RDF.type, SKOS.Concept))
    graph.add((iri, SKOS.prefLabel, rdflib.Literal(label, lang="en")))
    return iri


def typed(graph: rdflib.Graph, iri: str, *classes: rdflib.URIRef) -> rdflib.URIRef:
    node = rdflib.URIRef(iri)
    for cls in classes:
        graph.add((node, RDF.type, cls))
    return node


def relink(triples: Iterable[ox.Triple], old: str, new: str) -> list[ox.Triple]:
    """``triples`` with every IRI under ``old`` moved under ``new`` (a server's URL).

    ``new`` is checked by pyoxigraph's IRI parser: a malformed URL raises ``ValueError``."""
    if old == new:
        return list(triples)

    def move(term):
        if isinstance(term, ox.NamedNode) and term.value.startswith(old):
            return ox.NamedNode(new + term.value[len(old) :])
        return term

    return [ox.Triple(move(t.subject), move(t.predicate), move(t.object)) for t in triples]
