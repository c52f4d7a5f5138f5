"""``/model``: the data model, the kinds of thing and the properties that link them
(:mod:`nscn_graph.publish.model`), drawn as a diagram and listed as tables.

The diagram is SVG drawn on the server, offline, with a deterministic layout: the kinds on a
circle in the annotations' order, each link a curve bent towards the centre (the two
directions between a pair bend to opposite sides), a kind's links to itself a loop outside the
circle. Each kind links to its browse page; the tables link the ontology's entries. The same
model is negotiated like every document: HTML (diagram and tables), the SVG alone
(``image/svg+xml``), and RDF (VoID partitions, links as deactivated SHACL shapes);
``/model.svg``, ``/model.ttl``… name one form. It is read from the store once per process,
on first use.
"""

from __future__ import annotations

import math
from threading import Lock

from flask import Blueprint, Flask, Response, current_app, render_template
from markupsafe import Markup, escape

from nscn_graph import formats
from nscn_graph.graph.serialize import serialize
from nscn_graph.namespaces import DEFAULT_BASE
from nscn_graph.publish import model as data_model
from nscn_graph.publish.model import DataModel

from .negotiation import alternates, negotiate
from .state import published
from .thing import local_path

bp = Blueprint("model", __name__)

SVG = formats.Format("svg", "image/svg+xml", "svg", "SVG diagram")
OFFERS: tuple[formats.Format, ...] = (*formats.DOCUMENT_FORMATS, SVG)
_SUFFIXES = ", ".join(f.extension for f in OFFERS)
_PREPARING = Lock()


def init_app(app: Flask) -> None:
    app.extensions["nscn.model"] = None
    app.register_blueprint(bp)


def prepared() -> DataModel:
    """The model of the published store, read once."""
    extensions = current_app.extensions
    if extensions["nscn.model"] is None:
        with _PREPARING:
            if extensions["nscn.model"] is None:
                graph = published()
                layout = extensions["nscn.linked"].vocab.layout
                ontology = extensions["nscn.vocab"]["ontology"].triples
                summary = graph.summary
                counts = {
                    kind.iri: summary.count(_default_base(kind.iri, graph.base))
                    for kind in layout.kinds.values()
                }
                extensions["nscn.model"] = data_model.read(
                    graph.store, layout, ontology=ontology, counts=counts, base=graph.base
                )
    return extensions["nscn.model"]


def _default_base(iri: str, base: str) -> str:
    """The IRI under the default base (the store's summary keys classes so)."""
    return DEFAULT_BASE + iri[len(base) :] if iri.startswith(base) else iri


@bp.get("/model")
@bp.get(f"/model.<any({_SUFFIXES}):extension>")
def model(extension: str | None = None) -> Response:
    fmt = negotiate(OFFERS, path="/model", suffixes=True, extension=extension)
    found = prepared()
    graph = published()
    if fmt is SVG:
        return Response(diagram(found), content_type="image/svg+xml; charset=utf-8")
    if fmt is formats.HTML:
        vocab = current_app.extensions["nscn.linked"].vocab
        body = render_template(
            "model.html",
            model=found,
            svg=Markup(diagram(found, standalone=False)),
            label=vocab.label,
            curie=vocab.curie,
            href=lambda iri: local_path(iri, graph.base),
            alternates=alternates(),
        )
        return Response(body, mimetype="text/html")
    triples = data_model.triples(found, iri=graph.base + "model")
    return Response(serialize(triples, fmt, prefixes=graph.prefixes), content_type=fmt.content_type)


# --- the diagram -------------------------------------------------------------------------

NODE_W, NODE_H = 150, 40


def diagram(found: DataModel, *, standalone: bool = True) -> str:
    """The model as an SVG document (``standalone``) or an ``<svg>`` element for a page."""
    kinds = found.kinds
    count = max(len(kinds), 1)
    radius = max(200.0, count * (NODE_W + 45) / (2 * math.pi))
    margin = 110
    size = 2 * (radius + margin)
    centre = size / 2
    places: dict[str, tuple[float, float]] = {}
    for i, (_, kind, _) in enumerate(kinds):
        angle = -math.pi / 2 + 2 * math.pi * i / count
        places[kind.iri] = (centre + radius * math.cos(angle), centre + radius * math.sin(angle))
    index = {kind.iri: i for i, (_, kind, _) in enumerate(kinds)}
    labels: dict[tuple[str, str], list[str]] = {}
    for link in found.links:
        name = found_label(found, link.property)
        labels.setdefault((link.source, link.target), [])
        if name not in labels[(link.source, link.target)]:
            labels[(link.source, link.target)].append(name)
    parts = [
        ('<?xml version="1.0" encoding="UTF-8"?>\n' if standalone else "")
        + f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'class="model" viewBox="0 0 {size:.0f} {size:.0f}" width="{size:.0f}" '
        f'height="{size:.0f}" role="img" aria-labelledby="model-title">',
        '<title id="model-title">The kinds of thing in the graph and the properties that '
        "link them</title>",
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
        "<style>.model .edge{fill:none;stroke:#5b6675;stroke-width:1.2}"
        ".model .arrowhead{fill:#5b6675}.model .edge-label{font:11px sans-serif;fill:#1c2430;"
        "paint-order:stroke;stroke:#fff;stroke-width:3px}.model .node rect{fill:#eaf2fb;"
        "stroke:#0b5fa5;stroke-width:1.5}.model .node text{font:13px sans-serif;fill:#1c2430}"
        ".model .node .count{font-size:11px;fill:#5b6675}</style>",
        '<g class="edges">',
    ]
    for (source, target), names in sorted(
        labels.items(), key=lambda kv: (index[kv[0][0]], index[kv[0][1]])
    ):
        text = escape(", ".join(names))
        (x1, y1), (x2, y2) = places[source], places[target]
        if source == target:
            dx, dy = x1 - centre, y1 - centre
            norm = math.hypot(dx, dy) or 1.0
            ux, uy = dx / norm, dy / norm
            sx, sy = x1 + ux * NODE_H / 2 - uy * 30, y1 + uy * NODE_H / 2 + ux * 30
            ex, ey = x1 + ux * NODE_H / 2 + uy * 30, y1 + uy * NODE_H / 2 - ux * 30
            c1x, c1y = sx + ux * 70, sy + uy * 70
            c2x, c2y = ex + ux * 70, ey + uy * 70
            parts.append(
                f'<g class="link" data-source="{escape(source)}" data-target="{escape(target)}">'
                f'<path class="edge" marker-end="url(#arrow)" d="M{sx:.1f},{sy:.1f} C{c1x:.1f},'
                f'{c1y:.1f} {c2x:.1f},{c2y:.1f} {ex:.1f},{ey:.1f}"/>'
                f'<text class="edge-label" x="{x1 + ux * 95:.1f}" y="{y1 + uy * 95:.1f}" '
                f'text-anchor="middle">{text}</text></g>'
            )
            continue
        mx, my = (x1 + x2) / 2, (y1 + y2) / 2
        px, py = -(y2 - y1), x2 - x1
        norm = math.hypot(px, py) or 1.0
        side = 1 if index[source] < index[target] else -1
        cx = mx + (centre - mx) * 0.3 + side * px / norm * 25
        cy = my + (centre - my) * 0.3 + side * py / norm * 25
        sx, sy = _towards(x1, y1, cx, cy, NODE_H / 2 + 2)
        ex, ey = _towards(x2, y2, cx, cy, NODE_H / 2 + 4)
        lx, ly = 0.25 * sx + 0.5 * cx + 0.25 * ex, 0.25 * sy + 0.5 * cy + 0.25 * ey
        parts.append(
            f'<g class="link" data-source="{escape(source)}" data-target="{escape(target)}">'
            f'<path class="edge" marker-end="url(#arrow)" d="M{sx:.1f},{sy:.1f} Q{cx:.1f},'
            f'{cy:.1f} {ex:.1f},{ey:.1f}"/><text class="edge-label" x="{lx:.1f}" y="{ly:.1f}" '
            f'text-anchor="middle">{text}</text></g>'
        )
    parts.append('</g><g class="nodes">')
    for segment, kind, n in kinds:
        x, y = places[kind.iri]
        label = escape(kind.label)
        parts.append(
            f'<a href="/doc/{escape(segment)}/" xlink:href="/doc/{escape(segment)}/">'
            f'<g class="node" data-class="{escape(kind.iri)}">'
            f"<title>{label}: {n} (browse them)</title>"
            f'<rect x="{x - NODE_W / 2:.1f}" y="{y - NODE_H / 2:.1f}" width="{NODE_W}" '
            f'height="{NODE_H}" rx="6"/>'
            f'<text x="{x:.1f}" y="{y - 2:.1f}" text-anchor="middle">{label}</text>'
            f'<text class="count" x="{x:.1f}" y="{y + 13:.1f}" text-anchor="middle">{n}</text>'
            "</g></a>"
        )
    parts.append("</g></svg>")
    return "\n".join(parts)


def found_label(found: DataModel, iri: str) -> str:
    for prop in found.properties:
        if prop.iri == iri:
            return prop.label
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    """The point ``distance`` from (x, y) towards (tx, ty)."""
    dx, dy = tx - x, ty - y
    norm = math.hypot(dx, dy) or 1.0
    return x + dx / norm * distance, y + dy / norm * distance
