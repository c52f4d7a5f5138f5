"""The query editor's contents: the prologue of prefixes and example queries about the network.

Each example is tested to return rows (``tests/test_sparql_editor.py``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Example:
    name: str
    query: str


#: Prefixes shown in the editor (the endpoint predeclares all of the project's prefixes).
EDITOR_PREFIXES = (
    "nscn",
    "city",
    "theme",
    "value",
    "rdfs",
    "skos",
    "dcterms",
    "schema",
    "geo",
)

EXAMPLES: tuple[Example, ...] = (
    Example(
        "Member cities and their living labs",
        """SELECT ?city ?lab WHERE {
  ?c a nscn:SmartCity ; rdfs:label ?city .
  OPTIONAL { ?l a nscn:LivingLab ; nscn:city ?c ; rdfs:label ?lab . FILTER(lang(?lab) = "en") }
  FILTER(lang(?city) = "en")
} ORDER BY ?city ?lab""",
    ),
    Example(
        "Cases per theme",
        """SELECT ?theme (COUNT(DISTINCT ?case) AS ?cases) WHERE {
  ?case a nscn:Case ; nscn:theme ?t .
  ?t skos:prefLabel ?theme . FILTER(lang(?theme) = "en")
} GROUP BY ?theme ORDER BY DESC(?cases) ?theme""",
    ),
    Example(
        "Values of the Nordic Smart City Roadmap",
        """SELECT ?value ?definition WHERE {
  ?v a nscn:RoadmapValue ; skos:prefLabel ?value .
  OPTIONAL { ?v skos:definition ?definition . FILTER(lang(?definition) = "en") }
  FILTER(lang(?value) = "en")
} ORDER BY ?value""",
    ),
    Example(
        "Cities with their country and coordinates",
        """SELECT ?city ?country ?lat ?long WHERE {
  ?c a nscn:SmartCity ; rdfs:label ?city ; nscn:country/rdfs:label ?country ;
     geo:lat ?lat ; geo:long ?long .
  FILTER(lang(?city) = "en" && lang(?country) = "en")
} ORDER BY ?country ?city""",
    ),
    Example(
        "Cases about mobility, with their sources",
        """SELECT ?case ?title ?source WHERE {
  ?case a nscn:Case ; nscn:theme theme:mobility ; rdfs:label ?title ; dcterms:source ?source .
  FILTER(lang(?title) = "en")
} ORDER BY ?title""",
    ),
    Example(
        "Everything said about Aarhus (as RDF)",
        "DESCRIBE city:aarhus",
    ),
)


def prologue(prefixes: dict[str, str]) -> str:
    """``PREFIX`` lines for the editor."""
    return "".join(f"PREFIX {p}: <{prefixes[p]}>\n" for p in EDITOR_PREFIXES if p in prefixes)


def config(endpoint: str, prefixes: dict[str, str], query: str | None = None) -> dict:
    """What ``static/sparql-editor.js`` reads: the endpoint, the prologue, the examples, the
    prefixes the endpoint predeclares (so the editor does not mark them as undeclared) and the
    query to run at once, if any."""
    return {
        "endpoint": endpoint,
        "prologue": prologue(prefixes),
        "examples": [{"name": e.name, "query": e.query} for e in EXAMPLES],
        "prefixes": dict(prefixes),
        "query": query,
    }
