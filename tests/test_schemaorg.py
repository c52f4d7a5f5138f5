"""What dataset search engines and reference managers read (``nscn_graph.publish.schemaorg``):
the landing page's schema.org ``Dataset`` (the properties Google Dataset Search reads), each
thing page's schema.org type, and the "How to cite" box with BibTeX and CSL-JSON."""

from __future__ import annotations

import json
import re

import pytest
import rdflib

from nscn_graph.publish.build import DUMPS, read_manifest
from nscn_graph.publish.schemaorg import Citation

SCRIPT = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
SCHEMA = rdflib.Namespace("https://schema.org/")


def _scripts(client, path: str) -> list[dict]:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return [json.loads(text) for text in SCRIPT.findall(response.get_data(as_text=True))]


def _dataset(client) -> dict:
    return next(d for d in _scripts(client, "/") if d.get("@type") == "Dataset")


def test_the_landing_page_embeds_a_schema_org_dataset(client, dist):
    dataset = _dataset(client)
    for field in (
        "name",
        "description",
        "license",
        "creator",
        "keywords",
        "spatialCoverage",
        "temporalCoverage",
        "distribution",
        "includedInDataCatalog",
        "url",
        "version",
        "dateModified",
    ):
        assert dataset.get(field), field
    assert 50 <= len(dataset["description"]) <= 5000  # what Google Dataset Search accepts
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert {p["name"] for p in dataset["spatialCoverage"]} == {
        "Denmark",
        "Finland",
        "Iceland",
        "Norway",
        "Sweden",
    }
    assert re.fullmatch(r"\d{4}(/\d{4})?", dataset["temporalCoverage"])
    manifest = read_manifest(dist)
    assert dataset["version"] == manifest["release"]
    assert dataset["dateModified"] == manifest["modified"]
    assert dataset["includedInDataCatalog"]["@type"] == "DataCatalog"
    assert dataset["includedInDataCatalog"]["url"] == "http://localhost/catalog"


def test_every_distribution_downloads(client):
    distributions = _dataset(client)["distribution"]
    assert len(distributions) == len(DUMPS)
    for d in distributions:
        assert d["@type"] == "DataDownload"
        response = client.get(d["contentUrl"].replace("http://localhost", ""), buffered=True)
        assert response.status_code == 200
        assert response.mimetype == d["encodingFormat"]
        assert d["contentSize"] == f"{len(response.get_data())} B"


def test_the_dataset_parses_as_rdf(client):
    """As JSON-LD read against the schema.org vocabulary."""
    text = json.dumps(_dataset(client)).replace(
        '"https://schema.org/"', '{"@vocab": "https://schema.org/"}'
    )
    graph = rdflib.Graph().parse(data=text, format="json-ld")
    dataset = rdflib.URIRef("https://w3id.org/nscn/dataset")
    assert (dataset, rdflib.RDF.type, SCHEMA.Dataset) in graph
    assert graph.value(dataset, SCHEMA.license) is not None
    assert len(set(graph.objects(dataset, SCHEMA.distribution))) == len(DUMPS)


@pytest.mark.parametrize(
    "path, schema_type",
    [("/doc/city/aarhus", "City"), ("/doc/country/denmark", "Country")],
)
def test_a_thing_page_embeds_its_schema_org_type(client, path, schema_type):
    scripts = _scripts(client, path)
    described = next(s for s in scripts if s.get("@context") == "https://schema.org/")
    assert schema_type in described["@type"]
    assert described["@id"].endswith(path.replace("/doc/", "/id/"))
    assert described["url"] == "http://localhost" + path
    assert described["name"]
    assert len(scripts) == 2  # its data (JSON-LD) as before, and its schema.org type


def test_the_citation_box_on_the_landing_page(client, dist):
    html = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    manifest = read_manifest(dist)
    box = html[html.index('id="cite"') :]
    release = manifest["release"]
    assert f"release {release}" in box or release == "unreleased"
    assert manifest["modified"][:10] in box
    assert "@misc{" in box and "CSL-JSON" in box


def test_the_citation_box_on_a_thing_page(client):
    html = client.get("/doc/city/aarhus", headers={"Accept": "text/html"}).get_data(as_text=True)
    box = html[html.index('id="cite"') :]
    assert "https://w3id.org/nscn/id/city/aarhus" in box
    assert "Aarhus, in the Nordic Smart City Network knowledge graph" in box


def test_citation_forms():
    cite = Citation(
        "Nordic Smart City Network knowledge graph",
        "1.2",
        "2026-03-04",
        "https://w3id.org/nscn/dataset/1.2",
        "http://localhost/",
    )
    assert cite.text() == (
        "nscn-graph developers (2026). Nordic Smart City Network knowledge graph (release 1.2, "
        "2026-03-04). Nordic Smart City Network. https://w3id.org/nscn/dataset/1.2"
    )
    bibtex = cite.bibtex()
    assert bibtex.startswith("@misc{nscn-1-2,\n") and bibtex.endswith("\n}")
    assert "  version = {1.2}" in bibtex and "  url = {https://w3id.org/nscn/dataset/1.2}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")
    (csl,) = json.loads(cite.csl_json())
    assert csl["type"] == "dataset" and csl["version"] == "1.2"
    assert csl["issued"] == {"date-parts": [[2026, 3, 4]]}
    assert csl["URL"] == "https://w3id.org/nscn/dataset/1.2"
