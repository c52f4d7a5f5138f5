"""Maps of the Nordic countries drawn as inline SVG on the server: no tile server, no script, and
nothing loaded from another host, so they work offline.

The country outlines are Natural Earth's 1:50m admin-0 countries (public domain) in the TopoJSON
of the npm package ``world-atlas`` (ISC licence), which the Makefile installs with ``npm ci`` and
copies to ``server/static/vendor/world-atlas/``. They are decoded, projected (Lambert azimuthal
equal-area centred on the Nordic region), clipped to the frame and simplified once per process
(:func:`frame`); each page then only adds its markers.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

log = logging.getLogger(__name__)

ATLAS = Path(__file__).parent / "static" / "vendor" / "world-atlas" / "countries-50m.json"

#: ISO 3166 numeric code (world-atlas ``id``) -> ISO alpha-2 of the member countries; Åland is
#: drawn with Finland.
MEMBERS: dict[str, str] = {
    "208": "DK",
    "578": "NO",
    "752": "SE",
    "246": "FI",
    "248": "FI",
    "352": "IS",
}
#: Neighbours drawn in grey for context (Faroe Islands, Greenland, the Baltic, Russia...).
NEIGHBOURS = ("234", "304", "643", "233", "428", "440", "112", "616", "276", "528", "826", "372")

CENTRE = (12.0, 63.0)  #: (longitude, latitude) of the projection's centre
WEST, EAST, SOUTH, NORTH = -25.5, 33.5, 53.6, 71.6  #: the frame, in degrees
WIDTH = 640.0  #: SVG user units across the frame
MIN_STEP = 0.7  #: drop outline points closer than this to the previous one (user units)
MIN_AREA = 2.0  #: drop islands smaller than this (square user units)


@dataclass(frozen=True)
class Country:
    code: str  #: ISO numeric
    alpha2: str | None  #: member countries only
    name: str
    d: str  #: SVG path data


@dataclass(frozen=True)
class Frame:
    """Projected outlines and the projection that placed them."""

    width: float
    height: float
    scale: float
    x0: float
    y0: float
    countries: tuple[Country, ...]

    def project(self, lon: float, lat: float) -> tuple[float, float]:
        x, y = _lambert(lon, lat)
        return (x - self.x0) * self.scale, (self.y0 - y) * self.scale


@dataclass(frozen=True)
class Marker:
    lon: float
    lat: float
    label: str
    href: str | None = None


def _lambert(lon: float, lat: float) -> tuple[float, float]:
    """Lambert azimuthal equal-area projection about :data:`CENTRE` (unit sphere)."""
    lam0, phi0 = math.radians(CENTRE[0]), math.radians(CENTRE[1])
    lam, phi = math.radians(lon), math.radians(lat)
    cos_c = math.sin(phi0) * math.sin(phi) + math.cos(phi0) * math.cos(phi) * math.cos(lam - lam0)
    k = math.sqrt(2 / (1 + cos_c)) if cos_c > -1 else 0.0
    x = k * math.cos(phi) * math.sin(lam - lam0)
    y = k * (math.cos(phi0) * math.sin(phi) - math.sin(phi0) * math.cos(phi) * math.cos(lam - lam0))
    return x, y


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON's quantised, delta-encoded arcs as (longitude, latitude) lists."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[list[tuple[float, float]]]) -> list:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def _polygons(geometry: dict) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def _clip(points: list[tuple[float, float]], box: tuple[float, float, float, float]) -> list:
    """Sutherland-Hodgman clipping of a closed ring to the rectangle ``box``."""
    x_min, y_min, x_max, y_max = box
    edges = (
        (lambda p: p[0] >= x_min, lambda a, b: _cross_x(a, b, x_min)),
        (lambda p: p[0] <= x_max, lambda a, b: _cross_x(a, b, x_max)),
        (lambda p: p[1] >= y_min, lambda a, b: _cross_y(a, b, y_min)),
        (lambda p: p[1] <= y_max, lambda a, b: _cross_y(a, b, y_max)),
    )
    for inside, cross in edges:
        if not points:
            break
        result = []
        previous = points[-1]
        for point in points:
            if inside(point):
                if not inside(previous):
                    result.append(cross(previous, point))
                result.append(point)
            elif inside(previous):
                result.append(cross(previous, point))
            previous = point
        points = result
    return points


def _cross_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def _area(points: Sequence[tuple[float, float]]) -> float:
    pairs = zip(points, [*points[1:], points[0]], strict=True)
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairs) / 2)


def _simplify(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    kept: list[tuple[float, float]] = []
    for point in points:
        if not kept or math.dist(kept[-1], point) >= MIN_STEP:
            kept.append(point)
    return kept


def _path(rings: Iterable[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in ring)
        parts.append(f"M{coords}Z")
    return "".join(parts)


@lru_cache(maxsize=4)
def frame(atlas: Path = ATLAS) -> Frame:
    """The Nordic frame with its country outlines (empty when the atlas is not installed)."""
    edge = [i / 16 for i in range(17)]
    boundary = [_lambert(WEST + t * (EAST - WEST), lat) for t in edge for lat in (SOUTH, NORTH)] + [
        _lambert(lon, SOUTH + t * (NORTH - SOUTH)) for t in edge for lon in (WEST, EAST)
    ]
    x0, x1 = min(x for x, _ in boundary), max(x for x, _ in boundary)
    y0, y1 = min(y for _, y in boundary), max(y for _, y in boundary)
    scale = WIDTH / (x1 - x0)
    height = (y1 - y0) * scale
    try:
        topology = json.loads(atlas.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("map outlines unavailable (%s): run `make` to install world-atlas", exc)
        return Frame(WIDTH, height, scale, x0, y1, ())
    arcs = _decode_arcs(topology)
    box = (0.0, 0.0, WIDTH, height)
    countries = []
    wanted = {*MEMBERS, *NEIGHBOURS}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = str(geometry.get("id"))
        if code not in wanted:
            continue
        rings = []
        for polygon in _polygons(geometry):
            for ring in polygon:
                projected = []
                for lon, lat in _ring(ring, arcs):
                    x, y = _lambert(lon, lat)
                    projected.append(((x - x0) * scale, (y1 - y) * scale))
                clipped = _simplify(_clip(projected, box))
                if len(clipped) >= 3 and _area(clipped) >= MIN_AREA:
                    rings.append(clipped)
        if rings:
            name = geometry.get("properties", {}).get("name", code)
            countries.append(Country(code, MEMBERS.get(code), name, _path(rings)))
    countries.sort(key=lambda c: c.alpha2 is not None)  # members drawn last, on top
    return Frame(WIDTH, height, scale, x0, y1, tuple(countries))


def svg(
    markers: Sequence[Marker],
    *,
    title: str,
    highlight: str | None = None,
    labels: bool = True,
    css_class: str = "map",
    radius: float = 5,
) -> Markup:
    """An accessible inline SVG map: outlines, a marker (linked when ``href``) per place."""
    f = frame()
    out = [
        f'<svg class="{css_class}" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {f.width:.0f} {f.height:.0f}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<rect class="sea" width="{f.width:.0f}" height="{f.height:.0f}"/>',
    ]
    for country in f.countries:
        classes = "land"
        if country.alpha2:
            classes += " member"
            if highlight and country.alpha2 == highlight:
                classes += " highlight"
        out.append(
            f'<path class="{classes}" data-country="{country.alpha2 or country.code}" '
            f'd="{country.d}"><title>{escape(country.name)}</title></path>'
        )
    placed = [f.project(m.lon, m.lat) for m in markers]
    boxes: list[tuple[float, float, float, float]] = []
    for marker, (x, y) in zip(markers, placed, strict=True):
        dot = (
            f'<circle class="marker" cx="{x:.1f}" cy="{y:.1f}" r="{radius:g}">'
            f"<title>{escape(marker.label)}</title></circle>"
        )
        if labels:
            lx, ly, anchor = _label_position(x, y, marker.label, placed, boxes)
            dot += (
                f'<text class="marker-label" x="{lx:.1f}" y="{ly:.1f}" '
                f'text-anchor="{anchor}">{escape(marker.label)}</text>'
            )
        if marker.href:
            dot = f'<a href="{escape(marker.href)}" class="place">{dot}</a>'
        out.append(dot)
    out.append("</svg>")
    return Markup("".join(out))


def _label_position(x, y, text, points, boxes):
    """Right, left, above or below the marker: the first place that covers no other marker
    nor label (greedy; good enough for a few dozen places)."""
    width, height = 7.2 * len(text), 13.0
    candidates = (
        (x + 8, y + 4.5, "start", (x + 7, y - 8, x + 7 + width, y + 5)),
        (x - 8, y + 4.5, "end", (x - 7 - width, y - 8, x - 7, y + 5)),
        (x, y - 9, "middle", (x - width / 2, y - 9 - height, x + width / 2, y - 8)),
        (x, y + 19, "middle", (x - width / 2, y + 7, x + width / 2, y + 7 + height)),
    )
    for lx, ly, anchor, box in candidates:
        hits_point = any(
            box[0] - 4 <= px <= box[2] + 4 and box[1] - 4 <= py <= box[3] + 4
            for px, py in points
            if (px, py) != (x, y)
        )
        hits_label = any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes
        )
        if not hits_point and not hits_label:
            boxes.append(box)
            return lx, ly, anchor
    boxes.append(candidates[0][3])
    return candidates[0][:3]


def place_map(page) -> Markup | None:
    """A small map for a place: the places the page marks (a city's marker, a living lab's city,
    a country's member cities) and the outline it highlights (a country's), as the page
    annotations say (:mod:`nscn_graph.publish.annotations`)."""
    highlight = page.outline
    if not page.places and highlight is None:
        return None
    markers = [Marker(p.lon, p.lat, p.label, p.href) for p in page.places]
    return svg(
        markers,
        title=f"Map: {page.map_caption or page.title.text}",
        highlight=highlight,
        labels=len(markers) > 1,
        css_class="map small",
        radius=10 if len(markers) == 1 else 6,
    )
