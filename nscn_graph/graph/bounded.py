"""SHACL validation of a document, bounded in time: parsing and pySHACL both run in a child
process that is killed when it overruns its time limit (neither the RDF parsers nor pySHACL
have a timeout, and parsing alone can cost super-linear time: deeply nested RDF/XML).

The child receives the document's bytes on its standard input and the job (format, base,
limits, the context files) as one JSON argument. It parses the document (with the checks of
:func:`nscn_graph.graph.load.parse_bytes_quads`: no remote context is read, entity bombs and
deep JSON are refused; the named graphs of a TriG or N-Quads document are kept, merged into
the default graph as the loader does), adds the context, the published data files (left out:
the triples about the subjects the document describes, as ``nscn-graph validate FILE`` does),
and validates with no inference and no ``owl:imports``: it loads nothing from a URL. It answers
on its standard output with the report as JSON, or with the error that stopped it (a syntax
error with its line and column, a document over the triple limit), which the parent raises as
the same typed error.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from nscn_graph import formats
from nscn_graph.errors import (
    InputError,
    NscnError,
    PayloadTooLarge,
    RdfSyntaxError,
    ValidationOutOfMemory,
    ValidationTimeout,
)
from nscn_graph.namespaces import DEFAULT_BASE

#: The errors the child may report, by name: the parent raises the same class.
ERRORS: dict[str, type[NscnError]] = {
    cls.__name__: cls for cls in (RdfSyntaxError, InputError, PayloadTooLarge)
}
MB = 1 << 20


@dataclass(frozen=True)
class Outcome:
    """A validation report, in the forms the server sends."""

    conforms: bool
    report: dict  #: the project's JSON report (:meth:`nscn_graph.graph.validate.Report.to_json`)
    turtle: str  #: the W3C SHACL validation report graph, in Turtle
    text: str  #: the report for people


def validate_document(
    data: bytes,
    *,
    fmt: formats.Format,
    shapes: Path,
    name: str,
    timeout: float,
    base: str = DEFAULT_BASE,
    max_triples: int | None = None,
    context: Sequence[tuple[str, Path]] = (),
    memory_limit: int = 0,
) -> Outcome:
    """Parse ``data`` (in ``fmt``) and validate it against ``shapes``, together with the
    ``context`` files (``(name shown, path)``; none: the document alone), in a child process
    that is killed after ``timeout`` seconds (:class:`ValidationTimeout`). Syntax errors are
    :class:`RdfSyntaxError` with line and column; more than ``max_triples`` triples in the
    document is :class:`PayloadTooLarge`. The child's data may grow by at most ``memory_limit``
    bytes (0: no limit) beyond what its libraries take (``RLIMIT_DATA``, set before it reads
    the document); past it, :class:`ValidationOutOfMemory`."""
    job = {
        "format": fmt.name,
        "base": base,
        "name": name,
        "shapes": str(shapes),
        "max_triples": max_triples,
        "context": [[shown, str(path)] for shown, path in context],
        "memory_limit": memory_limit,
    }
    command = [sys.executable, "-m", "nscn_graph.graph.bounded", json.dumps(job)]
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ValidationTimeout(
            f"parsing and validation did not finish within {timeout:g} seconds; "
            "send a smaller or less deeply nested document",
            headers={"Retry-After": "60"},
        ) from None
    if done.returncode != 0:
        if memory_limit and (done.returncode < 0 or b"MemoryError" in done.stderr):
            raise _out_of_memory(memory_limit)  # an allocation failed outside Python's reach
        raise NscnError("the validation process failed")
    body = json.loads(done.stdout)
    if "error" in body:
        error = body["error"]
        if error["kind"] == "memory":
            raise _out_of_memory(memory_limit)
        cls = ERRORS.get(error.pop("kind"), NscnError)
        raise cls(error.pop("detail"), **error)
    return Outcome(body["conforms"], body["report"], body["turtle"], body["text"])


def _out_of_memory(limit: int) -> ValidationOutOfMemory:
    return ValidationOutOfMemory(
        f"validating this document needed more memory than this server allows a validation "
        f"({limit // MB} MB); send a smaller document, or validate it with `nscn-graph "
        "validate FILE` on your own machine",
        headers={"Retry-After": "60"},
    )


def _limit_memory(limit: int) -> None:
    """Let this process's data grow by at most ``limit`` bytes beyond what it holds now."""
    import resource

    if limit <= 0:
        return
    held = 0
    with open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmData:"):
                held = int(line.split()[1]) * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    soft = held + limit if hard == resource.RLIM_INFINITY else min(held + limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))


def validate_triples(
    triples: Sequence[ox.Triple], *, shapes: Path, name: str, timeout: float
) -> Outcome:
    """Validate already parsed ``triples`` alone (as :func:`validate_document`)."""
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    return validate_document(data, fmt=formats.NTRIPLES, shapes=shapes, name=name, timeout=timeout)


def _run(job: dict, data: bytes) -> dict:
    """The child's work: parse, add the context, validate; the report or the error."""
    from nscn_graph.graph.load import DEFAULT, LoadedGraph, add_context, key_of, parse_bytes_quads
    from nscn_graph.graph.validate import validate_loaded

    name, base = job["name"], job["base"]
    fmt = formats.by_name(job["format"], formats.READABLE_FORMATS)
    try:
        quads = parse_bytes_quads(data, fmt, base=base, name=name)
    except RdfSyntaxError as error:
        if "remote context" in error.detail:
            error.detail = "remote JSON-LD contexts are never fetched: embed the context"
        raise
    most = job["max_triples"]
    if most is not None and len(quads) > most:
        raise PayloadTooLarge(
            f"the document holds {len(quads)} triples; /validate checks at most {most}"
        )
    store = ox.Store()
    # extend, not bulk_extend: the bulk loader reserves 200 MB of buffers up front, which the
    # memory limit would count against the document. As the loader does, the named graphs
    # (a TriG or N-Quads document's source records) are kept and merged into the default graph.
    store.extend(quads)
    store.extend(ox.Quad(*q.triple) for q in quads if not isinstance(q.graph_name, ox.DefaultGraph))
    subjects: dict[str, set[str]] = {}
    placed: dict[tuple[str, str], set[str]] = {}
    for quad in quads:
        subject = key_of(quad.subject)
        graph = DEFAULT if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        subjects.setdefault(subject, set()).add(name)
        placed.setdefault((subject, graph), set()).add(name)
    loaded = LoadedGraph([Path(name)], store, subjects, placed)
    document_triples = len(loaded)
    # an uploaded file named as a published one (an edited cities.trig) stands in for it
    context = [
        (shown, Path(path)) for shown, path in job["context"] if Path(shown).name != Path(name).name
    ]
    add_context(loaded, context, base=base)
    texts = {name: data.decode("utf-8", "replace")}  # to name the lines of the results
    for shown, path in context:
        texts[shown] = path.read_text(encoding="utf-8", errors="replace")
    report = validate_loaded(loaded, shapes=Path(job["shapes"]), texts=texts)
    summary = json.loads(report.to_json())
    summary["document"] = {"name": name, "triples": document_triples}
    summary["context"] = {
        "files": [shown for shown, _ in context],
        "triples": len(loaded) - document_triples,
    }
    return {
        "conforms": report.conforms,
        "report": summary,
        "turtle": report.graph.serialize(format="turtle") if report.graph is not None else "",
        "text": report.to_text(),
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = argparse.ArgumentParser(prog="python -m nscn_graph.graph.bounded")
    args.add_argument("job", help="the job, as JSON (see validate_document)")
    job = json.loads(args.parse_args(argv).job)
    # the libraries first, then the limit: what it bounds is the document's cost
    import pyshacl  # noqa: F401
    import rdflib  # noqa: F401

    from nscn_graph.graph import load, validate  # noqa: F401

    try:
        _limit_memory(job.get("memory_limit") or 0)
    except (OSError, ValueError):  # no /proc or no such limit here: the time limit still holds
        pass
    try:
        data = sys.stdin.buffer.read()
        body = _run(job, data)
    except MemoryError:
        body = {"error": {"kind": "memory", "detail": "memory limit"}}
    except tuple(ERRORS.values()) as error:
        problem = {"kind": type(error).__name__, "detail": error.detail}
        for key in ("file", "line", "column"):
            if getattr(error, key) is not None:
                problem[key] = getattr(error, key)
        body = {"error": problem}
    sys.stdout.write(json.dumps(body))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
