"""HTML pages: the landing page ``/``, rendered from a model prepared once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import quote

from flask import Blueprint, Flask, current_app, render_template
from markupsafe import Markup

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable
from nscn_graph.publish.annotations import Kind, Layout
from nscn_graph.publish.documents import Documents

from . import geomap
from .browse import browse_url
from .state import published
from .thing import GEO, local_path

bp = Blueprint("pages", __name__)

#: Example queries shown on the landing page; each opens in the query editor at ``/sparql``.
EXAMPLES: tuple[tuple[str, str], ...] = (
    (
        "Member cities with their country and coordinates",
        """SELECT ?city ?country ?lat ?long WHERE {
  ?c a nscn:SmartCity ; rdfs:label ?city ; nscn:country/rdfs:label ?country ;
     geo:lat ?lat ; geo:long ?long .
  FILTER(lang(?city) = "en" && lang(?country) = "en")
} ORDER BY ?country ?city""",
    ),
    (
        "Living labs per city",
        """SELECT ?city (COUNT(?lab) AS ?labs) WHERE {
  ?lab a nscn:LivingLab ; nscn:city/rdfs:label ?city . FILTER(lang(?city) = "en")
} GROUP BY ?city ORDER BY DESC(?labs)""",
    ),
    (
        "Cases about mobility, with their sources",
        """SELECT ?case ?title ?source WHERE {
  ?case a nscn:Case ; nscn:theme theme:mobility ; rdfs:label ?title ; dcterms:source ?source .
  FILTER(lang(?title) = "en")
}""",
    ),
    (
        "The values of the Nordic Smart City Roadmap",
        """SELECT ?value WHERE {
  ?v a nscn:RoadmapValue ; skos:prefLabel ?value . FILTER(lang(?value) = "en")
}""",
    ),
)

#: Where the other parts of the service live (DESIGN.md, HTTP interface).
LINKS: tuple[tuple[str, str, str], ...] = (
    ("/sparql", "SPARQL endpoint", "SPARQL 1.1 Protocol, with a query editor for browsers"),
    ("/dumps/", "Dumps", "the whole graph as Turtle, N-Triples (gzip) and JSON-LD"),
    ("/.well-known/void", "VoID description", "the dataset, its partitions and licence"),
    ("/catalog", "DCAT-AP catalogue", "the catalogue record of the dataset"),
    ("/ontology", "Ontology", "the classes and properties of the nscn: vocabulary"),
    ("/shapes", "SHACL shapes", "the constraints the data is validated against"),
    ("/model", "Data model", "the kinds of thing and the properties that link them, as a diagram"),
    ("/doc/", "Browse", "every kind of thing, listed by name, narrowed by facets, as CSV or RDF"),
)


@dataclass(frozen=True)
class City:
    label: str
    href: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Landing:
    countries: list[tuple[str, str, list[City]]]  #: (group label, href, places), e.g. by country
    map_svg: Markup
    examples: list[tuple[str, str, str]]  #: (title, query, editor URL)
    kind: Kind | None = None  #: what the map and the lists show (``nscn:landingList``)


def prepare(documents: Documents, layout: Layout) -> Landing:
    """The landing page's model, from the documents (once, at start-up): the things of the
    kind the annotations name (``nscn:landingList``), mapped and grouped by that property."""
    base = documents.base
    kind = layout.landing
    examples = [(title, query, "/sparql?query=" + quote(query)) for title, query in EXAMPLES]
    if kind is None:
        return Landing([], geomap.svg([], title="Map"), examples)
    groups: dict[str, tuple[str, list[City]]] = {}
    markers = []
    for document in documents.of_type(kind.iri):
        values: dict[str, list] = {}
        for triple in document.own:
            if triple.subject.value == document.iri:
                values.setdefault(triple.predicate.value, []).append(triple.object)
        label = _english(documents, document.iri)
        lat = _float(values.get(GEO + "lat"))
        lon = _float(values.get(GEO + "long"))
        href = local_path(document.iri, base)
        for group in values.get(kind.landing_list or "", []):
            name = _english(documents, group.value)
            groups.setdefault(name, (local_path(group.value, base), []))[1].append(
                City(label, href, lon, lat)
            )
        if lat is not None and lon is not None:
            markers.append(geomap.Marker(lon, lat, label, href))
    countries = [
        (name, href, sorted(cities, key=lambda c: c.label))
        for name, (href, cities) in sorted(groups.items())
    ]
    markers.sort(key=lambda m: m.label)
    map_svg = geomap.svg(markers, title=f"Map of the {len(markers)} {kind.plural}")
    return Landing(countries, map_svg, examples, kind)


def _english(documents: Documents, iri: str) -> str:
    labels = documents.labels.get(iri, [])
    for label in labels:
        if label.language == "en":
            return label.value
    return labels[0].value if labels else iri


def _float(values) -> float | None:
    try:
        return float(values[0].value) if values else None
    except ValueError:
        return None


def layout(app: Flask | None = None) -> Layout:
    """The page annotations the app was started with."""
    return (app or current_app).extensions["nscn.linked"].vocab.layout


class Count(NamedTuple):
    label: str  #: the kind's plural label
    segment: str  #: its ``id/{type}/`` segment
    n: int  #: how many things of that kind the graph holds
    href: str  #: the query editor with a query that lists them
    browse: str = ""  #: the browse page that lists them (``/doc/{type}/``)


#: Lists the things of one kind; ``KIND`` is the class, in the editor's prefixes.
LIST_QUERY = """SELECT ?thing ?label WHERE {
  ?thing a KIND .
  OPTIONAL { ?thing rdfs:label ?label FILTER(lang(?label) = "en") }
} ORDER BY ?label ?thing"""


def kind_counts() -> list[Count]:
    """The kinds the annotations say to count (``nscn:counted``), each with a link that lists
    its things in the query editor."""
    graph = published()
    vocab = current_app.extensions["nscn.linked"].vocab
    kinds = layout().counted
    counted = graph.summary.kinds(kinds, base=graph.base)
    found = []
    for kind, (label, segment, n) in zip(kinds, counted, strict=True):
        curie = vocab.curie(kind.iri)
        query = LIST_QUERY.replace("KIND", curie if curie != kind.iri else f"<{kind.iri}>")
        found.append(
            Count(label, segment, n, "/sparql?query=" + quote(query), browse_url(kind, layout()))
        )
    return found


def init_app(app: Flask) -> None:
    app.extensions["nscn.landing"] = None
    app.add_template_global(kind_counts)
    try:
        landing(app)
    except StoreUnavailable as error:  # a remote store that is down: prepared on first use
        app.logger.warning("landing page not prepared at start-up: %s", error)
    app.register_blueprint(bp)


def landing(app: Flask) -> Landing:
    """The landing page's data, prepared once from the documents."""
    extensions = app.extensions
    if extensions["nscn.landing"] is None:
        extensions["nscn.landing"] = prepare(extensions["nscn.linked"].documents, layout(app))
    return extensions["nscn.landing"]


@bp.get("/")
def index():
    graph = published()
    shown = landing(current_app)
    members = graph.summary.kinds([shown.kind], base=graph.base)[0][2] if shown.kind else 0
    return render_template(
        "index.html",
        summary=graph.summary,
        members=members,
        landing=shown,
        links=LINKS,
        version=__version__,
    )
