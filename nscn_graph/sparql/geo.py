"""GeoSPARQL on the stores of this machine: which functions the query engine evaluates, and the
ones added here as pyoxigraph custom functions.

pyoxigraph evaluates part of OGC GeoSPARQL 1.1's functions (``geof:``, listed in
``geosparql-functions.txt`` beside this module) on WKT literals in CRS84: which part depends
on its version, so :func:`engine_functions` asks the engine, once, which of them it knows (an
unknown function fails the query; a known one called without arguments is only unbound).

Added here, where the engine has none and the answer is sound for our data (points in CRS84):

- ``geof:metricDistance(?a, ?b)``, GeoSPARQL 1.1's distance in metres without a unit
  argument, for two points: the great-circle (haversine) distance on the sphere of the Earth's
  mean radius, the model the engine's own ``geof:distance`` uses, so that both agree.

What stays out: ``geof:buffer`` and ``geof:metricBuffer`` (a buffer in metres around a point in
longitude and latitude is a geodesic circle; a polygon drawn to stand for it would put places
near its edge on the wrong side: ``geof:distance(?a, ?b, uom:kilometre) <= R`` answers the
same question exactly), and literals in other reference systems (EPSG:4326 and others).

:data:`FUNCTIONS` is what an embedded or persistent store declares in its capabilities; the
query guard refuses a call to any other ``geof:`` function with a 400 that names it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pyoxigraph as ox

#: The namespace of GeoSPARQL's functions.
GEOF = "http://www.opengis.net/def/function/geosparql/"
#: The namespace of GeoSPARQL's classes and properties (``geo:wktLiteral``).
GSP = "http://www.opengis.net/ont/geosparql#"
#: The reference system of our geometries (longitude, latitude on WGS 84).
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: The mean radius of the Earth in metres (IUGG), the sphere the engine's distances use.
EARTH_RADIUS = 6_371_008.8

_LIST = Path(__file__).with_name("geosparql-functions.txt")


def standard_functions() -> tuple[str, ...]:
    """The IRIs of GeoSPARQL 1.1's functions, in the order of ``geosparql-functions.txt``."""
    names = []
    for line in _LIST.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.append(GEOF + line)
    return tuple(names)


@cache
def engine_functions() -> frozenset[str]:
    """The GeoSPARQL functions pyoxigraph's engine evaluates by itself."""
    probe = ox.Store()
    known = set()
    for iri in standard_functions():
        try:
            probe.query(f"SELECT (<{iri}>() AS ?r) {{}}")
        except RuntimeError:  # "The custom function <…> is not supported"
            continue
        known.add(iri)
    return frozenset(known)


# --- the functions added here ------------------------------------------------------------

_POINT = re.compile(
    r"^\s*(?:<(?P<crs>[^>]*)>\s*)?POINT\s*\(\s*(?P<x>[-+]?[\d.]+(?:[eE][-+]?\d+)?)\s+"
    r"(?P<y>[-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)


def point(term: object) -> tuple[float, float] | None:
    """(longitude, latitude) of a ``geo:wktLiteral`` point in CRS84 (the default reference
    system of WKT literals), or ``None`` for anything else."""
    if not isinstance(term, ox.Literal) or term.datatype.value != GSP + "wktLiteral":
        return None
    found = _POINT.match(term.value)
    if not found or (found["crs"] is not None and found["crs"] != CRS84):
        return None
    try:
        x, y = float(found["x"]), float(found["y"])
    except ValueError:
        return None
    if not (-180.0 <= x <= 180.0 and -90.0 <= y <= 90.0):
        return None
    return x, y


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Metres between two (longitude, latitude) points on the sphere of :data:`EARTH_RADIUS`."""
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS * math.asin(min(1.0, math.sqrt(h)))


_DOUBLE = ox.NamedNode("http://www.w3.org/2001/XMLSchema#double")


def metric_distance(*args: object) -> ox.Literal | None:
    """``geof:metricDistance(?a, ?b)``: metres between two points (unbound otherwise)."""
    if len(args) != 2:
        return None
    a, b = point(args[0]), point(args[1])
    if a is None or b is None:
        return None
    return ox.Literal(repr(haversine(a, b)), datatype=_DOUBLE)


#: The functions added to the engine, by IRI.
ADDED: dict[str, Callable[..., ox.Literal | None]] = {GEOF + "metricDistance": metric_distance}


@cache
def custom_functions() -> dict[ox.NamedNode, Callable[..., ox.Literal | None]]:
    """What ``Store.query(custom_functions=…)`` is given on every query of a local store."""
    return {ox.NamedNode(iri): function for iri, function in ADDED.items()}


#: The GeoSPARQL functions an embedded or persistent store evaluates.
FUNCTIONS: frozenset[str] = engine_functions() | frozenset(ADDED)


def short(iri: str) -> str:
    """``geof:name`` for a GeoSPARQL function's IRI (the IRI itself otherwise)."""
    return "geof:" + iri[len(GEOF) :] if iri.startswith(GEOF) else iri
