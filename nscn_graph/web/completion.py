"""What the query editor (``static/sparql-editor.js``) asks of the server besides ``/sparql``:

- ``/sparql/terms?role=class|property&q=TEXT``: the graph's classes or properties whose IRI,
  prefixed name, local name or label begins with ``TEXT`` (every word of a label counts),
  as ``{"role", "q", "results": [{"iri", "curie", "label"}]}``, best first. The terms are the
  ontology's and those the data uses (the classes with instances, the properties of the data
  model, :mod:`nscn_graph.web.model`), prepared once. Things are completed through the search
  index (``/search/suggest``).
- ``/sparql/map``: the outline map the editor's map view draws its points on (the server's own
  Natural Earth outlines, :mod:`nscn_graph.web.geomap`) and the projection that places a
  longitude and latitude on it, so that no tile server or outside script is needed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from threading import Lock

from flask import Blueprint, Flask, current_app, jsonify, request

from nscn_graph.errors import BadRequest
from nscn_graph.namespaces import DEFAULT_BASE

from . import geomap
from .state import published

bp = Blueprint("completion", __name__)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {
    RDF + "Property",
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
}
ROLES = ("class", "property")
LIMIT = 30
MAX_TEXT = 200
_PREPARING = Lock()


@dataclass(frozen=True)
class Term:
    iri: str
    curie: str
    label: str
    keys: tuple[str, ...]  #: lower-case texts whose beginnings match: IRI, curie, local, words


def init_app(app: Flask) -> None:
    app.extensions["nscn.terms"] = None
    app.register_blueprint(bp)


def terms() -> dict[str, list[Term]]:
    """role → its terms, sorted by prefixed name (prepared once)."""
    extensions = current_app.extensions
    if extensions["nscn.terms"] is None:
        with _PREPARING:
            if extensions["nscn.terms"] is None:
                extensions["nscn.terms"] = _prepare()
    return extensions["nscn.terms"]


def _prepare() -> dict[str, list[Term]]:
    from .model import prepared

    extensions = current_app.extensions
    graph = published()
    vocab = extensions["nscn.linked"].vocab
    found: dict[str, set[str]] = {"class": set(), "property": set()}
    for triple in extensions["nscn.vocab"]["ontology"].triples:
        if triple.predicate.value == RDF + "type" and hasattr(triple.subject, "value"):
            if triple.object.value in CLASS_TYPES:
                found["class"].add(triple.subject.value)
            elif triple.object.value in PROPERTY_TYPES:
                found["property"].add(triple.subject.value)
    found["class"] |= {_rebased(iri, graph.base) for iri in graph.summary.classes}
    found["property"] |= {p.iri for p in prepared().properties}
    made: dict[str, list[Term]] = {}
    for role, iris in found.items():
        listed = []
        for iri in iris:
            if not iri.startswith(("http://", "https://")):
                continue
            curie = vocab.curie(iri)
            label = vocab.labels.get(iri, "")
            local = re.split(r"[#/]", iri)[-1]
            words = tuple(w for w in re.split(r"[\W_]+", label.lower()) if w)
            keys = (iri.lower(), curie.lower(), local.lower(), label.lower(), *words)
            listed.append(Term(iri, curie, label, keys))
        made[role] = sorted(listed, key=lambda t: (t.curie.lower(), t.iri))
    return made


def _rebased(iri: str, base: str) -> str:
    return base + iri[len(DEFAULT_BASE) :] if iri.startswith(DEFAULT_BASE) else iri


@bp.get("/sparql/terms")
def complete():
    """The classes or properties that begin with ``q`` (case-insensitive), best first: those
    whose IRI, prefixed name or local name begins with it, then those with a label word that
    does."""
    role = request.args.get("role", "")
    if role not in ROLES:
        raise BadRequest("role= is class or property, e.g. /sparql/terms?role=class&q=Liv")
    text = request.args.get("q", "").strip()
    if len(text) > MAX_TEXT:
        raise BadRequest(f"q= is at most {MAX_TEXT} characters")
    wanted = text.lower().lstrip("<").rstrip(">")
    exact, worded = [], []
    for term in terms()[role]:
        if not wanted or any(key.startswith(wanted) for key in term.keys[:3]):
            exact.append(term)
        elif any(key.startswith(wanted) for key in term.keys[3:]):
            worded.append(term)
    chosen = (exact + worded)[:LIMIT]
    response = jsonify(
        {
            "role": role,
            "q": text,
            "results": [{"iri": t.iri, "curie": t.curie, "label": t.label} for t in chosen],
        }
    )
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/sparql/map")
def outline_map():
    """The outline map of the editor's map view and its projection (Lambert azimuthal
    equal-area about ``centre``, then ``x = (X - x0) * scale``, ``y = (y0 - Y) * scale``)."""
    frame = geomap.frame()
    response = jsonify(
        {
            "svg": str(geomap.svg([], title="Map of the results", css_class="map results-map")),
            "projection": {
                "centre": list(geomap.CENTRE),
                "x0": frame.x0,
                "y0": frame.y0,
                "scale": frame.scale,
                "width": frame.width,
                "height": frame.height,
            },
        }
    )
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response
