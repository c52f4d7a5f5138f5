"""Data releases (``nscn_graph.publish.release``): frozen snapshots, their patches, immutable
dumps under names that include the release, ``latest`` redirects, and ``nscn-graph release``
(the two releases: ``tests/releasefixtures.py``)."""

from __future__ import annotations

import gzip
import hashlib
import json

import pyoxigraph as ox
import pytest
import rdflib
import releasefixtures
from conftest import run_cli
from rdflib.compare import isomorphic

from nscn_graph import paths
from nscn_graph.errors import InputError
from nscn_graph.graph.load import to_rdflib
from nscn_graph.publish import release
from nscn_graph.publish.build import DUMPS, ensure_built, read_manifest
from nscn_graph.stores.memory import EmbeddedStore
from nscn_graph.web import create_app

ONLY_FIRST, OSLO, _quads = releasefixtures.ONLY_FIRST, releasefixtures.OSLO, releasefixtures.quads
releases, built = releasefixtures.releases, releasefixtures.built
release_app, release_client = releasefixtures.release_app, releasefixtures.release_client


def _graphs(lines) -> dict[str, rdflib.Graph]:
    """Each graph of canonical N-Quads ``lines`` as an rdflib graph (to compare by isomorphism)."""
    found: dict[str, rdflib.Graph] = {}
    for quad in release.parse_lines(lines):
        graph = found.setdefault(str(quad.graph_name), rdflib.Graph())
        graph.add(tuple(to_rdflib(t) for t in quad.triple))
    return found


def test_the_index_records_both_releases(releases):
    first, second = release.read(releases)
    assert (first.version, second.version) == ("1.0", "1.1")
    assert (first.previous, second.previous) == (None, "1.0")
    assert second.issued == "2026-02-01T12:30:00Z" and second.notes == "Oslo added."
    assert second.removed == 1 and second.added > 1
    assert first.changes is None and second.changes.is_file()


def test_the_patch_applied_to_the_first_release_gives_the_second(releases):
    first, second = release.read(releases)
    applied = release.apply_patch(release.snapshot_lines(first), second.changes.read_text())
    assert applied == release.snapshot_lines(second)
    a, b = _graphs(applied), _graphs(release.snapshot_lines(second))
    assert a.keys() == b.keys()
    assert all(isomorphic(a[name], b[name]) for name in a)


def test_the_patch_is_rdf_patch(releases):
    second = release.read(releases)[1]
    rows = second.changes.read_text().splitlines()
    assert rows[0] == "H id <https://w3id.org/nscn/dataset/1.1> ."
    assert rows[1] == "H prev <https://w3id.org/nscn/dataset/1.0> ."
    assert rows[2] == "TX ." and rows[-1] == "TC ."
    removed = [r for r in rows if r.startswith("D ")]
    assert removed == ["D " + release.canonical_lines([ONLY_FIRST])[0]]
    assert all(OSLO in r for r in rows if r.startswith("A ") and "/city/oslo>" in r.split()[1])


def test_the_served_graph_is_the_newest_release_it_equals(built, releases):
    manifest = read_manifest(built)
    assert manifest["release"] == "1.1"
    assert [r["version"] for r in manifest["releases"]] == ["1.0", "1.1"]
    assert manifest["modified"] == "2026-02-01T12:30:00Z"  # the release's date, not file times


def test_rebuilding_a_release_gives_the_same_bytes(tmp_path, built, releases):
    """A release's dumps, rebuilt elsewhere (another folder, a fresh process's store), are
    byte for byte the ones its index recorded when it was made."""
    files = paths.data_files()
    again = ensure_built(EmbeddedStore.from_files(files), tmp_path, files=files, releases=releases)
    for item in release.read(releases):
        for name, digest in item.dumps.items():
            data = (again.root / "dumps" / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == digest
            assert data == (built / "dumps" / name).read_bytes()


def test_each_release_dump_holds_its_snapshot(built, releases):
    for item in release.read(releases):
        data = gzip.decompress((built / "dumps" / f"nscn-graph-{item.version}.nt.gz").read_bytes())
        dump = rdflib.Graph().parse(data=data, format="nt")
        snapshot = rdflib.Graph()  # the union of its graphs, as the default graph serves it
        for triple in release.release_triples(item):
            snapshot.add(tuple(to_rdflib(t) for t in triple))
        assert isomorphic(dump, snapshot)


def test_unreleased_data_is_named_so(tmp_path, bundled, releases):
    quads = [q for q in _quads(bundled) if q.subject.value != OSLO]  # equals no release
    store = ox.Store()
    store.extend(quads)
    built = ensure_built(EmbeddedStore(store), tmp_path, releases=releases)
    assert built.manifest["release"] == release.UNRELEASED
    names = {d["file"] for d in built.manifest["dumps"]}
    assert {"nscn-graph-unreleased.ttl", "nscn-graph-1.0.ttl", "nscn-graph-1.1.ttl"} <= names


@pytest.mark.parametrize(
    "name", ["nscn-graph-1.0.ttl", "nscn-graph-1.1.nt.gz", "nscn-graph-1.1-changes.rdfp"]
)
def test_release_files_are_immutable(release_client, releases, name):
    response = release_client.get(f"/dumps/{name}", buffered=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    digest = hashlib.sha256(response.data).hexdigest()
    assert response.headers["ETag"] == f'"{digest}"'
    recorded = {n: d for r in release.read(releases) for n, d in r.dumps.items()}
    if name in recorded:
        assert recorded[name] == digest
    again = release_client.get(
        f"/dumps/{name}", buffered=True, headers={"If-None-Match": f'"{digest}"'}
    )
    assert again.status_code == 304


def test_etags_are_the_same_in_another_server(tmp_path, release_client, releases):
    """Another server, with its own build folder, gives every dump the same ETag."""
    other = create_app({"TESTING": True, "DIST": str(tmp_path), "RELEASES": str(releases)})
    for entry in release_client.get("/dumps/").get_json()["releases"][0]["files"]:
        path = f"/dumps/{entry['file']}"
        assert (
            other.test_client().head(path, buffered=True).headers["ETag"]
            == release_client.head(path, buffered=True).headers["ETag"]
        )


#: The suffixes of each release's dumps (``nscn-graph-RELEASE.SUFFIX``).
SUFFIXES = [suffix for _, suffix, _ in DUMPS]


@pytest.mark.parametrize("suffix", SUFFIXES)
def test_latest_redirects_to_the_current_release(release_client, suffix):
    response = release_client.get(f"/dumps/nscn-graph-latest.{suffix}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/dumps/nscn-graph-1.1.{suffix}")
    assert "immutable" not in response.headers["Cache-Control"]


def test_the_listing_names_every_release(release_client):
    listing = release_client.get("/dumps/").get_json()
    assert listing["release"] == "1.1"
    assert [r["version"] for r in listing["releases"]] == ["1.1", "1.0"]
    files = {f["file"] for f in listing["releases"][1]["files"]}
    assert files == {f"nscn-graph-1.0.{suffix}" for suffix in SUFFIXES}
    assert listing["latest"]["nscn-graph-latest.ttl"].endswith("/dumps/nscn-graph-1.1.ttl")


def test_a_changed_snapshot_is_refused(tmp_path, releases):
    import shutil

    copy = tmp_path / "releases"
    shutil.copytree(releases, copy)
    first = release.read(copy)[0]
    first.snapshot.write_text(first.snapshot.read_text().replace("Oslo", "Osl0"))
    with pytest.raises(release.ReleaseError, match="does not match its checksum"):
        release.snapshot_lines(release.read(copy)[0])


@pytest.mark.parametrize(
    "options, message",
    [
        ({"notes": " "}, "say what changed"),
        ({"notes": "x", "version": "1.1"}, "exists already"),
        ({"notes": "x", "version": "0.9"}, "would not come after"),
        ({"notes": "x", "version": "v2"}, "MAJOR.MINOR"),
    ],
    ids=["no-notes", "existing", "older", "malformed"],
)
def test_make_release_refuses(tmp_path, releases, bundled, options, message):
    import shutil

    copy = tmp_path / "releases"
    shutil.copytree(releases, copy)
    with pytest.raises(InputError, match=message):
        release.make_release([ONLY_FIRST], copy, **options)
    assert len(release.read(copy)) == 2


def test_next_version():
    assert release.next_version(None) == "1.0"
    assert release.next_version("1.9") == "1.10"
    assert release.next_version("1.9", major=True) == "2.0"


def test_the_release_command(tmp_path):
    folder = tmp_path / "releases"
    made = run_cli("release", "--releases", str(folder), "--notes", "First.")
    assert made.code == 0, made.err
    assert "release 1.0" in made.out
    index = json.loads((folder / "releases.json").read_text())
    assert [r["version"] for r in index["releases"]] == ["1.0"]
    assert set(index["releases"][0]["dumps"]) == {f"nscn-graph-1.0.{s}" for s in SUFFIXES}
    again = run_cli("release", "--releases", str(folder), "--notes", "Nothing.")
    assert again.code == 2 and "has not changed since release 1.0" in again.err
    assert not run_cli("release", "--releases", str(folder)).code == 0  # --notes is required


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_of_releases_is_atom(release_client):
    from xml.etree import ElementTree as ET

    response = release_client.get("/releases.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    assert response.headers["ETag"] and response.headers["Cache-Control"]
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):  # RFC 4287 §4.1.1
        assert feed.find(f"{ATOM}{required}") is not None, required
    entries = feed.findall(f"{ATOM}entry")
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert ids == ["https://w3id.org/nscn/dataset/1.1", "https://w3id.org/nscn/dataset/1.0"]
    newest = entries[0]
    assert newest.findtext(f"{ATOM}updated") == "2026-02-01T12:30:00Z"
    assert "Oslo added." in newest.findtext(f"{ATOM}summary")
    links = {link.get("rel"): link.get("href") for link in newest.findall(f"{ATOM}link")}
    assert links["related"].endswith("/dumps/nscn-graph-1.1-changes.rdfp")
    enclosures = [
        link.get("href") for link in newest.findall(f"{ATOM}link") if link.get("rel") == "enclosure"
    ]
    assert len(enclosures) == len(DUMPS)
    for href in [*enclosures, links["related"]]:
        assert (
            release_client.head(href.replace("http://localhost", ""), buffered=True).status_code
            == 200
        )


def test_a_release_iri_answers_303_to_the_description(release_client):
    response = release_client.get("/dataset/1.0")
    assert response.status_code == 303 and response.headers["Location"].endswith("/dataset")
    assert release_client.get("/dataset/9.9").status_code == 404


def test_a_folder_left_by_an_unfinished_release_is_named(tmp_path, releases):
    import shutil

    copy = tmp_path / "releases"
    shutil.copytree(releases, copy)
    (copy / "1.2").mkdir()
    with pytest.raises(release.ReleaseError, match="remove the folder"):
        release.make_release([ONLY_FIRST], copy, notes="x")
    assert len(release.read(copy)) == 2
