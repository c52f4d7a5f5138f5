"""The page model of a thing: its document's triples arranged for people.

Everything the page shows comes from the thing's document (:mod:`nscn_graph.publish.documents`), so
the HTML and the RDF say the same; terms are named by the ontology's labels (prepared once, at
start-up, in :class:`Vocabulary`). Labels are chosen in the languages the browser asks for
(``Accept-Language``), falling back to English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.graph.load import parse_file
from nscn_graph.publish.documents import LABELS, RDF_TYPE, Document, Documents

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: English names of the terms the data borrows from other vocabularies.
TERM_LABELS: dict[str, str] = {
    RDF_TYPE: "type",
    RDFS + "label": "name",
    SKOS + "prefLabel": "preferred name",
    SKOS + "altLabel": "other name",
    SKOS + "definition": "definition",
    SKOS + "inScheme": "in scheme",
    SKOS + "topConceptOf": "top concept of",
    SKOS + "hasTopConcept": "top concept",
    SKOS + "notation": "notation",
    SKOS + "ConceptScheme": "Concept scheme",
    SKOS + "Concept": "Concept",
    DCTERMS + "identifier": "identifier",
    DCTERMS + "description": "description",
    DCTERMS + "source": "source",
    DCTERMS + "isPartOf": "part of",
    DCTERMS + "publisher": "publisher",
    DCTERMS + "issued": "issued",
    DCTERMS + "title": "title",
    OWL_SAME_AS: "same as",
    "http://xmlns.com/foaf/0.1/homepage": "homepage",
    "http://xmlns.com/foaf/0.1/page": "web page",
    "https://schema.org/startDate": "start date",
    "https://schema.org/endDate": "end date",
    "https://schema.org/foundingDate": "founded",
    "https://schema.org/organizer": "organiser",
    "https://schema.org/funder": "funder",
    "https://schema.org/parentOrganization": "parent organisation",
    "https://schema.org/locationCreated": "created in",
    "https://schema.org/numberOfPages": "number of pages",
    "https://schema.org/currency": "currency",
    "https://schema.org/amount": "amount",
    "http://www.w3.org/ns/org#hasMember": "member",
    "http://www.w3.org/ns/org#memberOf": "member of",
    "http://www.w3.org/ns/org#Organization": "Organization (W3C ORG)",
    GEO + "lat": "latitude",
    GEO + "long": "longitude",
    "http://www.opengis.net/ont/geosparql#hasGeometry": "geometry",
    "http://www.opengis.net/ont/geosparql#asWKT": "WKT",
    "http://www.opengis.net/ont/geosparql#Geometry": "Geometry",
}

#: Properties the page shows in a section of their own rather than in the table.
SECTIONED = {RDF_TYPE, *LABELS, DCTERMS + "description", DCTERMS + "source", OWL_SAME_AS}

#: Headings for the things that link to this one, by (property local name, class local name).
INBOUND_HEADINGS: dict[tuple[str, str], str] = {
    ("city", "LivingLab"): "Living labs in this city",
    ("city", "Case"): "Cases in this city",
    ("lead", "Case"): "Cases this city leads",
    ("partner", "Case"): "Cases with this partner",
    ("livingLab", "Case"): "Cases in this living lab",
    ("isPartOf", "Case"): "Parts of this case",
    ("theme", "LivingLab"): "Living labs on this theme",
    ("theme", "Case"): "Cases on this theme",
    ("partner", "LivingLab"): "Living labs with this partner",
    ("country", "SmartCity"): "Member cities in this country",
    ("country", "City"): "Cities in this country",
    ("basedIn", "Organisation"): "Organisations based here",
    ("populationOf", "PopulationFigure"): "Population figures",
    ("source", "*"): "Things sourced from this note",
    ("aliasOf", "*"): "Other identifiers of this thing",
}

#: Properties shown first in the facts table, in this order (by local name); the rest follow
#: by label, and the identifier comes last.
PROPERTY_ORDER = (
    "altLabel",
    "title",
    "definition",
    "placeDescription",
    "periodNote",
    "startDate",
    "endDate",
    "foundingDate",
    "issued",
    "country",
    "city",
    "lead",
    "livingLab",
    "isPartOf",
    "municipality",
    "population",
    "populationOf",
    "populationCount",
    "referenceDate",
    "areaType",
    "approximate",
    "lat",
    "long",
    "hasGeometry",
)

#: The class that names a kind of thing, most specific first.
CLASS_ORDER = (
    "SmartCity",
    "CityNetwork",
    "City",
    "Country",
    "LivingLab",
    "Case",
    "SmartCityProgramme",
    "Organisation",
    "Roadmap",
    "RoadmapValue",
    "ActionArea",
    "Theme",
    "PopulationFigure",
    "Grant",
    "Event",
    "SourceNote",
)


@dataclass
class Vocabulary:
    """English labels of the ontology's terms (and of borrowed terms), prepared once."""

    base: str
    labels: dict[str, str]
    prefixes: dict[str, str]

    @classmethod
    def load(cls, ontology: Path, *, base: str, prefixes: dict[str, str]) -> Vocabulary:
        labels = dict(TERM_LABELS)
        label = ox.NamedNode(RDFS + "label")
        for triple in parse_file(ontology, base=base):
            if triple.predicate == label and isinstance(triple.object, ox.Literal):
                if triple.object.language in ("en", None):
                    labels[triple.subject.value] = triple.object.value
        return cls(base, labels, prefixes)

    @property
    def ontology(self) -> str:
        return self.base + "ontology#"

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or self.curie(iri)

    def curie(self, iri: str) -> str:
        for prefix, namespace in self.prefixes.items():
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def href(self, iri: str) -> str:
        """Where a term is documented: ``/ontology#Term`` for ours, the IRI for others."""
        return local_path(iri, self.base)


def local_path(iri: str, base: str) -> str:
    """The server path of an IRI under the base (DESIGN.md: the IRI with the base removed)."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


def languages(accept_languages: Sequence[str]) -> list[str]:
    """Primary language tags in the client's order, then English (``no`` reads as ``nb``)."""
    chosen: list[str] = []
    for tag in accept_languages:
        primary = tag.split("-", 1)[0].lower()
        primary = {"no": "nb"}.get(primary, primary)
        if primary != "*" and primary not in chosen:
            chosen.append(primary)
    if "en" not in chosen:
        chosen.append("en")
    return chosen


def pick(labels: Sequence[ox.Literal], langs: Sequence[str]) -> ox.Literal | None:
    """The label in the first language of ``langs`` that has one, else the first label."""
    for lang in langs:
        for label in labels:
            if (label.language or "").split("-", 1)[0] == lang:
                return label
    return labels[0] if labels else None


@dataclass
class Value:
    text: str
    href: str | None = None
    lang: str | None = None  #: the language of ``text``
    note: str | None = None  #: a language tag or datatype shown beside the value
    external: bool = False


@dataclass
class Row:
    label: str
    href: str
    iri: str
    values: list[Value] = field(default_factory=list)


@dataclass
class Group:
    heading: str
    relation: str
    items: list[Value] = field(default_factory=list)


@dataclass
class Geometry:
    anchor: str
    types: list[Value]
    wkt: list[str]


@dataclass
class Place:
    label: str
    href: str | None
    lon: float
    lat: float


@dataclass
class ThingPage:
    iri: str
    key: str
    path: str
    title: Value
    names: list[Value]
    types: list[Value]
    descriptions: list[Value]
    rows: list[Row]
    sources: list[Value]
    identities: list[Value]
    groups: list[Group]
    geometries: list[Geometry]
    point: tuple[float, float] | None  #: (longitude, latitude) of the thing itself
    kind: str | None  #: the local name of the most specific class (``SmartCity``...)
    places: list[Place] = field(default_factory=list)  #: what the small map marks
    map_caption: str = ""


def build_page(
    document: Document, documents: Documents, vocab: Vocabulary, langs: Sequence[str]
) -> ThingPage:
    """Arrange ``document`` for a reader of ``langs``."""
    base = documents.base
    iri = document.iri

    def link(term) -> Value:
        if isinstance(term, ox.Literal):
            return literal(term)
        value = term.value
        if value.startswith(iri + "#"):
            return Value(value[len(iri) :], href=value[len(iri) :])
        if value.startswith(base):
            found = pick(documents.labels.get(value, []), langs)
            if found is not None:
                return Value(found.value, local_path(value, base), lang=found.language)
            if value.startswith(vocab.ontology):
                return Value(vocab.label(value), local_path(value, base))
            return Value(local_path(value, base), local_path(value, base))
        if value in vocab.labels:
            return Value(vocab.label(value), value, external=True)
        return Value(value, value, external=True)

    main = [t for t in document.own if t.subject.value == iri]
    by_predicate: dict[str, list] = {}
    for triple in main:
        by_predicate.setdefault(triple.predicate.value, []).append(triple.object)

    labels = [o for p in LABELS for o in by_predicate.get(p, [])]
    chosen = pick(labels, langs)
    title = Value(chosen.value, lang=chosen.language) if chosen else Value(document.key, lang="en")
    types = [link(o) for o in sorted(by_predicate.get(RDF_TYPE, []), key=_class_rank)]
    rows = sorted(
        (
            Row(vocab.label(p), vocab.href(p), p, _sorted([link(o) for o in objects]))
            for p, objects in by_predicate.items()
            if p not in SECTIONED
        ),
        key=_row_rank,
    )
    point = _point(by_predicate)
    geometries = [
        _geometry(subject, document, link)
        for subject in sorted({t.subject.value for t in document.own} - {iri})
    ]
    kind = kind_of([o.value for o in by_predicate.get(RDF_TYPE, [])], vocab)
    places, caption = _places(document, documents, vocab, title, point, kind, link)
    return ThingPage(
        iri=iri,
        key=document.key,
        path=local_path(documents.doc_iri(document.key), base),
        title=title,
        names=[literal(o) for o in sorted(labels, key=_label_rank)],
        types=types,
        descriptions=[literal(o) for o in by_predicate.get(DCTERMS + "description", [])],
        rows=rows,
        sources=_sorted([link(o) for o in by_predicate.get(DCTERMS + "source", [])]),
        identities=_sorted([identity(o) for o in by_predicate.get(OWL_SAME_AS, [])]),
        groups=_groups(document, documents, vocab, link),
        geometries=geometries,
        point=point,
        kind=kind,
        places=places,
        map_caption=caption,
    )


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _class_rank(term) -> tuple[int, str]:
    name = _local(term.value)
    return (CLASS_ORDER.index(name) if name in CLASS_ORDER else len(CLASS_ORDER), term.value)


def _row_rank(row: Row) -> tuple[int, int, str]:
    name = _local(row.iri)
    if name == "identifier":
        return (2, 0, "")
    if name in PROPERTY_ORDER:
        return (0, PROPERTY_ORDER.index(name), "")
    return (1, 0, row.label.casefold())


def _label_rank(term: ox.Literal) -> tuple[bool, str, str]:
    return (term.language != "en", term.language or "", term.value)


def _sorted(values: list[Value]) -> list[Value]:
    return sorted(values, key=lambda v: (v.text.casefold(), v.lang or ""))


def literal(term: ox.Literal) -> Value:
    if term.language:
        return Value(term.value, lang=term.language, note=term.language)
    datatype = term.datatype.value
    note = None if datatype == XSD + "string" else datatype.rsplit("#", 1)[-1]
    return Value(term.value, note=note)


def identity(term) -> Value:
    """An ``owl:sameAs`` link, named after the register it points into."""
    value = term.value
    for prefix, register in (
        ("http://www.wikidata.org/entity/", "Wikidata"),
        ("https://sws.geonames.org/", "GeoNames"),
    ):
        if value.startswith(prefix):
            return Value(f"{register} {value[len(prefix) :].strip('/')}", value, external=True)
    return Value(value, value, external=True)


def kind_of(types: Sequence[str], vocab: Vocabulary) -> str | None:
    names = {t[len(vocab.ontology) :] for t in types if t.startswith(vocab.ontology)}
    for name in CLASS_ORDER:
        if name in names:
            return name
    return None


def plural(label: str) -> str:
    if label.endswith("y") and not label.endswith(("ay", "ey", "oy")):
        return label[:-1] + "ies"
    return label if label.endswith("s") else label + "s"


def _point(by_predicate: dict[str, list]) -> tuple[float, float] | None:
    lat, long = by_predicate.get(GEO + "lat"), by_predicate.get(GEO + "long")
    if not lat or not long:
        return None
    try:
        return float(long[0].value), float(lat[0].value)
    except ValueError:
        return None


def _point_of(documents: Documents, iri: str) -> tuple[float, float] | None:
    document = documents.get(iri)
    if document is None:
        return None
    values: dict[str, list] = {}
    for triple in document.own:
        if triple.subject.value == iri:
            values.setdefault(triple.predicate.value, []).append(triple.object)
    return _point(values)


def _places(document, documents, vocab, title, point, kind, link) -> tuple[list[Place], str]:
    """What a place's small map marks: the city itself; a living lab's city; a country's
    member cities (their coordinates are in their own documents, linked from the page)."""
    if point is not None:
        lon, lat = point
        return [
            Place(title.text, None, lon, lat)
        ], f"Location of {title.text} ({lat}° N, {lon}° E)."
    if kind == "LivingLab":
        city = vocab.ontology + "city"
        places = []
        for triple in document.own:
            if triple.subject.value == document.iri and triple.predicate.value == city:
                where = _point_of(documents, triple.object.value)
                if where is not None:
                    shown = link(triple.object)
                    places.append(Place(shown.text, shown.href, *where))
        names = ", ".join(p.label for p in places)
        return places, f"{title.text} is in {names}." if places else ""
    if kind == "Country":
        country = vocab.ontology + "country"
        member = vocab.ontology + "SmartCity"
        places = []
        for triple in document.inbound:
            source = triple.subject.value
            if triple.predicate.value == country and member in documents.types.get(source, []):
                where = _point_of(documents, source)
                if where is not None:
                    shown = link(triple.subject)
                    places.append(Place(shown.text, shown.href, *where))
        places.sort(key=lambda p: p.label)
        return places, f"{title.text} and its member cities."
    return [], ""


def _geometry(subject: str, document: Document, link) -> Geometry:
    triples = [t for t in document.own if t.subject.value == subject]
    types = [link(t.object) for t in triples if t.predicate.value == RDF_TYPE]
    wkt = [t.object.value for t in triples if t.predicate.value.endswith("#asWKT")]
    return Geometry(subject[len(document.iri) + 1 :], types, wkt)


def _groups(document: Document, documents: Documents, vocab: Vocabulary, link) -> list[Group]:
    """The things that link to this one, grouped by relation and by their kind."""
    groups: dict[tuple[str, str], Group] = {}
    for triple in document.inbound:
        predicate = triple.predicate.value
        source = triple.subject.value
        kind = kind_of(documents.types.get(source, []), vocab)
        prop = predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        heading = INBOUND_HEADINGS.get((prop, kind or "")) or INBOUND_HEADINGS.get((prop, "*"))
        if heading is None:
            things = plural(vocab.label(vocab.ontology + kind)) if kind else "Things"
            heading = f"{things} ({vocab.label(predicate)})"
        group = groups.setdefault((predicate, kind or ""), Group(heading, vocab.label(predicate)))
        group.items.append(link(triple.subject))
    for group in groups.values():
        group.items.sort(key=lambda v: v.text.casefold())
    order = list(INBOUND_HEADINGS.values())
    return sorted(
        groups.values(),
        key=lambda g: (order.index(g.heading) if g.heading in order else len(order), g.heading),
    )
