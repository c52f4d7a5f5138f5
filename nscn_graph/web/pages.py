"""HTML pages: the landing page ``/``, rendered from a model prepared once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flask import Blueprint, Flask, current_app, render_template
from markupsafe import Markup

from nscn_graph import __version__
from nscn_graph.errors import StoreUnavailable
from nscn_graph.namespaces import NSCN
from nscn_graph.publish.documents import Documents

from . import geomap
from .state import published
from .thing import local_path

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
)


@dataclass(frozen=True)
class City:
    label: str
    href: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True)
class Landing:
    countries: list[tuple[str, str, list[City]]]  #: (country label, href, cities)
    map_svg: Markup
    examples: list[tuple[str, str, str]]  #: (title, query, editor URL)


def prepare(documents: Documents) -> Landing:
    """The landing page's model, from the documents (once, at start-up)."""
    base = documents.base
    member = str(NSCN.SmartCity).replace("https://w3id.org/nscn/", base)
    groups: dict[str, tuple[str, list[City]]] = {}
    markers = []
    for document in documents.of_type(member):
        values: dict[str, list] = {}
        for triple in document.own:
            if triple.subject.value == document.iri:
                values.setdefault(triple.predicate.value.rsplit("#", 1)[-1], []).append(
                    triple.object
                )
        label = _english(documents, document.iri)
        lat = _float(values.get("lat"))
        lon = _float(values.get("long"))
        href = local_path(document.iri, base)
        for country in values.get("country", []):
            name = _english(documents, country.value)
            groups.setdefault(name, (local_path(country.value, base), []))[1].append(
                City(label, href, lon, lat)
            )
        if lat is not None and lon is not None:
            markers.append(geomap.Marker(lon, lat, label, href))
    countries = [
        (name, href, sorted(cities, key=lambda c: c.label))
        for name, (href, cities) in sorted(groups.items())
    ]
    markers.sort(key=lambda m: m.label)
    map_svg = geomap.svg(markers, title=f"Map of the {len(markers)} member cities")
    examples = [(title, query, "/sparql?query=" + quote(query)) for title, query in EXAMPLES]
    return Landing(countries, map_svg, examples)


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


def init_app(app: Flask) -> None:
    app.extensions["nscn.landing"] = None
    try:
        landing(app)
    except StoreUnavailable as error:  # a remote store that is down: prepared on first use
        app.logger.warning("landing page not prepared at start-up: %s", error)
    app.register_blueprint(bp)


def landing(app: Flask) -> Landing:
    """The landing page's data, prepared once from the documents."""
    extensions = app.extensions
    if extensions["nscn.landing"] is None:
        extensions["nscn.landing"] = prepare(extensions["nscn.linked"].documents)
    return extensions["nscn.landing"]


@bp.get("/")
def index():
    graph = published()
    return render_template(
        "index.html",
        summary=graph.summary,
        members=graph.summary.count(str(NSCN.SmartCity)),
        landing=landing(current_app),
        links=LINKS,
        version=__version__,
    )
