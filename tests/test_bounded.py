"""Validation in a child process with a time limit."""

from __future__ import annotations

import pytest

from nscn_graph import paths
from nscn_graph.errors import ValidationTimeout
from nscn_graph.graph.bounded import validate_triples
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
