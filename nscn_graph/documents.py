"""The document about each thing the graph identifies (Cool URIs for the Semantic Web, §4.3).

A thing ``{base}id/{type}/{slug}`` is described by the document ``{base}doc/{type}/{slug}``. Its
triples are, after the Linked Data practice of a *symmetric* concise description:

- the thing's own triples, and those of its hash IRIs (``…/aarhus#geometry``);
- the labels (``rdfs:label``, ``skos:prefLabel``) of every IRI it links to;
- the triples that link *to* it, with the labels and ``rdf:type`` of the things they come from
  (so a city's document lists its living labs and cases, and says which is which).

The graph is small, so every document is prepared once, in one pass over the triples, when the
server starts (:func:`index`). Aliases (``nscn:aliasOf``, e.g. ``id/city/kobenhavn``) have no
document of their own: they redirect to their canonical thing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox

from .namespaces import DEFAULT_BASE

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
LABELS = (SKOS_PREF_LABEL, RDFS_LABEL)

#: ``{type}/{slug}``: lower-case ASCII letters, digits and hyphens (DESIGN.md, identifiers).
KEY = re.compile(r"[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*")


def alias_predicate(base: str) -> str:
    return base + "ontology#aliasOf"


@dataclass
class Document:
    """What the server says about one thing."""

    iri: str  #: the thing, ``{base}id/{type}/{slug}``
    key: str  #: ``{type}/{slug}``
    own: list[ox.Triple] = field(default_factory=list)  #: subject is the thing or its hash IRIs
    inbound: list[ox.Triple] = field(default_factory=list)  #: object is the thing
    context: list[ox.Triple] = field(default_factory=list)  #: labels and types of neighbours

    @property
    def triples(self) -> list[ox.Triple]:
        """Every triple of the document, without duplicates, in a stable order."""
        seen: dict[ox.Triple, None] = {}
        for triple in (*self.own, *self.inbound, *self.context):
            seen.setdefault(triple, None)
        return list(seen)

    @property
    def type(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def slug(self) -> str:
        return self.key.split("/", 1)[1]


@dataclass
class Documents:
    """Every document, by thing IRI, plus the aliases that redirect to a thing."""

    base: str
    documents: dict[str, Document]
    aliases: dict[str, str]  #: alias IRI -> canonical IRI
    labels: dict[str, list[ox.Literal]]  #: IRI -> its labels (skos:prefLabel first)
    types: dict[str, list[str]]  #: IRI -> its rdf:type IRIs

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        return iter(self.documents.values())

    def get(self, iri: str) -> Document | None:
        return self.documents.get(iri)

    def thing_iri(self, key: str) -> str:
        return f"{self.base}id/{key}"

    def doc_iri(self, key: str) -> str:
        return f"{self.base}doc/{key}"

    def key_of(self, iri: str) -> str | None:
        """``type/slug`` of a thing or alias IRI under the base, else ``None``."""
        prefix = self.base + "id/"
        if not iri.startswith(prefix):
            return None
        key = iri[len(prefix) :]
        return key if KEY.fullmatch(key) else None


def index(triples: Iterable[ox.Triple], *, base: str = DEFAULT_BASE) -> Documents:
    """Prepare the document of every thing: one pass to group, one to assemble."""
    triples = list(triples)
    prefix = base + "id/"
    alias_of = alias_predicate(base)
    by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
    by_object: dict[str, list[ox.Triple]] = defaultdict(list)
    labels: dict[str, list[ox.Literal]] = defaultdict(list)
    label_triples: dict[str, list[ox.Triple]] = defaultdict(list)
    type_triples: dict[str, list[ox.Triple]] = defaultdict(list)
    aliases: dict[str, str] = {}
    for triple in triples:
        subject, predicate, obj = triple
        if not isinstance(subject, ox.NamedNode):
            continue
        by_subject[_document_of(subject.value)].append(triple)
        if isinstance(obj, ox.NamedNode):
            by_object[obj.value].append(triple)
        if predicate.value in LABELS and isinstance(obj, ox.Literal):
            label_triples[subject.value].append(triple)
        elif predicate.value == RDF_TYPE:
            type_triples[subject.value].append(triple)
        elif predicate.value == alias_of and isinstance(obj, ox.NamedNode):
            aliases[subject.value] = obj.value
    for iri, found in label_triples.items():
        ordered = sorted(found, key=lambda t: LABELS.index(t.predicate.value))
        labels[iri] = [t.object for t in ordered]  # type: ignore[misc]

    documents: dict[str, Document] = {}
    for iri, own in by_subject.items():
        key = iri[len(prefix) :] if iri.startswith(prefix) else ""
        if not KEY.fullmatch(key) or iri in aliases:
            continue
        document = Document(iri, key, own=own, inbound=list(by_object.get(iri, ())))
        linked = {t.object.value for t in own if isinstance(t.object, ox.NamedNode)}
        linked -= {iri}
        sources = {t.subject.value for t in document.inbound}
        for other in sorted(linked | sources):
            document.context.extend(label_triples.get(other, ()))
        for other in sorted(sources):
            document.context.extend(type_triples.get(other, ()))
        documents[iri] = document
    types = {iri: [t.object.value for t in found] for iri, found in type_triples.items()}
    return Documents(base, documents, aliases, dict(labels), types)


def _document_of(iri: str) -> str:
    """The IRI whose document holds ``iri``'s triples: itself, or the IRI before its ``#``."""
    return iri.split("#", 1)[0]
