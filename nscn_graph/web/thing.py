"""The page model of a thing: its document's triples arranged for people.

Everything the page shows comes from the thing's document (:mod:`nscn_graph.publish.documents`), so
the HTML and the RDF say the same (a linked thing's values shown in place come from its own
document); terms are named by the ontology's labels. How the triples are arranged (sections,
the order of rows, the groups of inbound links and their headings, identity registers, maps) is
what the page annotations say (:mod:`nscn_graph.publish.annotations`, prepared once, at start-up,
in :class:`Vocabulary`): this module names no class or property of the domain. Labels are
chosen in the languages the browser asks for (``Accept-Language``), falling back to English.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.publish.annotations import ANNOTATIONS_NAME, Kind, Layout
from nscn_graph.publish.annotations import load as load_layout
from nscn_graph.publish.documents import LABELS, RDF_TYPE, Document, Documents, Record

GEO = "http://www.w3.org/2003/01/geo/wgs84_pos#"
XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {
    XSD + name
    for name in (
        "integer",
        "nonNegativeInteger",
        "positiveInteger",
        "int",
        "long",
        "short",
        "unsignedInt",
        "unsignedLong",
    )
}


@dataclass
class Vocabulary:
    """English labels of the ontology's terms (and of borrowed terms) and the page layout the
    annotations describe (:mod:`nscn_graph.publish.annotations`), prepared once."""

    base: str
    labels: dict[str, str]
    prefixes: dict[str, str]
    layout: Layout

    @classmethod
    def load(
        cls,
        ontology: Path,
        *,
        base: str,
        prefixes: dict[str, str],
        annotations: Path | None = None,
    ) -> Vocabulary:
        layout = load_layout(
            base=base,
            ontology=ontology,
            annotations=annotations or ontology.with_name(ANNOTATIONS_NAME),
        )
        return cls(base, layout.labels, prefixes, layout)

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
    title: str | None = None  #: the linked thing's label, when ``text`` shows its values
    same_as: str | None = None  #: the section that already shows this literal (``name``...)
    notes: list[int] = field(default_factory=list)  #: its footnotes: the records it was read on
    cited: list[Record] = field(default_factory=list, repr=False)  #: those records


@dataclass
class Footnote:
    """A source record that values of the page were read on: the source's link, the record."""

    number: int
    record: Value  #: the record, by its label, linking its page
    sources: list[Value] = field(default_factory=list)  #: what it was derived from


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
    order: float = float("inf")


@dataclass
class Geometry:
    """A part of the thing (``IRI#anchor``: its geometry, an amount of money ...), shown in
    place: its types, its WKT, and its other values as (property, values) pairs."""

    anchor: str
    types: list[Value]
    wkt: list[str]
    values: list[tuple[Value, list[Value]]] = field(default_factory=list)


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
    kind: Kind | None  #: the thing's most specific annotated class
    places: list[Place] = field(default_factory=list)  #: what the small map marks
    map_caption: str = ""
    outline: str | None = None  #: ISO 3166-1 alpha-2 of the outline its map highlights
    footnotes: list[Footnote] = field(default_factory=list)  #: the sources of the values


def build_page(
    document: Document, documents: Documents, vocab: Vocabulary, langs: Sequence[str]
) -> ThingPage:
    """Arrange ``document`` for a reader of ``langs``, as the annotations say."""
    base = documents.base
    iri = document.iri
    layout = vocab.layout

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

    by_predicate = _values_of(document, iri)

    def section(name: str) -> list:
        return [o for p in layout.in_section(name) for o in by_predicate.get(p, [])]

    name_properties = sorted(
        layout.in_section("name"), key=lambda p: LABELS.index(p) if p in LABELS else len(LABELS)
    )
    labels = _unique_literals(o for p in name_properties for o in by_predicate.get(p, []))
    chosen = pick(labels, langs)
    title = Value(chosen.value, lang=chosen.language) if chosen else Value(document.key, lang="en")
    type_iris = [o.value for o in section("kind")]
    types = [link(o) for o in sorted(section("kind"), key=lambda t: layout.class_rank(t.value))]
    def cite(predicate: str, term) -> list[Record]:
        return document.sources_of(ox.Triple(ox.NamedNode(iri), ox.NamedNode(predicate), term))

    rows = sorted(
        (
            Row(
                vocab.label(p),
                vocab.href(p),
                p,
                _row_values(p, objects, documents, vocab, link, cite),
            )
            for p, objects in by_predicate.items()
            if layout.section(p) is None
        ),
        key=lambda row: (layout.order(row.iri), row.label.casefold()),
    )
    shown = {_said(o): "name" for o in labels}
    shown.update({_said(o): "description" for o in section("description")})
    for row in rows:  # a literal the page already says (a definition that is the description)
        for value, term in zip(row.values, _literals_in(row, by_predicate), strict=False):
            if term is not None and _said(term) in shown:
                value.text, value.note, value.same_as = "", None, shown[_said(term)]
    point = _point(by_predicate)
    geometries = [
        _geometry(subject, document, link)
        for subject in sorted({t.subject.value for t in document.own} - {iri})
    ]
    kind = layout.kind_of(type_iris)
    places, caption = _places(document, documents, layout, title, point, kind, link)
    outline = None
    if kind is not None and kind.map_outline:
        codes = by_predicate.get(kind.map_outline, [])
        outline = codes[0].value if codes else None
    return ThingPage(
        iri=iri,
        key=document.key,
        path=local_path(documents.doc_iri(document.key), base),
        title=title,
        names=[literal(o) for o in sorted(labels, key=_label_rank)],
        types=types,
        descriptions=[literal(o) for o in _unique_literals(section("description"))],
        rows=rows,
        sources=_sorted([link(o) for o in section("sources")]),
        identities=_identities(section("identity"), layout, title.text),
        groups=_groups(document, documents, vocab, link, langs),
        geometries=geometries,
        point=point,
        kind=kind,
        places=places,
        map_caption=caption,
        outline=outline,
        footnotes=_footnotes(rows, base, langs, link),
    )


def _footnotes(rows: list[Row], base: str, langs: Sequence[str], link) -> list[Footnote]:
    """Number the source records of the rows' values in the order the page shows them (one
    footnote per record, however many values it gives), and list them: the record by its
    label, and the sources it was derived from (an address, or a source note by its label)."""
    numbers: dict[str, Footnote] = {}
    for row in rows:
        for value in row.values:
            for record in value.cited:
                note = numbers.get(record.iri)
                if note is None:
                    label = pick(record.labels, langs)
                    path = local_path(record.iri, base)
                    shown = Value(label.value, path, lang=label.language) if label else None
                    note = numbers[record.iri] = Footnote(
                        number=len(numbers) + 1,
                        record=shown or Value(path, path),
                        sources=[link(source) for source in record.sources],
                    )
                if note.number not in value.notes:
                    value.notes.append(note.number)
    return list(numbers.values())


def _said(term) -> tuple[str, str] | None:
    """What a literal says: its text and language (``None`` for an IRI)."""
    return (term.value, term.language or "") if isinstance(term, ox.Literal) else None


def _literals_in(row: Row, by_predicate: dict[str, list]) -> list:
    """The literal behind each of a row's values, in the row's order (``None`` for links)."""
    literals = {
        (t.value, t.language or ""): t for t in by_predicate[row.iri] if isinstance(t, ox.Literal)
    }
    return [literals.get((v.text, v.lang or "")) if v.href is None else None for v in row.values]


def _values_of(document: Document, subject: str) -> dict[str, list]:
    """Objects of ``subject``'s triples in ``document``, by predicate."""
    values: dict[str, list] = {}
    for triple in document.own:
        if triple.subject.value == subject:
            values.setdefault(triple.predicate.value, []).append(triple.object)
    return values


def _unique_literals(terms) -> list[ox.Literal]:
    """Literals without repeats: the same text in the same language is one name, whichever
    properties say it (a theme's ``rdfs:label`` and ``skos:prefLabel``)."""
    seen: dict[tuple[str, str], ox.Literal] = {}
    for term in terms:
        if isinstance(term, ox.Literal):
            seen.setdefault((term.value, term.language or ""), term)
    return list(seen.values())


def _row_values(
    prop: str, objects: list, documents: Documents, vocab: Vocabulary, link, cite=None
):
    """A row's values: links by label, or, where the annotations say so (``nscn:showValues``),
    the linked things' own values in place, the newest first; each with the source records
    ``cite(prop, term)`` says it was read on."""

    def cited(value: Value, term) -> Value:
        value.cited = cite(prop, term) if cite is not None else []
        return value

    shown = vocab.layout.in_place.get(prop)
    if shown is None:
        return _sorted([cited(link(o), o) for o in objects])
    items = []
    for term in objects:
        other = documents.get(term.value) if isinstance(term, ox.NamedNode) else None
        if other is None:
            items.append(((1, ""), cited(link(term), term)))
            continue
        values = _values_of(other, term.value)
        parts = []
        for p in shown.values:
            for value in values.get(p, [])[:1]:
                if not isinstance(value, ox.Literal):
                    parts.append(link(value).text)
                elif value.datatype.value == XSD + "boolean":
                    if value.value in ("true", "1"):
                        parts.append(vocab.label(p))
                else:
                    parts.append(_display(value))
        named = cited(link(term), term)
        if not parts:
            items.append(((1, ""), named))
            continue
        date = values.get(shown.newest_first_by or "", [])
        newest = (0, _descending(date[0].value)) if date else (1, "")
        note = ", ".join(parts[1:]) or None
        value = Value(parts[0], named.href, note=note, title=named.text, cited=named.cited)
        items.append((newest, value))
    items.sort(key=lambda item: (item[0], item[1].text))
    return [value for _, value in items]


def _descending(text: str) -> str:
    """A sort key that puts later ISO dates (``2020`` > ``2019-10-01``) first."""
    return "".join(chr(0x10FFFF - ord(c)) for c in text)


def _display(term: ox.Literal) -> str:
    """A literal as a reader expects it: whole numbers with thousands separators."""
    if term.datatype.value in _INTEGERS:
        try:
            return f"{int(term.value):,}"
        except ValueError:
            return term.value
    return term.value


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


def identity(term, layout: Layout, name: str) -> Value:
    """An identity link, named for a reader: the register it points into (``void:uriSpace``)
    and the thing's own name, ``Wikidata: Aarhus``, with the register's identifier beside it
    (``Q25319``); a link into no known register shows its IRI."""
    value = term.value
    found = layout.register(value)
    if found is not None:
        register, local = found
        return Value(
            f"{register}: {name}", value, note=local, external=True, title=f"{register} {local}"
        )
    return Value(value, value, external=True)


def _identities(terms: list, layout: Layout, name: str) -> list[Value]:
    """The identity links of whichever predicates the annotations list, each target once."""
    unique = {t.value: t for t in terms if isinstance(t, ox.NamedNode)}
    return sorted(
        (identity(t, layout, name) for t in unique.values()),
        key=lambda v: (v.text.casefold(), v.note or "", v.href or ""),
    )


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
    return _point(_values_of(document, iri))


def _places(document, documents, layout, title, point, kind, link) -> tuple[list[Place], str]:
    """What a place's small map marks: the thing itself if it has coordinates, else what its
    kind's annotations name (``nscn:mapMarks``: the places it links to, ``nscn:mapMarksLinking``:
    the places of a kind that link to it)."""
    if point is not None:
        lon, lat = point
        return [
            Place(title.text, None, lon, lat)
        ], f"Location of {title.text} ({lat}° N, {lon}° E)."
    if kind is None:
        return [], ""
    places = []
    if kind.map_marks:
        for triple in document.own:
            if triple.subject.value == document.iri and triple.predicate.value == kind.map_marks:
                where = _point_of(documents, triple.object.value)
                if where is not None:
                    shown = link(triple.object)
                    places.append(Place(shown.text, shown.href, *where))
    elif kind.map_linking:
        relation, from_kind = kind.map_linking
        for triple in document.inbound:
            source = triple.subject.value
            if triple.predicate.value != relation:
                continue
            if from_kind is not None and from_kind not in documents.types.get(source, []):
                continue
            where = _point_of(documents, source)
            if where is not None:
                shown = link(triple.subject)
                places.append(Place(shown.text, shown.href, *where))
        places.sort(key=lambda p: p.label)
    if not places and not kind.map_outline:
        return [], ""
    names = ", ".join(p.label for p in places)
    caption = (kind.map_caption or "{title}").format(title=title.text, places=names)
    return places, caption


def _geometry(subject: str, document: Document, link) -> Geometry:
    triples = [t for t in document.own if t.subject.value == subject]
    types = [link(t.object) for t in triples if t.predicate.value == RDF_TYPE]
    wkt = [t.object.value for t in triples if t.predicate.value.endswith("#asWKT")]
    others: dict[str, list[Value]] = {}
    for t in triples:
        if t.predicate.value != RDF_TYPE and not t.predicate.value.endswith("#asWKT"):
            others.setdefault(t.predicate.value, []).append(link(t.object))
    values = [(link(ox.NamedNode(p)), shown) for p, shown in sorted(others.items())]
    return Geometry(subject[len(document.iri) + 1 :], types, wkt, values)


def _groups(
    document: Document, documents: Documents, vocab: Vocabulary, link, langs: Sequence[str]
) -> list[Group]:
    """The things that link to this one, grouped by relation and by their kind, under the
    annotations' headings. A link the page already shows the other way round (the thing's own
    value of the relation's ``owl:inverseOf``) is not repeated."""
    layout = vocab.layout
    own = {(t.predicate.value, t.object.value) for t in document.own}
    groups: dict[tuple[str, str], Group] = {}
    for triple in document.inbound:
        predicate = triple.predicate.value
        source = triple.subject.value
        inverse = layout.inverses.get(predicate)
        if inverse is not None and (inverse, source) in own:
            continue
        kind = layout.kind_of(documents.types.get(source, []))
        annotated = layout.group(predicate, kind.iri if kind else None)
        if annotated is not None:
            heading, order = annotated.heading(langs), annotated.order
        else:
            things = kind.plural if kind else "things"
            heading = f"{things[:1].upper()}{things[1:]} ({vocab.label(predicate)})"
            order = float("inf")
        key = (predicate, str(id(annotated)) if annotated else kind.iri if kind else "")
        group = groups.setdefault(key, Group(heading, vocab.label(predicate), order=order))
        group.items.append(link(triple.subject))
    for group in groups.values():
        group.items.sort(key=lambda v: v.text.casefold())
    return sorted(groups.values(), key=lambda g: (g.order, g.heading))
