"""The namespace base, the prefixes and the IRI patterns, declared once (see DESIGN.md)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Namespace

from nscn_graph import paths

#: The default base of every IRI the project mints. The server can publish under another base
#: (setting ``BASE``); the data files are written with this one and rebased when loaded.
DEFAULT_BASE = "https://w3id.org/nscn/"

NSCN = Namespace(DEFAULT_BASE + "ontology#")
NSCNSH = Namespace(DEFAULT_BASE + "shapes#")

SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")

#: The page annotations, beside the ontology: they say, among the rest, which ``id/{type}/``
#: segments there are (``nscn:typeSlug``, see :mod:`nscn_graph.publish.annotations`).
ANNOTATIONS_NAME = "nscn-pages.ttl"


def annotations_file(root: Path = paths.ROOT) -> Path:
    return paths.ontology_file(root).with_name(ANNOTATIONS_NAME)


def kind_prefixes(annotations: Path | None = None) -> dict[str, str]:
    """A prefix per ``id/{type}/`` segment (``city:`` for ``{base}id/city/``), in the order the
    page annotations declare the segments; a new kind of thing gets its prefix from them."""
    slug = str(NSCN) + "typeSlug"
    found: dict[str, str] = {}
    with open(annotations or annotations_file(), "rb") as data:
        for triple in ox.parse(data, format=ox.RdfFormat.TURTLE):
            if triple.predicate.value == slug and isinstance(triple.object, ox.Literal):
                found.setdefault(triple.object.value, f"{DEFAULT_BASE}id/{triple.object.value}/")
    return found


#: Prefixes used in serialisations, the JSON-LD context and the query editor, in this order.
PREFIXES: dict[str, str] = {
    "nscn": str(NSCN),
    **kind_prefixes(),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "schema": str(SCHEMA),
    "org": str(ORG),
    "foaf": "http://xmlns.com/foaf/0.1/",
    "prov": "http://www.w3.org/ns/prov#",
    "geo": str(GEO),
    "geosparql": str(GSP),
    "void": str(VOID),
    "dcat": str(DCAT),
}


def rebase(iri: str, base: str) -> str:
    """``iri`` moved from the default base to ``base``: the one place where the IRI base is
    rebased (data files, prefixes and the ontology are written under :data:`DEFAULT_BASE`)."""
    if base != DEFAULT_BASE and iri.startswith(DEFAULT_BASE):
        return base + iri[len(DEFAULT_BASE) :]
    return iri


def unbase(iri: str, base: str) -> str:
    """The inverse of :func:`rebase`: ``iri`` under ``base`` moved back to the default base."""
    if base != DEFAULT_BASE and iri.startswith(base):
        return DEFAULT_BASE + iri[len(base) :]
    return iri


def rebase_prefixes(base: str) -> dict[str, str]:
    """The prefix table for a server that publishes under ``base`` instead of the default."""
    return {name: rebase(iri, base) for name, iri in PREFIXES.items()}


def sparql_prologue(prefixes: dict[str, str] | None = None) -> str:
    """``PREFIX`` lines for a SPARQL query."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (prefixes or PREFIXES).items())


# Vocabularies of the dataset descriptions (VoID, DCAT-AP 3).
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
