"""Every document read by parsers that are not ours: Raptor's ``rapper`` (Turtle, N-Triples,
RDF/XML) and jsonld.js (JSON-LD), the tools integrators check with. Both are installed by the
Makefile (``make browser`` installs Debian's raptor2-utils; ``npm ci`` installs jsonld.js)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph import formats
from nscn_graph.graph.load import to_rdflib

ROOT = Path(__file__).resolve().parents[1]
RAPPER = shutil.which("rapper")
NODE = shutil.which("node")
JSONLD_JS = ROOT / "node_modules" / "jsonld"
RAPPER_SYNTAX = {"turtle": "turtle", "n-triples": "ntriples", "rdf-xml": "rdfxml"}


@pytest.fixture(scope="module")
def site():
    from nscn_graph.web import create_app

    app = create_app({"TESTING": True})
    return app.extensions["nscn.linked"].documents, app.test_client()


def expected(document) -> rdflib.Graph:
    graph = rdflib.Graph()
    for triple in document.triples:
        graph.add(tuple(to_rdflib(t) for t in triple))
    return graph


@pytest.mark.skipif(RAPPER is None, reason="RAPPER NOT FOUND: run `make browser` (raptor2-utils)")
@pytest.mark.parametrize(
    "fmt", [formats.TURTLE, formats.NTRIPLES, formats.RDFXML], ids=lambda f: f.extension
)
def test_rapper_reads_every_document(site, fmt, tmp_path):
    documents, client = site
    for document in documents:
        data = client.get(f"/doc/{document.key}.{fmt.extension}").data
        done = subprocess.run(
            [RAPPER, "-q", "-i", RAPPER_SYNTAX[fmt.name], "-o", "ntriples", "-", document.iri],
            input=data,
            capture_output=True,
            timeout=60,
        )
        assert done.returncode == 0, (document.key, done.stderr.decode())
        graph = rdflib.Graph().parse(data=done.stdout.decode("utf-8"), format="nt")
        assert isomorphic(graph, expected(document)), document.key


@pytest.mark.skipif(
    NODE is None or not JSONLD_JS.exists(),
    reason="JSONLD.JS NOT FOUND: run `make linked-assets` (npm ci installs jsonld)",
)
def test_jsonld_js_reads_every_document(site, tmp_path):
    documents, client = site
    files = {}
    for document in documents:
        path = tmp_path / (document.key.replace("/", "--") + ".jsonld")
        path.write_bytes(client.get(f"/doc/{document.key}.jsonld").data)
        files[str(path)] = document
    done = subprocess.run(
        [NODE, str(ROOT / "tests" / "tools" / "jsonld-to-nquads.js"), *files],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    for path, nquads in json.loads(done.stdout).items():
        graph = rdflib.Graph().parse(data=nquads, format="nt")
        assert isomorphic(graph, expected(files[path])), files[path].key


@pytest.mark.skipif(RAPPER is None, reason="RAPPER NOT FOUND: run `make browser` (raptor2-utils)")
@pytest.mark.parametrize("name", ["ontology", "shapes"])
@pytest.mark.parametrize(
    "fmt", [formats.TURTLE, formats.NTRIPLES, formats.RDFXML], ids=lambda f: f.extension
)
def test_rapper_reads_the_ontology_and_shapes(site, name, fmt):
    _, client = site
    data = client.get(f"/{name}.{fmt.extension}").data
    done = subprocess.run(
        [RAPPER, "-q", "-i", RAPPER_SYNTAX[fmt.name], "-o", "ntriples", "-", "http://x.invalid/"],
        input=data,
        capture_output=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    graph = rdflib.Graph().parse(data=done.stdout.decode("utf-8"), format="nt")
    source = ROOT / ("ontology/nscn.ttl" if name == "ontology" else "shapes/nscn-shapes.ttl")
    assert isomorphic(graph, rdflib.Graph().parse(source, format="turtle"))
