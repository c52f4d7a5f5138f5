"""Parsing and validation in a child process with a time limit."""

from __future__ import annotations

import pytest

from nscn_graph import formats, paths
from nscn_graph.errors import (
    PayloadTooLarge,
    RdfSyntaxError,
    ValidationOutOfMemory,
    ValidationTimeout,
)
from nscn_graph.graph.bounded import validate_document, validate_triples
from nscn_graph.graph.load import parse_file

INVALID = paths.ROOT / "tests" / "shapes" / "S01-invalid-01.ttl"


def test_report_names_the_document():
    outcome = validate_triples(
        parse_file(INVALID), shapes=paths.shapes_file(), name="-odd name-", timeout=60
    )
    assert outcome.conforms is False
    assert outcome.report["results"][0]["files"] == ["-odd name-"]
    assert "sh:ValidationReport" in outcome.turtle
    assert "Does not conform" in outcome.text


def test_overrunning_the_time_limit_is_a_timeout():
    with pytest.raises(ValidationTimeout) as caught:
        validate_triples(parse_file(INVALID), shapes=paths.shapes_file(), name="x", timeout=0.001)
    assert caught.value.status == 503 and caught.value.headers["Retry-After"]


def _validate(data: bytes, fmt=formats.TURTLE, name="doc.ttl", **kw):
    return validate_document(
        data, fmt=fmt, shapes=paths.shapes_file(), name=name, timeout=60, **kw
    )


def test_the_child_reports_syntax_errors_with_line_and_column():
    with pytest.raises(RdfSyntaxError) as caught:
        _validate(b"@prefix x: <http://x/> .\nx:a x:b .\n")
    assert (caught.value.line, caught.value.column, caught.value.file) == (2, 9, "doc.ttl")


def test_the_child_counts_the_triples():
    with pytest.raises(PayloadTooLarge) as caught:
        _validate(INVALID.read_bytes(), max_triples=3)
    assert "at most 3" in caught.value.detail


def test_the_context_files_are_validated_with_the_document():
    data = paths.ROOT / "data" / "cities.trig"
    context = [(f"data/{p.name}", p) for p in paths.data_files()]
    together = _validate(data.read_bytes(), formats.TRIG, name="doc.trig", context=context)
    assert together.conforms is True
    assert "data/cities.trig" in together.report["context"]["files"]
    # a document named as a published file stands in for it
    edited = _validate(data.read_bytes(), formats.TRIG, name="cities.trig", context=context)
    assert edited.conforms is True
    assert "data/cities.trig" not in edited.report["context"]["files"]
    alone = _validate(data.read_bytes(), formats.TRIG, name="doc.trig")
    assert alone.conforms is False


def test_a_validation_past_its_memory_limit_is_a_503_that_says_so():
    """The child's data may grow by the memory limit (here 16 MB) beyond its libraries: a
    document of 60 000 triples needs more, and the answer names the limit."""
    lines = [
        f'<http://example.org/t{i}> <http://example.org/p> "value number {i}" .'
        for i in range(60_000)
    ]
    with pytest.raises(ValidationOutOfMemory) as caught:
        _validate("\n".join(lines).encode(), fmt=formats.NTRIPLES, memory_limit=16 << 20)
    assert caught.value.status == 503 and "16 MB" in caught.value.detail
    # a small document fits in the same limit
    outcome = _validate(INVALID.read_bytes(), memory_limit=16 << 20)
    assert outcome.conforms is False
