"""The document about each thing the graph identifies (Cool URIs for the Semantic Web, §4.3).

A thing ``{base}id/{type}/{slug}`` is described by the document ``{base}doc/{type}/{slug}``. Its
triples are, after the Linked Data practice of a *symmetric* concise description:

- the thing's own triples, and those of its hash IRIs (``…/aarhus#geometry``);
- the labels (``rdfs:label``, ``skos:prefLabel``) of every IRI it links to;
- the triples that link *to* it, with the labels and ``rdf:type`` of the things they come from
  (so a city's document lists its living labs and cases, and says which is which).

Each of the thing's own and inbound triples comes with the named graphs it is in (the source
records, :attr:`Document.graphs`) and what each record says of itself (:attr:`Document.records`:
its label and the source it was derived from), read in the same queries; the TriG and N-Quads
forms carry them (:attr:`Document.quads`), the page shows the source of each value.

The server reads each document from its store when asked, by a fixed handful of queries
(:class:`StoreDocuments`); :func:`index` prepares every document of a graph in one pass (the
reference the tests compare the store's documents with). Aliases (``nscn:aliasOf``, e.g.
``id/city/kobenhavn``) have no document of their own: they redirect to their canonical thing.
"""

from __future__ import annotations

import re
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from threading import Lock

import pyoxigraph as ox

from nscn_graph.namespaces import DEFAULT_BASE

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"
LABELS = (SKOS_PREF_LABEL, RDFS_LABEL)
PROV_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"

#: What a triple's row adds to say where the triple was read: its graph ``?g`` (a source
#: record), the source ``?src`` the record was derived from and the record's label ``?gl``
#: (the record describes itself in the merged graph). Optional: a triple in no graph is kept.
GRAPH_OF = (
    "OPTIONAL { GRAPH ?g { ?s ?p ?o } "
    f"OPTIONAL {{ ?g <{PROV_DERIVED}> ?src }} OPTIONAL {{ ?g <{RDFS_LABEL}> ?gl }} }}"
)


@dataclass
class Record:
    """A source record as a document names it: the graph's IRI, its labels, its sources."""

    iri: str
    labels: list[ox.Literal] = field(default_factory=list)
    sources: list[ox.NamedNode] = field(default_factory=list)

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
    #: own and inbound triple -> the IRIs of the named graphs (source records) it is in
    graphs: dict[ox.Triple, list[str]] = field(default_factory=dict)
    #: graph IRI -> what that source record says of itself
    records: dict[str, Record] = field(default_factory=dict)

    def sources_of(self, triple: ox.Triple) -> list[Record]:
        """The source records ``triple`` was read on (none for a triple in no graph)."""
        return [self.records[g] for g in self.graphs.get(triple, ()) if g in self.records]

    @property
    def quads(self) -> list[ox.Quad]:
        """The document as a dataset: each own and inbound triple in its graphs (in the
        default graph if it is in none), each record's label and source inside its graph (as
        the record says them of itself), the neighbours' labels and types in the default
        graph."""
        seen: dict[ox.Quad, None] = {}
        for triple in (*self.own, *self.inbound):
            graphs = self.graphs.get(triple)
            if not graphs:
                seen.setdefault(ox.Quad(*triple), None)
            for graph in graphs or ():
                seen.setdefault(ox.Quad(*triple, ox.NamedNode(graph)), None)
        for iri, record in sorted(self.records.items()):
            graph = ox.NamedNode(iri)
            for label in record.labels:
                seen.setdefault(ox.Quad(graph, ox.NamedNode(RDFS_LABEL), label, graph), None)
            for source in record.sources:
                seen.setdefault(ox.Quad(graph, ox.NamedNode(PROV_DERIVED), source, graph), None)
        for triple in self.context:
            seen.setdefault(ox.Quad(*triple), None)
        return list(seen)

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

    def of_type(self, class_iri: str) -> Iterator[Document]:
        """The documents of the things typed ``class_iri``."""
        return (d for d in self if class_iri in self.types.get(d.iri, []))

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


class StoreDocuments(Documents):
    """The same documents, read from the store when asked instead of indexed at start-up, so
    that the graph can be far larger than memory should hold (every store serves them so).

    A document is a fixed handful of SPARQL queries, however many links it has: its triples
    and those of its hash IRIs (2), the triples that link to it (1), the labels (2) and types
    (2) of everything it links to or is linked from (the document holds the types of the
    latter only). The labels and types
    read for a document also answer ``labels.get`` and ``types.get`` for its neighbours (a page
    names every link) from a cache bounded by entries and bytes; aliases (few) are read once.
    A hash IRI that the thing does not link to is not found, unlike :func:`index`, which groups
    every ``…#fragment`` subject with its thing.
    """

    def __init__(
        self,
        store,
        *,
        base: str = DEFAULT_BASE,
        max_entries: int = 50_000,
        max_bytes: int = 16_000_000,
    ) -> None:
        alias_of = alias_predicate(base)
        aliases = {
            row["a"].value: row["c"].value
            for row in store.query(f"SELECT ?a ?c WHERE {{ ?a <{alias_of}> ?c }}")
            if isinstance(row["a"], ox.NamedNode) and isinstance(row["c"], ox.NamedNode)
        }
        self.store = store
        self.seen = BoundedCache(max_entries=max_entries, max_bytes=max_bytes)
        super().__init__(
            base,
            _DocumentMap(self),
            aliases,
            _Labels(self),
            _Types(self),  # type: ignore[arg-type]
        )

    def __len__(self) -> int:
        return len(self.documents)

    def __iter__(self) -> Iterator[Document]:
        prefix = self.base + "id/"
        rows = self.store.query(
            f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }}'
        )
        for row in rows:
            document = self.get(row["s"].value)
            if document is not None:
                yield document

    def of_type(self, class_iri: str) -> Iterator[Document]:
        for row in self.store.query(f"SELECT DISTINCT ?s WHERE {{ ?s a <{class_iri}> }}"):
            if isinstance(row["s"], ox.NamedNode):
                document = self.get(row["s"].value)
                if document is not None:
                    yield document

    def get(self, iri: str) -> Document | None:
        key = self.key_of(iri)
        if key is None or iri in self.aliases:
            return None
        graphs: dict[ox.Triple, list[str]] = {}
        records: dict[str, Record] = {}
        own = self._sourced(
            f"SELECT ?s ?p ?o ?g ?src ?gl WHERE {{ BIND(<{iri}> AS ?s) ?s ?p ?o {GRAPH_OF} }}",
            graphs,
            records,
        )
        if not own:
            return None
        own += self._sourced(
            f"SELECT ?s ?p ?o ?g ?src ?gl WHERE {{ <{iri}> ?x ?s . ?s ?p ?o "
            f'FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{iri}#")) {GRAPH_OF} }}',
            graphs,
            records,
        )
        document = _StoreDocument(iri, key, own=_unique(own), source=self)
        document.graphs, document.records = graphs, records
        return document

    def _inbound(self, document: Document) -> list[ox.Triple]:
        return self._sourced(
            f"SELECT ?s ?p ?o ?g ?src ?gl WHERE {{ BIND(<{document.iri}> AS ?o) ?s ?p ?o "
            f"{GRAPH_OF} }}",
            document.graphs,
            document.records,
        )

    def _sourced(
        self, sparql: str, graphs: dict[ox.Triple, list[str]], records: dict[str, Record]
    ) -> list[ox.Triple]:
        """The triples of a query's rows, once each, noting each one's graphs (``?g``) and
        what those records say of themselves (``?src``, ``?gl``) in ``graphs`` and
        ``records``."""
        triples: dict[ox.Triple, None] = {}
        for row in self.store.query(sparql):
            triple = ox.Triple(row["s"], row["p"], row["o"])
            triples.setdefault(triple, None)
            graph = row["g"]
            if not isinstance(graph, ox.NamedNode):
                continue
            found = graphs.setdefault(triple, [])
            if graph.value not in found:
                found.append(graph.value)
            record = records.setdefault(graph.value, Record(graph.value))
            source, label = row["src"], row["gl"]
            if isinstance(source, ox.NamedNode) and source not in record.sources:
                record.sources.append(source)
            if isinstance(label, ox.Literal) and label not in record.labels:
                record.labels.append(label)
        # in a stable order, whatever order the store gives its rows in
        for triple in triples:
            graphs.get(triple, []).sort()
        for record in records.values():
            record.sources.sort(key=str)
            record.labels.sort(key=lambda label: (label.language or "", label.value))
        return list(triples)

    def _context(self, document: Document) -> list[ox.Triple]:
        """Labels of the IRIs the thing links to and of those linking to it, then the types
        of the latter: three queries, each following the store's indexes from the thing."""
        iri = document.iri
        linked = {t.object.value for t in document.own if isinstance(t.object, ox.NamedNode)}
        linked -= {iri}
        sources = {t.subject.value for t in document.inbound if isinstance(t.subject, ox.NamedNode)}
        labels: dict[str, list[ox.Triple]] = defaultdict(list)
        label_filter = f"FILTER((?p = <{SKOS_PREF_LABEL}> || ?p = <{RDFS_LABEL}>) && isLiteral(?o))"
        for triple in self._triples(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?x <{iri}> . ?s ?p ?o {label_filter} }}"
        ):
            labels[triple.subject.value].append(triple)
        if linked - sources:
            for triple in self._triples(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ <{iri}> ?x ?s . ?s ?p ?o {label_filter} }}"
            ):
                if triple.subject.value in linked:
                    labels[triple.subject.value].append(triple)
        types: dict[str, list[ox.Triple]] = defaultdict(list)
        for triple in self._triples(
            f"SELECT DISTINCT ?s ?p ?o WHERE {{ ?s ?x <{iri}> . BIND(<{RDF_TYPE}> AS ?p) "
            "?s ?p ?o }"
        ):
            types[triple.subject.value].append(triple)
        if linked - sources:  # what the thing links to: its types name it on a page
            for triple in self._triples(
                f"SELECT DISTINCT ?s ?p ?o WHERE {{ <{iri}> ?x ?s . BIND(<{RDF_TYPE}> AS ?p) "
                "?s ?p ?o }"
            ):
                if triple.subject.value in linked - sources:
                    types[triple.subject.value].append(triple)
        context: list[ox.Triple] = []
        for other in sorted(linked | sources):
            found = sorted(labels.get(other, ()), key=lambda t: LABELS.index(t.predicate.value))
            context.extend(found)
            self.seen.put(("labels", other), [t.object for t in found])
        for other in sorted(sources):
            context.extend(types.get(other, ()))
        for other in sorted(linked | sources):
            self.seen.put(("types", other), [t.object.value for t in types.get(other, ())])
        return context

    def _triples(self, sparql: str) -> list[ox.Triple]:
        return [ox.Triple(r["s"], r["p"], r["o"]) for r in self.store.query(sparql)]


class BoundedCache:
    """A least-recently-used mapping bounded by entries and by (approximate) bytes."""

    def __init__(self, *, max_entries: int, max_bytes: int) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._items: OrderedDict[object, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = Lock()

    def __len__(self) -> int:
        return len(self._items)

    @property
    def bytes(self) -> int:
        return self._bytes

    def get(self, key: object, default=None):
        with self._lock:
            found = self._items.get(key)
            if found is None:
                return default
            self._items.move_to_end(key)
            return found[0]

    def put(self, key: object, value: object, size: int | None = None) -> None:
        size = size if size is not None else _size(key) + _size(value)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped


def _size(value: object) -> int:
    """About how many bytes ``value`` holds (strings, terms and lists of them)."""
    if isinstance(value, list | tuple):
        return 64 + sum(_size(v) for v in value)
    if isinstance(value, bytes):
        return 33 + len(value)
    return 56 + len(str(value))


def _unique(triples: list[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))


class _StoreDocument(Document):
    """A document whose inbound links and context are read from the store on first use (the
    landing page needs only a city's own triples; a city can have thousands of inbound ones)."""

    def __init__(self, iri: str, key: str, *, own: list[ox.Triple], source: StoreDocuments):
        super().__init__(iri, key, own=own)
        self._source = source
        self._inbound: list[ox.Triple] | None = None
        self._context: list[ox.Triple] | None = None

    @property  # type: ignore[override]
    def inbound(self) -> list[ox.Triple]:
        if self._inbound is None:
            self._inbound = self._source._inbound(self)
        return self._inbound

    @inbound.setter
    def inbound(self, value: list[ox.Triple]) -> None:
        self._inbound = value or None

    @property  # type: ignore[override]
    def context(self) -> list[ox.Triple]:
        if self._context is None:
            self._context = self._source._context(self)
        return self._context

    @context.setter
    def context(self, value: list[ox.Triple]) -> None:
        self._context = value or None


class _DocumentMap:
    """``documents.documents`` of a :class:`StoreDocuments`: looked up, never listed whole."""

    def __init__(self, owner: StoreDocuments) -> None:
        self.owner = owner

    def __contains__(self, iri: object) -> bool:
        if not isinstance(iri, str) or self.owner.key_of(iri) is None or iri in self.owner.aliases:
            return False
        return bool(self.owner.store.query(f"ASK {{ <{iri}> ?p ?o }}"))

    def get(self, iri: str, default=None):
        found = self.owner.get(iri)
        return default if found is None else found

    def __getitem__(self, iri: str) -> Document:
        found = self.owner.get(iri)
        if found is None:
            raise KeyError(iri)
        return found

    def __len__(self) -> int:
        return sum(1 for _ in self.owner)

    def values(self) -> Iterator[Document]:
        return iter(self.owner)


_MISSING = object()


class _Lookup:
    """A mapping over the store for a :class:`StoreDocuments` (``labels``, ``types``): what is
    asked of a thing once, kept in the owner's bounded cache; a document's neighbours come from
    reading that document."""

    what = ""

    def __init__(self, owner: StoreDocuments) -> None:
        self.owner = owner

    def __getitem__(self, iri: str):
        found = self.get(iri)
        if found is None:
            raise KeyError(iri)
        return found

    def get(self, iri: str, default=None):
        if not iri.startswith(("http://", "https://", "urn:")):
            return default
        found = self.owner.seen.get((self.what, iri), _MISSING)
        if found is _MISSING:
            found = self._read(iri)
            self.owner.seen.put((self.what, iri), found)
        return found or default

    def _read(self, iri: str) -> list:
        raise NotImplementedError


class _Labels(_Lookup):
    """``documents.labels``: skos:prefLabel first, then rdfs:label."""

    what = "labels"

    def _read(self, iri: str) -> list:
        rows = self.owner.store.query(
            f"SELECT ?p ?l WHERE {{ VALUES ?p {{ <{SKOS_PREF_LABEL}> <{RDFS_LABEL}> }} "
            f"<{iri}> ?p ?l FILTER(isLiteral(?l)) }}"
        )
        ranked = sorted(((LABELS.index(r["p"].value), r["l"]) for r in rows), key=lambda x: x[0])
        return [label for _, label in ranked]


class _Types(_Lookup):
    """``documents.types``: the classes a thing is typed with."""

    what = "types"

    def _read(self, iri: str) -> list:
        rows = self.owner.store.query(f"SELECT ?t WHERE {{ <{iri}> a ?t }}")
        return [r["t"].value for r in rows if isinstance(r["t"], ox.NamedNode)]
