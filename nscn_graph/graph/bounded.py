"""SHACL validation bounded in time: pySHACL runs in a child process that is killed when it
overruns its time limit (pySHACL itself has no timeout).

The child receives the triples as N-Triples on its standard input (already parsed and checked
by the parent, so it reads no remote context) and validates them against the project's shapes
with no inference and no ``owl:imports``: it loads nothing from a URL. It answers with the
report as JSON on its standard output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nscn_graph.errors import NscnError, ValidationTimeout


@dataclass(frozen=True)
class Outcome:
    """A validation report, in the forms the server sends."""

    conforms: bool
    report: dict  #: the project's JSON report (:meth:`nscn_graph.graph.validate.Report.to_json`)
    turtle: str  #: the W3C SHACL validation report graph, in Turtle
    text: str  #: the report for people


def validate_triples(
    triples: Sequence[ox.Triple], *, shapes: Path, name: str, timeout: float
) -> Outcome:
    """Validate ``triples`` against ``shapes`` in a child process, within ``timeout`` seconds."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    command = [
        sys.executable,
        "-m",
        "nscn_graph.graph.bounded",
        f"--shapes={shapes}",
        f"--name={name}",
    ]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ValidationTimeout(
            f"validation did not finish within {timeout:g} seconds; send a smaller document",
            headers={"Retry-After": "60"},
        ) from None
    if done.returncode != 0:
        raise NscnError("the validation process failed")
    body = json.loads(done.stdout)
    return Outcome(body["conforms"], body["report"], body["turtle"], body["text"])


def main(argv: Sequence[str] | None = None) -> int:
    from nscn_graph.graph.load import LoadedGraph
    from nscn_graph.graph.validate import validate_loaded

    args = argparse.ArgumentParser(prog="python -m nscn_graph.graph.bounded")
    args.add_argument("--shapes", type=Path, required=True)
    args.add_argument("--name", default="document")
    options = args.parse_args(argv)
    data = sys.stdin.buffer.read()
    store = ox.Store()
    subjects: dict[str, set[str]] = defaultdict(set)
    quads = list(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    store.bulk_extend(quads)
    for quad in quads:
        subject = quad.subject
        subjects[subject.value if hasattr(subject, "value") else str(subject)].add(options.name)
    loaded = LoadedGraph([Path(options.name)], store, dict(subjects))
    report = validate_loaded(loaded, shapes=options.shapes)
    body = {
        "conforms": report.conforms,
        "report": json.loads(report.to_json()),
        "turtle": report.graph.serialize(format="turtle") if report.graph is not None else "",
        "text": report.to_text(),
    }
    sys.stdout.write(json.dumps(body))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
