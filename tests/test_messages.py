"""Violation messages an editor can act on (:mod:`nscn_graph.graph.messages`, grouping in
:mod:`nscn_graph.graph.validate`): worded by what the value is, repeated messages grouped, the
file's line named. Through the CLI (text and JSON) and ``/validate``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from nscn_graph import paths
from nscn_graph.graph.load import load_in_context
from nscn_graph.graph.validate import validate_loaded

CASES = paths.ROOT / "data" / "cases.trig"
THEME_PREFIX = "@prefix theme:        <https://w3id.org/nscn/id/theme/> ."
TYPO = "@prefix theme:        <https://w3id.org/nscn/id/thme/> ."
TYPO_IRI = "https://w3id.org/nscn/id/thme/"


def _line_of(text: str, start: str) -> int:
    """The number of the first line of ``text`` that starts with ``start`` (1-based), after
    its indentation (a subject in a graph block is indented)."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.lstrip().startswith(start))


@pytest.fixture()
def mistyped_prefix(tmp_path) -> Path:
    """data/cases.trig with a typo in the IRI of its theme: prefix."""
    text = CASES.read_text(encoding="utf-8")
    assert THEME_PREFIX in text
    path = tmp_path / "cases.trig"
    path.write_text(text.replace(THEME_PREFIX, TYPO), encoding="utf-8")
    return path


def _uses(path: Path) -> int:
    """How many statements have a value under the mistyped prefix IRI, each counted once: a
    statement written in the graphs of several source records is one statement of the merged
    graph, which is what is validated."""
    statements = {
        quad.triple
        for quad in ox.parse(path=path, format=ox.RdfFormat.TRIG)
        if isinstance(quad.object, ox.NamedNode) and quad.object.value.startswith(TYPO_IRI)
    }
    return len(statements)


def _report(path: Path):
    return validate_loaded(load_in_context([path], paths.data_files()))


def test_a_mistyped_prefix_is_one_group_naming_the_prefix_line(mistyped_prefix):
    report = _report(mistyped_prefix)
    text = mistyped_prefix.read_text(encoding="utf-8")
    uses = _uses(mistyped_prefix)
    assert len(report.results) == uses > 10
    assert len(report.groups) == 1
    group = report.groups[0]
    assert len(group.results) == uses
    prefix_line = _line_of(text, "@prefix theme:")
    assert group.hint == (
        "the values are IRIs under <https://w3id.org/nscn/id/thme/>, which nothing in the data "
        f"describes: is the IRI of the prefix theme: ({mistyped_prefix}:{prefix_line}) mistyped?"
    )
    assert all(r.value_kind == "IRI" for r in group.results)
    assert all("not a string" not in r.message for r in group.results)


def test_each_result_names_the_line_its_subject_starts_on(mistyped_prefix):
    report = _report(mistyped_prefix)
    text = mistyped_prefix.read_text(encoding="utf-8")
    for result in report.results:
        assert result.files == (str(mistyped_prefix),)
        starts = [
            n for n, line in enumerate(text.splitlines(), 1) if line.split()[:1] == [result.focus]
        ]
        assert result.line == starts[0]


def test_the_cli_prints_the_group_once(cli, mistyped_prefix):
    result = cli("validate", str(mistyped_prefix))
    assert result.code == 1
    lines = result.out.splitlines()
    text = mistyped_prefix.read_text(encoding="utf-8")
    uses = _uses(mistyped_prefix)
    first = _line_of(text, "case:")
    assert lines[0].startswith(f"{mistyped_prefix}:{first}: nscn:theme: {uses} violations: ")
    assert "is the IRI of the prefix theme:" in lines[1]
    assert lines[2].startswith("  subjects: case:")
    assert sum("[Violation" in line for line in lines) == 1
    assert "not a string" not in result.out
    assert lines[-1].startswith(f"Does not conform: {uses} violation(s)")


def test_the_cli_json_has_the_groups(cli, mistyped_prefix):
    result = cli("validate", "--format", "json", str(mistyped_prefix))
    assert result.code == 1
    report = json.loads(result.out)
    [group] = report["groups"]
    assert group["count"] == len(report["results"])
    assert "prefix theme:" in group["hint"]
    assert len(group["subjects"]) > 10
    assert all(r["line"] and r["value_kind"] == "IRI" for r in report["results"])


def _case_with_theme(tmp_path: Path, theme: str) -> Path:
    """data/cases.trig's prefixes and one case, in the graph of the source record it cites."""
    path = tmp_path / "case.trig"
    path.write_text(
        CASES.read_text(encoding="utf-8").split("\nrecord:")[0]
        + f"""
record:nscn-eu {{
    case:x a nscn:Case ;
        rdfs:label "A case"@en ;
        dcterms:identifier "case/x" ;
        dcterms:source <https://nscn.eu/> ;
        nscn:city city:aarhus ;
        nscn:theme {theme} .
}}
""",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("theme", "kind", "found"),
    [
        ('"mobility"', "literal", '"mobility" is a literal, not the IRI of an nscn:Theme'),
        ("[ a nscn:Theme ]", "blank node", "the value is a blank node, where an IRI is expected"),
        (
            "city:oslo",
            "IRI",
            "city:oslo is described in the data, typed nscn:City, nscn:SmartCity, but not as "
            "an nscn:Theme",
        ),
        (
            "theme:mobilty",
            "IRI",
            "theme:mobilty is an IRI that nothing in the data describes (is it, or its prefix's "
            "IRI, mistyped?)",
        ),
    ],
    ids=["literal", "blank-node", "iri-of-another-kind", "unknown-iri"],
)
def test_the_message_is_worded_by_the_values_kind(tmp_path, theme, kind, found):
    path = _case_with_theme(tmp_path, theme)
    report = validate_loaded(load_in_context([path], paths.data_files()))
    results = [r for r in report.results if r.path == "nscn:theme"]
    assert results and all(r.value_kind == kind for r in results)
    [result] = [r for r in results if r.found and r.found.startswith(found)]
    text = path.read_text(encoding="utf-8")
    assert result.line == _line_of(text, "case:x")
    assert str(result).startswith(f"{path}:{result.line}: case:x nscn:theme: {result.found}. ")


def test_syntax_errors_are_json_with_format_json(cli, tmp_path):
    path = tmp_path / "broken.ttl"
    path.write_text("@prefix a: <http://a/> .\na:b a:c a:d a:e .\n")
    result = cli("validate", "--format", "json", str(path))
    assert result.code == 2
    body = json.loads(result.out)
    assert body["conforms"] is None
    assert body["error"]["file"] == str(path)
    assert (body["error"]["line"], body["error"]["title"]) == (2, "RDF syntax error")
    assert body["error"]["detail"]


def test_a_missing_file_is_json_with_format_json(cli, tmp_path):
    result = cli("validate", "--format", "json", str(tmp_path / "missing.ttl"))
    assert result.code == 2
    assert json.loads(result.out)["error"]["detail"] == "no such file"


def test_validate_groups_and_lines_for_a_posted_document(client, mistyped_prefix):
    data = mistyped_prefix.read_bytes()
    response = client.post(
        "/validate",
        data=data,
        headers={"Content-Type": "application/trig", "Accept": "application/json"},
    )
    report = response.get_json()
    [group] = report["groups"]
    line = _line_of(data.decode(), "@prefix theme:")
    assert f"the prefix theme: (request body:{line})" in group["hint"]
    assert all(r["line"] for r in report["results"])
    page = client.post(
        "/validate",
        data={"data": data.decode(), "format": "trig"},
        headers={"Accept": "text/html"},
    ).get_data(as_text=True)
    rows = re.findall(r"<tr><td>Violation</td>", page)
    assert len(rows) == 1
    assert f"the prefix theme: (pasted data:{line}) mistyped?" in page
