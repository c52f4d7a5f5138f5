"""The data's releases on the web: a feed of them (Atom, RFC 4287) at ``/releases.atom``, so a
harvester follows new releases (and what each changed, its RDF Patch) without downloading
everything, and each release's IRI ``{base}dataset/VERSION`` (its ``cite-as``), which answers
``303 See Other`` to ``/dataset``, the description of every release."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from flask import Blueprint, Flask, Response, redirect

from nscn_graph.errors import NotFound
from nscn_graph.publish import metadata, release

from .dumps import dist
from .links import server_url
from .state import published

bp = Blueprint("releases", __name__)

ATOM = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def known() -> list[dict]:
    """The releases of the served build, oldest first."""
    return list(dist().manifest.get("releases") or [])


@bp.get("/releases.atom")
def feed() -> Response:
    """Every release, newest first, as an Atom feed: its notes and counts, its dumps as
    enclosures and its changes (RDF Patch) as a related link."""
    root = server_url()
    base = published().base
    current = dist()
    ET.register_namespace("", ATOM)

    def add(parent, tag: str, text: str | None = None, **attributes: str):
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    top = ET.Element(f"{{{ATOM}}}feed")
    releases = known()
    add(top, "id", str(metadata.dataset_iri(base)))
    add(top, "title", f"Releases of the {metadata.TITLE}")
    add(top, "updated", releases[-1]["issued"] if releases else current.manifest["modified"])
    author = add(top, "author")
    add(author, "name", metadata.PUBLISHER_NAME)
    add(top, "link", rel="self", type=ATOM_TYPE, href=f"{root}releases.atom")
    add(top, "link", rel="alternate", type="text/html", href=f"{root}dumps/#releases")
    add(top, "rights", metadata.LICENCE_LABEL)
    for item in reversed(releases):
        version = item["version"]
        entry = add(top, "entry")
        add(entry, "id", release.iri(base, version))
        add(entry, "title", f"Release {version}")
        add(entry, "updated", item["issued"])
        add(entry, "published", item["issued"])
        summary = item.get("notes", "")
        if item.get("previous"):
            summary += (
                f" ({item['added']} statements added, {item['removed']} removed since "
                f"{item['previous']}; {item['statements']} in all.)"
            )
        add(entry, "summary", summary.strip())
        add(
            entry, "link", rel="alternate", type="text/html", href=f"{root}dumps/#release-{version}"
        )
        for file in current.downloads():
            if file.release != version:
                continue
            href = f"{root}dumps/{file.name}"
            kind = "enclosure" if file.format else "related"
            add(
                entry,
                "link",
                rel=kind,
                type=file.content_type.split(";")[0],
                href=href,
                length=str(file.size),
                title=file.name,
            )
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True) + b"\n"
    return Response(body, content_type=f"{ATOM_TYPE}; charset=utf-8")


@bp.get("/dataset/<version>")
def version(version: str):
    """A release's IRI: 303 to the description of the dataset and all its releases."""
    if not any(item["version"] == version for item in known()):
        raise NotFound("there is no release of this number; /dumps/ lists the releases")
    return redirect("/dataset", 303)
