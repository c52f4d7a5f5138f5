"""The ``nscn-graph`` command as a user runs it: exit codes, reports, queries, builds."""

from __future__ import annotations

import gzip
import json
import shlex
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from conftest import run_cli
from rdflib import RDF, RDFS, XSD, Literal, Namespace
from rdflib.compare import isomorphic

from nscn_graph import paths
from nscn_graph.graph.load import to_rdflib
from nscn_graph.namespaces import PREFIXES

ID = Namespace("https://w3id.org/nscn/id/")
NSCN = Namespace("https://w3id.org/nscn/ontology#")
GEO = Namespace("http://www.w3.org/2003/01/geo/wgs84_pos#")
DCTERMS = rdflib.DCTERMS


@pytest.mark.parametrize("command", ["validate", "build", "query", "serve"])
def test_every_command_has_help_with_an_example(cli, command):
    result = cli(command, "--help")
    assert result.code == 0
    assert "example" in result.out and f"nscn-graph {command}" in result.out


def test_bundled_data_conforms(cli):
    result = cli("validate")
    assert result.code == 0, result.out + result.err
    assert result.out.startswith("Conforms:")


def test_report_as_json(cli):
    result = cli("validate", "--format", "json")
    assert result.code == 0
    report = json.loads(result.out)
    assert report["conforms"] is True and report["triples"] > 1000 and report["results"] == []


def _edited(tmp_path: Path, name: str, edit) -> Path:
    """A copy of the bundled ``data/NAME`` (TriG) under the same name, after ``edit(graph)``
    on each of its source-record graphs: an edit changes what a graph holds of the statements
    it concerns, so the corruption is planted inside the graph blocks, where an editor would
    make it, and the merged graph is corrupted as the one Turtle file was before."""
    graphs: dict = {}
    for quad in ox.parse(path=paths.ROOT / "data" / name, format=ox.RdfFormat.TRIG):
        graph = graphs.setdefault(quad.graph_name, rdflib.Graph())
        graph.add(tuple(to_rdflib(t) for t in quad.triple))
    quads = []
    for graph_name, graph in graphs.items():
        if not isinstance(graph_name, ox.DefaultGraph):
            edit(graph)
        edited = ox.parse(graph.serialize(format="nt"), format=ox.RdfFormat.N_TRIPLES)
        quads += [ox.Quad(*q.triple, graph_name) for q in edited]
    out = tmp_path / name
    ox.serialize(quads, out, ox.RdfFormat.TRIG, prefixes=PREFIXES)
    return out


def _replace(g, subject, predicate, value) -> None:
    """``subject predicate value`` in place of the graph's values, in a graph that has any."""
    if (subject, predicate, None) in g:
        g.set((subject, predicate, value))


def _label_removed(g):
    g.remove((ID["city/aarhus"], RDFS.label, None))


def _wrong_datatype(g):
    _replace(g, ID["city/oslo"], GEO.lat, Literal("north", datatype=XSD.string))


def _coordinate_out_of_range(g):
    _replace(g, ID["city/bergen"], GEO.long, Literal("205.3242", datatype=XSD.decimal))


def _dangling_link(g):
    _replace(g, ID["lab/vejle-citylab"], NSCN.city, ID["city/atlantis"])


def _duplicated_identifier(g):
    taken = g.value(ID["lab/aarhus-city-lab"], DCTERMS.identifier)
    if taken is not None:
        _replace(g, ID["lab/vejle-citylab"], DCTERMS.identifier, taken)


def _string_for_iri(g):
    for source in list(g.objects(ID["lab/smart-kalasatama"], DCTERMS.source)):
        g.remove((ID["lab/smart-kalasatama"], DCTERMS.source, source))
        g.add((ID["lab/smart-kalasatama"], DCTERMS.source, Literal(str(source))))


def _missing_type(g):
    g.remove((ID["lab/aarhus-city-lab"], RDF.type, None))


def _negative_population(g):
    for figure in list(g.subjects(NSCN.populationOf, ID["city/helsinki"])):
        _replace(g, figure, NSCN.populationCount, Literal(-653835))


CORRUPTIONS = [
    pytest.param("cities.trig", _label_removed, "city:aarhus", id="label-removed"),
    pytest.param("cities.trig", _wrong_datatype, "city:oslo", id="wrong-datatype"),
    pytest.param("cities.trig", _coordinate_out_of_range, "city:bergen", id="longitude-205"),
    pytest.param("labs.trig", _dangling_link, "lab:vejle-citylab", id="dangling-link"),
    pytest.param("labs.trig", _duplicated_identifier, "lab:", id="duplicated-identifier"),
    pytest.param("labs.trig", _string_for_iri, "lab:smart-kalasatama", id="string-for-iri"),
    pytest.param("labs.trig", _missing_type, "lab:aarhus-city-lab", id="missing-type"),
    pytest.param("cities.trig", _negative_population, "population", id="negative-population"),
]


@pytest.mark.parametrize(("name", "edit", "subject"), CORRUPTIONS)
def test_planted_corruption_is_reported(cli, tmp_path, name, edit, subject):
    path = _edited(tmp_path, name, edit)
    result = cli("validate", str(path))
    assert result.code == 1, result.out + result.err
    assert "Does not conform" in result.out
    violations = [line for line in result.out.splitlines() if "[Violation" in line]
    assert violations
    assert all(line.startswith(("/", str(path))) for line in violations), violations
    assert any(line.startswith(str(path)) and subject in line for line in violations), violations
    assert "Traceback" not in result.err


def test_unparseable_file_exits_2_with_position(cli, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix a: <http://a/> .\na:b a:c a:d a:e .\n")
    result = cli("validate", str(path))
    assert result.code == 2
    assert f"{path}:2:" in result.err
    assert "Traceback" not in result.err


def test_missing_file_exits_2_with_its_name(cli, tmp_path):
    result = cli("validate", str(tmp_path / "missing.ttl"))
    assert result.code == 2
    assert "missing.ttl" in result.err and "no such file" in result.err


def test_query_table(cli):
    result = cli("query", "SELECT (COUNT(?c) AS ?n) WHERE { ?c a nscn:SmartCity }")
    assert result.code == 0
    header, rule, row = result.out.splitlines()[:3]
    assert header.strip() == "n" and set(rule.strip()) == {"-"} and row.strip() == "14"


@pytest.mark.parametrize(
    ("fmt", "check"),
    [
        ("csv", lambda out: out.splitlines()[0] == "city" and len(out.splitlines()) == 15),
        ("tsv", lambda out: out.splitlines()[0] == "?city" and len(out.splitlines()) == 15),
        ("json", lambda out: len(json.loads(out)["results"]["bindings"]) == 14),
        ("xml", lambda out: out.count("<result>") == 14),
    ],
)
def test_query_result_formats(cli, fmt, check):
    result = cli("query", "SELECT ?city WHERE { ?city a nscn:SmartCity }", "--format", fmt)
    assert result.code == 0, result.err
    assert check(result.out)


def test_query_from_file_as_turtle(cli, tmp_path):
    query = tmp_path / "oslo.rq"
    query.write_text("CONSTRUCT WHERE { city:oslo rdfs:label ?l }")
    result = cli("query", f"@{query}", "--format", "turtle")
    assert result.code == 0
    graph = rdflib.Graph().parse(data=result.out, format="turtle")
    assert Literal("Oslo", lang="en") in set(graph.objects(ID["city/oslo"], RDFS.label))


def test_malformed_query_exits_2_with_position(cli):
    result = cli("query", "SELECT * WHERE { ?s ?p }")
    assert result.code == 2
    assert "line 1, column" in result.err and "does not parse" in result.err
    assert "Traceback" not in result.err


REFUSED_BY_THE_GUARD = {
    "service": (
        "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "Federated queries (SERVICE) are not accepted",
    ),
    "insert": ("INSERT DATA { city:x a nscn:SmartCity }", "read-only"),
    "too-deep": ("ASK { FILTER(" + "(" * 5_000 + "1" + ")" * 5_000 + ") }", "levels of nested"),
}


@pytest.mark.parametrize(
    ("query", "says"), REFUSED_BY_THE_GUARD.values(), ids=REFUSED_BY_THE_GUARD.keys()
)
def test_query_refuses_what_the_server_refuses_with_the_same_message(cli, client, query, says):
    result = cli("query", query)
    assert result.code == 2 and says in result.err
    assert "Traceback" not in result.err and result.out == ""
    server = client.get("/sparql", query_string={"query": query}).get_json()
    assert result.err.strip() == f"error: {server['detail']}"


def test_query_says_which_prefix_is_not_declared(cli):
    result = cli("query", "SELECT * WHERE { ?s foo:bar ?o }")
    assert result.code == 2
    assert "the prefix foo: is not declared (line 1, column 21)" in result.err
    assert "nscn:" in result.err and "city:" in result.err and "u{" not in result.err


def test_query_resolves_relative_iris_against_the_base(cli):
    result = cli("query", "ASK { <id/city/oslo> a nscn:SmartCity }")
    assert result.code == 0 and result.out == "true\n"


def test_build_writes_dumps_that_hold_the_graph(cli, tmp_path, bundled):
    result = cli("build", "--out", str(tmp_path))
    assert result.code == 0, result.err
    dumps = tmp_path / "dumps"
    expected = bundled.to_rdflib()
    ttl, nt, jsonld = (next(dumps.glob(f"nscn-graph-*.{s}")) for s in ("ttl", "nt.gz", "jsonld"))
    assert isomorphic(rdflib.Graph().parse(ttl, format="turtle"), expected)
    nt_text = gzip.decompress(nt.read_bytes()).decode()
    assert isomorphic(rdflib.Graph().parse(data=nt_text, format="nt"), expected)
    assert isomorphic(rdflib.Graph().parse(jsonld, format="json-ld"), expected)
    manifest = json.loads((dumps / "manifest.json").read_text())
    assert manifest["triples"] == len(expected)


def test_build_writes_nothing_when_validation_fails(cli, tmp_path):
    root = tmp_path / "root"
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(paths.ROOT / folder, root / folder)
    _edited(root / "data", "cities.trig", _label_removed)  # overwrites the copy in place
    out = tmp_path / "out"
    result = cli("build", "--out", str(out), env={"NSCN_ROOT": str(root)})
    assert result.code == 1
    assert "city:aarhus" in result.err
    assert not out.exists()


def test_query_file_that_is_not_utf8_exits_2_naming_it(cli, tmp_path):
    query = tmp_path / "latin1.rq"
    query.write_bytes('ASK { ?s ?p "K\u00f8benhavn" }'.encode("latin-1"))
    result = cli("query", f"@{query}")
    assert result.code == 2
    assert f"{query}: " in result.err and "not UTF-8" in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_serve_with_an_impossible_port_is_a_usage_error(cli, port):
    result = cli("serve", "--port", port)
    assert result.code == 2
    assert "not a port number" in result.err
    assert "Traceback" not in result.err


def test_build_into_a_folder_that_cannot_be_made_exits_2_naming_it(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder\n")
    result = cli("build", "--out", str(blocker / "dist"))
    assert result.code == 2
    assert "cannot write the build" in result.err and str(blocker) in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("option", ["--workers", "--threads"])
def test_serve_with_no_workers_or_threads_is_a_usage_error(cli, option):
    # --threads 0 used to start gunicorn, whose workers failed to boot with tracebacks.
    result = cli("serve", option, "0")
    assert result.code == 2
    assert "at least 1" in result.err
    assert "Traceback" not in result.err


def _help_examples(command: str) -> list[str]:
    """The example command lines of ``nscn-graph COMMAND --help`` (joining ``\\`` lines)."""
    from nscn_graph.cli import parser

    sub = parser()._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
    text = sub.format_help().replace("\\\n", " ")
    start = f"  nscn-graph {command}"
    return [line.strip() for line in text.splitlines() if line.startswith(start)]


QUERY_EXAMPLES = _help_examples("query")


@pytest.fixture(scope="module")
def example_folder(tmp_path_factory):
    """A folder to run the examples in, as from the repository's: its queries/, and the
    persistent store the examples name (``nscn-graph build --store-dir dist/store``)."""
    folder = tmp_path_factory.mktemp("examples")
    (folder / "queries").symlink_to(paths.ROOT / "queries")
    built = run_cli("build", "--out", "dist", "--store-dir", "dist/store", cwd=folder)
    assert built.code == 0, built.err
    return folder


def test_the_query_help_has_examples_of_files_that_exist():
    files = [word[1:] for line in QUERY_EXAMPLES for word in shlex.split(line) if word[0] == "@"]
    assert files
    for name in files:
        assert (paths.ROOT / name).is_file(), name


@pytest.mark.parametrize("example", QUERY_EXAMPLES)
def test_every_query_example_in_the_help_runs(example, example_folder, tmp_path):
    words = shlex.split(example)[1:]
    running = None
    if any(w.startswith("sparql+http://127.0.0.1:7878") for w in words):
        from storeservers import oxigraph_command, start_oxigraph

        if oxigraph_command() is None:
            pytest.skip("the oxigraph command is not installed (pip install oxigraph)")
        running = start_oxigraph(tmp_path / "oxigraph")
    try:
        if running is not None:
            netloc = running.base_url.split("//", 1)[1]
            words = [w.replace("127.0.0.1:7878", netloc) for w in words]
            loaded = run_cli("load", "--store", running.spec, cwd=example_folder)
            assert loaded.code == 0, loaded.err
        result = run_cli(*words, cwd=example_folder)
    finally:
        if running is not None:
            running.stop()
    assert result.code == 0, result.err
    assert result.out.strip() and result.out.endswith("\n")


@pytest.mark.parametrize("fmt", ["table", "json", "xml", "csv", "tsv"])
def test_query_output_ends_with_a_newline(cli, fmt):
    result = cli("query", "ASK { city:oslo ?p ?o }", "--format", fmt)
    assert result.code == 0 and result.out.endswith("\n") and not result.out.endswith("\n\n")


def test_query_help_lists_the_formats(cli):
    result = cli("query", "--help")
    assert "table (the default" in " ".join(result.out.split())
    for name in ("table", "json", "csv", "turtle"):
        assert name in result.out
