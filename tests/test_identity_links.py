"""Identity links on pages (nscn_graph.web.thing, as the page annotations say): a link to the
same thing in Wikidata or GeoNames is named for a reader, "Wikidata: Aarhus", with the
register's identifier beside it, whichever of the predicates the annotations list for identity
(``owl:sameAs``, ``skos:exactMatch``, ``schema:sameAs``) the data uses."""

from __future__ import annotations

import re

import pytest
import rdflib
from htmlpage import Page

from nscn_graph.publish import annotations
from nscn_graph.web import create_app

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
OWL_SAME_AS = rdflib.OWL.sameAs
LAYOUT = annotations.load()
IDENTITY = [rdflib.URIRef(p) for p in LAYOUT.in_section("identity")]


def identities(text: str) -> list[tuple[str, str, str]]:
    """(href, link text, note) of each item of the page's identity list."""
    section = text.split('<ul class="identities">', 1)[1].split("</ul>", 1)[0]
    items = re.findall(
        r'<li><a href="([^"]+)"[^>]*>([^<]+)</a>(?: <span class="note">([^<]+)</span>)?</li>',
        section,
    )
    return [(href, Page(name).visible.strip(), note) for href, name, note in items]


@pytest.fixture(scope="module")
def bundled_graph(bundled) -> rdflib.Graph:
    """The merged graph of the bundled data (the union of its source records' graphs)."""
    return bundled.to_rdflib()


def linked_things(graph: rdflib.Graph) -> dict[str, set[str]]:
    """Thing key -> the IRIs its identity links point to, in the bundled data."""
    found: dict[str, set[str]] = {}
    for predicate in IDENTITY:
        for subject, target in graph.subject_objects(predicate):
            key = str(subject).split("/id/", 1)[1]
            found.setdefault(key, set()).add(str(target))
    return found


def test_every_identity_link_is_named_by_register_and_thing(client, bundled_graph):
    things = linked_things(bundled_graph)
    assert things, "the bundled data has identity links"
    for key, targets in things.items():
        text = client.get(f"/doc/{key}", headers={"Accept": BROWSER}).get_data(as_text=True)
        title = Page(text).h1.strip()
        shown = identities(text)
        assert {href for href, _, _ in shown} == targets, key
        for href, name, note in shown:
            register, local = LAYOUT.register(href)
            assert name == f"{register}: {title}", key
            assert note == local and not name.endswith(local), key


def test_copenhagen_reads_as_wikidata_and_geonames(client):
    text = client.get("/doc/city/copenhagen", headers={"Accept": BROWSER}).get_data(as_text=True)
    title = Page(text).h1.strip()
    assert identities(text) == [
        ("https://sws.geonames.org/2618425/", f"GeoNames: {title}", "2618425"),
        ("http://www.wikidata.org/entity/Q1748", f"Wikidata: {title}", "Q1748"),
    ]
    assert 'title="Wikidata Q1748"' in text


@pytest.mark.parametrize("predicate", IDENTITY, ids=lambda p: str(p).rsplit("/", 1)[-1])
def test_pages_show_whichever_identity_predicate_the_data_uses(predicate, bundled_graph, tmp_path):
    graph = rdflib.Graph()
    for triple in bundled_graph:
        s, p, o = triple
        graph.add((s, predicate if p in IDENTITY else p, o))
    data = tmp_path / "data.nt"
    graph.serialize(data, format="nt", encoding="utf-8")
    app = create_app({"TESTING": True, "DATA": [str(data)], "DIST": str(tmp_path / "dist")})
    page = app.test_client().get("/doc/city/copenhagen", headers={"Accept": BROWSER})
    shown = identities(page.get_data(as_text=True))
    assert ("http://www.wikidata.org/entity/Q1748", "Wikidata: Copenhagen", "Q1748") in shown
    assert len({href for href, _, _ in shown}) == len(shown)  # each target once


def test_one_target_linked_by_two_predicates_is_shown_once(bundled_graph, tmp_path):
    graph = rdflib.Graph()
    for triple in bundled_graph:
        graph.add(triple)
        if triple[1] in IDENTITY:
            graph.add((triple[0], OWL_SAME_AS, triple[2]))  # the same link, a second predicate
    data = tmp_path / "data.nt"
    graph.serialize(data, format="nt", encoding="utf-8")
    app = create_app({"TESTING": True, "DATA": [str(data)], "DIST": str(tmp_path / "dist")})
    page = app.test_client().get("/doc/city/copenhagen", headers={"Accept": BROWSER})
    assert [href for href, _, _ in identities(page.get_data(as_text=True))] == [
        "https://sws.geonames.org/2618425/",
        "http://www.wikidata.org/entity/Q1748",
    ]
