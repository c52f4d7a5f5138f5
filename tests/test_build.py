"""The build: dumps that all hold the graph, their checksums, the manifest, stable bytes, and a
rebuild only when the sources change."""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from nscn_graph import formats, paths
from nscn_graph.graph.load import to_rdflib
from nscn_graph.publish.build import ensure_built, read_manifest, stable_json_ld, write_dumps
from nscn_graph.stores.memory import EmbeddedStore

PARSERS = {"turtle": "turtle", "n-triples": "nt", "json-ld": "json-ld"}


def _dumps(dist):
    return read_manifest(dist)["dumps"]


@pytest.mark.parametrize("suffix", ["ttl", "nt.gz", "jsonld"])
def test_every_dump_round_trips_to_the_graph(dist, bundled, suffix):
    entry = next(d for d in _dumps(dist) if d["file"].endswith("." + suffix))
    data = (dist / "dumps" / entry["file"]).read_bytes()
    if entry["gzip"]:
        data = gzip.decompress(data)
    parsed = rdflib.Graph().parse(data=data, format=PARSERS[entry["format"]])
    assert len(parsed) == len(bundled)
    assert isomorphic(parsed, bundled.to_rdflib())


def test_dump_size_equals_the_sparql_count(dist, app):
    store = app.extensions["nscn"].store
    count = int(next(iter(store.query("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")))["n"].value)
    assert read_manifest(dist)["triples"] == count


def test_systematic_names_with_the_data_release(dist):
    """Dumps are named by the data's release (or ``unreleased``), never the software's version."""
    from nscn_graph.publish import release

    manifest = read_manifest(dist)
    edition = manifest["release"]
    known = {r.version for r in release.read(paths.releases_dir())}
    assert edition in known | {release.UNRELEASED}
    names = sorted(d["file"] for d in _dumps(dist) if d["release"] == edition)
    suffixes = ("jsonld", "nt.gz", "ttl", "trig", "nq.gz")
    assert names == sorted(f"nscn-graph-{edition}.{s}" for s in suffixes)


def test_checksums_file_and_manifest_match_the_files(dist):
    sums = (dist / "dumps" / "SHA256SUMS").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in sums)
    for entry in _dumps(dist):
        data = (dist / "dumps" / entry["file"]).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assert entry["sha256"] == digest == listed[entry["file"]]
        assert entry["bytes"] == len(data)


def test_descriptions_are_written_beside_the_dumps(dist):
    manifest = read_manifest(dist)
    for name in manifest["descriptions"].values():
        graph = rdflib.Graph().parse(dist / name, format="turtle")
        assert len(graph) > 50


def test_the_same_sources_give_the_same_bytes(tmp_path, bundled, dist):
    write_dumps(EmbeddedStore(bundled.store), tmp_path, files=paths.data_files())
    assert [d["sha256"] for d in _dumps(tmp_path)] == [d["sha256"] for d in _dumps(dist)]


def test_stable_json_ld_keeps_lists_in_order():
    document = {"@graph": [{"@id": "b", "p": [3, 1]}, {"@id": "a", "q": {"@list": [2, 1]}}]}
    result = json.loads(stable_json_ld(json.dumps(document).encode()))
    assert result["@graph"] == [{"@id": "a", "q": {"@list": [2, 1]}}, {"@id": "b", "p": [1, 3]}]


def test_ensure_built_builds_once_then_only_when_sources_change(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.ROOT / "data", data)
    files = paths.data_files(tmp_path)
    out = tmp_path / "dist"
    first = ensure_built(EmbeddedStore.from_files(files), out, files=files)
    manifest_file = first.root / "dumps" / "manifest.json"
    written = manifest_file.stat().st_mtime_ns
    assert ensure_built(EmbeddedStore.from_files(files), out, files=files) == first
    assert manifest_file.stat().st_mtime_ns == written
    with files[-1].open("a") as extra:
        extra.write('\n<https://w3id.org/nscn/id/theme/x> <http://purl.org/dc/terms/title> "x" .\n')
    second = ensure_built(EmbeddedStore.from_files(files), out, files=files)
    assert second.manifest["key"] != first.manifest["key"]
    assert second.manifest["triples"] == first.manifest["triples"] + 1
    # the first build is still there, untouched: builds of other data are never overwritten
    assert manifest_file.stat().st_mtime_ns == written and second.root != first.root


def test_dump_formats_come_from_the_format_table(dist):
    for entry in _dumps(dist):
        assert formats.by_name(entry["format"]).media_type == entry["media_type"]


def test_write_dumps_takes_a_loaded_graph_too(tmp_path, bundled, dist):
    write_dumps(bundled, tmp_path, files=paths.data_files())
    assert [d["sha256"] for d in _dumps(tmp_path)] == [d["sha256"] for d in _dumps(dist)]


RAPPER = shutil.which("rapper")


def _dataset_dump(dist, suffix: str) -> bytes:
    entry = next(d for d in _dumps(dist) if d["file"].endswith("." + suffix))
    data = (dist / "dumps" / entry["file"]).read_bytes()
    return gzip.decompress(data) if entry["gzip"] else data


@pytest.mark.parametrize(
    ("suffix", "fmt"), [("trig", ox.RdfFormat.TRIG), ("nq.gz", ox.RdfFormat.N_QUADS)]
)
def test_dataset_dumps_hold_the_graphs_and_their_union_is_the_merged_graph(
    dist, bundled, suffix, fmt
):
    quads = list(ox.parse(_dataset_dump(dist, suffix), format=fmt))
    union = rdflib.Graph()
    for q in quads:
        union.add(tuple(to_rdflib(t) for t in q.triple))
    assert isomorphic(union, bundled.to_rdflib())
    named = {q.graph_name.value for q in quads if not isinstance(q.graph_name, ox.DefaultGraph)}
    assert named == set(bundled.graphs())
    in_graphs = sorted(str(q) for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
    assert in_graphs == sorted(str(q) for q in bundled.quads())


@pytest.mark.skipif(RAPPER is None, reason="rapper (raptor2-utils) is not installed")
@pytest.mark.parametrize(("suffix", "syntax"), [("trig", "trig"), ("nq.gz", "nquads")])
def test_rapper_counts_the_quads_that_sparql_counts(dist, app, tmp_path, suffix, syntax):
    """An independent parser (Raptor) reads the dataset dumps; their statements in named
    graphs are those SPARQL counts in GRAPH ?g, the rest those in no named graph."""
    path = tmp_path / f"dump.{syntax}"
    path.write_bytes(_dataset_dump(dist, suffix))
    done = subprocess.run(
        [RAPPER, "-q", "-i", syntax, "-o", "nquads", str(path), "https://w3id.org/nscn/"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    read = list(ox.parse(done.stdout.encode(), format=ox.RdfFormat.N_QUADS))
    in_graphs = [q for q in read if not isinstance(q.graph_name, ox.DefaultGraph)]
    store = app.extensions["nscn"].store

    def count(sparql: str) -> int:
        return int(next(iter(store.query(sparql)))["n"].value)

    assert len(in_graphs) == count("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    alone = count(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } }"
    )
    assert len(read) - len(in_graphs) == alone
    assert read_manifest(dist)["quads"] == len(in_graphs)
