"""``/catalog``: the DCAT-AP 3 catalogue, checked with pySHACL against the official DCAT-AP 3.0.1
shapes (``dcat-ap-SHACL.ttl`` with ``ranges.ttl``, copied unmodified into
``tests/reference/dcat-ap/`` with their licence notice), together with ``/.well-known/void`` as
harvesters read both: zero violations.
"""

from __future__ import annotations

import hashlib

import pyshacl
import pytest
import rdflib
import releasefixtures
import requests
from conftest import REFERENCE
from rdflib.namespace import DCTERMS, RDF, SH, XSD

from nscn_graph import paths
from nscn_graph.namespaces import DCAT, SPDX
from nscn_graph.publish import release
from nscn_graph.publish.build import DUMPS

releases, built = releasefixtures.releases, releasefixtures.built
release_app, release_client = releasefixtures.release_app, releasefixtures.release_client
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")

DATASET = rdflib.URIRef("https://w3id.org/nscn/dataset")
CATALOG = rdflib.URIRef("https://w3id.org/nscn/catalog")
EU = "http://publications.europa.eu/resource/authority/"


#: sh:property references of DCAT-AP 3.0.1's ranges.ttl to shapes that neither file defines.
#: pySHACL refuses such a shapes graph, so exactly these references are left out.
DANGLING_REFERENCES = 5


@pytest.fixture(scope="module")
def dcat_ap_shapes() -> rdflib.Graph:
    folder = REFERENCE / "dcat-ap"
    shapes = rdflib.Graph()
    for name in ("dcat-ap-SHACL.ttl", "ranges.ttl"):
        shapes.parse(folder / name, format="turtle")
    dangling = [
        (s, p, o)
        for s, p, o in shapes.triples((None, SH.property, None))
        if (o, None, None) not in shapes
    ]
    assert len(dangling) == DANGLING_REFERENCES
    for triple in dangling:
        shapes.remove(triple)
    return shapes


def _get(client, path: str, **kw) -> rdflib.Graph:
    response = client.get(path, **kw)
    assert response.status_code == 200, response.get_data(as_text=True)
    return rdflib.Graph().parse(data=response.get_data(as_text=True), format="turtle")


def _harvested(client) -> rdflib.Graph:
    return _get(client, "/catalog") + _get(client, "/.well-known/void")


def _violations(graph: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    conforms, report, text = pyshacl.validate(
        graph, shacl_graph=shapes, inference="none", allow_warnings=True
    )
    results = list(report.subjects(RDF.type, SH.ValidationResult))
    assert conforms == (not results)
    return [text] if results else []


def test_catalog_and_void_conform_to_dcat_ap(client, dcat_ap_shapes):
    graph = _harvested(client)
    known = release.read(paths.releases_dir())
    changes = sum(1 for r in known if r.previous is not None)
    for cls, n in (
        (DCAT.Catalog, 1),
        (DCAT.Dataset, 1 + len(known)),
        (DCAT.Distribution, len(DUMPS) * (1 + len(known)) + changes),
        (DCAT.DataService, 1),
    ):
        assert len(set(graph.subjects(RDF.type, cls))) == n, cls
    assert _violations(graph, dcat_ap_shapes) == []


@pytest.mark.parametrize(
    "break_it",
    [
        pytest.param(lambda g: g.remove((DATASET, DCTERMS.title, None)), id="no-dataset-title"),
        pytest.param(lambda g: g.remove((CATALOG, DCTERMS.publisher, None)), id="no-publisher"),
        pytest.param(
            lambda g: [
                g.set((d, DCAT.byteSize, rdflib.Literal("big")))
                for d in g.subjects(RDF.type, DCAT.Distribution)
            ],
            id="byte-size-not-a-number",
        ),
        pytest.param(
            lambda g: g.remove((None, RDF.type, DCTERMS.LicenseDocument)), id="untyped-licence"
        ),
    ],
)
def test_the_shapes_catch_a_broken_catalogue(client, dcat_ap_shapes, break_it):
    """The conformance test is not vacuous: each mutation is a violation."""
    graph = _harvested(client)
    break_it(graph)
    assert _violations(graph, dcat_ap_shapes)


def test_distributions_describe_the_served_dumps(client):
    graph = _get(client, "/catalog")
    distributions = set(graph.objects(DATASET, DCAT.distribution))
    assert len(distributions) == len(DUMPS)
    file_types = set()
    for node in distributions:
        url = str(graph.value(node, DCAT.downloadURL))
        assert graph.value(node, DCAT.accessURL) == rdflib.URIRef(url)
        response = client.get(url.replace("http://localhost", ""), buffered=True)
        body = response.get_data()
        size = graph.value(node, DCAT.byteSize)
        assert size.datatype == XSD.nonNegativeInteger and int(size) == len(body)
        checksum = graph.value(node, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        media = str(graph.value(node, DCAT.mediaType))
        assert media.startswith("http://www.iana.org/assignments/media-types/")
        if url.endswith(".gz"):
            inner = "n-quads" if url.endswith(".nq.gz") else "n-triples"
            assert media.endswith(f"/application/{inner}")
            assert str(graph.value(node, DCAT.compressFormat)).endswith("/application/gzip")
            assert response.headers["Content-Type"] == "application/gzip"
        else:
            assert response.mimetype == media.removeprefix(
                "http://www.iana.org/assignments/media-types/"
            )
        file_types.add(str(graph.value(node, DCTERMS.format)))
        assert graph.value(node, DCTERMS.license)
    assert file_types == {
        EU + "file-type/RDF_TURTLE",
        EU + "file-type/RDF_N_TRIPLES",
        EU + "file-type/JSON_LD",
        EU + "file-type/RDF_TRIG",
        EU + "file-type/RDF_N_QUADS",
    }


def test_sparql_data_service(client):
    graph = _get(client, "/catalog", base_url="https://example.org/nscn/")
    service = graph.value(CATALOG, DCAT.service)
    assert (service, RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == rdflib.URIRef(
        "https://example.org/nscn/sparql"
    )
    assert graph.value(service, DCAT.endpointDescription)
    assert graph.value(service, DCAT.servesDataset) == DATASET


def test_coverage_languages_themes_licence(client):
    graph = _get(client, "/catalog")
    assert {str(o) for o in graph.objects(DATASET, DCTERMS.spatial)} == {
        f"{EU}country/{c}" for c in ("DNK", "NOR", "SWE", "FIN", "ISL")
    }
    languages = {str(o) for o in graph.objects(DATASET, DCTERMS.language)}
    assert EU + "language/ENG" in languages and EU + "language/DAN" in languages
    assert {str(o) for o in graph.objects(DATASET, DCAT.theme)} == {
        f"{EU}data-theme/{t}" for t in ("REGI", "TECH", "GOVE")
    }
    assert graph.value(DATASET, DCTERMS.license) == rdflib.URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert len(set(graph.objects(DATASET, DCAT.keyword))) >= 3
    contact = graph.value(DATASET, DCAT.contactPoint)
    assert contact is not None and graph.value(contact, RDF.type)
    assert DATASET in set(graph.objects(CATALOG, DCAT.dataset))


def test_catalog_over_http_conforms(live_server, dcat_ap_shapes):
    graph = rdflib.Graph()
    for path in ("/catalog", "/.well-known/void"):
        response = requests.get(live_server + path, timeout=10)
        assert response.status_code == 200
        graph.parse(data=response.text, format="turtle")
    assert _violations(graph, dcat_ap_shapes) == []
    for url in graph.objects(None, DCAT.downloadURL):
        assert str(url).startswith(live_server + "/dumps/")


# --- releases (DCAT 3 versioning) -----------------------------------------------------------

V10 = rdflib.URIRef("https://w3id.org/nscn/dataset/1.0")
V11 = rdflib.URIRef("https://w3id.org/nscn/dataset/1.1")


def test_a_catalogue_with_two_releases_conforms(release_client, dcat_ap_shapes):
    graph = _harvested(release_client)
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {DATASET, V10, V11}
    assert _violations(graph, dcat_ap_shapes) == []


def test_each_release_is_a_version_of_the_dataset(release_client):
    graph = _get(release_client, "/catalog")
    assert set(graph.objects(DATASET, DCAT.hasVersion)) == {V10, V11}
    assert graph.value(DATASET, DCAT.hasCurrentVersion) == V11
    assert graph.value(DATASET, DCAT.version) == rdflib.Literal("1.1")
    # modified is when the data last changed: the release's date, not the files' times
    assert graph.value(DATASET, DCTERMS.modified) == rdflib.Literal(
        "2026-02-01T12:30:00Z", datatype=XSD.dateTime
    )
    for node, version, issued in ((V10, "1.0", "2026-01-05T09:00:00Z"), (V11, "1.1", None)):
        assert graph.value(node, DCAT.isVersionOf) == DATASET
        assert graph.value(node, DCAT.version) == rdflib.Literal(version)
        assert graph.value(node, ADMS.versionNotes)
        if issued:
            assert graph.value(node, DCTERMS.issued) == rdflib.Literal(
                issued, datatype=XSD.dateTime
            )
    assert graph.value(V11, DCAT.previousVersion) == V10
    assert graph.value(V10, DCAT.previousVersion) is None
    assert "1 removed since 1.0" in str(graph.value(V11, ADMS.versionNotes))


def test_each_release_lists_its_immutable_dumps_and_changes(release_client):
    graph = _get(release_client, "/catalog")
    for node, extra in ((V10, 0), (V11, 1)):
        distributions = set(graph.objects(node, DCAT.distribution))
        assert len(distributions) == len(DUMPS) + extra
        for dist in distributions:
            url = str(graph.value(dist, DCAT.downloadURL)).replace("http://localhost", "")
            response = release_client.get(url, buffered=True)
            assert response.status_code == 200
            assert "immutable" in response.headers["Cache-Control"]
            checksum = graph.value(dist, SPDX.checksum)
            digest = str(graph.value(checksum, SPDX.checksumValue))
            assert digest == hashlib.sha256(response.get_data()).hexdigest()
    changes = rdflib.URIRef(f"{V11}#changes")
    assert changes in set(graph.objects(V11, DCAT.distribution))
    assert graph.value(changes, DCTERMS.conformsTo) == rdflib.URIRef(release.PATCH_SPEC)


def test_no_contact_email_is_invented(client):
    """The sources give the network's website, not an e-mail address: none is published."""
    graph = _get(client, "/catalog")
    contact = graph.value(DATASET, DCAT.contactPoint)
    assert graph.value(contact, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#hasURL"))
    assert graph.value(contact, rdflib.URIRef("http://www.w3.org/2006/vcard/ns#hasEmail")) is None
