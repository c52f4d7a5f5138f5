"""Validation of data against the project's SHACL shapes (W3C SHACL, Core only), with pySHACL.

The report names, for each result, the file (and line) an editor has to open, the focus node,
the path, the shape's message, what the value is (an IRI nothing describes, a literal where an
IRI is expected: :mod:`nscn_graph.graph.messages`) and the severity. Results that repeat one
message (a mistyped prefix IRI gives one per use) are grouped: the count, the subjects, and
what the values have in common. It prints for people or as JSON for programs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

import pyshacl
import rdflib
from rdflib.namespace import RDF, SH
from rdflib.paths import Path as RdflibPath

from nscn_graph import paths as project_paths
from nscn_graph.graph.load import DEFAULT, LoadedGraph, to_rdflib
from nscn_graph.graph.messages import Lines, found, kind_of, namespace_of
from nscn_graph.graph.provenance import MESSAGE, has_records, unsourced
from nscn_graph.namespaces import DEFAULT_BASE, PREFIXES

_NAMES = rdflib.namespace.NamespaceManager(rdflib.Graph(), bind_namespaces="none")
for _prefix, _iri in PREFIXES.items():
    _NAMES.bind(_prefix, _iri)
_NAMES.bind("nscnsh", "https://w3id.org/nscn/shapes#")
_NAMES.bind("sh", str(SH))


@dataclass(frozen=True)
class Result:
    """One SHACL validation result, located in the files it concerns."""

    files: tuple[str, ...]
    focus: str
    path: str | None
    message: str
    severity: str
    shape: str | None
    value: str | None
    component: str
    line: int | None = None  #: the focus node's first line in ``files[0]``, where known
    value_kind: str | None = None  #: ``IRI``, ``literal`` or ``blank node``
    found: str | None = None  #: what the value is, e.g. "an IRI that nothing describes"
    value_iri: str | None = field(default=None, repr=False)  #: the value, if an IRI

    @property
    def where(self) -> str:
        """``file:line`` (the line where known), then any other files."""
        if not self.files:
            return "(no file)"
        first = f"{self.files[0]}:{self.line}" if self.line else self.files[0]
        return ", ".join([first, *self.files[1:]])

    @property
    def key(self) -> tuple:
        """What results that repeat one message share."""
        return (self.severity, self.shape or self.component, self.path, self.message)

    def __str__(self) -> str:
        path = f" {self.path}" if self.path else ""
        said = f"{self.found}. " if self.found else ""
        value = f" (value: {self.value})" if self.value is not None and not self.found else ""
        return (
            f"{self.where}: {self.focus}{path}: {said}{self.message}{value} "
            f"[{self.severity}, {self.shape or self.component}]"
        )

    def to_json(self) -> dict:
        body = asdict(self)
        del body["value_iri"]
        return body


PLURALS = {"Violation": "violations", "Warning": "warnings", "Info": "info results"}


@dataclass(frozen=True)
class Group:
    """Results that repeat one message (same severity, shape, path and message)."""

    results: tuple[Result, ...]
    hint: str | None = None  #: what the values have in common, e.g. one unknown namespace

    @property
    def first(self) -> Result:
        return self.results[0]

    def subjects(self) -> list[str]:
        """Each focus node once, with its file and line where known."""
        seen: dict[str, str] = {}
        for r in self.results:
            seen.setdefault(r.focus, f"{r.focus} ({r.where})" if r.files else r.focus)
        return list(seen.values())

    def to_text(self, shown: int = 10) -> str:
        r = self.first
        if len(self.results) == 1:
            return str(r)
        path = f" {r.path}" if r.path else ""
        subjects = self.subjects()
        one = f" {r.focus}" if len(subjects) == 1 else ""
        lines = [
            f"{r.where}:{one}{path}: {len(self.results)} {PLURALS.get(r.severity, 'results')}: "
            f"{r.message} [{r.severity}, {r.shape or r.component}]"
        ]
        founds = sorted({x.found for x in self.results if x.found})
        if self.hint:
            lines.append(f"  {self.hint}")
        elif founds and len(founds) <= 3:
            lines += [f"  {said}" for said in founds]
        else:
            kinds = sorted({x.value_kind for x in self.results if x.value_kind})
            if kinds:
                lines.append(f"  the values are {' and '.join(k + 's' for k in kinds)}")
        if len(subjects) > 1:
            more = f", and {len(subjects) - shown} more" if len(subjects) > shown else ""
            lines.append(f"  subjects: {', '.join(subjects[:shown])}{more}")
        values = sorted({x.value for x in self.results if x.value is not None})
        if values and (self.hint or not founds or len(founds) > 3):
            more = f", and {len(values) - shown} more" if len(values) > shown else ""
            lines.append(f"  values: {', '.join(values[:shown])}{more}")
        return "\n".join(lines)

    def to_json(self) -> dict:
        r = self.first
        return {
            "count": len(self.results),
            "severity": r.severity,
            "shape": r.shape,
            "component": r.component,
            "path": r.path,
            "message": r.message,
            "hint": self.hint,
            "found": sorted({x.found for x in self.results if x.found}),
            "subjects": sorted({x.focus for x in self.results}),
            "values": sorted({x.value for x in self.results if x.value is not None}),
            "files": sorted({f for x in self.results for f in x.files}),
            "where": r.where,
        }


@dataclass
class Report:
    """The outcome of a validation: ``conforms`` and the results, most severe first, and the
    same results grouped by message."""

    conforms: bool
    results: list[Result] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    triples: int = 0
    graph: rdflib.Graph | None = field(default=None, repr=False)
    groups: list[Group] = field(default_factory=list)

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    def to_text(self) -> str:
        if self.conforms:
            return f"Conforms: {self.triples} triples in {len(self.files)} file(s), no violations."
        groups = self.groups or [Group((r,)) for r in self.results]
        lines = [g.to_text() for g in groups]
        repeated = sum(1 for g in groups if len(g.results) > 1)
        grouped = f", {repeated} repeated message(s) grouped" if repeated else ""
        lines.append(
            f"Does not conform: {len(self.violations)} violation(s), "
            f"{len(self.results)} result(s) in all{grouped}, {self.triples} triples checked."
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        body = {
            "conforms": self.conforms,
            "triples": self.triples,
            "files": self.files,
            "results": [r.to_json() for r in self.results],
            "groups": [g.to_json() for g in self.groups],
        }
        return json.dumps(body, indent=2, ensure_ascii=False)


@lru_cache(maxsize=4)
def shapes_graph(path: Path | None = None) -> rdflib.Graph:
    """The SHACL shapes (parsed once)."""
    return rdflib.Graph().parse(path or project_paths.shapes_file(), format="turtle")


def validate_loaded(
    loaded: LoadedGraph,
    *,
    shapes: Path | None = None,
    texts: Mapping[str, str] | None = None,
    provenance: bool | None = None,
    base: str = DEFAULT_BASE,
) -> Report:
    """Validate ``loaded``: the shapes over the merged graph, then the provenance of each
    statement (:mod:`nscn_graph.graph.provenance`) where ``provenance`` says so, or, when it is
    ``None``, where the data holds source records (data written as named graphs; a Turtle
    example checked alone has none). Lines are found in the files' texts: ``texts`` (name ->
    text) if given, for documents that are not files such as a posted one (then no file is
    read), else the files that can be read."""
    data = loaded.to_rdflib()
    rules = shapes_graph(shapes)
    conforms, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=rules,
        inference="none",
        advanced=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    nodes = list(report_graph.subjects(RDF.type, SH.ValidationResult))
    if provenance is None:
        provenance = has_records(loaded.store)
    unsourced_statements = unsourced(loaded.store, base=base) if provenance else []
    if texts is not None:
        lines = Lines(dict(texts))
    else:
        wanted = nodes or unsourced_statements
        lines = Lines.of_files(sorted({str(f) for f in loaded.files}) if wanted else [])
    results = [_result(report_graph, node, loaded, data, rules, lines) for node in nodes]
    results += [_unsourced(q, graph, loaded, lines) for q, graph in unsourced_statements]
    conforms = conforms and not unsourced_statements
    order = {"Violation": 0, "Warning": 1, "Info": 2}
    results.sort(
        key=lambda r: (order.get(r.severity, 3), r.files, r.line or 0, r.focus, r.path or "")
    )
    return Report(
        conforms=bool(conforms),
        results=results,
        files=[str(f) for f in loaded.files],
        triples=len(data),
        graph=report_graph,
        groups=_groups(results, data, lines),
    )


def _groups(results: list[Result], data: rdflib.Graph, lines: Lines) -> list[Group]:
    """Results grouped by their message, in the order of their first result."""
    by_key: dict[tuple, list[Result]] = {}
    for r in results:
        by_key.setdefault(r.key, []).append(r)
    return [Group(tuple(rs), _hint(rs, data, lines)) for rs in by_key.values()]


def _hint(results: list[Result], data: rdflib.Graph, lines: Lines) -> str | None:
    """What repeated values have in common: IRIs in one namespace that nothing in the data
    describes (a mistyped prefix IRI), with the line that declares the prefix."""
    iris = [r.value_iri for r in results]
    if len(results) < 2 or any(iri is None for iri in iris):
        return None
    namespaces = {namespace_of(iri) for iri in iris if iri}
    if len(namespaces) != 1:
        return None
    namespace = namespaces.pop()
    if any(str(s).startswith(namespace) for s in data.subjects(unique=True)):
        return None
    hint = f"the values are IRIs under <{namespace}>, which nothing in the data describes"
    declared = lines.prefix(namespace)
    if declared is None:
        return hint + ": are they mistyped?"
    name, prefix, number = declared
    return hint + f": is the IRI of the prefix {prefix}: ({name}:{number}) mistyped?"


def _result(
    report: rdflib.Graph,
    node,
    loaded: LoadedGraph,
    data: rdflib.Graph,
    shapes: rdflib.Graph,
    lines: Lines,
) -> Result:
    focus = report.value(node, SH.focusNode)
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    severity = report.value(node, SH.resultSeverity)
    shape = report.value(node, SH.sourceShape)
    component = report.value(node, SH.sourceConstraintComponent)
    messages = [str(m) for m in report.objects(node, SH.resultMessage)]
    files = _files_for(focus, value, loaded, data)
    holder = focus
    if isinstance(focus, rdflib.Literal):  # a shared literal: the first subject holding it
        holder = next(iter(sorted(data.subjects(None, focus))), None)
    line = lines.subject(files[0], holder) if files and holder is not None else None
    return Result(
        files=tuple(files),
        focus=_show_focus(focus, data),
        path=_show_path(report, path) if path is not None else None,
        message="; ".join(messages) or "constraint not met",
        severity=str(severity).rpartition("#")[2] if severity else "Violation",
        shape=_show(shape) if isinstance(shape, rdflib.URIRef) else None,
        value=_show(value) if value is not None else None,
        component=_show(component),
        line=line,
        value_kind=kind_of(value),
        found=found(component, value, lambda p: shapes.value(shape, p), data, _show),
        value_iri=str(value) if isinstance(value, rdflib.URIRef) else None,
    )


def _unsourced(quad, graph: str | None, loaded: LoadedGraph, lines: Lines) -> Result:
    """A statement in no source record, located: the block of the graph that holds it, or
    its subject outside every graph block."""
    subject, predicate, value = (to_rdflib(t) for t in quad.triple)
    files = loaded.files_of(str(subject), graph if graph is not None else DEFAULT)
    line = None
    if files:
        if graph is not None:
            line = lines.graph(files[0], graph)
        else:
            line = lines.subject(files[0], subject, outside_graphs=True)
    if graph is not None:
        where = f"in the graph {_show(rdflib.URIRef(graph))}, which is no source record"
    else:
        where = "in no named graph"
    return Result(
        files=tuple(files),
        focus=_show(subject),
        path=_show(predicate),
        message=MESSAGE,
        severity="Violation",
        shape=None,
        value=_show(value),
        component="provenance",
        line=line,
        value_kind=kind_of(value),
        found=f"the statement with the value {_show(value)} is {where}",
        value_iri=None,
    )


def _files_for(focus, value, loaded: LoadedGraph, data: rdflib.Graph) -> list[str]:
    """The files that describe the focus node; for a literal or a thing no file describes
    (a shared identifier, a dangling link), the files of the subjects that mention it."""
    files = set(loaded.files_of(str(focus))) if not isinstance(focus, rdflib.Literal) else set()
    if not files:
        for term in (focus, value):
            if term is None:
                continue
            for subject in data.subjects(None, term):
                files.update(loaded.files_of(str(subject)))
    return sorted(files)


def _show_focus(focus, data: rdflib.Graph) -> str:
    """The focus node; a literal (a shared identifier) with the subjects that hold it."""
    if not isinstance(focus, rdflib.Literal):
        return _show(focus)
    holders = sorted(_show(s) for s in set(data.subjects(None, focus)))
    return f"{_show(focus)} (on {', '.join(holders)})" if holders else _show(focus)


def _show(term) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.URIRef):
        return _NAMES.normalizeUri(term)
    return term.n3()


def _show_path(report: rdflib.Graph, path) -> str:
    if isinstance(path, rdflib.URIRef):
        return _show(path)
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _show(inverse)
    return str(path) if isinstance(path, RdflibPath) else path.n3()
