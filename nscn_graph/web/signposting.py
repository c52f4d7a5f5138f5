"""FAIR Signposting, level 1 (https://signposting.org/FAIR/), on every answer of the landing
page, the documents about things and the dumps: one app-wide hook adds the typed links
(RFC 8288 ``Link`` headers) that the kind of answer calls for, and ``/linkset`` lists the
landing page's and the dumps' links as a linkset (RFC 9264, ``application/linkset+json``).

- ``/``: ``cite-as`` the dataset's IRI; ``describedby`` ``/catalog`` and ``/.well-known/void``;
  ``type`` ``schema:AboutPage`` and ``schema:Dataset``; ``license``; ``item`` each dump of the
  data served; ``linkset`` ``/linkset``.
- ``/doc/…`` (every form): ``cite-as`` the thing's IRI; ``describedby`` its RDF forms; ``type``
  ``schema:AboutPage`` and its schema.org types; ``license``; ``collection`` ``/``.
- ``/dumps/FILE``: ``cite-as`` its release's IRI (the dataset's for unreleased data);
  ``describedby`` ``/catalog``; ``type`` ``schema:DataDownload``; ``license``; ``collection``
  ``/``; ``linkset``.

The schema.org types of a thing come from the ontology (``rdfs:subClassOf`` schema.org
classes), read once at start-up. The same module gives pages what dataset search engines and
reference managers read: the landing page's schema.org ``Dataset``, a thing's schema.org type,
and the "How to cite" box (:mod:`nscn_graph.publish.schemaorg`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request
from markupsafe import Markup

from nscn_graph import formats, paths
from nscn_graph.errors import NscnError
from nscn_graph.publish import dcat, metadata, release, schemaorg

from .dumps import File, dist
from .links import server_url
from .state import published

bp = Blueprint("signposting", __name__)

LINKSET_TYPE = "application/linkset+json"
ABOUT_PAGE = schemaorg.SCHEMA + "AboutPage"
DATASET = schemaorg.SCHEMA + "Dataset"
DATA_DOWNLOAD = schemaorg.SCHEMA + "DataDownload"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None

    def header(self) -> str:
        kind = f'; type="{self.type}"' if self.type else ""
        return f'<{self.href}>; rel="{self.rel}"{kind}'


def init_app(app: Flask) -> None:
    ontology = paths.ontology_file(Path(app.config["ROOT"]))
    app.extensions["nscn.schema_classes"] = schemaorg.schema_classes(ontology)
    app.extensions["nscn.findable"] = {}
    coverage(app)  # in the master, before workers fork
    app.after_request(signpost)
    app.add_template_global(citation, "citation")
    app.add_template_global(schema_dataset, "schema_dataset")
    app.add_template_global(schema_thing, "schema_thing")
    app.register_blueprint(bp)


# --- which links an answer gets ----------------------------------------------------------


def _landing(root: str) -> list[Link]:
    base = published().base
    links = [
        Link(str(metadata.dataset_iri(base)), "cite-as"),
        Link(f"{root}catalog", "describedby", formats.TURTLE.media_type),
        Link(f"{root}.well-known/void", "describedby", formats.TURTLE.media_type),
        Link(ABOUT_PAGE, "type"),
        Link(DATASET, "type"),
        Link(metadata.LICENCE, "license"),
    ]
    links += [Link(f"{root}dumps/{f.name}", "item", _media(f)) for f in dist().dumps()]
    links.append(Link(f"{root}linkset", "linkset", LINKSET_TYPE))
    return links


def _dump(root: str, file: File) -> list[Link]:
    base = published().base
    cited = release.iri(base, file.release) if file.release else str(metadata.dataset_iri(base))
    return [
        Link(cited, "cite-as"),
        Link(f"{root}catalog", "describedby", formats.TURTLE.media_type),
        Link(DATA_DOWNLOAD, "type"),
        Link(metadata.LICENCE, "license"),
        Link(root, "collection", "text/html"),
        Link(f"{root}linkset", "linkset", LINKSET_TYPE),
    ]


def _document(root: str, document) -> list[Link]:
    path = f"{root}doc/{document.key}"
    types = thing_types(document)
    links = [Link(document.iri, "cite-as")]
    links += [
        Link(f"{path}.{f.extension}", "describedby", f.media_type) for f in formats.RDF_FORMATS
    ]
    links += [Link(ABOUT_PAGE, "type"), *(Link(t, "type") for t in types)]
    links += [Link(metadata.LICENCE, "license"), Link(root, "collection", "text/html")]
    return links


def _media(file: File) -> str:
    return file.content_type.split(";")[0]


def links_for_request() -> list[Link]:
    """The Signposting links of this request's answer (none for other kinds of answer)."""
    endpoint = request.endpoint or ""
    args = request.view_args or {}
    if endpoint == "pages.index":
        return _landing(server_url())
    if endpoint == "dumps.dump":
        file = dist().files.get(args.get("name", ""))
        return _dump(server_url(), file) if file is not None and file.attachment else []
    if endpoint == "linkeddata.document":
        document = g.get("nscn_document")
        if document is None:
            return []
        return _document(server_url(), document)
    return []


def signpost(response: Response) -> Response:
    """The app-wide hook: the answer's Signposting links, after any it has (2xx and 304)."""
    if request.method not in ("GET", "HEAD"):
        return response
    if not (200 <= response.status_code < 300 or response.status_code == 304):
        return response
    try:
        links = links_for_request()
    except NscnError:  # the build or store is not ready: the answer goes out as it is
        return response
    if links:
        value = ", ".join(link.header() for link in links)
        existing = response.headers.get("Link")
        response.headers["Link"] = f"{existing}, {value}" if existing else value
    return response


@bp.get("/linkset")
def linkset() -> Response:
    """The landing page's links and each dump's, as one linkset (RFC 9264 §4.2)."""
    root = server_url()
    entries = [_linkset_entry(root, _landing(root))]
    for file in dist().downloads():
        entries.append(_linkset_entry(f"{root}dumps/{file.name}", _dump(root, file)))
    body = json.dumps({"linkset": entries}, indent=1, ensure_ascii=False) + "\n"
    return Response(body, content_type=LINKSET_TYPE)


def _linkset_entry(anchor: str, links: list[Link]) -> dict[str, object]:
    entry: dict[str, object] = {"anchor": anchor}
    for link in links:
        if link.rel == "linkset":
            continue
        target = {"href": link.href, **({"type": link.type} if link.type else {})}
        entry.setdefault(link.rel, []).append(target)  # type: ignore[union-attr]
    return entry


# --- what search engines and reference managers read --------------------------------------


def thing_types(document) -> list[str]:
    """The schema.org types of the thing ``document`` is about."""
    classes = [
        t.object.value
        for t in document.own
        if t.subject.value == document.iri and t.predicate.value == schemaorg.RDF_TYPE
    ]
    return schemaorg.types_of(classes, current_app.extensions["nscn.schema_classes"])


def _edition() -> tuple[str, str, str]:
    """(release or ``unreleased``, its date, the IRI citing it) of the data served."""
    manifest = dist().manifest
    base = published().base
    edition = manifest.get("release") or release.UNRELEASED
    if edition == release.UNRELEASED:
        return edition, manifest["modified"][:10], str(metadata.dataset_iri(base))
    return edition, manifest["modified"][:10], release.iri(base, edition)


def citation(iri: str | None = None, title: str | None = None) -> schemaorg.Citation:
    """How to cite the data served (or the thing ``iri`` in it, named ``title``)."""
    edition, date, cited = _edition()
    name = metadata.TITLE if title is None else f"{title}, in the {metadata.TITLE}"
    url = server_url()
    return schemaorg.Citation(name, edition, date, iri or cited, url)


def coverage(app: Flask) -> dict[str, object]:
    """The countries and years the data covers, read from the store once (at start-up, or on
    first use if the store was down then; until it answers, the page goes without them)."""
    found = app.extensions["nscn.findable"]
    if "countries" not in found:
        store = app.extensions["nscn"].store
        try:
            countries = [
                name for _, name in dcat.countries(store, base=app.extensions["nscn"].base)
            ]
            temporal = schemaorg.temporal_coverage(store)
        except NscnError as error:
            app.logger.warning("coverage not read from the store: %s", error)
            return {"countries": [], "temporal": None}
        found.update(countries=countries, temporal=temporal)
    return found


def schema_dataset() -> Markup:
    """The landing page's schema.org ``Dataset``, as JSON-LD for a ``<script>``."""
    found = coverage(current_app)
    current = dist()
    root = server_url()
    known = current.manifest.get("releases") or []
    document = schemaorg.dataset(
        base=published().base,
        links=root,
        release=current.manifest.get("release") or release.UNRELEASED,
        modified=current.manifest["modified"],
        published=known[0]["issued"] if known else None,
        countries=found["countries"],
        temporal=found["temporal"],
        downloads=[
            schemaorg.Download(f"{root}dumps/{f.name}", _media(f), f.size) for f in current.dumps()
        ],
    )
    document["citation"] = citation().text()
    return Markup(schemaorg.script(document))


def schema_thing(page, document) -> Markup:
    """A thing's schema.org type, name and page, as JSON-LD for a ``<script>``."""
    base = published().base
    url = server_url() + "doc/" + document.key
    described = schemaorg.thing(
        document.iri, page.title.text, thing_types(document), url, str(metadata.dataset_iri(base))
    )
    return Markup(schemaorg.script(described))
