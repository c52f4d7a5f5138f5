"""Two data releases made in a temporary folder from the bundled data, a build of them and an
app serving it (``tests/test_release.py``, ``tests/test_dcat.py``): the first release without
the statements about Oslo and with one statement only it holds (so the second removes one and
adds many), the second the bundled data as it is."""

from __future__ import annotations

from datetime import UTC, datetime

import pyoxigraph as ox
import pytest

from nscn_graph import paths
from nscn_graph.publish import release
from nscn_graph.publish.build import release_checksums, write_dumps
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.web import create_app

OSLO = "https://w3id.org/nscn/id/city/oslo"
ONLY_FIRST = ox.Quad(
    ox.NamedNode("https://example.org/test#only-in-the-first-release"),
    ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"),
    ox.Literal("a statement the test's first release holds and the second removes"),
)


def quads(bundled) -> list[ox.Quad]:
    return list(bundled.store.quads_for_pattern(None, None, None, None))


@pytest.fixture(scope="module")
def releases(tmp_path_factory, bundled):
    folder = tmp_path_factory.mktemp("releases")
    everything = quads(bundled)
    first = [q for q in everything if q.subject.value != OSLO] + [ONLY_FIRST]
    release.make_release(
        first,
        folder,
        notes="First test release.",
        issued=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        dump_checksums=release_checksums,
    )
    release.make_release(
        everything,
        folder,
        notes="Oslo added.",
        issued=datetime(2026, 2, 1, 12, 30, tzinfo=UTC),
        dump_checksums=release_checksums,
    )
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory, releases):
    out = tmp_path_factory.mktemp("dist-releases")
    files = paths.data_files()
    write_dumps(EmbeddedStore.from_files(files), out, files=files, releases=releases)
    return out


@pytest.fixture(scope="module")
def release_app(built, releases):
    return create_app({"TESTING": True, "DIST": str(built), "RELEASES": str(releases)})


@pytest.fixture()
def release_client(release_app):
    return release_app.test_client()
