"""``/model`` (nscn_graph.web.model, nscn_graph.publish.model): the data model as an SVG diagram,
tables and RDF, negotiated like every document; its counts and links equal SPARQL's."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import rdflib
import requests
from rdflib.compare import isomorphic

from nscn_graph.web import create_app

SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}href"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


@pytest.fixture(scope="module")
def app():
    return create_app({"TESTING": True})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def kinds(app):
    return list(app.extensions["nscn.linked"].vocab.layout.browsable().items())


def count(app, query: str) -> int:
    return int(next(iter(app.extensions["nscn"].store.query(query)))["n"].value)


def test_the_svg_is_well_formed_and_names_every_kind_with_its_browse_page(app, client):
    response = client.get("/model.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == SVG_NS + "svg"
    nodes = {}
    for anchor in root.iter(SVG_NS + "a"):
        group = anchor.find(SVG_NS + "g")
        texts = [t.text for t in group.iter(SVG_NS + "text")]
        nodes[group.get("data-class")] = (anchor.get("href"), anchor.get(XLINK), texts)
    shown = 0
    for segment, kind in kinds(app):
        n = count(app, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{kind.iri}> }}")
        if not n:
            assert kind.iri not in nodes
            continue
        shown += 1
        href, xlink, texts = nodes[kind.iri]
        assert href == xlink == f"/doc/{segment}/"
        assert texts == [kind.label, str(n)]
    assert shown == len(nodes) >= 10


def test_every_link_of_the_diagram_is_in_the_data(app, client):
    root = ET.fromstring(client.get("/model.svg").data)
    links = [
        (g.get("data-source"), g.get("data-target"))
        for g in root.iter(SVG_NS + "g")
        if g.get("class") == "link"
    ]
    assert links and len(links) == len(set(links))
    for source, target in links:
        n = count(
            app,
            f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{source}> ; ?p ?o . ?o a <{target}> }}",
        )
        assert n > 0, (source, target)
    ontology = "https://w3id.org/nscn/ontology#"
    assert (ontology + "LivingLab", ontology + "City") in links
    assert (ontology + "Case", ontology + "Theme") in links


def test_the_page_has_the_diagram_and_the_tables(app, client):
    response = client.get("/model", headers=HTML)
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert body.count("<svg ") == 1 and 'class="model"' in body
    table = body[body.index('<table class="model-classes">') : body.index("</table>")]
    for segment, kind in kinds(app):
        n = count(app, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{kind.iri}> }}")
        if n:
            assert re.search(
                rf'<a href="/doc/{segment}/">{re.escape(kind.label)}</a></th>.*?<td>{n}</td>',
                table,
            ), kind.label
    links = body[body.index('<table class="model-links">') :]
    links = links[: links.index("</table>")]
    row = re.search(
        r"<td>Living lab</td><td><a [^>]*><code>nscn:city</code></a></td>"
        r"<td>City</td><td>(\d+)</td>",
        links,
    )
    assert row, "the link from living labs to their cities"
    n = "https://w3id.org/nscn/ontology#"
    assert int(row.group(1)) == count(
        app,
        f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s a <{n}LivingLab> ; <{n}city> ?o . ?o a <{n}City> }}",
    )
    assert '<link rel="alternate" type="image/svg+xml" href="/model.svg"' in body


FORMS = [
    ("text/turtle", "turtle"),
    ("application/ld+json", "json-ld"),
    ("application/n-triples", "nt"),
    ("application/rdf+xml", "xml"),
]


@pytest.mark.parametrize(("media", "parser"), FORMS, ids=[f[1] for f in FORMS])
def test_the_rdf_forms_are_one_graph_of_partitions_and_links(app, client, media, parser):
    response = client.get("/model", headers={"Accept": media})
    assert response.status_code == 200 and response.mimetype == media
    assert "Accept" in response.vary
    graph = rdflib.Graph().parse(data=response.get_data(as_text=True), format=parser)
    turtle = rdflib.Graph().parse(data=client.get("/model.ttl").get_data(as_text=True))
    assert isomorphic(graph, turtle)
    counted = {
        str(graph.value(p, VOID["class"])): int(graph.value(p, VOID.entities))
        for p in graph.objects(None, VOID.classPartition)
    }
    lab = "https://w3id.org/nscn/ontology#LivingLab"
    assert counted[lab] == count(app, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a <{lab}> }}")
    shapes = list(graph.subjects(rdflib.RDF.type, SH.NodeShape))
    assert shapes and all(graph.value(s, SH.deactivated).toPython() is True for s in shapes)


def test_model_negotiation_and_406(client):
    assert client.get("/model", headers={"Accept": "image/svg+xml"}).mimetype == "image/svg+xml"
    assert client.get("/model").mimetype == "text/turtle"  # */* and none: Turtle first
    refused = client.get("/model", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "image/svg+xml" in refused.get_json()["offered"]
    assert client.get("/model.png").status_code == 404


def test_the_landing_page_links_the_model(client):
    assert 'href="/model"' in client.get("/", headers=HTML).get_data(as_text=True)


@pytest.mark.http
def test_model_over_http(live_server):
    response = requests.get(live_server + "/model.svg", timeout=30)
    assert response.status_code == 200
    assert ET.fromstring(response.content).tag == SVG_NS + "svg"
    page = requests.get(live_server + "/model", headers=HTML, timeout=30)
    assert "Kinds of thing" in page.text
