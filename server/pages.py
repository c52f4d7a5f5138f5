"""HTML pages: the landing page ``/``."""

from __future__ import annotations

from flask import Blueprint, render_template

from nscn_graph import __version__
from nscn_graph.namespaces import NSCN

from .state import published

bp = Blueprint("pages", __name__)

_CITIES = """
SELECT ?city ?label ?country ?countryLabel WHERE {
  ?city a nscn:SmartCity ; rdfs:label ?label ; nscn:country ?country .
  ?country rdfs:label ?countryLabel .
  FILTER(lang(?label) = "en" && lang(?countryLabel) = "en")
} ORDER BY ?countryLabel ?label
"""


def cities_by_country() -> list[tuple[str, list[tuple[str, str]]]]:
    """[(country label, [(city label, city IRI), ...]), ...] sorted by name."""
    graph = published()
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in graph.store.query(_CITIES, prefixes=graph.prefixes):
        groups.setdefault(row["countryLabel"].value, []).append(
            (row["label"].value, local_path(row["city"].value, graph.base))
        )
    return list(groups.items())


def local_path(iri: str, base: str) -> str:
    """The server path of an IRI under the base (DESIGN.md: the IRI with the base removed)."""
    return "/" + iri[len(base) :] if iri.startswith(base) else iri


@bp.get("/")
def index():
    graph = published()
    return render_template(
        "index.html",
        summary=graph.summary,
        members=graph.summary.count(str(NSCN.SmartCity)),
        countries=cities_by_country(),
        version=__version__,
    )
