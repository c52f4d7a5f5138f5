"""What search engines and reference managers read: the schema.org ``Dataset`` of the landing
page (as Google Dataset Search reads it, https://developers.google.com/search/docs/appearance/
structured-data/dataset), the schema.org types of things (read from the ontology's
``rdfs:subClassOf`` links to schema.org), and how to cite a release or a thing in it (text,
BibTeX, CSL-JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rdflib
from rdflib.namespace import RDFS

from nscn_graph.publish import metadata
from nscn_graph.publish.metadata import Queryable

SCHEMA = "https://schema.org/"
THING = SCHEMA + "Thing"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_YEARS = """
SELECT (MIN(?year) AS ?first) (MAX(?year) AS ?last) WHERE {
  ?s ?p ?o
  FILTER(isLiteral(?o) && DATATYPE(?o) IN (
    <http://www.w3.org/2001/XMLSchema#date>, <http://www.w3.org/2001/XMLSchema#dateTime>,
    <http://www.w3.org/2001/XMLSchema#gYear>, <http://www.w3.org/2001/XMLSchema#gYearMonth>))
  FILTER(?p != <http://www.w3.org/ns/prov#generatedAtTime>)
  BIND(SUBSTR(STR(?o), 1, 4) AS ?year)
}"""


def schema_classes(ontology: Path) -> dict[str, list[str]]:
    """Each class of the ontology -> the schema.org classes it specialises (through any chain
    of ``rdfs:subClassOf``), sorted."""
    graph = rdflib.Graph().parse(ontology, format="turtle")
    found: dict[str, list[str]] = {}
    for cls in set(graph.subjects(RDFS.subClassOf, None)):
        supers = {str(c) for c in graph.transitive_objects(cls, RDFS.subClassOf)}
        found[str(cls)] = sorted(c for c in supers if c.startswith(SCHEMA))
    return found


def types_of(classes: Iterable[str], mapping: dict[str, list[str]]) -> list[str]:
    """The schema.org types of a thing of ``classes`` (``schema:Thing`` if none is known)."""
    found = set()
    for cls in classes:
        if cls.startswith(SCHEMA):
            found.add(cls)
        found.update(mapping.get(cls, ()))
    return sorted(found) or [THING]


def temporal_coverage(store: Queryable) -> str | None:
    """The years the data's dates span, as an ISO 8601 interval (``2017/2025``), or ``None``."""
    for row in store.query(_YEARS):
        first, last = row["first"], row["last"]
        if first is not None and last is not None:
            return first.value if first.value == last.value else f"{first.value}/{last.value}"
    return None


@dataclass(frozen=True)
class Citation:
    """How to cite a release (or a thing in it): the release, its date, the IRI."""

    title: str
    release: str  #: the release's number (or ``unreleased``)
    date: str  #: ``YYYY-MM-DD``
    iri: str  #: what is cited: the release's IRI, or a thing's
    url: str  #: where to read it
    author: str = metadata.CREATOR_NAME
    publisher: str = metadata.PUBLISHER_NAME

    @property
    def year(self) -> str:
        return self.date[:4]

    def text(self) -> str:
        version = f"release {self.release}" if self.release[:1].isdigit() else self.release
        return (
            f"{self.author} ({self.year}). {self.title} ({version}, {self.date}). "
            f"{self.publisher}. {self.iri}"
        )

    def bibtex(self) -> str:
        tail = self.iri.rstrip("/").rsplit("/", 1)[-1]
        words = [w for w in re.split(r"[^A-Za-z0-9]+", f"nscn {tail} {self.release}") if w]
        key = "-".join(dict.fromkeys(words))
        fields = (
            ("author", "{" + self.author + "}"),
            ("title", "{" + self.title + "}"),
            ("year", self.year),
            ("version", self.release),
            ("publisher", self.publisher),
            ("url", self.iri),
            ("note", f"Dataset, {self.date}"),
        )
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
        return f"@misc{{{key},\n{body}\n}}"

    def csl(self) -> dict[str, Any]:
        year, month, day = (int(part) for part in self.date.split("-"))
        return {
            "id": self.iri,
            "type": "dataset",
            "title": self.title,
            "author": [{"literal": self.author}],
            "publisher": self.publisher,
            "version": self.release,
            "issued": {"date-parts": [[year, month, day]]},
            "URL": self.iri,
        }

    def csl_json(self) -> str:
        return json.dumps([self.csl()], indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class Download:
    url: str
    media_type: str
    size: int


def dataset(
    *,
    base: str,
    links: str,
    release: str,
    modified: str,
    published: str | None,
    countries: Sequence[str],
    temporal: str | None,
    downloads: Sequence[Download],
) -> dict[str, Any]:
    """The schema.org ``Dataset`` of the landing page (JSON-LD), with the properties Google
    Dataset Search reads: name, description, url, identifier, version, licence, creator,
    keywords, spatial and temporal coverage, distributions and the catalogue."""
    publisher = {
        "@type": "Organization",
        "@id": str(metadata.publisher_iri(base)),
        "name": metadata.PUBLISHER_NAME,
    }
    document: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Dataset",
        "@id": str(metadata.dataset_iri(base)),
        "name": metadata.TITLE,
        "description": metadata.DESCRIPTION,
        "url": links,
        "identifier": str(metadata.dataset_iri(base)),
        "version": release,
        "dateModified": modified,
        "license": metadata.LICENCE,
        "isAccessibleForFree": True,
        "creator": {
            "@type": "Organization",
            "@id": str(metadata.creator_iri(base)),
            "name": metadata.CREATOR_NAME,
        },
        "publisher": publisher,
        "keywords": list(metadata.KEYWORDS),
        "spatialCoverage": [{"@type": "Place", "name": name} for name in countries],
        "distribution": [
            {
                "@type": "DataDownload",
                "contentUrl": d.url,
                "encodingFormat": d.media_type,
                "contentSize": f"{d.size} B",
            }
            for d in downloads
        ],
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": str(metadata.catalog_iri(base)),
            "name": f"Catalogue of the {metadata.TITLE}",
            "url": links + "catalog",
        },
    }
    if published:
        document["datePublished"] = published
    if temporal:
        document["temporalCoverage"] = temporal
    return document


def thing(iri: str, name: str, types: Sequence[str], page: str, dataset_iri: str) -> dict[str, Any]:
    """A thing's schema.org description: its types, name, page, and the dataset it is in."""
    return {
        "@context": SCHEMA,
        "@id": iri,
        "@type": [t.removeprefix(SCHEMA) for t in types],
        "name": name,
        "url": page,
        "subjectOf": {"@type": "Dataset", "@id": dataset_iri},
    }


def script(document: Any) -> str:
    """JSON for ``<script type="application/ld+json">`` (``<``, ``>``, ``&`` escaped)."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escaped)
    return text
