"""Every page, document and description has a validator and a ``Cache-Control``, and the same
data gives the same ``ETag`` in another server process (another hash seed, another build
folder): caches in front of several servers, or after a restart, keep what they hold."""

from __future__ import annotations

import pytest
import requests
from conftest import serving

from nscn_graph.publish.build import read_manifest

HTML = {"Accept": "text/html", "Accept-Language": "en"}

#: (path, request headers): every kind of answer a cache may keep.
ANSWERS = [
    ("/", HTML),
    ("/doc/city/aarhus", HTML),
    ("/doc/city/aarhus.ttl", {}),
    ("/doc/city/aarhus.jsonld", {}),
    ("/doc/country/norway", {"Accept": "application/n-triples"}),
    ("/catalog", {}),
    ("/catalog", HTML),
    ("/.well-known/void", {}),
    ("/dataset", {"Accept": "application/ld+json"}),
    ("/dumps/", {}),
    ("/dumps/", HTML),
    ("/ontology", {}),
    ("/shapes", {}),
    ("/sparql", {}),
    ("/search?q=oslo", {"Accept": "application/json"}),
    ("/sitemap.xml", {}),
    ("/robots.txt", {}),
    ("/linkset", {}),
    ("/releases.atom", {}),
    ("/context.jsonld", {}),
    ("/opensearch.xml", {}),
]
IDS = [f"{p}-{h.get('Accept', 'any')}" for p, h in ANSWERS]


def _dumps(dist) -> list[tuple[str, dict]]:
    return [(f"/dumps/{d['file']}", {}) for d in read_manifest(dist)["dumps"]]


@pytest.mark.parametrize("path, headers", ANSWERS, ids=IDS)
def test_every_answer_has_a_validator_and_cache_control(client, path, headers):
    response = client.get(path, headers=headers, buffered=True)
    assert response.status_code == 200, path
    assert response.headers.get("ETag") or response.headers.get("Last-Modified")
    control = response.headers["Cache-Control"]
    assert "max-age=" in control and "no-store" not in control
    again = client.get(path, headers={**headers, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


@pytest.fixture(scope="module")
def other_server(tmp_path_factory):
    """A server in another process, with its own hash seed and build folder, on the same data
    and the same public URL as the test client's."""
    env = {
        "NSCN_PUBLIC_URL": "http://localhost/",
        "NSCN_DIST": str(tmp_path_factory.mktemp("other-dist")),
        "PYTHONHASHSEED": "4242",
    }
    with serving("--workers", "1", "--threads", "2", env=env) as url:
        yield url


@pytest.mark.http
def test_etags_are_the_same_in_another_process(client, dist, other_server):
    different = []
    for path, plain in [*ANSWERS, *_dumps(dist)]:
        headers = {**plain, "Accept-Encoding": "gzip"}  # as requests asks; an ETag per coding
        here = client.get(path, headers=headers, buffered=True)
        there = requests.get(other_server + path, headers=headers, timeout=30)
        assert there.status_code == here.status_code == 200, path
        if there.headers.get("ETag") != here.headers.get("ETag"):
            different.append(path)
    assert different == []
