"""How things are shown, read from data: the ontology and its page annotations.

``ontology/nscn-pages.ttl`` says, in a small annotation vocabulary declared in that file, what
the pages of :mod:`nscn_graph.web` group and in which order, which properties are identity
links, which kinds of thing are places, which class each ``id/{type}/`` segment stands for and
what the landing page counts. This module reads it (with ``ontology/nscn.ttl``, for the classes,
their labels and ``owl:inverseOf``) into a :class:`Layout`, once; the code that uses it knows no
class or property of the domain, as pyLODE and Skosmos know none of the vocabularies they show.

The annotations are not part of the published graph: they describe this server's pages, not the
world, so they are read here and never loaded into a store.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import OWL, RDF, RDFS, Literal, URIRef
from rdflib.collection import Collection

from nscn_graph import paths
from nscn_graph.graph.load import parse_file, to_rdflib
from nscn_graph.namespaces import ANNOTATIONS_NAME, DEFAULT_BASE, VOID, annotations_file

__all__ = [
    "ANNOTATIONS_NAME",
    "Facet",
    "InboundGroup",
    "Kind",
    "Layout",
    "annotations_file",
    "load",
]

SH_PATH = "http://www.w3.org/ns/shacl#path"
SH_INVERSE = "http://www.w3.org/ns/shacl#inversePath"

#: A property without ``nscn:order`` ranks here in the facts table, then by label.
DEFAULT_ORDER = 500.0


@dataclass(frozen=True)
class Facet:
    """A way to narrow a kind's browse page (``nscn:facet``): the things grouped by the values
    they reach along a path (``sh:path``: one property, a sequence, an inverse step)."""

    key: str  #: the query parameter (``?city=aarhus``)
    path: tuple[tuple[str, bool], ...]  #: (property IRI, inverse) steps
    label: str  #: English, the facet's own or its last property's
    order: float
    by_year: bool = False  #: values are dates, grouped by their year

    def sparql_path(self) -> str:
        """The path in SPARQL's property path syntax (``<a>/^<b>``)."""
        return "/".join(("^" if inverse else "") + f"<{iri}>" for iri, inverse in self.path)


@dataclass(frozen=True)
class Kind:
    """A class whose instances get pages."""

    iri: str
    label: str  #: English, from the ontology
    plural: str
    slug: str | None  #: the ``{type}`` of ``id/{type}/``, its own or a superclass's
    order: float
    counted: bool = False
    example: bool = False
    map_marks: str | None = None  #: mark what instances link to by this property
    map_linking: tuple[str, str | None] | None = None  #: (relation, kind) of linking places
    map_outline: str | None = None  #: property whose value names the outline to highlight
    map_caption: str | None = None  #: with ``{title}`` and ``{places}``
    landing_list: str | None = None  #: the landing page maps these, listed by this property
    facets: tuple[Facet, ...] = ()  #: how its browse page narrows it, in order

    @property
    def name(self) -> str:
        """The class's local name (``SmartCity``)."""
        return _local(self.iri)


@dataclass(frozen=True)
class InboundGroup:
    relation: str
    from_kind: str | None  #: ``None``: linking things of any kind
    headings: dict[str, str]  #: language -> heading
    order: float

    def heading(self, langs: Sequence[str] = ("en",)) -> str:
        for lang in langs:
            if lang in self.headings:
                return self.headings[lang]
        return self.headings.get("en") or next(iter(self.headings.values()), "")


@dataclass(frozen=True)
class InPlace:
    """Values of linked things shown in place of a bare link (``nscn:showValues``)."""

    values: tuple[str, ...]
    newest_first_by: str | None = None


@dataclass
class Layout:
    """Everything the annotations say, indexed for the pages."""

    base: str
    kinds: dict[str, Kind]  #: class IRI -> kind, most specific first
    sections: dict[str, str]  #: property IRI -> section (``name``, ``identity`` ...)
    orders: dict[str, float]  #: property IRI -> rank in the facts table
    groups: tuple[InboundGroup, ...]
    registers: tuple[tuple[str, str], ...]  #: (URI space, register name), longest first
    labels: dict[str, str]  #: term IRI -> English label
    inverses: dict[str, str]  #: property IRI -> its inverse (``owl:inverseOf``, both ways)
    in_place: dict[str, InPlace] = field(default_factory=dict)
    #: class IRI -> its direct superclasses among the annotated classes (``rdfs:subClassOf``)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: the properties a thing's preview card shows, in order (``nscn:previewOrder``)
    preview: tuple[str, ...] = ()

    # -- kinds -----------------------------------------------------------------------------
    def kind_of(self, types: Iterable[str]) -> Kind | None:
        """The kind that names a thing of these types: its most specific known class."""
        found = [self.kinds[t] for t in types if t in self.kinds]
        return min(found, key=lambda k: (k.order, k.iri)) if found else None

    def class_rank(self, iri: str) -> tuple[float, str]:
        kind = self.kinds.get(iri)
        return (kind.order if kind else float("inf"), iri)

    @property
    def counted(self) -> list[Kind]:
        """The kinds the landing page counts, in order."""
        return [k for k in self.kinds.values() if k.counted]

    @property
    def landing(self) -> Kind | None:
        """The kind the landing page maps and lists (``nscn:landingList``)."""
        return next((k for k in self.kinds.values() if k.landing_list), None)

    @property
    def examples(self) -> list[Kind]:
        return [k for k in self.kinds.values() if k.example]

    def slugs(self) -> dict[str, str]:
        """``id/{type}/`` segment -> the class it stands for (the least specific that has it)."""
        found: dict[str, str] = {}
        for kind in sorted(self.kinds.values(), key=lambda k: -k.order):
            if kind.slug and kind.slug not in found:
                found[kind.slug] = kind.iri
        return dict(sorted(found.items()))

    def ancestors(self, iri: str) -> list[str]:
        """``iri`` and its superclasses among the annotated classes, nearest first."""
        found = [iri]
        for current in found:
            for parent in self.parents.get(current, ()):
                if parent not in found:
                    found.append(parent)
        return found

    def browsable(self) -> dict[str, Kind]:
        """``{type}`` segment -> the kind its browse page ``/doc/{type}/`` lists (the least
        specific class with that segment, :meth:`slugs`), in the order of the kinds."""
        found = {slug: self.kinds[iri] for slug, iri in self.slugs().items()}
        return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))

    # -- properties ------------------------------------------------------------------------
    def section(self, prop: str) -> str | None:
        return self.sections.get(prop)

    def in_section(self, section: str) -> list[str]:
        """The properties shown in ``section``, in the annotation's order."""
        return [p for p, s in self.sections.items() if s == section]

    def order(self, prop: str) -> float:
        return self.orders.get(prop, DEFAULT_ORDER)

    def register(self, iri: str) -> tuple[str, str] | None:
        """(register name, local identifier) of an identity link, if it points into one."""
        for space, name in self.registers:
            if iri.startswith(space) and len(iri) > len(space):
                return name, iri[len(space) :].strip("/")
        return None

    # -- inbound links ---------------------------------------------------------------------
    def group(self, relation: str, kind: str | None) -> InboundGroup | None:
        """The group for links by ``relation`` from a thing of class ``kind``: the one for
        that kind, else the one for any kind."""
        fallback = None
        for group in self.groups:
            if group.relation != relation:
                continue
            if group.from_kind is not None and group.from_kind == kind:
                return group
            if group.from_kind is None and fallback is None:
                fallback = group
        return fallback


def load(
    root: Path = paths.ROOT,
    *,
    base: str = DEFAULT_BASE,
    ontology: Path | None = None,
    annotations: Path | None = None,
) -> Layout:
    """The layout of the ontology and annotations under ``root`` (IRIs under ``base``)."""
    graph = rdflib.Graph()
    for path in (ontology or paths.ontology_file(root), annotations or annotations_file(root)):
        for triple in parse_file(path, base=base):
            graph.add(tuple(to_rdflib(t) for t in triple))  # type: ignore[arg-type]
    return from_graph(graph, base=base)


def from_graph(graph: rdflib.Graph, *, base: str = DEFAULT_BASE) -> Layout:
    """The layout that the ontology and annotation triples in ``graph`` describe."""
    nscn = rdflib.Namespace(base + "ontology#")

    def value(subject, prop):
        return graph.value(subject, prop)

    def flag(subject, prop) -> bool:
        found = value(subject, prop)
        return bool(found is not None and found.toPython() is True)

    def number(subject, default: float = DEFAULT_ORDER) -> float:
        found = value(subject, nscn.order)
        try:
            return float(found) if found is not None else default
        except ValueError:
            return default

    def by_language(subject, prop) -> dict[str, str]:
        return {
            (o.language or "en"): str(o)
            for o in graph.objects(subject, prop)
            if isinstance(o, Literal)
        }

    labels: dict[str, str] = {}
    for subject, label in graph.subject_objects(RDFS.label):
        if isinstance(subject, URIRef) and isinstance(label, Literal):
            if label.language in ("en", None) and str(subject) not in labels:
                labels[str(subject)] = str(label)

    ontology = str(nscn)
    classes = {
        s
        for s in graph.subjects(RDF.type, OWL.Class)
        if isinstance(s, URIRef) and str(s).startswith(ontology)
    }
    classes |= {s for s in graph.subjects(nscn.typeSlug, None) if isinstance(s, URIRef)}
    classes |= {s for s in graph.subjects(nscn.pluralLabel, None) if isinstance(s, URIRef)}

    def slug(cls, seen=()) -> str | None:
        own = value(cls, nscn.typeSlug)
        if own is not None:
            return str(own)
        for parent in graph.objects(cls, RDFS.subClassOf):
            if parent not in seen and isinstance(parent, URIRef):
                found = slug(parent, (*seen, cls))
                if found:
                    return found
        return None

    def path_steps(node) -> tuple[tuple[str, bool], ...]:
        """A SHACL property path of IRIs, sequences and inverse steps, as (IRI, inverse)."""
        if isinstance(node, URIRef):
            return ((str(node), False),)
        inverse = value(node, URIRef(SH_INVERSE))
        if isinstance(inverse, URIRef):
            return ((str(inverse), True),)
        if value(node, RDF.first) is not None:
            steps: tuple[tuple[str, bool], ...] = ()
            for item in Collection(graph, node):
                steps += path_steps(item)
            return steps
        raise ValueError(f"a facet's sh:path must be IRIs, lists and sh:inversePath: {node}")

    def facets(cls) -> tuple[Facet, ...]:
        found = []
        for node in graph.objects(cls, nscn.facet):
            key, path = value(node, nscn.facetKey), value(node, URIRef(SH_PATH))
            if key is None or path is None:
                continue
            steps = path_steps(path)
            own = by_language(node, RDFS.label).get("en")
            found.append(
                Facet(
                    key=str(key),
                    path=steps,
                    label=own or labels.get(steps[-1][0], _local(steps[-1][0])),
                    order=number(node),
                    by_year=flag(node, nscn.byYear),
                )
            )
        return tuple(sorted(found, key=lambda f: (f.order, f.key)))

    kinds = []
    for cls in classes:
        iri = str(cls)
        label = labels.get(iri, _local(iri))
        plural = by_language(cls, nscn.pluralLabel).get("en") or plural_of(label)
        linking = value(cls, nscn.mapMarksLinking)
        kinds.append(
            Kind(
                iri=iri,
                label=label,
                plural=plural,
                slug=slug(cls),
                order=number(cls),
                counted=flag(cls, nscn.counted),
                example=flag(cls, nscn.example),
                map_marks=_str(value(cls, nscn.mapMarks)),
                map_linking=(
                    (str(value(linking, nscn.relation)), _str(value(linking, nscn.fromKind)))
                    if linking is not None and value(linking, nscn.relation) is not None
                    else None
                ),
                map_outline=_str(value(cls, nscn.mapOutline)),
                map_caption=by_language(cls, nscn.mapCaption).get("en"),
                landing_list=_str(value(cls, nscn.landingList)),
                facets=facets(cls),
            )
        )
    kinds.sort(key=lambda k: (k.order, k.iri))

    sections = {
        str(p): _local(str(s)).removesuffix("Section").lower()
        for p, s in sorted(graph.subject_objects(nscn.section))
    }
    orders = {
        str(p): number(p)
        for p in graph.subjects(nscn.order, None)
        if isinstance(p, URIRef) and p not in classes
    }
    groups = sorted(
        (
            InboundGroup(
                relation=str(value(g, nscn.relation)),
                from_kind=_str(value(g, nscn.fromKind)),
                headings=by_language(g, nscn.heading),
                order=number(g),
            )
            for g in graph.subjects(RDF.type, nscn.InboundGroup)
            if value(g, nscn.relation) is not None
        ),
        key=lambda g: (g.order, g.relation, g.from_kind or ""),
    )
    registers = sorted(
        (
            (str(space), labels.get(str(dataset)) or str(dataset))
            for dataset, space in graph.subject_objects(VOID.uriSpace)
        ),
        key=lambda r: -len(r[0]),
    )
    inverses: dict[str, str] = {}
    for p, q in graph.subject_objects(OWL.inverseOf):
        inverses.setdefault(str(p), str(q))
        inverses.setdefault(str(q), str(p))
    in_place = {}
    for prop, head in graph.subject_objects(nscn.showValues):
        in_place[str(prop)] = InPlace(
            tuple(str(v) for v in Collection(graph, head)),
            _str(value(prop, nscn.newestFirstBy)),
        )
    parents = {
        str(c): tuple(sorted(str(p) for p in graph.objects(c, RDFS.subClassOf) if p in classes))
        for c in classes
    }
    preview = tuple(
        str(p)
        for _, p in sorted(
            (float(o), str(p))
            for p, o in graph.subject_objects(nscn.previewOrder)
            if isinstance(p, URIRef) and isinstance(o, Literal)
        )
    )
    return Layout(
        base=base,
        kinds={k.iri: k for k in kinds},
        sections=sections,
        orders=orders,
        groups=tuple(groups),
        registers=tuple(registers),
        labels=labels,
        inverses=inverses,
        in_place=in_place,
        parents={c: p for c, p in parents.items() if p},
        preview=preview,
    )


def plural_of(label: str) -> str:
    """An English plural of a class label, for kinds the annotations give none."""
    label = label[:1].lower() + label[1:]
    if label.endswith("y") and not label.endswith(("ay", "ey", "oy")):
        return label[:-1] + "ies"
    return label if label.endswith("s") else label + "s"


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _str(node) -> str | None:
    return str(node) if node is not None else None
